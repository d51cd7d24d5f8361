"""Load the shipped record-class policies (privacy/data/record_classes.json)."""

from django.db import migrations


def load(apps, schema_editor):
    from fusioncenter.privacy import policies

    policies.load(apps=apps)


class Migration(migrations.Migration):
    dependencies = [("privacy", "0001_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
