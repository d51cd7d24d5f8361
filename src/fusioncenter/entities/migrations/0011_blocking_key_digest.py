from django.db import migrations, models

import fusioncenter.entities.models
from fusioncenter.entities.candidates import digest

BATCH = 20000


def fill(apps, schema_editor):
    """Each stored key's digest, in batches by id (an index of a million imported rows holds about
    five million keys). `candidates.digest` is imported, not copied: the rows must hold exactly
    what the matcher will look up, and that function never changes."""
    connection = schema_editor.connection
    last = 0
    with connection.cursor() as cur:
        while True:
            cur.execute("SELECT id, key FROM entities_blockingkey WHERE id > %s ORDER BY id LIMIT %s", [last, BATCH])
            rows = cur.fetchall()
            if not rows:
                return
            ids, digests = [r[0] for r in rows], [digest(r[1]) for r in rows]
            if connection.vendor == "postgresql":
                cur.execute("UPDATE entities_blockingkey AS b SET digest = v.digest "
                            "FROM unnest(%s::bigint[], %s::bigint[]) AS v(id, digest) WHERE b.id = v.id",
                            [ids, digests])
            else:
                cur.executemany("UPDATE entities_blockingkey SET digest = %s WHERE id = %s", list(zip(digests, ids)))
            last = ids[-1]


class Migration(migrations.Migration):

    dependencies = [
        ('entities', '0010_set_checked_keys'),
    ]

    # The matcher's index is rebuilt on the keys' digests (`candidates.digest`). The old index goes
    # first, so SQLite's copy of the table for the new column does not rebuild it, and the new one
    # is built last, in one sorted pass over the filled column.
    operations = [
        migrations.RemoveIndex(
            model_name='blockingkey',
            name='entities_bkey_key_entity',
        ),
        migrations.AddField(
            model_name='blockingkey',
            name='digest',
            field=fusioncenter.entities.models.KeyDigestField(default=0, editable=False),
            preserve_default=False,
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
        migrations.AddIndex(
            model_name='blockingkey',
            index=models.Index(fields=['digest', 'entity'], name='entities_bkey_digest_entity'),
        ),
    ]
