"""PostgreSQL: documents indexed before get the words of their title and body that carry accents,
without them, in their keys (`search.document_keys`), so "muller" finds "Müller" there as it
does on SQLite, whose FTS5 index compares words without accents already (nothing to do there: its
external-content index would also have to be told of every changed row).

Only documents with a character outside ASCII are read (by the database), a batch at a time.
"""

from django.db import migrations

BATCH = 2000


def backfill(apps, schema_editor):
    from django.db import connection

    from fusioncenter.entities.search import accentless_words

    if connection.vendor != "postgresql":
        return
    last = 0
    with connection.cursor() as cur:
        while True:
            cur.execute("SELECT id, title, body, keys FROM entities_searchdocument "
                        "WHERE id > %s AND title || ' ' || body ~ '[^\\x01-\\x7f]' ORDER BY id LIMIT %s",
                        [last, BATCH])
            rows = cur.fetchall()
            if not rows:
                return
            changed = []
            for pk, title, body, keys in rows:
                kept = keys.split()
                extra = [w for w in dict.fromkeys(accentless_words(f"{title} {body}")) if w not in kept]
                if extra:
                    changed.append((" ".join([*kept, *extra]), pk))
            if changed:
                cur.executemany("UPDATE entities_searchdocument SET keys = %s WHERE id = %s", changed)
            last = rows[-1][0]


class Migration(migrations.Migration):
    dependencies = [("entities", "0012_automatic_matches_from_mentions")]
    operations = [migrations.RunPython(backfill, migrations.RunPython.noop)]
