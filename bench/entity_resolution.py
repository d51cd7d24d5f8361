"""Entity-resolution benchmark: our matcher against Splink (DuckDB) on the same labelled data.

    .venv/bin/python bench/entity_resolution.py [--people 5000] [--seed 20261124] [--no-splink]

Generates fictional Wisconsin person records with known duplicates and realistic errors
(`fusioncenter.entities.synthetic`, seeded), resolves them with `entities.matching.resolve_batch`
and with Splink trained the way its tutorials train a dedupe model (u by random sampling, m by EM
over two blocking rules, term frequencies on names), clusters both at several thresholds, and
prints pairwise precision, recall and F1 and the run times as JSON lines. Also times incremental
matching (`resolve_mention` against an index in a test database) when --incremental is given.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from fusioncenter.entities import matching, synthetic  # noqa: E402

FIELDS = [f for f in matching.PERSON_FIELDS if f not in ("full_name", "middle_name", "zip", "dl")]


def ours(records: list[dict], thresholds: list[float]) -> list[dict]:
    raw = [{k: r[k] for k in FIELDS} for r in records]
    started = time.perf_counter()
    prepared = [matching.prepare_person(r) for r in raw]
    t_prep = time.perf_counter() - started
    pairs = sorted(matching.candidate_pairs(prepared))
    model = matching.train(matching.PersonModel(), prepared, pairs)
    score = model.scorer()
    scored = [(i, j, score(prepared[i], prepared[j])) for i, j in pairs]
    t_score = time.perf_counter() - started
    out = []
    for th in thresholds:
        clusters = matching.cluster(len(prepared), scored, th)
        s = synthetic.pairwise_scores(records, clusters)
        out.append({"system": "fusioncenter", "threshold_weight": th, **_round(s), "pairs": len(pairs),
                    "seconds": round(t_score, 2), "prepare_seconds": round(t_prep, 2)})
    return out


def splink(records: list[dict], thresholds: list[float]) -> list[dict]:
    import pandas as pd
    import splink.comparison_library as cl
    from splink import DuckDBAPI, Linker, SettingsCreator, block_on

    rows = []
    for r in records:
        prepared = matching.prepare_person({k: r[k] for k in FIELDS})  # same normalization for both
        rows.append({
            "unique_id": r["record_id"],
            "first_name": prepared["first"] or None,
            "surname": prepared["last"] or None,
            "dob": prepared["dob"] or None,
            "sex": prepared["sex"] or None,
            "phone": prepared["phones"][0] if prepared["phones"] else None,
            "email": prepared["emails"][0] if prepared["emails"] else None,
            "address": prepared["addr"] or None,
            "zip": prepared["zip"] or None,
            "birth_year": prepared["dob"][:4] or None,
        })
    df = pd.DataFrame(rows)
    started = time.perf_counter()
    db = DuckDBAPI()
    settings = SettingsCreator(
        link_type="dedupe_only",
        comparisons=[
            cl.NameComparison("first_name").configure(term_frequency_adjustments=True),
            cl.NameComparison("surname").configure(term_frequency_adjustments=True),
            cl.DateOfBirthComparison("dob", input_is_string=True),
            cl.ExactMatch("sex"),
            cl.ExactMatch("phone"),
            cl.EmailComparison("email"),
            cl.ExactMatch("address"),
        ],
        blocking_rules_to_generate_predictions=[
            block_on("surname", "birth_year"),
            block_on("first_name", "dob"),
            block_on("first_name", "surname"),
            block_on("phone"),
            block_on("email"),
        ],
        retain_intermediate_calculation_columns=False,
    )
    sdf = db.register(df)
    linker = Linker(sdf, settings, log_level=None)
    linker.training.estimate_probability_two_random_records_match(
        [block_on("first_name", "surname", "dob")], recall=0.7)
    linker.training.estimate_u_using_random_sampling(max_pairs=1e6, seed=1)
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("first_name", "surname"))
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("dob"))
    predictions = linker.inference.predict(threshold_match_weight=-10)
    t_train_predict = time.perf_counter() - started
    out = []
    index = {r["record_id"]: i for i, r in enumerate(records)}
    for th in thresholds:
        t0 = time.perf_counter()
        clusters_df = linker.clustering.cluster_pairwise_predictions_at_threshold(
            predictions, threshold_match_weight=th).as_pandas_dataframe()
        labels = [None] * len(records)
        for uid, cid in zip(clusters_df["unique_id"], clusters_df["cluster_id"], strict=True):
            labels[index[uid]] = cid
        s = synthetic.pairwise_scores(records, labels)
        out.append({"system": "splink", "threshold_weight": th, **_round(s),
                    "pairs": int(predictions.as_pandas_dataframe().shape[0]),
                    "seconds": round(t_train_predict + time.perf_counter() - t0, 2)})
    return out


def _round(s: dict) -> dict:
    return {k: round(v, 4) if isinstance(v, float) else v for k, v in s.items()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=5000)
    parser.add_argument("--seed", type=int, default=20261124)
    parser.add_argument("--no-splink", action="store_true")
    parser.add_argument("--thresholds", default="0,3,6,9,12,15")
    args = parser.parse_args(argv)
    thresholds = [float(t) for t in args.thresholds.split(",")]
    records = synthetic.generate(args.people, seed=args.seed)
    print(json.dumps({"records": len(records), "people": args.people, "true_pairs": synthetic.true_pairs(records),
                      "seed": args.seed}))
    for row in ours(records, thresholds):
        print(json.dumps(row), flush=True)
    if not args.no_splink:
        for row in splink(records, thresholds):
            print(json.dumps(row), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
