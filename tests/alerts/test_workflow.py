"""Request, decision, issue, update, cancel, expiry: the rules and the history of each step."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from fusioncenter.alerts import services
from fusioncenter.alerts.models import Alert, AlertMessage, AlertStatus, RequestStatus
from fusioncenter.core import access, clock
from fusioncenter.core.models import AuditEntry
from fusioncenter.core.roles import Role

pytestmark = pytest.mark.django_db


def test_request_is_law_enforcement_only_and_reaches_the_coordinator(submit, coordinator, officer, make_user):
    req = submit()
    assert req.status == RequestStatus.REQUESTED
    assert req.record_class == "law_enforcement" and req.les
    assert access.decide(coordinator, access.VIEW, req)
    assert access.decide(officer, access.VIEW, req)
    outsider = make_user(Role.PARTNER_OFFICER)  # sworn, other agency, not a coordinator
    assert not access.decide(outsider, access.VIEW, req)
    member = make_user(Role.PARTNER_MEMBER, officer.organization)
    assert not access.decide(member, access.VIEW, req)
    assert not access.decide(None, access.VIEW, req)
    assert [e.action for e in req.events.all()] == ["requested"]
    assert AuditEntry.objects.filter(action="alert_request_create", object_id=str(req.pk)).exists()


def test_non_law_enforcement_cannot_request(make_user, program, amber_fields):
    member = make_user(Role.PARTNER_MEMBER)
    with pytest.raises(PermissionDenied):
        services.submit_request(member, program("AMBER"), amber_fields())


def test_bad_request_fields_give_field_errors_and_write_nothing(officer, program, amber_fields):
    from fusioncenter.alerts.models import AlertRequest

    with pytest.raises(ValidationError) as err:
        services.submit_request(officer, program("AMBER"), amber_fields(subject_name=" ", public_contact=""))
    assert {"subject_name", "public_contact"} <= set(err.value.error_dict)
    with pytest.raises(ValidationError) as err:
        services.submit_request(officer, program("AMBER"), amber_fields(not_a_field=1))
    assert "not_a_field" in err.value.error_dict
    future = clock.now() + dt.timedelta(days=1)
    with pytest.raises(ValidationError) as err:
        services.submit_request(officer, program("AMBER"), amber_fields(disappeared_at=future))
    assert "disappeared_at" in err.value.error_dict
    with pytest.raises(ValidationError) as err:
        services.submit_request(officer, program("AMBER"), amber_fields(subject_age="seven", vehicle_plate="X" * 21))
    assert {"subject_age", "vehicle_plate"} <= set(err.value.error_dict)
    assert not AlertRequest.objects.exists()


def test_only_the_coordinator_decides(submit, officer):
    req = submit()
    with pytest.raises(PermissionDenied):
        services.approve(officer, req)
    with pytest.raises(PermissionDenied):
        services.decline(officer, req, "no")


def test_decline_needs_a_reason_and_is_kept_in_the_history(submit, coordinator):
    req = submit()
    with pytest.raises(ValidationError) as err:
        services.decline(coordinator, req, "   ")
    assert "reason" in err.value.error_dict
    req = services.decline(coordinator, req, "No evidence of abduction; offered a Missing/Endangered alert.")
    assert req.status == RequestStatus.DECLINED and req.decided_by == coordinator
    assert req.events.last().action == "declined"
    assert "Missing/Endangered" in req.events.last().note
    with pytest.raises(ValidationError):
        services.approve(coordinator, req)  # already decided


def test_unmet_criteria_block_approval_unless_overridden_with_a_reason(submit, coordinator):
    req = submit(subject_age=19)
    with pytest.raises(ValidationError) as err:
        services.approve(coordinator, req)
    assert "age" in str(err.value.error_dict["override_reason"])
    assert not Alert.objects.exists()
    alert = services.approve(coordinator, req, override_reason="Developmental age; DCI supervisor agreed.")
    assert alert.status == AlertStatus.ACTIVE
    req.refresh_from_db()
    assert req.criteria_snapshot["age"] == "not_met"
    assert "overriding unmet criteria" in req.events.get(action="approved").note


def test_approval_issues_the_public_copy_and_the_first_message(issued):
    alert = issued()
    req = alert.request
    assert alert.record_class == "public" and alert.tlp == "CLEAR" and alert.is_public
    assert alert.subject_name == req.subject_name and alert.photo_id == req.photo_id
    for name in req.SENSITIVE_FIELDS:
        assert not hasattr(alert, name)
    messages = list(alert.messages.all())
    assert [m.msg_type for m in messages] == ["Alert"]
    assert messages[0].identifier == f"WSIC-AMBER-{alert.pk}-1"
    assert [e.action for e in req.events.all()][:3] == ["requested", "approved", "issued"]
    assert AuditEntry.objects.filter(action="alert_issue", object_id=str(alert.pk)).exists()


def test_update_and_cancel_each_add_a_message_with_its_history(issued, coordinator):
    alert = issued()
    with pytest.raises(ValidationError):
        services.update_alert(coordinator, alert, {"vehicle_plate": "XYZ987"}, note="")
    with pytest.raises(ValidationError) as err:
        services.update_alert(coordinator, alert, {"investigative_notes": "x"}, note="try")
    assert "investigative_notes" in err.value.error_dict
    services.update_alert(coordinator, alert, {"vehicle_plate": "XYZ987"}, note="Plate corrected.")
    with pytest.raises(ValidationError) as err:
        services.cancel_alert(coordinator, alert, "")
    assert "reason" in err.value.error_dict
    with pytest.raises(ValidationError) as err:
        services.cancel_alert(coordinator, alert, "other", note="")
    assert "note" in err.value.error_dict
    services.cancel_alert(coordinator, alert, "found")
    alert.refresh_from_db()
    assert alert.status == AlertStatus.CANCELLED and alert.cancel_reason == "found"
    assert [m.msg_type for m in alert.messages.all()] == ["Alert", "Update", "Cancel"]
    actions = [e.action for e in alert.request.events.all()]
    assert actions.index("updated") < actions.index("cancelled")
    with pytest.raises(ValidationError):
        services.cancel_alert(coordinator, alert, "found")  # already closed
    with pytest.raises(ValidationError):
        services.update_alert(coordinator, alert, {"vehicle_plate": "A"}, note="late")


def test_requesting_agency_may_cancel_others_may_not(issued, officer, make_user):
    alert = issued()
    stranger = make_user(Role.PARTNER_OFFICER)
    with pytest.raises(PermissionDenied):
        services.cancel_alert(stranger, alert, "found")
    services.cancel_alert(officer, alert, "found")
    assert Alert.objects.get(pk=alert.pk).status == AlertStatus.CANCELLED


def test_expiry_closes_alerts_with_a_cancel_message(issued):
    alert = issued()
    assert services.expire_due() == 0
    clock.advance(dt.timedelta(hours=25))
    assert services.expire_due() == 1
    alert.refresh_from_db()
    assert alert.status == AlertStatus.EXPIRED and alert.cancel_reason == "expired"
    last = alert.messages.last()
    assert last.msg_type == "Cancel"
    assert alert.request.events.last().action in ("expired", "wcan_notified")


def test_exercise_alerts_are_never_public(submit, coordinator):
    req = submit(exercise="Exercise")
    alert = services.approve(coordinator, req)
    assert not alert.is_public and alert.cap_status == "Exercise"
    assert "<status>Exercise</status>" in alert.messages.get().xml
    assert not services.public_alerts().filter(pk=alert.pk).exists()


def test_messages_are_unique_and_immutable_by_construction(issued, coordinator):
    alert = issued()
    services.update_alert(coordinator, alert, {"clothing": "Red coat"}, note="Clothing.")
    idents = list(AlertMessage.objects.values_list("identifier", flat=True))
    assert len(idents) == len(set(idents)) == 2


def test_an_alert_past_expiry_leaves_public_view_before_the_worker_runs(client, issued):
    from django.core.management import call_command

    alert = issued()
    clock.advance(dt.timedelta(hours=25))
    assert not services.public_alerts().filter(pk=alert.pk).exists()
    page = client.get(f"/alerts/{alert.pk}/").content.decode()
    assert "expired" in page and "Jordan Fictional" not in page
    assert client.get(f"/alerts/{alert.pk}/photo.jpg").status_code == 404
    out = io.StringIO()
    call_command("expire_alerts", stdout=out)
    assert "1 alert(s) expired." in out.getvalue()
    assert Alert.objects.get(pk=alert.pk).status == AlertStatus.EXPIRED
