from fusioncenter.entities import matching, synthetic


def prep(**kw):
    return matching.prepare_person(kw)


def levels_by_name(a, b):
    model = matching.PersonModel()
    return {p["comparison"]: p["level"] for p in model.explain(a, b).parts}


def test_nickname_and_swapped_day_month_are_tolerated():
    a = prep(first_name="William", last_name="Schmidt", dob="1980-05-03", phone="(608) 555-0134")
    b = prep(first_name="Bill", last_name="SCHMIDT", dob="03/05/1980", phone="608.555.0134")
    model = matching.PersonModel()
    exp = model.explain(a, b)
    levels = {p["comparison"]: p["level"] for p in exp.parts}
    assert levels["first_name"] == "nickname"
    assert levels["date_of_birth"] == "day and month swapped"
    assert levels["phone"] == "same number"
    assert exp.weight >= matching.DEFAULT_THRESHOLD
    assert set(matching.blocking_keys(a)) & set(matching.blocking_keys(b))


def test_typo_in_surname_still_matches_and_every_part_is_explained():
    a = prep(first_name="Jennifer", last_name="Kowalski", dob="1975-11-20")
    b = prep(first_name="Jennifer", last_name="Kowalsky", dob="1975-11-20")
    exp = matching.PersonModel().explain(a, b)
    assert exp.weight >= matching.DEFAULT_THRESHOLD
    assert {p["comparison"] for p in exp.parts} == {c.name for c in matching.person_comparisons()}
    assert exp.as_dict()["comparisons"][1]["level"] == "close typo"


def test_missing_values_count_zero():
    a = prep(first_name="Ann", last_name="Vang")
    b = prep(first_name="Ann", last_name="Vang", dob="1990-01-01")
    parts = {p["comparison"]: p for p in matching.PersonModel().explain(a, b).parts}
    assert parts["date_of_birth"]["weight"] == 0.0
    assert parts["date_of_birth"]["level"] == "missing on one side"


def test_relatives_sharing_a_home_are_not_one_person():
    father = prep(first_name="Daniel", last_name="Her", dob="1961-04-08", phone="608-854-2426",
                  address="6269 University Lane, Madison, WI 53711")
    son = prep(first_name="Jonathan", last_name="Her", dob="1990-02-11", phone="608.854.2426",
               address="6269 University Ln, Madison, WI 53711")
    exp = matching.PersonModel().explain(father, son)
    assert exp.weight < 0
    assert any("not counted" in p["level"] for p in exp.parts)


def test_batch_quality_on_generated_records():
    records = synthetic.generate(800, seed=7)
    raw = [{k: r[k] for k in matching.PERSON_FIELDS if k in r} for r in records]
    result = matching.resolve_batch(raw)
    scores = synthetic.pairwise_scores(records, result.clusters)
    assert scores["precision"] > 0.97
    assert scores["recall"] > 0.93


def test_em_estimation_runs_and_keeps_probabilities_valid():
    records = [matching.prepare_person(r) for r in synthetic.generate(300, seed=3)]
    model = matching.train(matching.PersonModel(), records, em=True)
    for comp in model.comparisons:
        assert abs(sum(comp.m) - 1) < 1e-6 and abs(sum(comp.u) - 1) < 1e-6
        assert comp.m[0] > comp.u[0]
    data = model.to_dict()
    assert matching.PersonModel().load(data).to_dict() == data


def test_the_scorer_gives_explains_weight_to_the_last_bit():
    """`PersonModel.scorer` (weights worked out once) against `explain` (the definition), on the
    blocked pairs of generated records, term frequencies on: the same float for every pair."""
    records = [matching.prepare_person(r) for r in synthetic.generate(1500, seed=11)]
    model = matching.PersonModel()
    model.frequencies = matching.term_frequencies(records)
    score = model.scorer()
    pairs = sorted(matching.candidate_pairs(records))
    seen: set[tuple[int, int | None]] = set()
    household = 0
    for i, j in pairs:
        a, b = records[i], records[j]
        assert score(a, b) == model.explain(a, b, detail=False).weight
        levels = model.levels(a, b)
        seen.update(enumerate(levels))
        household += levels[0] == 4 and levels[2] == 4  # the household rule applies
    # the pairs reach every level of the name, date of birth and address comparisons, and the rule
    for position, comparison in enumerate(model.comparisons):
        if comparison.name in ("first_name", "last_name", "date_of_birth", "address"):
            assert {(position, level) for level in range(len(comparison.m))} <= seen, comparison.name
    assert household > 0


def test_prepared_records_share_their_repeated_strings():
    """Names, dates of birth and ZIP codes written differently but equal once normalized are one
    string object in every prepared record (an import keeps millions of them in memory)."""
    a = prep(first_name="Maria", middle_name="Luz", last_name="Garcia", dob="1980-05-03", zip="53703")
    b = prep(first_name=" MARIA", middle_name="luz", last_name="García", dob="05/03/1980", zip="53703-1234")
    for name in ("first", "middle", "last", "dob", "zip"):
        assert a[name] == b[name] and a[name] is b[name], name
    assert a["dob"] == "1980-05-03" and a["zip"] == "53703"
