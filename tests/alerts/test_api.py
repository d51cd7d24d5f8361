"""API: active alerts without sign-in; the criteria check for law-enforcement callers."""

from __future__ import annotations

import pytest

from fusioncenter.core.roles import Role

pytestmark = pytest.mark.django_db


def test_active_alerts_need_no_sign_in_and_hold_no_sensitive_field(client, issued):
    alert = issued()
    response = client.get("/api/v1/alerts/active")
    assert response.status_code == 200
    body = response.json()
    assert [a["id"] for a in body] == [alert.pk]
    assert body[0]["cap_url"].endswith(f"/alerts/{alert.pk}/cap.xml")
    assert "MARKER" not in response.content.decode()


def test_evaluate_returns_each_criterion(client, officer, api_token, wisconsin):
    headers = {"Authorization": f"Bearer {api_token(officer)}"}
    response = client.post("/api/v1/alerts/programs/amber/evaluate", {"subject_age": 20},
                           content_type="application/json", headers=headers)
    assert response.status_code == 200
    data = response.json()
    assert not data["all_met"]
    by_id = {r["id"]: r for r in data["results"]}
    assert by_id["age"]["status"] == "not_met" and by_id["abduction"]["status"] == "missing"
    bad = client.post("/api/v1/alerts/programs/silver/evaluate", {"disappeared_at": "yesterday"},
                      content_type="application/json", headers=headers)
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "disappeared_at"
    assert client.post("/api/v1/alerts/programs/nope/evaluate", {}, content_type="application/json",
                       headers=headers).status_code == 404


def test_evaluate_is_refused_to_non_law_enforcement(client, make_user, api_token, wisconsin):
    member = make_user(Role.PARTNER_MEMBER)
    response = client.post("/api/v1/alerts/programs/amber/evaluate", {}, content_type="application/json",
                           headers={"Authorization": f"Bearer {api_token(member)}"})
    assert response.status_code == 403
    assert client.post("/api/v1/alerts/programs/amber/evaluate", {},
                       content_type="application/json").status_code == 401
