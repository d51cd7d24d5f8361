"""Wisconsin Crime Alert Network: double opt-in, manage and cancel links, targeting, composing and sending."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from fusioncenter.alerts import services, wcan
from fusioncenter.alerts.models import BusinessType, CrimeAlert, Stream, Subscriber
from fusioncenter.core import clock
from fusioncenter.core.models import County, Region
from fusioncenter.core.roles import Role
from fusioncenter.delivery.models import Delivery, Message

pytestmark = pytest.mark.django_db


def link_in(text: str, kind: str) -> str:
    match = re.search(r"https://alerts\.example\.test(/crime-alerts/" + kind + r"/[^/\s]+/)", text)
    assert match, text
    return match.group(1)


def form_data(**overrides):
    data = {
        "email": "owner@shop.example", "phone": "", "name": "Sam Owner", "business_name": "Corner Pharmacy",
        "business_type": BusinessType.objects.get(code="pharmacy").pk,
        "streams": [Stream.objects.get(code="crime").pk, Stream.objects.get(code="amber").pk],
        "counties": [County.objects.get(name="Dane").pk],
    }
    data.update(overrides)
    return data


def subscribe(email="owner@shop.example", county="Dane", btype="pharmacy", streams=("crime",), phone="", **kw):
    return wcan.subscribe({
        "email": email, "phone": phone, "business_type": BusinessType.objects.get(code=btype),
        "streams": list(Stream.objects.filter(code__in=streams)),
        "counties": list(County.objects.filter(name=county)) if county else [], **kw,
    })


def confirmed(**kw):
    sub = subscribe(**kw)
    return wcan.confirm(wcan._token(sub, wcan.CONFIRM_SALT))


def test_double_opt_in_through_the_pages(client, wisconsin):
    response = client.get("/crime-alerts/subscribe")
    assert response.status_code == 200 and b"Business type" in response.content
    response = client.post("/crime-alerts/subscribe", form_data())
    assert response.status_code == 200 and b"confirmation link" in response.content
    sub = Subscriber.objects.get()
    assert sub.confirmed_at is None
    message = Message.objects.get(source_type="alerts.subscriber", source_id=str(sub.pk))
    assert Delivery.objects.filter(message=message, channel="email", address="owner@shop.example").exists()
    confirm = link_in(message.text_body, "confirm")
    assert client.get(confirm).status_code == 200  # shows a button; a mail scanner's GET confirms nothing
    sub.refresh_from_db()
    assert sub.confirmed_at is None
    page = client.post(confirm)
    assert page.status_code == 200 and b"Subscription confirmed" in page.content
    sub.refresh_from_db()
    assert sub.active


def test_subscription_errors_are_shown_not_raised(client, wisconsin):
    response = client.post("/crime-alerts/subscribe", form_data(email="", phone="", counties=[], streams=[]))
    assert response.status_code == 422
    body = response.content.decode()
    assert "Give an e-mail address, a mobile number, or both." in body
    assert not Subscriber.objects.exists()
    response = client.post("/crime-alerts/subscribe", form_data(email="", phone="12"))
    assert response.status_code == 422 and "valid mobile number" in response.content.decode()


def test_sms_only_subscriber_gets_the_confirmation_by_text(wisconsin):
    sub = subscribe(email="", phone="(608) 555-0134")
    assert sub.phone == "+16085550134"
    delivery = Delivery.objects.get(channel="sms")
    assert "Confirm" in delivery.message.sms_body and "/crime-alerts/confirm/" in delivery.message.sms_body


def test_forged_expired_and_revoked_links_do_not_work(client, wisconsin):
    sub = subscribe()
    token = wcan._token(sub, wcan.CONFIRM_SALT)
    assert client.get(f"/crime-alerts/confirm/{token}x/").status_code == 404
    assert client.get(f"/crime-alerts/manage/{token}/").status_code == 404  # a confirm token is not a manage token
    clock.advance(dt.timedelta(days=8))
    assert wcan.subscriber_for(token, "confirm") is None


def test_manage_link_updates_and_cancels(client, wisconsin):
    sub = confirmed()
    manage = wcan.manage_url(sub).replace("https://alerts.example.test", "")
    page = client.get(manage)
    assert page.status_code == 200 and b"owner@shop.example" in page.content
    response = client.post(manage, form_data(counties=[County.objects.get(name="Rock").pk]))
    assert response.status_code == 302
    assert list(sub.counties.values_list("name", flat=True)) == ["Rock"]
    response = client.post(manage, {"action": "cancel"})
    assert b"Subscription cancelled" in response.content
    sub.refresh_from_db()
    assert sub.cancelled_at and sub.email == "" and not sub.active
    assert client.get(manage).status_code == 404


def test_repeat_subscription_sends_the_manage_link_and_reveals_nothing(client, wisconsin):
    confirmed()
    response = client.post("/crime-alerts/subscribe", form_data())
    assert b"confirmation link" in response.content
    assert Subscriber.objects.count() == 1
    last = Message.objects.order_by("-id").first()
    assert "/crime-alerts/manage/" in last.text_body


def test_targeting_by_county_region_business_type_and_stream(wisconsin):
    dane_pharmacy = confirmed(email="a@x.example", county="Dane", btype="pharmacy")
    rock_pharmacy = confirmed(email="b@x.example", county="Rock", btype="pharmacy")
    dane_hotel = confirmed(email="c@x.example", county="Dane", btype="hotel")
    statewide = confirmed(email="d@x.example", county=None, btype="pharmacy", statewide=True)
    amber_only = confirmed(email="e@x.example", county="Dane", btype="pharmacy", streams=("amber",))
    subscribe(email="f@x.example", county="Dane", btype="pharmacy")  # never confirmed
    dane = County.objects.get(name="Dane")
    pharmacy = BusinessType.objects.get(code="pharmacy")
    got = set(wcan.recipients(stream="crime", statewide=False, counties=[dane], business_types=[pharmacy]))
    assert got == {dane_pharmacy, statewide}
    got = set(wcan.recipients(stream="crime", statewide=False, counties=[dane]))
    assert got == {dane_pharmacy, dane_hotel, statewide}
    region = Region.objects.get(pk=dane.region_id)
    got = set(wcan.recipients(stream="crime", statewide=False, regions=[region]))
    assert dane_pharmacy in got and dane_hotel in got and amber_only not in got
    assert (rock_pharmacy in got) == (County.objects.get(name="Rock").region_id == region.pk)
    assert set(wcan.recipients(stream="crime", statewide=True)) == {dane_pharmacy, rock_pharmacy, dane_hotel,
                                                                     statewide}
    assert wcan.reach(wcan.recipients(stream="crime", statewide=True))["email"] == 4


def test_a_subscriber_of_a_region_gets_alerts_for_its_counties(wisconsin):
    dane = County.objects.get(name="Dane")
    sub = subscribe(email="r@x.example", county=None, regions=[dane.region])
    wcan.confirm(wcan._token(sub, wcan.CONFIRM_SALT))
    assert sub in set(wcan.recipients(stream="crime", statewide=False, counties=[dane]))


def test_compose_shows_the_count_then_sends_naming_agency_and_contact(client, signed_in, officer, wisconsin,
                                                                      upload, django_capture_on_commit_callbacks):
    confirmed(email="a@x.example", county="Dane")
    confirmed(email="b@x.example", county="Dane", phone="608-555-0199")
    confirmed(email="c@x.example", county="Milwaukee")
    c = signed_in(client, officer)
    page = c.get("/crime-alerts/compose/")
    assert page.status_code == 200
    data = {
        "alert_type": "identify_suspect", "title": "Armed robbery suspect", "body": "Man with a knife robbed a store.",
        "contact": "Det. Lee, 608-555-0100", "counties": [County.objects.get(name="Dane").pk],
        "expires_at": (clock.now() + dt.timedelta(days=3)).strftime("%Y-%m-%dT%H:%M"),
    }
    counted = c.post("/crime-alerts/compose/", {**data, "action": "count"})
    assert b"will reach <strong>2</strong> subscribers" in counted.content
    assert not CrimeAlert.objects.exists()
    reach = c.get("/crime-alerts/reach/", {"counties": data["counties"], "alert_type": "identify_suspect"})
    assert reach.json() == {"subscribers": 2, "email": 2, "sms": 1}
    with django_capture_on_commit_callbacks(execute=True):
        sent = c.post("/crime-alerts/compose/", {**data, "action": "send", "photo1": upload()})
    assert sent.status_code == 302
    alert = CrimeAlert.objects.get()
    assert alert.recipient_count == 2 and alert.agency_name == officer.organization.name
    messages = Message.objects.filter(source_type="alerts.crimealert", source_id=str(alert.pk))
    assert messages.count() == 2
    for m in messages:
        assert officer.organization.name in m.text_body and "Det. Lee, 608-555-0100" in m.text_body
        assert "/crime-alerts/manage/" in m.text_body and "/crime-alerts/manage/" in m.sms_body
        assert len(m.sms_body) <= 480
    photo = alert.photos.get()
    assert client.get(f"/crime-alerts/{alert.pk}/photos/{photo.pk}.jpg").status_code == 200
    assert Delivery.objects.filter(message__in=messages).count() == 3  # two e-mails, one SMS


def test_only_law_enforcement_officers_send_crime_alerts(client, signed_in, make_user, wisconsin):
    member = make_user(Role.PARTNER_MEMBER)
    assert signed_in(client, member).get("/crime-alerts/compose/").status_code == 403
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        wcan.send_crime_alert(member, {})


def test_compose_errors_are_shown(client, signed_in, officer, wisconsin):
    c = signed_in(client, officer)
    response = c.post("/crime-alerts/compose/", {"action": "send", "alert_type": "identify_suspect", "title": "x",
                                                 "body": "y", "contact": "z",
                                                 "expires_at": "2000-01-01T00:00"})
    assert response.status_code == 422
    assert "Choose counties or regions, or statewide." in response.content.decode()
    assert "The expiry must be in the future." in response.content.decode()
    assert not CrimeAlert.objects.exists()


def test_missing_person_alerts_reach_stream_subscribers_statewide_on_issue_and_cancel(
    issued, coordinator, wisconsin, django_capture_on_commit_callbacks
):
    amber_fan = confirmed(email="amber@x.example", county="Milwaukee", streams=("amber",))
    confirmed(email="crime@x.example", county="Dane", streams=("crime",))
    with django_capture_on_commit_callbacks(execute=True):
        alert = issued()
    assert alert.request.events.filter(action="wcan_notified").exists()
    issue = Message.objects.filter(source_type="alerts.alert", source_id=str(alert.pk))
    assert issue.count() == 1 and Delivery.objects.get(message__in=issue).address == amber_fan.email
    with django_capture_on_commit_callbacks(execute=True):
        services.cancel_alert(coordinator, alert, "found")
    assert Message.objects.filter(source_type="alerts.alert", source_id=str(alert.pk)).count() == 2
    assert "CANCELLED" in Message.objects.filter(source_type="alerts.alert").order_by("-id").first().subject


def test_honeypot_subscription_is_answered_but_not_stored(client, wisconsin):
    response = client.post("/crime-alerts/subscribe", form_data(website="http://spam.example"))
    assert response.status_code == 200 and b"confirmation link" in response.content
    assert not Subscriber.objects.exists() and not Message.objects.exists()
