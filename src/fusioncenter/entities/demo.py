"""Demo: a fictional partner list imported into the entity index (with duplicates to review).

The people come from `entities.synthetic` (invented names, 555-style numbers in real area codes are
not used: phones are rewritten to the 555-01xx fictional range, e-mail to example.test). Idempotent.
"""

from __future__ import annotations

import csv
import io
from typing import TextIO

from fusioncenter.core.models import Organization, User
from fusioncenter.core.roles import Role

from . import imports, synthetic
from .models import ImportBatch

FILENAME = "demo-partner-list.csv"


def load(stdout: TextIO) -> None:
    if ImportBatch.objects.filter(filename=FILENAME).exists():
        stdout.write("    entities demo already loaded\n")
        return
    analyst = User.objects.filter(role=Role.ANALYST, is_active=True).order_by("pk").first()
    partner = Organization.objects.filter(is_fusion_center=False, discipline__startswith="le_").order_by("pk").first()
    if analyst is None or partner is None:
        stdout.write("    entities demo skipped: no analyst or partner agency (load the core demo first)\n")
        return
    records = synthetic.generate(150, seed=4242)
    buf = io.StringIO()
    fields = ["record_id", "first_name", "last_name", "dob", "sex", "phone", "email", "address"]
    writer = csv.DictWriter(buf, fieldnames=fields, extrasaction="ignore")
    writer.writeheader()
    for i, r in enumerate(records):
        if r["phone"]:
            r["phone"] = f"608-555-01{i % 100:02d}"
        if r["email"]:
            r["email"] = r["email"].split("@")[0] + "@example.test"
        writer.writerow(r)
    batch = imports.start_import(analyst, partner, FILENAME, buf.getvalue().encode(), "csv",
                                 {f: f for f in fields}, save_as="Demo list", run=False)
    batch = imports.run_import(batch.pk)
    stdout.write(f"    entities: imported {batch.imported} demo partner records ({batch.rejected} rejected)\n")
