"""Staff pages: request form, coordinator queue with criteria checklists, decision, alert management."""

from __future__ import annotations

import pytest

from fusioncenter.alerts.models import Alert, AlertProgram, AlertRequest, RequestStatus
from fusioncenter.core.models import County
from fusioncenter.core.roles import Role

from .conftest import SENSITIVE_MARKERS

pytestmark = pytest.mark.django_db


def request_post(**overrides):
    data = {
        "program": AlertProgram.objects.get(code="AMBER").pk, "exercise": "Actual",
        "subject_name": "Casey Fictional", "subject_age": "6", "subject_description": "3 ft 10 in, blond",
        "last_seen_place": "Janesville", "last_seen_county": County.objects.get(name="Rock").pk,
        "public_contact": "911", "area_counties": [County.objects.get(name="Rock").pk],
        "abduction_believed": "true", "danger_of_harm": "true", "runaway_or_family_abduction": "false",
        "ncic_entered": "", **SENSITIVE_MARKERS,
    }
    data.update(overrides)
    return data


def test_officer_files_a_request_and_sees_what_is_missing(client, signed_in, officer, wisconsin, upload):
    c = signed_in(client, officer)
    page = c.get("/alerts/requests/new/")
    assert page.status_code == 200 and b"Sensitive: for the coordinator only" in page.content
    response = c.post("/alerts/requests/new/", {**request_post(), "photo": upload()})
    assert response.status_code == 302
    req = AlertRequest.objects.get()
    assert req.photo_id and req.ncic_entered is None and req.abduction_believed is True
    detail = c.get(response["Location"]).content.decode()
    assert "Not answered" in detail and "entered into NCIC" in detail
    assert SENSITIVE_MARKERS["investigative_notes"] in detail  # law enforcement sees its own notes
    assert "Approve and issue" not in detail  # not the coordinator
    assert c.get(f"/alerts/requests/{req.pk}/photo.jpg").status_code == 200


def test_request_form_errors_are_shown(client, signed_in, officer, wisconsin):
    c = signed_in(client, officer)
    response = c.post("/alerts/requests/new/", request_post(subject_name="", public_contact=""))
    assert response.status_code == 200 and b"usa-error-message" in response.content
    response = c.post("/alerts/requests/new/", request_post(area_counties=[], last_seen_county=""))
    assert b"Choose the counties to alert, or statewide." in response.content
    assert not AlertRequest.objects.exists()


def test_partner_member_cannot_request(client, signed_in, make_user, wisconsin):
    member = make_user(Role.PARTNER_MEMBER)
    assert signed_in(client, member).get("/alerts/requests/new/").status_code == 403


def test_coordinator_queue_checklist_approve_update_cancel(client, signed_in, submit, coordinator):
    req = submit(ncic_entered=None)
    c = signed_in(client, coordinator)
    queue = c.get("/alerts/requests/").content.decode()
    assert f"Request {req.pk}" in queue and "1 not answered" in queue
    detail = c.get(f"/alerts/requests/{req.pk}/").content.decode()
    assert "Approve and issue" in detail and "Reason to approve although criteria are not met" in detail
    refused = c.post(f"/alerts/requests/{req.pk}/approve/", {"override_reason": ""})
    assert refused.status_code == 422 and "record why you approve anyway" in refused.content.decode()
    approved = c.post(f"/alerts/requests/{req.pk}/approve/", {"override_reason": "NCIC entry in progress."})
    assert approved.status_code == 302
    alert = Alert.objects.get()
    manage = c.get(approved["Location"]).content.decode()
    assert alert.messages.get().identifier in manage and "Update the alert" in manage
    update = c.post(f"/alerts/{alert.pk}/update/", {"headline": alert.headline, "public_contact": "911",
                                                    "vehicle_plate": "NEW123", "note": "Plate."})
    assert update.status_code == 302
    bad = c.post(f"/alerts/{alert.pk}/cancel/", {"reason": "other", "note": ""})
    assert bad.status_code == 422 and "Say why the alert is cancelled." in bad.content.decode()
    assert c.post(f"/alerts/{alert.pk}/cancel/", {"reason": "found"}).status_code == 302
    assert [m.msg_type for m in alert.messages.all()] == ["Alert", "Update", "Cancel"]


def test_decline_page_needs_a_reason(client, signed_in, submit, coordinator):
    req = submit()
    c = signed_in(client, coordinator)
    assert c.post(f"/alerts/requests/{req.pk}/decline/", {"reason": ""}).status_code == 422
    assert c.post(f"/alerts/requests/{req.pk}/decline/", {"reason": "Runaway."}).status_code == 302
    req.refresh_from_db()
    assert req.status == RequestStatus.DECLINED and req.decision_reason == "Runaway."


def test_other_agencies_do_not_see_the_request(client, signed_in, submit, make_user):
    req = submit()
    stranger = make_user(Role.PARTNER_OFFICER)
    c = signed_in(client, stranger)
    assert c.get(f"/alerts/requests/{req.pk}/").status_code == 404
    assert f"Request {req.pk}" not in c.get("/alerts/requests/").content.decode()


def test_coordinator_home_panel(client, signed_in, submit, coordinator):
    submit()
    body = signed_in(client, coordinator).get("/").content.decode()
    assert "Requests waiting for a decision" in body
