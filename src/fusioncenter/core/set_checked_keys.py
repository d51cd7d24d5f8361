"""Foreign keys checked once per statement instead of once per row (PostgreSQL only).

Why: PostgreSQL checks a foreign key with one query per inserted row, and Django makes the
constraints `DEFERRABLE INITIALLY DEFERRED`, so for a bulk import those queries all run at the
commit. A million-row import inserts about 18 references a row into the index (mentions, blocking
keys, decisions, records): measured at 400,000 rows, the commits took a quarter of the server's
time. `replace` swaps such a constraint for triggers that enforce the same rule, the hot one once per
statement, over the statement's rows as a set (transition tables):

* the child table, after INSERT and after UPDATE: every distinct value the statement wrote (for an
  UPDATE: only values that changed) must be a row of the parent table. Those parent rows are locked
  `FOR KEY SHARE`, as the constraint's own check does, so a concurrent DELETE of one waits for this
  transaction and then finds the new child rows; a parent row deleted by a transaction that
  committed first is not returned by the lock, and the statement fails;
* the parent table, after DELETE, at the commit: no child row may still name a deleted row. This one
  stays row by row and deferred, like the constraint: deletes are rare, and Django's cascades do not
  order deletes along nullable keys (a mention may go before the decisions naming it), counting on
  the check waiting for the commit. Under READ COMMITTED (the project's isolation level) its query
  sees every child committed before the DELETE got its row lock, which covers the case above;
* the parent table, before an UPDATE of its key: a referenced key may not change.

A violation raises SQLSTATE 23503 (`foreign_key_violation`), as the constraint did, so callers see
the same `IntegrityError`. What is not kept: the child's checks are immediate (at the end of each
statement), not deferred to the commit, so a transaction must write parents before children (the
project's code does); and TRUNCATE of a parent alone is not refused (Django's flush truncates every
table at once).

Django still believes the constraint exists (`db_constraint` is unchanged in the model, so SQLite
keeps it). Django's `AlterField` drops a field's constraint only if it finds one and re-creates only
what it dropped, so a later migration of one of these fields leaves the triggers alone; one that
changes such a field's type or target must `restore` first and `replace` after. SQLite keeps its
own constraints: there a check is a lookup inside the writing process, not a query a server runs
for each row at the commit.
"""

from __future__ import annotations

import hashlib
from typing import Any

from django.db import models


def _name(child: str, column: str) -> str:
    """A trigger and function name stem under PostgreSQL's 63-character limit, with room for a suffix."""
    stem = f"fcfk_{child}_{column}"
    if len(stem) > 56:
        stem = f"fcfk_{hashlib.sha256(stem.encode()).hexdigest()[:16]}"
    return stem


def _sql(schema_editor: Any, model: type[models.Model], field: models.ForeignKey) -> list[str]:
    """The functions and triggers that check `field` of `model` per statement."""
    q = schema_editor.quote_name
    child, column = model._meta.db_table, field.column
    parent_model = field.remote_field.model
    parent, parent_key = parent_model._meta.db_table, field.target_field.column
    child_key = model._meta.pk.column
    stem = _name(child, column)
    literal = {"child": child, "column": column, "parent": parent, "key": parent_key, "name": stem}

    def check(values: str) -> str:
        # `values`: the statement's written values, one column named v (NULLs skipped: MATCH SIMPLE)
        return f"""
DECLARE wanted bigint; got bigint; missing text;
BEGIN
  SELECT count(*) INTO wanted FROM (SELECT DISTINCT v FROM ({values}) s WHERE v IS NOT NULL) d;
  IF wanted = 0 THEN RETURN NULL; END IF;
  PERFORM 1 FROM {q(parent)} t WHERE t.{q(parent_key)} IN (SELECT v FROM ({values}) s) FOR KEY SHARE OF t;
  GET DIAGNOSTICS got = ROW_COUNT;
  IF got < wanted THEN
    SELECT s.v::text INTO missing FROM ({values}) s
     WHERE s.v IS NOT NULL AND NOT EXISTS (SELECT 1 FROM {q(parent)} t WHERE t.{q(parent_key)} = s.v) LIMIT 1;
    RAISE EXCEPTION 'insert or update on table "{child}" violates foreign key "{stem}"'
      USING ERRCODE = 'foreign_key_violation', CONSTRAINT = '{stem}', TABLE = '{child}', COLUMN = '{column}',
            DETAIL = 'Key ({column})=(' || missing || ') is not present in table "{parent}".';
  END IF;
  RETURN NULL;
END"""

    inserted = f"SELECT n.{q(column)} AS v FROM fcfk_new n"
    changed = (f"SELECT n.{q(column)} AS v FROM fcfk_new n JOIN fcfk_old o ON o.{q(child_key)} = n.{q(child_key)} "
               f"WHERE n.{q(column)} IS DISTINCT FROM o.{q(column)}")
    refused = """
DECLARE still text;
BEGIN
  SELECT c.{column_q}::text INTO still FROM {child_q} c WHERE c.{column_q} IN ({keys}) LIMIT 1;
  IF FOUND THEN
    RAISE EXCEPTION 'update or delete on table "{parent}" violates foreign key "{name}" on table "{child}"'
      USING ERRCODE = 'foreign_key_violation', CONSTRAINT = '{name}', TABLE = '{child}',
            DETAIL = 'Key ({key})=(' || still || ') is still referenced from table "{child}".';
  END IF;
  RETURN {ret};
END"""
    deleted = refused.format(column_q=q(column), child_q=q(child), keys=f"OLD.{q(parent_key)}", ret="NULL", **literal)
    rekeyed = refused.format(column_q=q(column), child_q=q(child), keys=f"OLD.{q(parent_key)}", ret="NEW", **literal)

    def function(suffix: str, body: str) -> str:
        return (f"CREATE OR REPLACE FUNCTION {stem}_{suffix}() RETURNS trigger LANGUAGE plpgsql AS "
                f"$fcfk${body}\n$fcfk$")

    return [
        function("ins", check(inserted)),
        function("upd", check(changed)),
        function("del", deleted),
        function("key", rekeyed),
        f"CREATE TRIGGER {stem}_ins AFTER INSERT ON {q(child)} REFERENCING NEW TABLE AS fcfk_new "
        f"FOR EACH STATEMENT EXECUTE FUNCTION {stem}_ins()",
        f"CREATE TRIGGER {stem}_upd AFTER UPDATE ON {q(child)} REFERENCING OLD TABLE AS fcfk_old "
        f"NEW TABLE AS fcfk_new FOR EACH STATEMENT EXECUTE FUNCTION {stem}_upd()",
        f"CREATE CONSTRAINT TRIGGER {stem}_del AFTER DELETE ON {q(parent)} DEFERRABLE INITIALLY DEFERRED "
        f"FOR EACH ROW EXECUTE FUNCTION {stem}_del()",
        f"CREATE TRIGGER {stem}_key BEFORE UPDATE OF {q(parent_key)} ON {q(parent)} FOR EACH ROW "
        f"WHEN (OLD.{q(parent_key)} IS DISTINCT FROM NEW.{q(parent_key)}) EXECUTE FUNCTION {stem}_key()",
    ]


def replace(schema_editor: Any, model: type[models.Model], field_name: str) -> None:
    """Swap the foreign-key constraint of `model.field_name` for per-statement checks (PostgreSQL;
    nothing elsewhere)."""
    if schema_editor.connection.vendor != "postgresql":
        return
    field = model._meta.get_field(field_name)
    for constraint in schema_editor._constraint_names(model, [field.column], foreign_key=True):
        schema_editor.execute(schema_editor._delete_fk_sql(model, constraint))
    for statement in _sql(schema_editor, model, field):
        schema_editor.execute(statement)


def restore(schema_editor: Any, model: type[models.Model], field_name: str) -> None:
    """Undo `replace`: drop the checks and create Django's own constraint again."""
    if schema_editor.connection.vendor != "postgresql":
        return
    field = model._meta.get_field(field_name)
    q = schema_editor.quote_name
    stem = _name(model._meta.db_table, field.column)
    parent = field.remote_field.model._meta.db_table
    for suffix, table in (("ins", model._meta.db_table), ("upd", model._meta.db_table), ("del", parent),
                          ("key", parent)):
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {stem}_{suffix} ON {q(table)}")
        schema_editor.execute(f"DROP FUNCTION IF EXISTS {stem}_{suffix}()")
    schema_editor.execute(schema_editor._create_fk_sql(model, field, "_fk_%(to_table)s_%(to_column)s"))


def installed(connection: Any, model: type[models.Model], field_name: str) -> bool:
    """Whether `model.field_name` is checked per statement on this database (all four triggers there)."""
    if connection.vendor != "postgresql":
        return False
    stem = _name(model._meta.db_table, model._meta.get_field(field_name).column)
    with connection.cursor() as cur:
        cur.execute("SELECT count(*) FROM pg_trigger WHERE tgname = ANY(%s) AND NOT tgisinternal",
                    [[f"{stem}_{s}" for s in ("ins", "upd", "del", "key")]])
        return cur.fetchone()[0] == 4
