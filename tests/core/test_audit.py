"""The audit chain: appended in order, verified, and every kind of tampering detected."""

from __future__ import annotations

import subprocess
import sys

import pytest
from django.db import DatabaseError, connection, transaction

from fusioncenter.core import audit
from fusioncenter.core.models import AuditEntry, AuditHead


@pytest.fixture
def chain(db):
    for i in range(6):
        audit.record("system", "test_event", object_type="core.thing", object_id=i, detail={"n": i})
    return list(AuditEntry.objects.order_by("seq"))


def _raw(sql: str, params: list) -> None:
    """Tamper the way an attacker with the table owner's SQL prompt would, below the ORM (on
    PostgreSQL such an attacker first disables the trigger; `verify` must still notice)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql" and not sql.startswith("SELECT"):
            cursor.execute("ALTER TABLE core_auditentry DISABLE TRIGGER core_auditentry_no_change")
        cursor.execute(sql, params)


def test_entries_link_into_a_chain(chain):
    assert [e.seq for e in chain] == [1, 2, 3, 4, 5, 6]
    assert chain[0].prev_hash == audit.GENESIS
    for before, after in zip(chain, chain[1:], strict=False):
        assert after.prev_hash == before.entry_hash
    head = AuditHead.objects.get()
    assert (head.seq, head.entry_hash) == (6, chain[-1].entry_hash)
    result = audit.verify()
    assert result.ok and result.checked == 6


def test_changed_entry_is_detected(chain):
    _raw("UPDATE core_auditentry SET outcome = %s WHERE seq = %s", ["denied", 3])
    result = audit.verify()
    assert not result.ok
    assert any("entry 3 was changed" in p for p in result.problems)


def test_removed_entry_is_detected(chain):
    _raw("DELETE FROM core_auditentry WHERE seq = %s", [4])
    problems = audit.verify().problems
    assert any("entries 4..4 are missing" in p for p in problems)
    assert any("entry 5 does not link" in p for p in problems)


def test_entries_cut_from_the_end_are_detected(chain):
    _raw("DELETE FROM core_auditentry WHERE seq >= %s", [5])
    problems = audit.verify().problems
    assert any("entries were removed from the end" in p for p in problems)


def test_inserted_entry_is_detected(chain):
    forged = AuditEntry(
        seq=7, at=chain[-1].at, actor="mallory", action="sign_in", prev_hash="f" * 64, outcome="success", detail={}
    )
    forged.entry_hash = audit.compute_hash(forged)
    forged.save()
    problems = audit.verify().problems
    assert any("entry 7 does not link" in p for p in problems)


def test_cli_verify_exit_codes(chain):
    """`fusioncenter audit verify` exits 0 on an intact chain and 1 on a broken one (run in-process:
    the test database is not visible to a child process)."""
    from fusioncenter.cli import main

    assert main(["audit", "verify"]) == 0
    _raw("UPDATE core_auditentry SET action = %s WHERE seq = %s", ["nothing", 2])
    assert main(["audit", "verify"]) == 1


def test_cli_help_works_without_a_database():
    out = subprocess.run(
        [sys.executable, "-m", "fusioncenter.cli", "audit", "verify", "--help"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert "hash chain" in out.stdout


def test_audit_entries_never_hold_personal_content(db, make_user):
    user = make_user("analyst")
    audit.record(user, "view", object_type="sar.report", object_id=5, detail={"class": "law_enforcement"})
    entry = AuditEntry.objects.last()
    assert entry.actor == user.username and entry.actor_id == user.pk
    assert entry.object_type == "sar.report" and entry.object_id == "5"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_postgresql_trigger_refuses_update_and_delete():
    assert connection.vendor == "postgresql"
    audit.record("system", "test_event", object_type="core.thing", object_id=1)
    for sql in ("UPDATE core_auditentry SET action = 'x'", "DELETE FROM core_auditentry"):
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cur:
            cur.execute(sql)
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEntry.objects.all().delete()
    assert AuditEntry.objects.count() == 1
