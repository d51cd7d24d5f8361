"""Bulk-import benchmark: rows per second into the entity and search indexes, then incremental match latency.

    .venv/bin/python bench/import_rows.py --rows 20000              # embedded SQLite (a fresh temp database)
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/entities_bench SECRET_KEY=x \\
        .venv/bin/python bench/import_rows.py --rows 20000          # PostgreSQL (the database is emptied first)

Generates fictional partner rows (`entities.synthetic`, with plates added), imports them through
`entities.imports` exactly as the upload page does (the worker's `run_import`, with its writer
process; `FUSIONCENTER_IMPORT_PIPELINE=0` for one process), and prints JSON: rows,
seconds, rows/s, rejected rows, entities made, with the machine's speed before and after
(`calibration_seconds`) and, on PostgreSQL, the server settings that matter most; then the
p50/p95 of `resolve_mention` for 200 new person mentions against the filled index (the
incremental match).
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import logging
import os
import random
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))


def setup_django(flush: bool = True) -> None:
    if not os.environ.get("DATABASE_URL"):
        # a fresh SQLite database each run; --queries-only may reuse one (BENCH_SQLITE_DIR=its directory)
        reuse = os.environ.get("BENCH_SQLITE_DIR") if not flush else None
        os.environ["FUSIONCENTER_DATA_DIR"] = reuse or tempfile.mkdtemp(prefix="fc-bench-")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fusioncenter.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    if not flush:
        return
    if os.environ.get("DATABASE_URL"):
        call_command("flush", interactive=False, verbosity=0)
    from fusioncenter.core.reference import load_reference_data

    load_reference_data()


def make_csv(n_people: int, seed: int) -> tuple[bytes, list[dict[str, str]]]:
    from fusioncenter.entities import synthetic

    rng = random.Random(seed)
    records = synthetic.generate(n_people, seed=seed)
    plates = [f"{rng.choice('ABCDEFGHJKLMNPRSTUVWXYZ')}{rng.choice('ABCDEFGHJKLMNPRSTUVWXYZ')}"
              f"{rng.choice('ABCDEFGHJKLMNPRSTUVWXYZ')}{rng.randrange(1000, 9999)}" for _ in range(n_people // 2)]
    buf = io.StringIO()
    fields = ["record_id", "first_name", "last_name", "dob", "sex", "phone", "email", "address", "plate"]
    w = csv.DictWriter(buf, fieldnames=fields, extrasaction="ignore")
    w.writeheader()
    for r in records:
        r["plate"] = rng.choice(plates) if rng.random() < 0.4 else ""
        w.writerow(r)
    return buf.getvalue().encode(), records


def _children_cpu() -> float:
    """CPU seconds of this process's ended children: the import's writer process, once joined."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


class _ChunkLog(logging.Handler):
    """Collects the importer's per-chunk timings, to show how the rate changes as the index grows."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.chunks: list[tuple[int, int, float, int, int, float]] = []

    def emit(self, record: logging.LogRecord) -> None:
        # write_seconds: the chunk's write transaction alone (SQLite's write lock held that long)
        self.chunks.append((record.processed, record.rows, record.seconds, record.entities_read,
                            record.comparisons, getattr(record, "write_seconds", record.seconds)))

    def steps(self, parts: int = 10) -> list[dict[str, float]]:
        """Each tenth of the import: rows already in the index, rows/s, the matcher's work per row
        (entities read from the database, profiles compared), and the longest write transaction."""
        if not self.chunks:
            return []
        size = max(1, len(self.chunks) // parts)
        out = []
        for i in range(0, len(self.chunks), size):
            group = self.chunks[i:i + size]
            rows, secs = sum(g[1] for g in group), sum(g[2] for g in group)
            out.append({"index_rows": group[0][0] - group[0][1], "rows_per_second": round(rows / secs, 1),
                        "entities_read_per_row": round(sum(g[3] for g in group) / rows, 1),
                        "comparisons_per_row": round(sum(g[4] for g in group) / rows, 1),
                        "write_transaction_seconds": round(max(g[5] for g in group), 2)})
        return out


def server_settings() -> dict[str, str]:
    """The PostgreSQL settings a bulk import's speed depends on most (docs/configuration.md), printed
    with the figures: the same code took 358 s on a server left at its defaults and 294 s on a tuned
    one, on the same machine the same evening (docs/performance.md)."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return {}
    out = {}
    with connection.cursor() as cur:
        for name in ("shared_buffers", "max_wal_size", "checkpoint_timeout", "wal_compression"):
            cur.execute(f"SHOW {name}")
            out[name] = cur.fetchone()[0]
    return out


def calibration_seconds() -> float:
    """A fixed pure-Python loop (3 million dict updates), timed: this machine's speed at the moment
    of the run. Shared virtual machines vary by a factor of two from hour to hour, and within one
    run too, so it is timed before and after the import, and figures from different runs are
    compared only with these beside them (and the resolving process's CPU, which does the same work
    in every run of the same code)."""
    best = float("inf")
    for _ in range(3):
        t, d = time.perf_counter(), {}
        for i in range(3_000_000):
            d[i & 0xFFFF] = i
        best = min(best, time.perf_counter() - t)
    return round(best, 3)


def quality(records: list[dict[str, str]], batch_id: int) -> dict[str, float]:
    """Pairwise precision, recall and F1 of the person entities the import resolved the rows to,
    against the generator's labels: the index path's quality, at the index's own size."""
    from fusioncenter.entities import registry, synthetic
    from fusioncenter.entities.models import Mention, PartnerRecord

    label = registry.label_of(PartnerRecord)
    partner = dict(PartnerRecord.objects.filter(batch_id=batch_id).values_list("pk", "partner_id"))
    entity_of = {partner[int(sid)]: eid for sid, eid in Mention.objects.filter(
        source_type=label, entity_type="person").values_list("source_id", "entity_id").iterator(chunk_size=20000)}
    scores = synthetic.pairwise_scores(records, [entity_of.get(r["record_id"], r["record_id"]) for r in records])
    return {k: round(v, 4) if isinstance(v, float) else v for k, v in scores.items()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=20000, help="about this many rows (people x ~1.8)")
    parser.add_argument("--seed", type=int, default=5)
    args = parser.parse_args(argv)
    setup_django()
    from django.db import connection

    from fusioncenter.core.models import Organization, User
    from fusioncenter.core.roles import Role
    from fusioncenter.entities import imports, services
    from fusioncenter.entities.models import Entity

    org = Organization.objects.create(name="Bench Sheriff", discipline="le_local", center_id=1)
    user = User.objects.create(username="bench.analyst", role=Role.ANALYST, organization=org, home_center_id=1)
    content, records = make_csv(max(1, int(args.rows / 1.83)), args.seed)
    n = len(records)
    mapping = {f: f for f in ("record_id", "first_name", "last_name", "dob", "sex", "phone", "email", "address",
                              "plate")}
    chunks = _ChunkLog()
    logging.getLogger("fusioncenter.entities.imports").addHandler(chunks)
    logging.getLogger("fusioncenter.entities.imports").setLevel(logging.DEBUG)
    logging.getLogger("fusioncenter.entities.imports").propagate = False
    calibration = calibration_seconds()
    t0, cpu0, child0 = time.perf_counter(), time.process_time(), _children_cpu()
    batch = imports.start_import(user, org, "bench.csv", content, "csv", mapping, run=False)
    batch = imports.run_import(batch.pk)
    seconds, cpu, writer_cpu = time.perf_counter() - t0, time.process_time() - cpu0, _children_cpu() - child0
    print(json.dumps({"bench": "import", "database": connection.vendor, "rows": n, "seconds": round(seconds, 1),
                      "rows_per_second": round(n / seconds, 1), "python_cpu_seconds": round(cpu, 1),
                      "writer_process_cpu_seconds": round(writer_cpu, 1),
                      # peak resident memory (Linux reports kB); the writer is this process's largest child
                      "resolving_process_peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024,
                      "writer_process_peak_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss // 1024,
                      # the writer's transactions, commits included (wall time: the writer's share of the import)
                      "write_transactions_seconds": round(sum(c[5] for c in chunks.chunks), 1),
                      "imported": batch.imported, "rejected": batch.rejected, "entities": Entity.objects.count(),
                      "load_average": os.getloadavg()[0],
                      "calibration_seconds": {"before": calibration, "after": calibration_seconds()},
                      "server": server_settings()}), flush=True)

    print(json.dumps({"bench": "import_rate_by_size", "database": connection.vendor, "steps": chunks.steps()}),
          flush=True)
    print(json.dumps({"bench": "import_quality", "database": connection.vendor, "rows": n,
                      **quality(records, batch.pk)}), flush=True)
    from fusioncenter.entities import synthetic

    probes = synthetic.generate(200, seed=args.seed + 1)
    times = []
    for r in probes:
        t = time.perf_counter()
        services.resolve_mention("person", "", {k: r[k] for k in ("first_name", "last_name", "dob", "phone")})
        times.append((time.perf_counter() - t) * 1000)
    times.sort()
    print(json.dumps({"bench": "incremental_match", "database": connection.vendor, "index_rows": n,
                      "p50_ms": round(statistics.median(times), 2), "p95_ms": round(times[int(len(times) * .95)], 2),
                      "load_average": os.getloadavg()[0]}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
