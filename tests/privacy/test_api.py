"""The imminent-danger release through the API: the same rules and refusals as the page."""

from __future__ import annotations

import json

import pytest

from fusioncenter.core.markings import RecordClass
from fusioncenter.privacy.models import Dissemination, ImminentDangerRelease

URL = "/api/v1/privacy/imminent-danger-releases"
DANGER = "A caller says the subject is driving to the Elm Street clinic now with a gun to shoot staff."


@pytest.fixture
def ci(make_dossier, make_user):
    analyst = make_user("analyst")
    return analyst, make_dossier(record_class=RecordClass.CRIMINAL_INTELLIGENCE, tlp="GREEN", with_files=False,
                                 created_by=analyst)


def _post(client, token, body):
    return client.post(URL, json.dumps(body), content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {token}")


def _body(d, **over):
    body = {"record_type": "access_app.retaineddossier", "record_id": str(d.pk), "recipient_name": "Clinic manager",
            "recipient_description": "Elm Street clinic, by phone", "danger_to": "life", "danger": DANGER,
            "disclosed": "Lock the doors and shelter the staff; police are on the way.", "channel": "spoken",
            "confirmed": True}
    body.update(over)
    return body


def test_a_release_is_recorded_and_flagged(client, api_token, ci):
    analyst, d = ci
    response = _post(client, api_token(analyst), _body(d))
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["basis"] == "imminent_danger" and data["review"] == "pending"
    row = Dissemination.objects.get(pk=data["dissemination"])
    assert row.by == analyst and row.danger.pk == data["release"] and row.recipient_name == "Clinic manager"


def test_refusals_name_the_rule_and_store_nothing(client, api_token, ci, make_user):
    analyst, d = ci
    token = api_token(analyst)
    officer = make_user("partner_officer")
    normal = _post(client, token, _body(d, recipient_name="", recipient_description="", recipient_user=officer.pk))
    assert normal.status_code == 422 and "normal rule" in normal.content.decode()
    unconfirmed = _post(client, token, _body(d, confirmed=False, danger="Soon."))
    fields = {e["field"] for e in unconfirmed.json()["errors"]}
    assert unconfirmed.status_code == 422 and {"confirmed", "danger"} <= fields
    assert _post(client, token, _body(d, danger_to="pets")).status_code == 422
    assert _post(client, token, _body(d, record_id="999999")).status_code == 404
    both = _post(client, token, _body(d, recipient_user=officer.pk, recipient_organization=officer.organization_id))
    assert both.status_code == 422
    member = make_user("partner_member")
    sender = _post(client, api_token(member), _body(d))
    assert sender.status_code == 422 and "sender" in sender.content.decode()
    assert client.post(URL, json.dumps(_body(d)), content_type="application/json").status_code == 401
    assert not Dissemination.objects.exists() and not ImminentDangerRelease.objects.exists()
