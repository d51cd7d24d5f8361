"""Migration sar 0002: the exports recorded in the old SarDissemination table move into the privacy
app's dissemination log, so no release recorded before the change is lost."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("sar", "0001_initial")]
AFTER = [("sar", "0002_disseminations_to_privacy_log")]


@pytest.mark.django_db(transaction=True)
def test_old_export_records_move_into_the_privacy_log(staff, submit):
    report = submit()
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old_apps = executor.loader.project_state(BEFORE).apps
    Old = old_apps.get_model("sar", "SarDissemination")
    Old.objects.create(report_id=report.pk, by_id=staff["wsic_analyst"].pk, recipient="Duty agent, FBI JTTF",
                       purpose="JTTF assessment of substation surveillance", format="xml", privacy="summary")

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(AFTER)

    from fusioncenter.privacy.models import Dissemination

    row = Dissemination.objects.get(record_type="sar.report", object_id=str(report.pk))
    assert row.recipient_name == "Duty agent, FBI JTTF" and row.channel == "export"
    assert row.need_to_know == "JTTF assessment of substation surveillance"
    assert row.by == staff["wsic_analyst"] and row.access_class == report.record_class
    assert "xml, summary" in row.recipient_description and row.marking.startswith("TLP:")
    assert "sar_sardissemination" not in connection.introspection.table_names()
