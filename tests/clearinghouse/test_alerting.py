"""From a case: the alert request pre-filled, every program's criteria evaluated, the request created
through the alerts service, and its alert cancelled when the case is resolved."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from fusioncenter.alerts import services as alert_services
from fusioncenter.alerts.models import AlertProgram, AlertRequest
from fusioncenter.clearinghouse import alerting, services
from fusioncenter.core import clock

from .conftest import png_bytes

pytestmark = pytest.mark.django_db


def results(case, answers=None):
    return {c.program.code: c for c in alerting.evaluate_all(case, answers)}


def test_prefill_reads_the_case(make_case):
    case = make_case()
    f = alerting.request_fields(case)
    assert f["subject_name"] == "Tess Fictional"
    assert f["subject_age"] == case.age_at_disappearance
    assert "Height: 5 ft 0 in" in f["subject_description"] and "Eyes: blue" in f["subject_description"]
    assert f["vehicle_plate"] == "ABC123" and "green Ford Econoline" in f["vehicle_description"]
    assert f["suspect_name"] == "MARKER-COMPANION-Q9"
    assert f["last_seen_county"].name == "Dane" and f["disappeared_at"] == case.last_seen_at
    assert f["abduction_believed"] is True and f["runaway_or_family_abduction"] is False
    assert f["ncic_entered"] is True


def test_abducted_child_qualifies_for_amber_not_silver(make_case):
    r = results(make_case())
    assert r["AMBER"].qualifies
    assert not r["SILVER"].qualifies
    age = next(x for x in r["SILVER"].evaluation.results if x.id == "age")
    assert age.status == "not_met" and "at least 60" in age.reason
    # Missing Child applies only when no other alert does.
    other = next(x for x in r["MISSING_CHILD"].evaluation.results if x.id == "no_other_alert")
    assert other.status == "not_met"


def test_elder_with_dementia_qualifies_for_silver(make_case):
    case = make_case(
        date_of_birth=None,
        age_at_disappearance=79,
        ncic_category="EMD",
        ncmec_category="",
        ncic_child_abduction=False,
        cognitive_impairment=True,
    )
    r = results(case)
    assert r["SILVER"].qualifies, [(x.id, x.status, x.reason) for x in r["SILVER"].evaluation.results]
    assert not r["AMBER"].qualifies
    clock.advance(dt.timedelta(hours=80))
    r = results(case)
    within = next(x for x in r["SILVER"].evaluation.results if x.id == "within_72h")
    assert within.status == "not_met"


def test_runaway_unanswered_danger_until_answered(make_case):
    case = make_case(ncic_category="EMJ", ncmec_category="endangered_runaway", ncic_child_abduction=False)
    amber = results(case)["AMBER"]
    assert not amber.qualifies
    danger = next(x for x in amber.evaluation.results if x.id == "danger")
    assert danger.status == "missing"
    answered = results(case, {"danger_of_harm": True, "abduction_believed": True, "life_in_danger": True})["AMBER"]
    assert answered.qualifies


def test_request_then_resolve_cancels_the_alert(make_case, officer, coordinator):
    case = make_case()
    services.add_photo(officer, case, SimpleUploadedFile("p.png", png_bytes()), taken_on=clock.today())
    req = alerting.request_alert(officer, case, AlertProgram.objects.get(code="AMBER"))
    assert isinstance(req, AlertRequest) and req in case.alert_requests.all()
    assert req.subject_name == "Tess Fictional" and req.ncic_number == "M987654321"
    assert req.photo_id is not None
    assert all(v == "met" for v in req.criteria_snapshot.values())
    alert = alert_services.approve(coordinator, req)
    assert alert.status == "active"
    services.change_status(officer, case, "located_safe", note="Found.")
    alert.refresh_from_db()
    assert alert.status == "cancelled" and alert.cancel_reason == "found"
    assert alert.messages.filter(msg_type="Cancel").exists()


def test_no_request_for_a_resolved_case(make_case, officer):
    case = services.change_status(officer, make_case(), "closed", note="")
    with pytest.raises(ValidationError):
        alerting.request_alert(officer, case, AlertProgram.objects.get(code="AMBER"))


def test_alert_page_shows_what_qualifies(client, signed_in, coordinator, make_case, officer):
    case = make_case()
    c = signed_in(client, coordinator)
    page = c.get(f"/missing/cases/{case.pk}/alert/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "Qualifies" in text and "AMBER Alert" in text and "Not met" in text
    program = AlertProgram.objects.get(code="AMBER")
    response = c.post(f"/missing/cases/{case.pk}/alert/", {"program": program.pk})
    assert response.status_code == 302
    assert case.alert_requests.count() == 1
