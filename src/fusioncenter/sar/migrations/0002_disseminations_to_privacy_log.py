"""SAR exports now go through the privacy app's one dissemination path (privacy.dissemination).

The rows of the old `SarDissemination` table move into the privacy log, so every release of a SAR
is in one place: the recipient, written in free text then, becomes `recipient_name`; the purpose
becomes the need-to-know statement; the description keeps the old entry's number, which the audit
entries of those exports name. Then the old table goes.
"""

from django.db import migrations

from fusioncenter.core.markings import banner_line

MARK = "SAR export recorded before the privacy log (entry {id}, {format}, {privacy})"
RIGHT_TO_KNOW = "Stated by the sender with the export (recorded before the privacy log checked recipients)."


def forward(apps, schema_editor):
    Old = apps.get_model("sar", "SarDissemination")
    New = apps.get_model("privacy", "Dissemination")
    rows = []
    for old in Old.objects.select_related("report").order_by("pk"):
        rows.append(New(
            record_type="sar.report", object_id=str(old.report_id), access_class=old.report.record_class,
            marking=banner_line(old.report.tlp, old.report.les, old.report.cui)[:200], recipient_name=old.recipient[:200] or "(not recorded)",
            recipient_description=MARK.format(id=old.pk, format=old.format, privacy=old.privacy)[:300],
            right_to_know=RIGHT_TO_KNOW, need_to_know=old.purpose, channel="export", at=old.at, by_id=old.by_id,
        ))
    New.objects.bulk_create(rows)


def backward(apps, schema_editor):
    """Copy the moved rows back (the privacy log keeps its copies: it is append-only)."""
    import re

    Old = apps.get_model("sar", "SarDissemination")
    New = apps.get_model("privacy", "Dissemination")
    for row in New.objects.filter(record_type="sar.report", channel="export",
                                  recipient_description__startswith="SAR export recorded before"):
        match = re.search(r", (\w+), (\w+)\)$", row.recipient_description)
        Old.objects.create(report_id=int(row.object_id), by_id=row.by_id, recipient=row.recipient_name,
                           purpose=row.need_to_know[:500], format=match.group(1) if match else "json",
                           privacy=match.group(2) if match else "summary", at=row.at)


class Migration(migrations.Migration):
    dependencies = [
        ("sar", "0001_initial"),
        ("privacy", "0003_imminent_danger"),
    ]

    operations = [
        migrations.RunPython(forward, backward),
        migrations.DeleteModel(name="SarDissemination"),
    ]
