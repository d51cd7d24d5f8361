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
from typing import Any

from django.db import transaction

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
        head, _ = AuditHead.objects.select_for_update().get_or_create(id=1)
        entry = AuditEntry(
            seq=head.seq + 1,
            at=clock.now(),
            actor_id=actor_id,
            actor=actor_name[:150],
            action=action[:64],
            object_type=otype[:100],
            object_id=oid[:64],
            outcome=outcome[:16],
            source_address=(source_address or "")[:64],
            detail=json.loads(json.dumps(detail or {}, default=str)),
            prev_hash=head.entry_hash,
        )
        entry.entry_hash = compute_hash(entry)
        entry.save(force_insert=True)
        head.seq = entry.seq
        head.entry_hash = entry.entry_hash
        head.save(update_fields=["seq", "entry_hash"])
    return entry


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
