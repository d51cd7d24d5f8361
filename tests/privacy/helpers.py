"""Search every table of the test database for a string: the proof a purge left nothing behind."""

from __future__ import annotations

from django.db import connection


def tables_containing(needle: str) -> list[str]:
    """Names of the tables with any row whose text holds `needle` (every column, cast to text)."""
    found = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor, include_views=False):
            quoted = connection.ops.quote_name(table)
            cursor.execute(f"SELECT * FROM {quoted}")  # noqa: S608 (table names from introspection)
            for row in cursor.fetchall():
                if any(needle in (v.decode("utf-8", "replace") if isinstance(v, bytes | memoryview) and
                                  not isinstance(v, memoryview) else str(v)) for v in row if v is not None):
                    found.append(table)
                    break
    return found
