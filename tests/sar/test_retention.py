"""A closed report left unreviewed past its retention date is purged everywhere by the privacy app's
retention run: the row, its children, its attachment files; a tombstone without personal data remains."""

from __future__ import annotations

import datetime as dt

from django.db import connection

from fusioncenter.core import clock
from fusioncenter.privacy import retention
from fusioncenter.privacy.models import Tombstone
from fusioncenter.sar import attachments
from fusioncenter.sar.models import Report
from fusioncenter.sar.services import intake, workflow

from .conftest import as_service, png_with_gps

MARKER = "Zebulon Quartermain-Oyelaran"


def _tables_containing(text: str) -> list[str]:
    found = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            columns = [c.name for c in connection.introspection.get_table_description(cursor, table)]
            for column in columns:
                cursor.execute(f'SELECT 1 FROM "{table}" WHERE CAST("{column}" AS TEXT) LIKE %s LIMIT 1', [f"%{text}%"])
                if cursor.fetchone():
                    found.append(f"{table}.{column}")
    return found


def test_unreviewed_closed_report_is_purged_with_its_files(staff, payload, django_capture_on_commit_callbacks):
    data = payload(narrative=f"{MARKER} photographed the gate locks and measured the fence twice.",
                   subjects=[{"name": MARKER, "sex": "male"}])
    with django_capture_on_commit_callbacks(execute=True):
        report = intake.submit_partner(staff["officer"], as_service(data), [("photo.png", png_with_gps())])
    files = [attachments.path_for(str(a.uuid)) for a in report.attachments.all()]
    assert files and all(path.exists() for path in files)
    with django_capture_on_commit_callbacks(execute=True):
        workflow.transition(staff["wsic_supervisor"], report, "unfounded",
                            "A utility survey crew, confirmed by the company.")
    report.refresh_from_db()
    assert report.retention_until is not None
    assert _tables_containing(MARKER), "the report holds the marker before the purge"

    clock.freeze(dt.datetime.combine(report.retention_until + dt.timedelta(days=1), dt.time(12), tzinfo=dt.UTC))
    with django_capture_on_commit_callbacks(execute=True):
        result = retention.run()
    assert not Report.objects.filter(pk=report.pk).exists()
    assert Tombstone.objects.filter(original_id=str(report.pk)).exists()
    assert _tables_containing(MARKER) == []
    for path in files:
        assert not path.exists()
    assert result is not None
