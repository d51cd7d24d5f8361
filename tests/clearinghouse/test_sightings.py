"""Sightings from the public: no account, validated, honeypot, rate limit, routed through the outbox."""

from __future__ import annotations

import pytest

from fusioncenter.clearinghouse.models import Sighting
from fusioncenter.delivery.models import Delivery, Message

from .conftest import assert_no_markers

pytestmark = pytest.mark.django_db

GOOD = {
    "place": "Bus stop at Sample Ave and 4th St",
    "seen_at": "2020-01-01T10:00",
    "zip_code": "53703",
    "description": "A girl in a yellow raincoat got off the number 4 bus.",
    "reporter_phone": "608-555-0123",
    "website": "",
}


def test_sighting_is_linked_and_routed(
    client, coordinator, analyst, released_case, officer, other_officer, make_user, agency
):
    member = make_user("partner_member", agency)
    response = client.post(f"/missing/{released_case.pk}/sighting", GOOD)
    assert response.status_code == 200 and b"Thank you" in response.content
    sighting = Sighting.objects.get()
    assert sighting.case == released_case and sighting.county.name == "Dane"
    message = Message.objects.get(source_type="clearinghouse.sighting", source_id=str(sighting.pk))
    users = set(Delivery.objects.filter(message=message, channel="portal").values_list("recipient_id", flat=True))
    assert officer.pk in users and analyst.pk in users and coordinator.pk in users
    assert other_officer.pk not in users and member.pk not in users
    body = message.subject + message.text_body + message.html_body + message.sms_body
    assert released_case.reference in body and f"/missing/cases/{released_case.pk}/" in body
    assert_no_markers(body, "sighting notice")
    for private in ("yellow raincoat", "Tess", "555-0123"):
        assert private not in body


def test_staff_see_and_review_the_sighting(client, signed_in, released_case, officer):
    client.post(f"/missing/{released_case.pk}/sighting", GOOD)
    c = signed_in(client, officer)
    page = c.get(f"/missing/cases/{released_case.pk}/")
    assert b"yellow raincoat got off" in page.content
    sighting = Sighting.objects.get()
    c.post(f"/missing/cases/{released_case.pk}/", {"action": "reviewed", "sighting": sighting.pk})
    sighting.refresh_from_db()
    assert sighting.reviewed_at is not None


def test_invalid_sighting_is_refused_and_nothing_stored(client, released_case):
    response = client.post(
        f"/missing/{released_case.pk}/sighting",
        {**GOOD, "place": "", "description": "x", "reporter_email": "bad", "zip_code": "12"},
    )
    assert response.status_code == 400
    assert not Sighting.objects.exists() and not Message.objects.exists()


def test_honeypot_stores_nothing_but_thanks(client, released_case):
    response = client.post(f"/missing/{released_case.pk}/sighting", {**GOOD, "website": "http://spam.example"})
    assert response.status_code == 200 and b"Thank you" in response.content
    assert not Sighting.objects.exists()


def test_rate_limited(client, released_case):
    codes = [client.post(f"/missing/{released_case.pk}/sighting", GOOD).status_code for _ in range(6)]
    assert codes[:5] == [200] * 5 and codes[5] == 429
    assert Sighting.objects.count() == 5


def test_no_sighting_for_unlisted_or_resolved_case(client, make_case, released_case, officer):
    from fusioncenter.clearinghouse import services

    hidden = make_case()
    assert client.post(f"/missing/{hidden.pk}/sighting", GOOD).status_code == 404
    services.change_status(officer, released_case, "recovered", note="")
    assert client.post(f"/missing/{released_case.pk}/sighting", GOOD).status_code == 404
    assert not Sighting.objects.exists()
