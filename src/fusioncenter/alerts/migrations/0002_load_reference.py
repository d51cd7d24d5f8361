"""Load the alert programs, WCAN business types and streams from the shipped data files."""

from django.db import migrations


def load(apps, schema_editor):
    from fusioncenter.alerts.reference import load_reference

    load_reference(
        program_model=apps.get_model("alerts", "AlertProgram"),
        business_model=apps.get_model("alerts", "BusinessType"),
        stream_model=apps.get_model("alerts", "Stream"),
    )


class Migration(migrations.Migration):
    dependencies = [("alerts", "0001_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
