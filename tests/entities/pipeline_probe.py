"""One import into a fresh SQLite file database, in a process of its own; prints what it made.

Run by test_import_pipeline.py: the pipeline's writer is a second process, which cannot open the
suite's in-memory database, so the real two-process import is checked here, on a file.

    python tests/entities/pipeline_probe.py DATA_DIR PIPELINE(0|1)
"""

from __future__ import annotations

import csv
import io
import json
import os
import sys
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

PEOPLE = 700
CHUNK = 150
FIELDS = ["record_id", "first_name", "last_name", "dob", "sex", "phone", "email", "address", "plate"]


def make_csv(people: int = PEOPLE, seed: int = 31) -> bytes:
    """Generated people with their known duplicates, and a plate shared by every seventh row."""
    from fusioncenter.entities import synthetic

    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=FIELDS, extrasaction="ignore")
    w.writeheader()
    for i, r in enumerate(synthetic.generate(people, seed=seed)):
        w.writerow({**r, "plate": f"PRB{i % 40:04d}" if i % 7 == 0 else ""})
    return buf.getvalue().encode()


def signature(batch_id: int) -> dict[str, Any]:
    """What an import made, without ids: which mentions share an entity (by row and field), the
    decisions, links, keys and search documents; two imports of one file compare equal on it."""
    from fusioncenter.entities import links, registry
    from fusioncenter.entities.models import (
        BlockingKey,
        Entity,
        ImportBatch,
        MatchDecision,
        Mention,
        PartnerRecord,
        SearchDocument,
    )

    label = registry.label_of(PartnerRecord)
    row_of = {str(pk): n for pk, n in PartnerRecord.objects.filter(batch_id=batch_id).values_list("pk", "row_number")}
    groups: dict[int, list[str]] = defaultdict(list)
    for eid, sid, etype, fld, how in Mention.objects.filter(source_type=label, source_id__in=list(row_of)).values_list(
            "entity_id", "source_id", "entity_type", "field", "how"):
        groups[eid].append(f"{row_of[sid]}:{etype}:{fld}:{how}")
    decisions = Counter(f"{k}:{s}" for k, s in MatchDecision.objects.values_list("kind", "status"))
    batch = ImportBatch.objects.get(pk=batch_id)
    return {"partition": sorted(sorted(g) for g in groups.values()), "decisions": dict(sorted(decisions.items())),
            "links": len(links.touching(Entity.objects.values_list("pk", flat=True))),
            "keys": BlockingKey.objects.count(),
            "entities": Entity.objects.filter(merged_into__isnull=True).count(),
            "documents": SearchDocument.objects.filter(source_type=label).count(),
            "batch": [batch.status, batch.total, batch.processed, batch.imported, batch.rejected]}


def main() -> int:
    data_dir, pipelined = sys.argv[1], sys.argv[2]
    os.environ.pop("DATABASE_URL", None)
    os.environ["FUSIONCENTER_DATA_DIR"] = data_dir
    os.environ["FUSIONCENTER_IMPORT_PIPELINE"] = pipelined
    os.environ["DJANGO_SETTINGS_MODULE"] = "fusioncenter.settings"
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from fusioncenter.core.models import Organization, User
    from fusioncenter.core.reference import load_reference_data
    from fusioncenter.core.roles import Role
    from fusioncenter.entities import imports, pipeline

    load_reference_data()
    org = Organization.objects.create(name="Probe Sheriff", discipline="le_local", center_id=1)
    user = User.objects.create(username="probe.analyst", role=Role.ANALYST, organization=org, home_center_id=1)
    used = []
    enter = pipeline.ProcessWriter.__enter__

    def noted(self: pipeline.ProcessWriter) -> pipeline.ProcessWriter:
        used.append(True)
        return enter(self)

    pipeline.ProcessWriter.__enter__ = noted  # type: ignore[method-assign]
    imports.CHUNK = CHUNK
    batch = imports.start_import(user, org, "probe.csv", make_csv(), "csv", {f: f for f in FIELDS}, run=False)
    imports.run_import(batch.pk)
    print(json.dumps({"process_writer": bool(used), **signature(batch.pk)}))
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "src"))
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
    sys.exit(main())
