"""Cost of the privacy rule on searches: `entities.oversight.note_person_hits` on one page of results.

    .venv/bin/python bench/person_hits.py --records 5000            # embedded SQLite
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/hb_bench SECRET_KEY=x \\
        .venv/bin/python bench/person_hits.py --records 5000        # PostgreSQL (a database of its own)

Creates fictional partner records (`entities.PartnerRecord`), each naming one of records/3 synthetic
people (so a person has about three records), resolves their mentions into the entity index, and shares
a tenth of them with the tied analyst's agency. Then times the hook alone, the way `search.search` calls
it after a page is chosen: 200 pages of 20 random records, as an analyst with no tie to anyone (every
page writes its audit entry) and as one who authored a third of the records and holds the shares. Prints
JSON lines with p50/p95 in milliseconds and the load average at the time.
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
    parser.add_argument("--records", type=int, default=5000)
    parser.add_argument("--pages", type=int, default=200)
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args(argv)
    setup_django()
    from django.contrib.contenttypes.models import ContentType
    from django.db import connection, transaction

    from fusioncenter.core.models import Organization, Share, User
    from fusioncenter.core.roles import Role
    from fusioncenter.entities import oversight, services, synthetic
    from fusioncenter.entities.models import ImportBatch, PartnerRecord

    rng = random.Random(args.seed)
    org = Organization.objects.create(name="Bench Hits Agency", discipline="le_local", center_id=1)
    other = Organization.objects.create(name="Bench Hits Other", discipline="le_local", center_id=1)
    stranger = User.objects.create(username="bench.hits.stranger", role=Role.ANALYST, organization=other,
                                   home_center_id=1)
    tied = User.objects.create(username="bench.hits.tied", role=Role.ANALYST, organization=org, home_center_id=1)
    batch = ImportBatch.objects.create(organization=org, filename="bench", format="csv", total=args.records)
    people = synthetic.generate(max(1, args.records // 3), seed=args.seed)
    ct = ContentType.objects.get_for_model(PartnerRecord)
    t0 = time.perf_counter()
    records = []
    for i in range(args.records):
        p = people[i % len(people)]
        with transaction.atomic():
            r = PartnerRecord.objects.create(batch=batch, row_number=i, owner_organization=org, center_id=1,
                                             tlp="GREEN", record_class="law_enforcement",
                                             created_by=tied if i % 3 == 0 else None,
                                             data={k: p[k] for k in ("first_name", "last_name", "dob", "sex",
                                                                     "phone", "email") if p.get(k)})
            services.index_record(r, audit_entry=False, notify=False)
            if i % 10 == 0:
                Share.objects.create(content_type=ct, object_id=str(r.pk), organization=org, reason="bench")
        records.append(r)
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute("ANALYZE entities_mention, core_share, core_needtoknow, entities_partnerrecord")
    print(json.dumps({"bench": "person_hits_setup", "database": connection.vendor, "records": args.records,
                      "seconds": round(time.perf_counter() - t0, 1)}), flush=True)
    for who, user in (("no_ties", stranger), ("tied", tied)):
        times, flagged = [], []
        for _ in range(args.pages):
            page = rng.sample(records, 20)
            t = time.perf_counter()
            found = oversight.note_person_hits(user, [(None, r) for r in page])
            times.append((time.perf_counter() - t) * 1000)
            flagged.append(len(found))
        times.sort()
        print(json.dumps({"bench": "person_hits", "database": connection.vendor, "records": args.records,
                          "as": who, "pages": args.pages, "page_size": 20,
                          "p50_ms": round(statistics.median(times), 1),
                          "p95_ms": round(times[int(len(times) * .95)], 1), "max_ms": round(times[-1], 1),
                          "median_people_flagged": statistics.median(flagged),
                          "load_average": os.getloadavg()[0]}), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
