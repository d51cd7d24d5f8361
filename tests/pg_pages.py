"""Read a PostgreSQL table's pages as stored, for the tests that prove a purge leaves no bytes behind."""

from django.db import connection


def raw_pages(table: str) -> bytes:
    """Every page of `table`, raw (the `pageinspect` extension): a deleted tuple's bytes stay in its
    page until VACUUM, and a purge test must see them go."""
    with connection.cursor() as cursor:
        cursor.execute("CREATE EXTENSION IF NOT EXISTS pageinspect")
        cursor.execute("SELECT pg_relation_size(%s) / current_setting('block_size')::int", [table])
        data = b""
        for i in range(cursor.fetchone()[0]):
            cursor.execute("SELECT get_raw_page(%s, %s)", [table, i])
            data += bytes(cursor.fetchone()[0])
        return data
