"""The full-text index: an FTS5 table on SQLite, a GIN expression index on PostgreSQL."""

from django.db import migrations

SQLITE_UP = (
    "CREATE VIRTUAL TABLE IF NOT EXISTS entities_fts USING fts5("
    "title, body, keys, content='entities_searchdocument', content_rowid='id', tokenize='unicode61')"
)
SQLITE_DOWN = "DROP TABLE IF EXISTS entities_fts"
PG_UP = (
    "CREATE INDEX IF NOT EXISTS entities_searchdocument_fts ON entities_searchdocument "
    "USING GIN (to_tsvector('simple', title || ' ' || body || ' ' || keys))"
)
PG_DOWN = "DROP INDEX IF EXISTS entities_searchdocument_fts"


def up(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        schema_editor.execute(SQLITE_UP)
    elif schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(PG_UP)


def down(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        schema_editor.execute(SQLITE_DOWN)
    elif schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(PG_DOWN)


class Migration(migrations.Migration):
    dependencies = [("entities", "0001_initial")]
    operations = [migrations.RunPython(up, down)]
