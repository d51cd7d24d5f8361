"""Insert many rows without building model instances: the write path of bulk imports.

At a million imported rows the index receives about fifteen million rows (records, entities,
blocking keys, mentions, links, decisions, search documents). Through `bulk_create` most of the
time went into Django preparing each value and compiling each batch's SQL, not into the database
(profiled: about two thirds of an import). Here every column's conversion is chosen once per
table, and the rows go in with one prepared `executemany` (SQLite, in-process, no round trips) or
`COPY` (PostgreSQL, in its binary format: `_binary_types`). Ids are reserved up front so related
rows can name each other without reading anything back.

Only for new rows of tables whose defaults are plain values: no `save()`, no signals, exactly
like `bulk_create`.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Collection, Iterable, Sequence
from typing import Any

import orjson
from django.db import connection, models
from psycopg import ProgrammingError, postgres
from psycopg.pq import Format

from fusioncenter.core import clock


def _is_pg() -> bool:
    return connection.vendor == "postgresql"


def reserve_ids(model: type[models.Model], n: int) -> list[int]:
    """`n` fresh primary keys for `model`, taken inside the caller's transaction."""
    if n <= 0:
        return []
    with connection.cursor() as cur:
        if _is_pg():
            cur.execute("SELECT nextval(%s::regclass) FROM generate_series(1, %s)", [_sequence(model), n])
            return [row[0] for row in cur.fetchall()]
        # SQLite: transactions begin IMMEDIATE (settings), so this connection holds the only write
        # lock until COMMIT and no one else can take these numbers; inserting them raises
        # AUTOINCREMENT's counter, so they are never handed out again.
        if not connection.in_atomic_block:
            raise RuntimeError("reserve_ids needs a transaction (the write lock keeps the ids ours).")
    first = last_id(model) + 1
    return list(range(first, first + n))


_SEQUENCES: dict[str, str] = {}
# binary COPY: the types whose values `_binary_converter` prepares, and each table's column types
JSONB, JSON, TIMESTAMPTZ = postgres.types["jsonb"].oid, postgres.types["json"].oid, postgres.types["timestamptz"].oid
_TYPES: dict[tuple[str, str], dict[str, int]] = {}


def _sequence(model: type[models.Model]) -> str:
    """The name of the PostgreSQL sequence behind `model`'s primary key, looked up once per process:
    `nextval(pg_get_serial_sequence(...))` looked it up again for every id (measured: 2.6 µs an
    id against 0.3 µs by name; 26 s of a million-row import's database time)."""
    table = model._meta.db_table
    if table not in _SEQUENCES:
        with connection.cursor() as cur:
            cur.execute("SELECT pg_get_serial_sequence(%s, %s)", [table, model._meta.pk.column])
            _SEQUENCES[table] = cur.fetchone()[0]
    return _SEQUENCES[table]


def last_id(model: type[models.Model]) -> int:
    """The last primary key handed out for `model` (0 for none), without taking one: the first
    `reserve_ids` made after it starts just above it, unless someone else took ids meanwhile."""
    table = model._meta.db_table
    with connection.cursor() as cur:
        if _is_pg():
            cur.execute("SELECT pg_sequence_last_value(%s::regclass)", [_sequence(model)])
        else:
            cur.execute("SELECT MAX(COALESCE((SELECT seq FROM sqlite_sequence WHERE name = %s), 0), "
                        f"COALESCE((SELECT MAX({connection.ops.quote_name(model._meta.pk.column)}) "  # noqa: S608
                        f"FROM {connection.ops.quote_name(table)}), 0))", [table])
        return int(cur.fetchone()[0] or 0)


def encode(value: Any) -> str:
    """`value` as JSON the way `insert` writes a JSON field with no encoder of its own, for a column
    `insert` is told is `encoded` already. The import pipeline encodes mentions' explanations and
    entities' profiles where they are made, because nested dicts cost more to pickle and unpickle
    between its processes than to encode once; and as plain strings, because a subclass of str
    took five times as long to pickle and unpickle (200,000 mentions: 2.2 s against 0.44 s)."""
    return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS).decode()


def _json_bytes(encoder: type[json.JSONEncoder] | None) -> Callable[[Any], bytes]:
    """How `insert` writes a JSON field's value: with the field's own encoder if it has one, else
    with orjson (the same JSON as json.dumps, several times faster)."""
    if encoder is None:
        return lambda v: orjson.dumps(v, option=orjson.OPT_NON_STR_KEYS)
    return lambda v: json.dumps(v, cls=encoder, separators=(",", ":")).encode()


def _converter(field: models.Field) -> Callable[[Any], Any] | None:
    if isinstance(field, models.JSONField):
        dumps = _json_bytes(field.encoder)
        return lambda v: dumps(v).decode()
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


def insert(model: type[models.Model], rows: Iterable[dict[str, Any]] | Iterable[tuple], *,
           columns: Sequence[str] | None = None, skip_conflicts: bool = False, encoded: Collection[str] = ()) -> int:
    """Insert `rows`: dicts by attribute name (e.g. `entity_id`), or, with `columns` (attribute
    names), tuples in that order, which the import's hottest tables use because building a dict
    per row cost more than the insert. Fields left out take their default; a primary key left out
    (or None in every row) is numbered by the database.

    `skip_conflicts`: a row that would break a unique constraint is skipped (ON CONFLICT DO
    NOTHING), for tables another writer may fill at the same moment (blocking keys).
    `encoded`: JSON fields whose values are JSON text already (`encode`), written as they are.
    """
    fields = {f.attname: f for f in model._meta.concrete_fields}
    if columns is None:
        listed: list[dict[str, Any]] = list(rows)  # type: ignore[arg-type]
        present = set().union(*listed)
        names = [n for n in fields if n in present]
        pk = model._meta.pk.attname
        if pk in names and all(r.get(pk) is None for r in listed):
            names.remove(pk)
        if all(len(r) == len(present) for r in listed):  # every row names the same fields
            data: list[tuple] = [tuple(r[n] for n in names) for r in listed]
        else:  # a field missing from a row takes its default, like a column left out
            defaults = {n: _default(fields[n]) for n in names}
            data = [tuple(r[n] if n in r else defaults[n] for n in names) for r in listed]
    else:
        names, data = list(columns), [tuple(r) for r in rows]  # type: ignore[arg-type]
    if not data:
        return 0
    # the rest of the columns, with their defaults: the same for every row
    rest = [n for n, f in fields.items() if n not in names and not f.primary_key]
    tail = tuple(_default(fields[n]) for n in rest)
    names += rest
    if tail:
        data = [row + tail for row in data]
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    column_list = ", ".join(quote(fields[n].column) for n in names)
    types = _binary_types(model._meta.db_table, [fields[n].column for n in names]) if _is_pg() else None
    # conversions column by column (a JSON field encoded, a datetime adapted): one pass per column
    # that needs one, not a call per value of every column
    if types is None:
        converters = [(i, conv) for i, n in enumerate(names)
                      if n not in encoded and (conv := _converter(fields[n])) is not None]
    else:
        converters = [(i, conv) for i, n in enumerate(names)
                      if (conv := _binary_converter(fields[n], types[i], encoded=n in encoded)) is not None]
        types = ["bytea" if t in (JSONB, JSON) else t for t in types]  # sent as the bytes made here
    if converters:
        cols = list(zip(*data, strict=True))
        for i, conv in converters:
            cols[i] = tuple(None if v is None else conv(v) for v in cols[i])
        data = list(zip(*cols, strict=True))
    with connection.cursor() as cur:
        if not _is_pg():
            conflict = " ON CONFLICT DO NOTHING" if skip_conflicts else ""
            cur.executemany(f"INSERT INTO {table} ({column_list}) VALUES ({', '.join(['%s'] * len(names))}){conflict}",  # noqa: S608
                            data)
            return len(data)
        target = table
        if skip_conflicts:
            target = "entities_incoming"
            cur.execute(f"CREATE TEMPORARY TABLE {target} ON COMMIT DROP AS "  # noqa: S608
                        f"SELECT {column_list} FROM {table} WITH NO DATA")
        binary = " (FORMAT BINARY)" if types is not None else ""
        # psycopg's cursor itself (Django's has no COPY); its errors are raised as Django's, as a
        # statement's are (a value too long: DataError; a duplicate: IntegrityError)
        with connection.wrap_database_errors, cur.cursor.copy(
                f"COPY {target} ({column_list}) FROM STDIN{binary}") as copy:
            if types is not None:
                copy.set_types(types)
            for row in data:
                copy.write_row(row)
        if skip_conflicts:
            cur.execute(f"INSERT INTO {table} ({column_list}) SELECT {column_list} FROM {target} "  # noqa: S608
                        "ON CONFLICT DO NOTHING")
            cur.execute(f"DROP TABLE {target}")
    return len(data)


def _binary_types(table: str, columns: list[str]) -> list[int] | None:
    """The type of each column, for COPY in PostgreSQL's binary format; None when one of them has no
    binary form in psycopg (then the text format, as before).

    Why binary: in the text format psycopg writes every value out as text, escaped, and the server
    parses it back (a timestamp, a number). Measured on 300,000 mention rows (bench/copy_format.py,
    three runs each): the writer's CPU 0.65–0.84 s against 1.21–1.61 s, the server's 1.26–1.50 s
    against 1.60–2.25 s; a million-row import, 332.0 s against 356.4 s (docs/entities.md).
    The types are read from the catalog (once per table and process), so each value is sent in
    exactly its column's form: a bigint as 8 bytes, a varchar checked against its length."""
    key = (str(connection.settings_dict.get("NAME")), table)
    if key not in _TYPES:
        with connection.cursor() as cur:
            cur.execute("SELECT attname, atttypid FROM pg_attribute WHERE attrelid = %s::regclass "
                        "AND attnum > 0 AND NOT attisdropped", [connection.ops.quote_name(table)])
            _TYPES[key] = {name: int(oid) for name, oid in cur.fetchall()}
    oids = [_TYPES[key][c] for c in columns]
    for oid in oids:
        if oid in (JSONB, JSON):
            continue
        try:
            postgres.adapters.get_dumper_by_oid(oid, Format.BINARY)
        except ProgrammingError:  # psycopg has no binary form for this type
            return None
    return oids


def _binary_converter(field: models.Field, oid: int, *, encoded: bool) -> Callable[[Any], Any] | None:
    """How a value of `field` is made ready for its column in binary COPY. JSON goes as the bytes
    the server reads (jsonb: a version byte, then the text). A datetime without a time zone is
    taken as UTC, as the text format had the server take it (Django's connections use UTC)."""
    if oid in (JSONB, JSON):
        head = b"\x01" if oid == JSONB else b""
        if encoded:
            return lambda v: head + v.encode()
        dumps = _json_bytes(getattr(field, "encoder", None))
        return lambda v: head + dumps(v)
    if oid == TIMESTAMPTZ:
        return lambda v: v if v.tzinfo is not None else v.replace(tzinfo=dt.UTC)
    return None


def update_json(model: type[models.Model], field: str, values: dict[int, Any], *, encoded: bool = False) -> None:
    """Set one JSON field (and `updated_at`) of many rows. `encoded`: the values are JSON text already
    (`encode`). PostgreSQL takes them in one statement, as one JSON object by id. Measured, 5,000–6,000
    random entities of an index of 400,000, writer and server together: 9.5–9.9 µs a row, against
    19–23 µs with one UPDATE per row and 16–17 µs as two arrays (psycopg quotes each element of a text
    array in Python: a fifth of the writer's time in a profiled import)."""
    if not values:
        return
    quote = connection.ops.quote_name
    f = model._meta.get_field(field)
    stamp = clock.now()
    texts = [v if encoded else json.dumps(v, cls=f.encoder) for v in values.values()]
    table, column, key = quote(model._meta.db_table), quote(f.column), quote(model._meta.pk.column)
    with connection.cursor() as cur:
        if _is_pg():
            by_id = "{" + ",".join(f'"{int(pk)}":{text}' for pk, text in zip(values, texts, strict=True)) + "}"
            cur.execute(f"UPDATE {table} AS t SET {column} = v.value, {quote('updated_at')} = %s "  # noqa: S608
                        f"FROM jsonb_each(%s::jsonb) AS v(id, value) WHERE t.{key} = v.id::bigint", [stamp, by_id])
            return
        stamp = connection.ops.adapt_datetimefield_value(stamp)
        cur.executemany(f"UPDATE {table} SET {column} = %s, {quote('updated_at')} = %s WHERE {key} = %s",  # noqa: S608
                        [(text, stamp, pk) for text, pk in zip(texts, values, strict=True)])
