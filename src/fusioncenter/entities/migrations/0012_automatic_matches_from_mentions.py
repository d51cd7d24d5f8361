from django.db import migrations

BATCH = 10000


def drop_undecided(apps, schema_editor):
    """Delete the automatic-match rows no analyst has decided on: such matches are now read from
    their mentions (`services.open_automatic_matches`), and an old row would hide its mention
    from that reading and slow the review queue's (it scans the mentions newest first for those
    with no row: 1.6 s at a million imported rows when every one has a row).

    Nothing is lost. An open `auto` row holds the entity, the mention and, at most, a copy of the
    mention's explanation, and the mention shows all of these again.

    Kept: every row a confirmation or rejection names first in `moved` (the decision it decided),
    including one an undo reopened. A merge's or split's `moved` lists mentions, not decisions."""
    MatchDecision = apps.get_model("entities", "MatchDecision")
    named = set()
    for moved in MatchDecision.objects.filter(kind__in=["confirm", "reject"]).values_list("moved", flat=True):
        named.update(moved[:1] if isinstance(moved, list) else [])
    last = 0
    while True:
        ids = list(MatchDecision.objects.filter(kind="auto", status="open", decided_by__isnull=True, pk__gt=last)
                   .order_by("pk").values_list("pk", flat=True)[:BATCH])
        if not ids:
            return
        MatchDecision.objects.filter(pk__in=[i for i in ids if i not in named]).delete()
        last = ids[-1]


class Migration(migrations.Migration):

    dependencies = [
        ('entities', '0011_blocking_key_digest'),
    ]

    operations = [
        migrations.RunPython(drop_undecided, migrations.RunPython.noop, elidable=True),
    ]
