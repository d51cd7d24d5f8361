"""The tamper-evident audit trail: an append-only chain of hashed entries.

Each entry's hash covers its own fields and the previous entry's hash, and a sequence number with
no gaps; the head row holds the last sequence number and hash. `verify()` walks the chain and
reports any entry changed (hash mismatch), removed (gap, broken link, or a head ahead of the
chain) or inserted (broken link, duplicate sequence). Entries name objects by type and id only, so
the audit never has to be edited when a person's data is purged. On PostgreSQL a trigger (see the
migration) refuses UPDATE and DELETE on the table.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from django.db import connection, transaction

from . import clock
from .models import AuditEntry, AuditHead

GENESIS = "0" * 64
SYSTEM = "system"
ANONYMOUS = "anonymous"


def _canonical(entry: AuditEntry) -> bytes:
    payload = [
        entry.seq,
        entry.at.isoformat(timespec="microseconds"),
        entry.actor_id,
        entry.actor,
        entry.action,
        entry.object_type,
        entry.object_id,
        entry.outcome,
        entry.source_address,
        entry.detail,
        entry.prev_hash,
    ]
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str).encode()


def compute_hash(entry: AuditEntry) -> str:
    return hashlib.sha256(_canonical(entry)).hexdigest()


def _describe_object(obj: Any, object_type: str | None, object_id: str | None) -> tuple[str, str]:
    if obj is not None:
        return obj._meta.label_lower, str(obj.pk)
    return object_type or "", str(object_id) if object_id is not None else ""


def record(
    actor: Any,
    action: str,
    obj: Any = None,
    *,
    object_type: str | None = None,
    object_id: Any = None,
    outcome: str = "success",
    source_address: str | None = None,
    detail: dict | None = None,
) -> AuditEntry:
    """Append one entry. Call inside the service's transaction so the change and its entry commit together.

    `actor` is a user, None (anonymous public) or the string "system". `detail` must hold ids, codes
    and reasons only, never personal content.
    """
    if isinstance(actor, str):
        actor_id, actor_name = None, actor
    elif actor is None or not getattr(actor, "is_authenticated", False):
        actor_id, actor_name = None, ANONYMOUS
    else:
        actor_id, actor_name = actor.pk, actor.get_username()
    otype, oid = _describe_object(obj, object_type, object_id)
    # No savepoint: inside a caller's transaction the entry must commit or roll back with the change,
    # so a failure here has to doom the whole transaction rather than be rolled back alone (which
    # would let the change commit without its entry); it also saves two statements per write. The
    # head row is locked here until the transaction commits, so services call `record` last.
    with transaction.atomic(savepoint=False):
        head_seq, head_hash = _lock_head()
        entry = AuditEntry(
            seq=head_seq + 1,
            at=clock.now(),
            actor_id=actor_id,
            actor=actor_name[:150],
            action=action[:64],
            object_type=otype[:100],
            object_id=oid[:64],
            outcome=outcome[:16],
            source_address=(source_address or "")[:64],
            detail=json.loads(json.dumps(detail or {}, default=str)),
            prev_hash=head_hash,
        )
        entry.entry_hash = compute_hash(entry)
        _append(entry)
    return entry


def _append(entry: AuditEntry) -> None:
    """Insert the entry and move the head to it, while the head row is locked.

    On PostgreSQL both happen in one statement (a data-modifying WITH), so the lock, which every
    audited write in the platform waits for, is held for one round trip and the commit rather than
    two round trips and the commit. Elsewhere (SQLite: one writer at a time anyway) two statements.
    """
    if connection.vendor != "postgresql":
        entry.save(force_insert=True)
        with connection.cursor() as cursor:
            cursor.execute(_head_sql()["update"], [entry.seq, entry.entry_hash])
        return
    fields = [f for f in AuditEntry._meta.concrete_fields if not f.primary_key]
    values = [f.get_db_prep_save(f.pre_save(entry, True), connection) for f in fields]
    with connection.cursor() as cursor:
        cursor.execute(_head_sql()["append"], values)
        entry.pk = cursor.fetchone()[0]
    entry._state.adding = False
    entry._state.db = connection.alias


@lru_cache(maxsize=1)
def _head_sql() -> dict[str, str]:
    """The head row's two statements, written by hand and built once: the head is read and written on
    every audited change, and the ORM's statement compilation cost more CPU than the statements."""
    q = connection.ops.quote_name
    table = q(AuditHead._meta.db_table)
    lock = " FOR UPDATE" if connection.features.has_select_for_update else ""
    fields = [f for f in AuditEntry._meta.concrete_fields if not f.primary_key]
    entries = q(AuditEntry._meta.db_table)
    return {
        "lock": f"SELECT {q('seq')}, {q('entry_hash')} FROM {table} WHERE {q('id')} = 1{lock}",
        "update": f"UPDATE {table} SET {q('seq')} = %s, {q('entry_hash')} = %s WHERE {q('id')} = 1",
        "append": (
            f"WITH e AS (INSERT INTO {entries} ({', '.join(q(f.column) for f in fields)}) "
            f"VALUES ({', '.join(['%s'] * len(fields))}) RETURNING {q('id')}, {q('seq')}, {q('entry_hash')}) "
            f"UPDATE {table} SET {q('seq')} = e.{q('seq')}, {q('entry_hash')} = e.{q('entry_hash')} FROM e "
            f"WHERE {table}.{q('id')} = 1 RETURNING e.{q('id')}"
        ),
    }


def _lock_head() -> tuple[int, str]:
    """Lock the chain's head row until the transaction ends; return its sequence number and hash."""
    with connection.cursor() as cursor:
        cursor.execute(_head_sql()["lock"])
        row = cursor.fetchone()
    if row is None:  # a new database: create the head (genesis) and lock it
        AuditHead.objects.get_or_create(id=1)
        with connection.cursor() as cursor:
            cursor.execute(_head_sql()["lock"])
            row = cursor.fetchone()
    return int(row[0]), row[1]


@dataclass
class Verification:
    checked: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def verify(batch: int = 5000) -> Verification:
    """Walk the whole chain in sequence order and report every break."""
    result = Verification()
    expected_seq = 1
    prev_hash = GENESIS
    last_seq = 0
    qs = AuditEntry.objects.order_by("seq")
    position = 0
    while True:
        rows = list(qs.filter(seq__gt=last_seq)[:batch])
        if not rows:
            break
        for entry in rows:
            position += 1
            if entry.seq != expected_seq:
                if entry.seq > expected_seq:
                    result.problems.append(
                        f"entries {expected_seq}..{entry.seq - 1} are missing (removed from the chain)"
                    )
                else:
                    result.problems.append(f"entry {entry.seq} is out of order (inserted)")
            if entry.prev_hash != prev_hash:
                result.problems.append(
                    f"entry {entry.seq} does not link to the entry before it (an entry was removed or inserted)"
                )
            if compute_hash(entry) != entry.entry_hash:
                result.problems.append(f"entry {entry.seq} was changed after it was written (hash mismatch)")
            prev_hash = entry.entry_hash
            expected_seq = entry.seq + 1
            last_seq = entry.seq
        result.checked = position
    head = AuditHead.objects.filter(id=1).first()
    if head is not None and (head.seq != last_seq or head.entry_hash != prev_hash):
        if head.seq > last_seq:
            result.problems.append(
                f"the chain ends at entry {last_seq} but its head records entry {head.seq}: "
                "entries were removed from the end"
            )
        else:
            result.problems.append(f"the chain's head (entry {head.seq}) does not match its last entry ({last_seq})")
    if head is None and last_seq:
        result.problems.append("the chain's head record is missing")
    return result
