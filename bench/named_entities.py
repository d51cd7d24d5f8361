"""Latency of the search page's entity list (`entities.search.named_entities`) on an imported index.

    BENCH_SQLITE_DIR=/tmp/fc-bench-… .venv/bin/python bench/named_entities.py   # the index an import left
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench1m SECRET_KEY=x .venv/bin/python bench/named_entities.py

Run after `bench/import_rows.py`, on the index it left (on SQLite, the /tmp/fc-bench-… directory
it keeps). Picks 100 random people's display names and 100 random plates from the index and times
`named_entities` on each, as the search page runs it (the names through their blocking keys, the
plates through theirs). Prints JSON lines: p50/p95 in milliseconds, how many of
the queries found their entity, and the load average.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from import_rows import setup_django  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--each", type=int, default=100, help="names and plates timed, each")
    parser.add_argument("--seed", type=int, default=5)
    args = parser.parse_args(argv)
    if not os.environ.get("DATABASE_URL") and not os.environ.get("BENCH_SQLITE_DIR"):
        parser.error("set BENCH_SQLITE_DIR (or DATABASE_URL) to an index that bench/import_rows.py filled")
    setup_django(flush=False)
    from django.db import connection

    from fusioncenter.entities import search
    from fusioncenter.entities.models import Entity

    rng = random.Random(args.seed)
    top = Entity.objects.order_by("-id").values_list("id", flat=True).first() or 0
    if top < 2:
        parser.error("the index is empty: import rows first (bench/import_rows.py)")
    wanted: dict[str, list[str]] = {"person": [], "vehicle": []}
    while any(len(v) < args.each for v in wanted.values()):
        e = Entity.objects.filter(pk=rng.randrange(1, top)).values("type", "display").first()
        if e and e["type"] in wanted and len(wanted[e["type"]]) < args.each:
            wanted[e["type"]].append(e["display"])
    for entity_type, queries in wanted.items():
        times, found = [], 0
        for q in queries:
            began = time.perf_counter()
            hits = list(search.named_entities(q))
            times.append((time.perf_counter() - began) * 1000)
            found += bool(hits)
        times.sort()
        print(json.dumps({"bench": "named_entities", "database": connection.vendor, "type": entity_type,
                          "queries": len(queries), "p50_ms": round(statistics.median(times), 2),
                          "p95_ms": round(times[int(len(times) * 0.95) - 1], 2), "found": found,
                          "load_average": os.getloadavg()[0]}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
