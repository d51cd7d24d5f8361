from django.db import migrations

from fusioncenter.core import set_checked_keys

# The references a bulk import writes for each row, about 18 of them (measured: a quarter of
# PostgreSQL's time in a million-row import went into checking them one by one at each commit).
# They are checked once per statement instead (`core.set_checked_keys`). PostgreSQL only; the list
# is frozen here, as a migration must be.
KEYS = (
    ("Mention", "entity"),
    ("Mention", "source_organization"),
    ("BlockingKey", "entity"),
    ("MatchDecision", "entity"),
    ("MatchDecision", "other"),
    ("MatchDecision", "mention"),
    ("PartnerRecord", "batch"),
    ("PartnerRecord", "center"),
    ("PartnerRecord", "owner_organization"),
    ("PartnerRecord", "created_by"),
)


def forward(apps, schema_editor):
    for model, field in KEYS:
        set_checked_keys.replace(schema_editor, apps.get_model("entities", model), field)


def backward(apps, schema_editor):
    for model, field in KEYS:
        set_checked_keys.restore(schema_editor, apps.get_model("entities", model), field)


class Migration(migrations.Migration):

    dependencies = [
        ('entities', '0009_fewer_decision_indexes'),
    ]

    operations = [migrations.RunPython(forward, backward)]
