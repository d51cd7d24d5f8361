"""Redress: the public form (no account, validated, honeypot, rate limit) and the privacy officer's workflow."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from fusioncenter.core import clock
from fusioncenter.core.markings import RecordClass
from fusioncenter.core.models import AuditEntry
from fusioncenter.delivery.models import Delivery, Message
from fusioncenter.privacy import dissemination, redress
from fusioncenter.privacy.models import RedressCase

VALID = {"name": "Pat Example", "email": "pat@example.test", "phone": "", "postal_address": "",
         "description": "Your records say I was at the harbor in May; I was out of the state."}


def test_public_form_takes_a_request_without_an_account(client, db):
    url = reverse("privacy:redress")
    page = client.get(url)
    assert page.status_code == 200 and b"Your full name" in page.content
    response = client.post(url, {**VALID, "website": ""})
    assert response.status_code == 302 and response["Location"] == reverse("privacy:redress_thanks")
    case = RedressCase.objects.get()
    assert case.status == "received" and case.due_on == clock.today() + dt.timedelta(days=30)
    thanks = client.get(response["Location"])
    assert case.reference.encode() in thanks.content
    entry = AuditEntry.objects.get(action="privacy_redress_received")
    assert entry.actor == "anonymous" and "Pat" not in str(entry.detail)


def test_bad_input_gets_clear_errors_and_stores_nothing(client, db):
    response = client.post(reverse("privacy:redress"), {"name": "", "email": "not-an-address",
                                                       "description": "short"})
    assert response.status_code == 400
    body = response.content.decode()
    assert "Enter a valid email address" in body or "e-mail address" in body
    assert "Your name is needed" in body or "This field is required" in body
    no_contact = client.post(reverse("privacy:redress"), {**VALID, "email": ""})
    assert no_contact.status_code == 400 and "at least one way to answer you" in no_contact.content.decode()
    assert not RedressCase.objects.exists()


def test_the_honeypot_is_answered_normally_but_stores_nothing(client, db):
    response = client.post(reverse("privacy:redress"), {**VALID, "website": "http://spam.example"})
    assert response.status_code == 302
    assert not RedressCase.objects.exists()
    assert AuditEntry.objects.filter(action="privacy_redress_honeypot", outcome="denied").exists()


def test_public_requests_are_rate_limited_per_address(client, db, settings):
    settings.FUSIONCENTER_PRIVACY_REDRESS_RATE_COUNT = 2
    for _ in range(2):
        assert client.post(reverse("privacy:redress"), VALID).status_code == 302
    limited = client.post(reverse("privacy:redress"), VALID)
    assert limited.status_code == 429 and "Too many requests" in limited.content.decode()
    assert RedressCase.objects.count() == 2


def test_workflow_with_due_dates_and_correction_notices(make_dossier, make_user, make_org):
    officer = make_user("privacy_officer")
    analyst = make_user("analyst")
    receiver = make_user("partner_officer")
    agency = make_org(discipline="le_state", email="intel@agency.example.test")
    d = make_dossier(record_class=RecordClass.LAW_ENFORCEMENT, tlp="GREEN", with_files=False, created_by=analyst)
    dissemination.disseminate(analyst, d, [receiver, agency], "Shared for the harbor thefts case.", "email")
    case = redress.submit(VALID, source_address="192.0.2.7")
    label = "access_app.retaineddossier"
    with pytest.raises(PermissionDenied):
        redress.start_review(analyst, case)
    with pytest.raises(ValidationError):
        redress.answer(officer, case, answer_text="We looked into it carefully.")  # not yet decided
    with pytest.raises(ValidationError):
        redress.start_review(officer, case, record_type=label, object_id="999999")
    case = redress.start_review(officer, case, record_type=label, object_id=str(d.pk))
    assert case.status == "under_review" and case.assigned_to == officer
    notified = redress.decide(officer, case, corrected=True, outcome="Date of the sighting corrected in the record.")
    assert notified == 2
    message = Message.objects.get(source_type=label, source_id=str(d.pk))
    assert "Pat" not in message.text_body and "harbor" not in message.text_body
    channels = sorted((x.channel, x.address) for x in Delivery.objects.filter(message=message))
    assert ("email", "intel@agency.example.test") in channels
    assert ("portal", str(receiver.pk)) in channels and ("email", receiver.email) in channels
    assert AuditEntry.objects.filter(action="privacy_correction_notice", object_id=str(d.pk)).exists()
    case.refresh_from_db()
    assert case.status == "corrected"
    clock.advance(dt.timedelta(days=31))
    assert case.overdue
    case = redress.answer(officer, case, answer_text="We corrected the record and told its recipients.")
    assert case.status == "answered" and not case.overdue
    assert [e.to_status for e in case.events.all()] == ["received", "under_review", "corrected", "answered"]
    assert AuditEntry.objects.get(action="privacy_redress_answered").detail["late"] is True


def test_no_change_needs_no_record_and_notifies_nobody(db, make_user):
    officer = make_user("privacy_officer")
    case = redress.start_review(officer, redress.submit(VALID))
    with pytest.raises(ValidationError, match="Name the corrected record"):
        redress.decide(officer, case, corrected=True, outcome="Corrected something somewhere.")
    assert redress.decide(officer, case, corrected=False, outcome="The center holds nothing about the person.") == 0
    assert not Message.objects.exists()


def test_demo_loads_once(db):
    import io

    from fusioncenter.privacy import demo

    demo.load(io.StringIO())
    demo.load(io.StringIO())
    cases = RedressCase.objects.filter(reference__startswith="PR-DEMO-")
    assert cases.count() == 2 and sum(c.overdue for c in cases) == 1
