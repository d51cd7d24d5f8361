"""Insert many rows without building model instances: the write path of bulk imports.

At a million imported rows the index receives about fifteen million rows (records, entities,
blocking keys, mentions, links, decisions, search documents). Through `bulk_create` most of the
time went into Django preparing each value and compiling each batch's SQL, not into the database
(profiled: about two thirds of an import). Here every column's conversion is chosen once per
table, and the rows go in with one prepared `executemany` (SQLite, in-process, no round trips) or
`COPY` (PostgreSQL). Ids are reserved up front so related rows can name each other without
reading anything back.

Only for new rows of tables whose defaults are plain values: no `save()`, no signals, exactly
like `bulk_create`.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from typing import Any

import orjson
from django.db import connection, models

from fusioncenter.core import clock


def _is_pg() -> bool:
    return connection.vendor == "postgresql"


def reserve_ids(model: type[models.Model], n: int) -> list[int]:
    """`n` fresh primary keys for `model`, taken inside the caller's transaction."""
    if n <= 0:
        return []
    table = model._meta.db_table
    with connection.cursor() as cur:
        if _is_pg():
            cur.execute("SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                        [table, model._meta.pk.column, n])
            return [row[0] for row in cur.fetchall()]
        # SQLite: transactions begin IMMEDIATE (settings), so this connection holds the only write
        # lock until COMMIT and no one else can take these numbers; inserting them raises
        # AUTOINCREMENT's counter, so they are never handed out again.
        if not connection.in_atomic_block:
            raise RuntimeError("reserve_ids needs a transaction (the write lock keeps the ids ours).")
        quoted = connection.ops.quote_name(table)
        cur.execute("SELECT MAX(COALESCE((SELECT seq FROM sqlite_sequence WHERE name = %s), 0), "
                    f"COALESCE((SELECT MAX({connection.ops.quote_name(model._meta.pk.column)}) "  # noqa: S608
                    f"FROM {quoted}), 0))", [table])
        first = int(cur.fetchone()[0]) + 1
        return list(range(first, first + n))


def _converter(field: models.Field) -> Callable[[Any], Any] | None:
    if isinstance(field, models.JSONField):
        encoder = field.encoder
        if encoder is None:  # orjson writes the same JSON as json.dumps, several times faster
            return lambda v: None if v is None else orjson.dumps(v, option=orjson.OPT_NON_STR_KEYS).decode()
        return lambda v: None if v is None else json.dumps(v, cls=encoder, separators=(",", ":"))
    if _is_pg():
        return None  # psycopg adapts dates, times and booleans itself
    if isinstance(field, models.DateTimeField):
        return _cached(connection.ops.adapt_datetimefield_value)
    if isinstance(field, models.DateField):
        return connection.ops.adapt_datefield_value
    return None


def _cached(fn: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """Most rows of a batch share a timestamp (`created_at`): convert each distinct value once."""
    seen: dict[Any, Any] = {}

    def convert(value: Any) -> Any:
        out = seen.get(value)
        if out is None:
            out = seen[value] = fn(value)
        return out

    return convert


def _default(field: models.Field) -> Any:
    if field.has_default():
        return field.get_default()
    return None if field.null else ("" if field.empty_strings_allowed else None)


def insert(model: type[models.Model], rows: Iterable[dict[str, Any]], *, skip_conflicts: bool = False) -> int:
    """Insert `rows` (dicts by attribute name, e.g. `entity_id`; missing ones take the field default).

    `skip_conflicts`: a row that would break a unique constraint is skipped (ON CONFLICT DO
    NOTHING), for tables another writer may fill at the same moment (blocking keys, links).
    """
    fields = list(model._meta.concrete_fields)
    defaults = {f.attname: _default(f) for f in fields if not f.primary_key}
    convert = [_converter(f) for f in fields]
    names = [f.attname for f in fields]
    pk_name = model._meta.pk.attname
    prepared = []
    for row in rows:
        values = []
        for name, conv in zip(names, convert, strict=True):
            value = row[name] if name in row else (defaults.get(name) if name != pk_name else None)
            values.append(conv(value) if conv is not None and value is not None else value)
        prepared.append(values)
    if not prepared:
        return 0
    # a column left empty for every row (the key, when the database numbers them) is not sent
    keep = [i for i, f in enumerate(fields) if not (f.primary_key and all(r[i] is None for r in prepared))]
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    columns = ", ".join(quote(fields[i].column) for i in keep)
    data = [tuple(r[i] for i in keep) for r in prepared]
    with connection.cursor() as cur:
        if not _is_pg():
            conflict = " ON CONFLICT DO NOTHING" if skip_conflicts else ""
            cur.executemany(f"INSERT INTO {table} ({columns}) VALUES ({', '.join(['%s'] * len(keep))}){conflict}",  # noqa: S608
                            data)
            return len(data)
        target = table
        if skip_conflicts:
            target = "entities_incoming"
            cur.execute(f"CREATE TEMPORARY TABLE {target} ON COMMIT DROP AS "  # noqa: S608
                        f"SELECT {columns} FROM {table} WITH NO DATA")
        with cur.cursor.copy(f"COPY {target} ({columns}) FROM STDIN") as copy:
            for row in data:
                copy.write_row(row)
        if skip_conflicts:
            cur.execute(f"INSERT INTO {table} ({columns}) SELECT {columns} FROM {target} "  # noqa: S608
                        "ON CONFLICT DO NOTHING")
            cur.execute(f"DROP TABLE {target}")
    return len(data)


def update_json(model: type[models.Model], field: str, values: dict[int, Any]) -> None:
    """Set one JSON field (and `updated_at`) of many rows: one prepared statement, many parameters."""
    if not values:
        return
    quote = connection.ops.quote_name
    f = model._meta.get_field(field)
    stamp = clock.now()
    if not _is_pg():
        stamp = connection.ops.adapt_datetimefield_value(stamp)
    cast = "::jsonb" if _is_pg() else ""
    with connection.cursor() as cur:
        cur.executemany(f"UPDATE {quote(model._meta.db_table)} SET {quote(f.column)} = %s{cast}, "  # noqa: S608
                        f"{quote('updated_at')} = %s WHERE {quote(model._meta.pk.column)} = %s",
                        [(json.dumps(v, cls=f.encoder), stamp, pk) for pk, v in values.items()])
