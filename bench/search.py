"""Search latency benchmark: p50/p95 of `entities.search.search` with access filtering, at N documents.

    .venv/bin/python bench/search.py --docs 100000                  # embedded SQLite, FTS5
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/entities_bench SECRET_KEY=x \\
        .venv/bin/python bench/search.py --docs 100000              # PostgreSQL, GIN (database emptied first)
    DATABASE_URL=… .venv/bin/python bench/search.py --queries-only  # time the queries again, same documents
    BENCH_SQLITE_DIR=/tmp/fc-bench-XXXX .venv/bin/python bench/search.py --queries-only   # the same on SQLite

Creates fictional marked records (the test-free `entities.PartnerRecord` type, under several
organizations, record classes and TLP markings, so access filtering has work to do), indexes their
text in bulk as imports do (`search.index_records_bulk`, chunks of 5,000), runs `ANALYZE` on
PostgreSQL, then times 200 queries (plates written several ways, names, common words) as a partner
officer of one organization and as a center analyst, 20 results a page. Prints JSON lines, with
the load average of the machine at the time.
"""

from __future__ import annotations

import argparse
import datetime as dt
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
    parser.add_argument("--docs", type=int, default=20000)
    parser.add_argument("--seed", type=int, default=9)
    parser.add_argument("--queries-only", action="store_true",
                        help="PostgreSQL: keep the documents of the previous run, only time the queries")
    args = parser.parse_args(argv)
    setup_django(flush=not args.queries_only)
    from django.db import connection, transaction

    from fusioncenter.core.markings import RecordClass
    from fusioncenter.core.models import Organization, User
    from fusioncenter.core.roles import Role
    from fusioncenter.entities import search, synthetic
    from fusioncenter.entities.models import ImportBatch, PartnerRecord

    rng = random.Random(args.seed)
    if args.queries_only:
        return time_queries(args, rng)
    orgs = [Organization.objects.create(name=f"Bench Agency {i}", discipline="le_local", center_id=1 + i % 2)
            for i in range(10)]
    User.objects.create(username="bench.officer", role=Role.PARTNER_OFFICER, sworn=True,
                        organization=orgs[0])
    User.objects.create(username="bench.analyst2", role=Role.ANALYST, organization=orgs[1],
                        home_center_id=1)
    batch = ImportBatch.objects.create(organization=orgs[0], filename="bench", format="csv", total=args.docs)
    people = synthetic.generate(max(1, args.docs // 2), seed=args.seed)
    plates = []
    t0 = time.perf_counter()
    made = 0
    start = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
    classes = [RecordClass.LAW_ENFORCEMENT] * 6 + [RecordClass.PARTNER] * 3 + [RecordClass.CRIMINAL_INTELLIGENCE]
    while made < args.docs:
        chunk = []
        for _ in range(min(5000, args.docs - made)):
            p = people[made % len(people)]
            plate = f"{rng.choice('ABCDEFGHJKLMNPRSTUVWXYZ')}{rng.choice('ABCDEFGHJKLMNPRSTUVWXYZ')}" \
                    f"{rng.choice('ABCDEFGHJKLMNPRSTUVWXYZ')}{rng.randrange(1000, 9999)}"
            plates.append(plate)
            org = rng.choice(orgs)
            observed = start + dt.timedelta(minutes=rng.randrange(3 * 365 * 24 * 60))
            chunk.append(PartnerRecord(batch=batch, row_number=made, observed_at=observed, data={
                "first_name": p["first_name"], "last_name": p["last_name"], "phone": p["phone"], "plate": plate,
                "note": rng.choice(["seen photographing a substation", "asked about drone permits",
                                    "loitering near the depot", "tested the gate lock", "bought fertilizer"])},
                tlp=rng.choice(["GREEN", "AMBER", "AMBER", "AMBER+STRICT"]), record_class=rng.choice(classes),
                les=rng.random() < 0.1, owner_organization=org, center_id=org.center_id))
            made += 1
        with transaction.atomic():
            PartnerRecord.objects.bulk_create(chunk)
            search.index_records_bulk(chunk)
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute("ANALYZE entities_searchdocument, entities_partnerrecord")
    index_seconds = time.perf_counter() - t0
    print(json.dumps({"bench": "search_index", "database": connection.vendor, "docs": args.docs,
                      "seconds": round(index_seconds, 1), "docs_per_second": round(args.docs / index_seconds, 1),
                      "load_average": os.getloadavg()[0]}), flush=True)
    return time_queries(args, rng, plates, people)


def time_queries(args: argparse.Namespace, rng: random.Random, plates: list[str] | None = None,
                 people: list[dict] | None = None) -> int:
    from django.db import connection

    from fusioncenter.core.models import User
    from fusioncenter.entities import search
    from fusioncenter.entities.models import PartnerRecord

    officer = User.objects.get(username="bench.officer")
    analyst = User.objects.get(username="bench.analyst2")
    if plates is None or people is None:  # --queries-only: sample the stored records
        top = PartnerRecord.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        sample = list(PartnerRecord.objects.filter(pk__in=[rng.randrange(1, top + 1) for _ in range(3000)])
                      .values_list("data", flat=True))
        plates = [d["plate"] for d in sample]
        people = sample
    args.docs = PartnerRecord.objects.count()
    queries = []
    for _ in range(200):
        kind = rng.random()
        if kind < 0.4:
            pl = rng.choice(plates)
            queries.append(rng.choice([pl, f"{pl[:3]}-{pl[3:]}", f"{pl[:3].lower()} {pl[3:]}"]))
        elif kind < 0.7:
            p = rng.choice(people)
            queries.append(f"{p['first_name']} {p['last_name']}")
        else:
            queries.append(rng.choice(["substation", "drone permits", "gate lock", "fertilizer", "depot"]))
    for who, user in (("partner_officer", officer), ("analyst", analyst)):
        times, totals = [], []
        for q in queries:
            t = time.perf_counter()
            _, total = search.search(user, q, limit=20)
            times.append((time.perf_counter() - t) * 1000)
            totals.append(total)
        times.sort()
        print(json.dumps({"bench": "search", "database": connection.vendor, "docs": args.docs, "as": who,
                          "queries": len(queries), "p50_ms": round(statistics.median(times), 1),
                          "p95_ms": round(times[int(len(times) * .95)], 1), "max_ms": round(times[-1], 1),
                          "median_hits": statistics.median(totals), "load_average": os.getloadavg()[0]}),
              flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
