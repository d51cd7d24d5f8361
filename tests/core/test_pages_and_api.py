"""Pages by role, the partner directory, user administration, health, and the API's shape."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from fusioncenter.core.models import AuditEntry, User
from fusioncenter.core.roles import Role


def test_healthz_names_the_engine_and_migrations(client, db):
    from django.db import connection

    body = client.get("/healthz").json()
    assert body["database"]["engine"] == connection.vendor
    assert body["migrations"]["all_applied"] is True
    assert body["status"] == "ok"


@pytest.mark.parametrize("role", list(Role.values))
def test_every_role_has_a_home_page_and_navigation(client, make_user, signed_in, role):
    user = make_user(role, sworn=role in (Role.PARTNER_OFFICER, Role.SUPERVISOR))
    signed_in(client, user)
    page = client.get(reverse("core:home"))
    assert page.status_code == 200
    html = page.content.decode()
    assert "Your account" in html and user.get_role_display() in html
    assert ('href="/manage/users/"' in html) is (role == Role.ADMINISTRATOR)
    assert ('href="/manage/audit/"' in html) is (role in (Role.ADMINISTRATOR, Role.PRIVACY_OFFICER))
    assert "Handling notice" in html


def test_pages_need_sign_in(client, db):
    for name in ("core:home", "core:partners", "core:users", "core:counties"):
        response = client.get(reverse(name))
        assert response.status_code == 302 and reverse("core:login") in response.url


def test_user_administration_is_for_administrators_only(client, make_user, signed_in):
    signed_in(client, make_user(Role.ANALYST))
    assert client.get(reverse("core:users")).status_code == 403
    assert client.post(reverse("core:user_create"), {}).status_code == 403


def test_administrator_creates_and_edits_an_account(client, make_user, make_org, signed_in):
    admin = make_user(Role.ADMINISTRATOR)
    org = make_org("Sauk County Test PD", county="Sauk")
    signed_in(client, admin)
    bad = client.post(
        reverse("core:user_create"),
        {"username": "new.officer", "role": "partner_officer", "organization": org.pk, "password": "short"},
    )
    assert bad.status_code == 200 and b"usa-error-message" in bad.content
    assert not User.objects.filter(username="new.officer").exists()
    good = client.post(
        reverse("core:user_create"),
        {
            "username": "new.officer",
            "role": "partner_officer",
            "organization": org.pk,
            "sworn": "on",
            "password": "a perfectly long passphrase 7",
            "cfr23_trained_on": "2026-01-15",
        },
    )
    assert good.status_code == 302
    created = User.objects.get(username="new.officer")
    assert created.sworn and created.cfr23_trained_on.isoformat() == "2026-01-15"
    assert AuditEntry.objects.filter(action="create", object_type="core.user", object_id=str(created.pk)).exists()
    edit = client.post(
        reverse("core:user_edit", args=[created.pk]),
        {
            "username": "ignored",
            "role": "partner_officer",
            "organization": org.pk,
            "sworn": "on",
            "title": "Detective",
            "is_active": "on",
        },
    )
    assert edit.status_code == 302
    created.refresh_from_db()
    assert created.title == "Detective" and created.username == "new.officer"


def test_partner_directory_filters(client, make_user, make_org, signed_in):
    make_org("Zeta Fire District", "fire", county="Brown")
    make_org("Zeta Police", "le_local", county="Milwaukee")
    signed_in(client, make_user(Role.PARTNER_MEMBER))
    page = client.get(reverse("core:partners"), {"q": "Zeta", "discipline": "fire"}).content.decode()
    assert "Zeta Fire District" in page and "Zeta Police" not in page


def test_counties_page_shows_the_map_and_all_counties(client, make_user, signed_in):
    signed_in(client, make_user(Role.ANALYST))
    html = client.get(reverse("core:counties")).content.decode()
    assert html.count("<path") == 72
    assert "Milwaukee" in html and "055079" in html


def test_audit_page_verifies_the_chain(client, make_user, signed_in):
    signed_in(client, make_user(Role.PRIVACY_OFFICER))
    html = client.get(reverse("core:audit"), {"verify": "1"}).content.decode()
    assert "The chain is intact" in html


# --- API --------------------------------------------------------------------------------------------


def test_api_needs_a_token(client, db):
    response = client.get("/api/v1/me")
    assert response.status_code == 401
    assert "Bearer" in response.json()["detail"]
    assert client.get("/api/v1/me", HTTP_AUTHORIZATION="Bearer fc_not-a-real-token").status_code == 401


def test_api_me_with_a_bearer_token(client, make_user, api_token):
    user = make_user(Role.PARTNER_OFFICER)
    token = api_token(user)
    body = client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {token}").json()
    assert body["username"] == user.username and body["role"] == "partner_officer" and body["sworn"] is True


def test_revoked_or_locked_token_is_refused(client, make_user, api_token):
    from fusioncenter.core.models import ApiToken

    user = make_user(Role.PARTNER_OFFICER)
    token = api_token(user)
    ApiToken.objects.filter(user=user).update(revoked_at="2026-01-01T00:00:00Z")
    assert client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 401
    token = api_token(user)
    User.objects.filter(pk=user.pk).update(locked_at="2026-01-01T00:00:00Z")
    assert client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 401


def test_api_route_and_validation_errors_name_the_field(client, wisconsin):
    ok = client.get("/api/v1/route", {"county": "Waukesha"}).json()
    assert ok["center"] == "STAC" and ok["flagged"] is False
    bad = client.get("/api/v1/route", {"zip_code": "5370", "latitude": "100"})
    assert bad.status_code == 422
    fields = {e["field"] for e in bad.json()["errors"]}
    assert {"zip_code", "latitude"} <= fields
    assert all(e["rule"] for e in bad.json()["errors"])


def test_api_audit_verify_is_for_oversight_roles(client, make_user, api_token):
    analyst_token = api_token(make_user(Role.ANALYST))
    assert client.get("/api/v1/audit/verify", HTTP_AUTHORIZATION=f"Bearer {analyst_token}").status_code == 403
    po_token = api_token(make_user(Role.PRIVACY_OFFICER))
    body = client.get("/api/v1/audit/verify", HTTP_AUTHORIZATION=f"Bearer {po_token}").json()
    assert body["ok"] is True


def test_openapi_document_and_docs_page(client, db):
    spec = client.get("/api/v1/openapi.json")
    assert spec.status_code == 200
    doc = json.loads(spec.content)
    assert doc["openapi"].startswith("3.") and "/api/v1/me" in doc["paths"]
    assert "BearerToken" in json.dumps(doc["components"]["securitySchemes"])
    assert client.get("/api/v1/docs").status_code == 200


def test_unknown_page_is_a_friendly_404_not_a_500(client, db):
    response = client.get("/no/such/page")
    assert response.status_code == 404
