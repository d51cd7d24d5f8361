"""Link-chart latency on an index an import filled: p50/p95 of the chart (depth 1 and 2) and of a
shortest path, as the entity page asks for them, with access filtering.

    .venv/bin/python bench/import_rows.py --rows 1000000                    # fills a temp SQLite database
    BENCH_SQLITE_DIR=/tmp/fc-bench-XXXX .venv/bin/python bench/link_chart.py   # then, on that database
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/entities_bench SECRET_KEY=x \\
        .venv/bin/python bench/link_chart.py                                # PostgreSQL, after import_rows.py

Links are read off the mentions (`entities.links`), so this is what the chart costs at the index's
size. The analyst `import_rows.py` made sees every imported record; entities are drawn at random
among the people, vehicles and phones the import made (the same seed, the same entities). Prints
JSON lines.
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


def latency_ms(times: list[float]) -> dict[str, float]:
    """p50, p95 and the longest of `times` (milliseconds); the review-queue benchmark uses it too."""
    times = sorted(times)
    return {"p50_ms": round(statistics.median(times), 2), "p95_ms": round(times[int(len(times) * .95)], 2),
            "max_ms": round(times[-1], 2)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--samples", type=int, default=200)
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args(argv)
    setup_django(flush=False)
    from django.db import connection

    from fusioncenter.core.models import User
    from fusioncenter.entities import graph
    from fusioncenter.entities.models import Entity

    user = User.objects.get(username="bench.analyst")
    rng = random.Random(args.seed)
    top = Entity.objects.order_by("-id").values_list("id", flat=True).first() or 0
    picked: list[Entity] = []
    while len(picked) < args.samples and top:
        entity = Entity.objects.filter(pk__gte=rng.randint(1, top), merged_into__isnull=True,
                                       type__in=("person", "vehicle", "phone")).order_by("pk").first()
        if entity is not None:
            picked.append(entity)
    out: dict[str, object] = {"bench": "link_chart", "database": connection.vendor,
                              "entities": Entity.objects.count(), "samples": len(picked)}
    for depth in (1, 2):
        times, sizes = [], []
        for entity in picked:
            t = time.perf_counter()
            g = graph.neighborhood(user, entity, depth=depth)
            times.append((time.perf_counter() - t) * 1000)
            sizes.append(len(g.nodes))
        out[f"depth_{depth}"] = {**latency_ms(times), "nodes_mean": round(statistics.mean(sizes), 1)}
    times, found = [], 0
    for a, b in zip(picked, picked[1:] + picked[:1], strict=True):
        t = time.perf_counter()
        found += graph.shortest_path(user, a.pk, b.pk) is not None
        times.append((time.perf_counter() - t) * 1000)
    out["shortest_path"] = {**latency_ms(times), "found": found}
    out["load_average"] = os.getloadavg()[0]
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
