"""The hot path of every API write: bearer-token memory, county lookup, and the audit entry's transaction.

These guard the speed-ups of issue 3 against their risks: a revoked token or disabled account must
stop working, a county's reassignment must apply at once, and an audit entry must never outlive (or
be outlived by) the change it records.
"""

from __future__ import annotations

import time

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from fusioncenter.core import audit, services, token_cache
from fusioncenter.core.jurisdictions import route
from fusioncenter.core.models import ApiToken, AuditEntry, AuditHead, County, User
from fusioncenter.core.roles import Role


@pytest.fixture(autouse=True)
def _fresh_token_memory():
    token_cache.clear()
    yield
    token_cache.clear()


def _me(client, token):
    return client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {token}")


def test_a_token_seen_a_moment_ago_needs_no_query(client, make_user, api_token):
    token = api_token(make_user(Role.PARTNER_OFFICER))
    assert _me(client, token).status_code == 200
    with CaptureQueriesContext(connection) as queries:
        body = _me(client, token).json()
    assert body["role"] == "partner_officer"
    assert not [q for q in queries.captured_queries if "core_apitoken" in q["sql"]]


def test_revoking_a_remembered_token_refuses_it_at_once(client, make_user, api_token):
    user = make_user(Role.PARTNER_OFFICER)
    token = api_token(user)
    assert _me(client, token).status_code == 200
    services.revoke_token(user, ApiToken.objects.get(user=user))
    assert _me(client, token).status_code == 401


def test_disabling_or_locking_a_remembered_account_refuses_its_token_at_once(client, make_user, api_token):
    user = make_user(Role.PARTNER_OFFICER)
    token = api_token(user)
    assert _me(client, token).status_code == 200
    user.is_active = False
    user.save(update_fields=["is_active"])
    assert _me(client, token).status_code == 401
    user.is_active = True
    user.save(update_fields=["is_active"])
    assert _me(client, token).status_code == 200
    user.locked_at = user.date_joined
    user.save(update_fields=["locked_at"])
    assert _me(client, token).status_code == 401


def test_a_revocation_made_by_another_process_applies_within_the_ttl(client, settings, make_user, api_token):
    """Another web process's change sends no signal here; the short TTL bounds how long it is missed."""
    settings.FUSIONCENTER_TOKEN_CACHE_SECONDS = 0.2
    user = make_user(Role.PARTNER_OFFICER)
    token = api_token(user)
    assert _me(client, token).status_code == 200
    ApiToken.objects.filter(user=user).update(revoked_at=user.date_joined)  # no post_save: as if elsewhere
    time.sleep(0.25)
    assert _me(client, token).status_code == 401


def test_the_cache_can_be_turned_off(client, settings, make_user, api_token):
    settings.FUSIONCENTER_TOKEN_CACHE_SECONDS = 0
    token = api_token(make_user(Role.PARTNER_OFFICER))
    assert _me(client, token).status_code == 200
    with CaptureQueriesContext(connection) as queries:
        assert _me(client, token).status_code == 200
    assert [q for q in queries.captured_queries if "core_apitoken" in q["sql"]]


def test_each_request_gets_its_own_copy_of_the_user(make_user, api_token):
    user = make_user(Role.PARTNER_OFFICER)
    token = api_token(user)
    first = services.user_for_token(token)
    first.first_name = "Changed in one request"
    second = services.user_for_token(token)
    assert second.pk == user.pk and second is not first
    assert second.first_name != "Changed in one request"
    assert User.objects.get(pk=user.pk).first_name == second.first_name


def test_county_names_route_with_one_query_and_follow_a_reassignment(wisconsin):
    route(county="Dodge")  # the name map is built once per process
    with CaptureQueriesContext(connection) as queries:
        decision = route(county="dodge county")
    assert (decision.county.name, decision.center.code) == ("Dodge", "WSIC")
    assert len(queries.captured_queries) == 1
    County.objects.filter(name="Dodge").update(center=County.objects.get(name="Milwaukee").center)
    assert route(county="Dodge").center.code == "STAC"
    assert route(county="Narnia").flagged


def test_a_change_and_its_audit_entry_roll_back_together(make_user):
    user = make_user(Role.ANALYST)
    before = AuditEntry.objects.count()
    with pytest.raises(RuntimeError), transaction.atomic():
        User.objects.filter(pk=user.pk).update(first_name="Rolled back")
        audit.record(user, "test_change", user)
        raise RuntimeError("the service failed after auditing")
    assert AuditEntry.objects.count() == before
    assert User.objects.get(pk=user.pk).first_name != "Rolled back"
    audit.record(user, "test_change", user)
    assert audit.verify().ok


def test_an_audit_entry_costs_two_statements_on_postgresql_three_elsewhere(make_user):
    """No savepoint. Lock (on PostgreSQL) and read the head row; then on PostgreSQL one statement inserts
    the entry and moves the head (the lock is held for one round trip and the commit), elsewhere two."""
    user = make_user(Role.ANALYST)
    audit.record(user, "warm_up", user)
    with transaction.atomic(), CaptureQueriesContext(connection) as queries:
        entry = audit.record(user, "test_change", user, detail={"n": 1})
    sql = [q["sql"] for q in queries.captured_queries]
    assert not [s for s in sql if "SAVEPOINT" in s.upper()]
    assert "core_audithead" in sql[0]
    if connection.vendor == "postgresql":
        assert len(sql) == 2 and "FOR UPDATE" in sql[0]
        assert "core_auditentry" in sql[1] and "core_audithead" in sql[1]
    else:
        assert len(sql) == 3 and "core_auditentry" in sql[1] and "core_audithead" in sql[2]
    stored = AuditEntry.objects.get(pk=entry.pk)
    assert (stored.seq, stored.entry_hash, stored.detail) == (entry.seq, entry.entry_hash, {"n": 1})
    assert stored.at == entry.at and audit.compute_hash(stored) == stored.entry_hash
    assert AuditHead.objects.get(id=1).seq == entry.seq
    assert audit.verify().ok
