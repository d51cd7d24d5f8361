"""An AMBER Alert in a real browser: an officer requests it, the coordinator approves it, the public
sees the page and the feed, the coordinator cancels it. axe-core runs on every page visited."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from lxml import etree

pytestmark = pytest.mark.browser

MARKER = "MARKER-E2E-NOTES-9P4L"


def _png() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (60, 80), (120, 60, 40)).save(out, format="PNG")
    return out.getvalue()


@pytest.fixture
def people(wisconsin, make_user, make_org, settings, tmp_path):
    from fusioncenter.alerts.reference import load_reference
    from fusioncenter.core.roles import Discipline, Role

    settings.MEDIA_ROOT = tmp_path / "media"
    load_reference()  # transactional tests flush the tables the data migration filled
    officer = make_user(Role.PARTNER_OFFICER, make_org(name="Fictional City Police Department", county="Rock"))
    coordinator = make_user(
        Role.ALERT_COORDINATOR, make_org(name="Fictional DCI", discipline=Discipline.LE_STATE), sworn=True
    )
    return officer, coordinator


def test_amber_alert_from_request_to_public_page_feed_and_cancellation(
    page, live_server, check_a11y, browser_sign_in, people
):
    from fusioncenter.alerts.models import Alert, AlertRequest

    officer, coordinator = people

    # 1. The officer files the request.
    browser_sign_in(page, live_server, officer)
    page.goto(live_server.url + "/alerts/requests/new/")
    check_a11y(page)
    page.get_by_label("Alert program").select_option(label="AMBER Alert")
    page.get_by_label("Name of the missing person").fill("Riley Browser-Fictional")
    page.get_by_label("Age", exact=True).fill("9")
    page.get_by_label("Description of the person").fill("4 ft 5 in, red hair")
    photo = {"name": "riley.png", "mimeType": "image/png", "buffer": _png()}
    page.get_by_label("Photo", exact=True).set_input_files(photo)
    page.get_by_label("Last seen at (place)").fill("Beloit, near the river")
    page.get_by_label("County last seen").select_option(label="Rock County")
    page.get_by_label("Vehicle (year, make, model, colour)").fill("Green 2010 hatchback")
    page.get_by_label("Number the public should call").fill("911")
    page.get_by_label("Counties to alert").select_option(label="Rock County")
    page.get_by_label("Is an abduction believed to have occurred?").select_option("true")
    page.get_by_label("Is the person in danger of death or serious bodily harm?").select_option("true")
    page.get_by_label("Is this a runaway or a family abduction?").select_option("false")
    page.get_by_label("Entered into NCIC?").select_option("true")
    page.get_by_label("Investigative notes (not published)").fill(MARKER)
    page.get_by_role("button", name="Send the request").click()
    page.wait_for_url("**/alerts/requests/*/")
    assert "All criteria are met." in page.content()
    check_a11y(page)
    req = AlertRequest.objects.get()
    page.get_by_role("button", name="Sign out").click()

    # 2. The coordinator reviews the checklist and approves.
    browser_sign_in(page, live_server, coordinator)
    page.goto(live_server.url + "/alerts/requests/")
    check_a11y(page)
    page.get_by_role("link", name=f"Request {req.pk}: Riley Browser-Fictional").click()
    check_a11y(page)
    page.get_by_role("button", name="Approve and issue the alert").click()
    page.wait_for_url("**/alerts/*/manage/")
    check_a11y(page)
    alert = Alert.objects.get()
    assert alert.messages.get().msg_type == "Alert"

    # 3. The public sees the page and the feed (a separate, anonymous browser context).
    public = page.context.browser.new_context(base_url=live_server.url)
    visitor = public.new_page()
    visitor.goto(live_server.url + "/alerts/")
    check_a11y(visitor)
    visitor.get_by_role("link", name=alert.headline).click()
    visitor.wait_for_url(f"**/alerts/{alert.pk}/")
    check_a11y(visitor)
    body = visitor.content()
    assert "Riley Browser-Fictional" in body and "911" in body and MARKER not in body
    assert visitor.get_by_role("img", name="Photo of Riley Browser-Fictional").is_visible()
    feed = visitor.request.get(live_server.url + "/alerts/feed.atom")
    assert feed.ok and MARKER.encode() not in feed.body()
    atom = etree.fromstring(feed.body())
    ns = {"a": "http://www.w3.org/2005/Atom"}
    cap_links = [link.get("href") for link in atom.iterfind("a:entry/a:link[@type='application/cap+xml']", ns)]
    assert len(cap_links) == 1 and cap_links[0].endswith(f"/alerts/{alert.pk}/cap.xml")
    cap = visitor.request.get(live_server.url + f"/alerts/{alert.pk}/cap.xml")
    assert cap.ok and b"<msgType>Alert</msgType>" in cap.body() and MARKER.encode() not in cap.body()

    # 4. The coordinator cancels: the child was found.
    page.get_by_label("Reason").select_option("found")
    page.get_by_role("button", name="Cancel the alert").click()
    page.wait_for_url(f"**/alerts/{alert.pk}/manage/")
    check_a11y(page)
    assert "Cancelled" in page.content()
    visitor.goto(live_server.url + f"/alerts/{alert.pk}/")
    check_a11y(visitor)
    assert "the person was found" in visitor.content()
    assert "Riley Browser-Fictional" not in visitor.content()
    atom = etree.fromstring(visitor.request.get(live_server.url + "/alerts/feed.atom").body())
    assert atom.findall("a:entry", ns) == []
    assert b"<msgType>Cancel</msgType>" in visitor.request.get(live_server.url + f"/alerts/{alert.pk}/cap.xml").body()
    public.close()


def test_crime_alert_network_subscribe_and_compose_pages(page, live_server, check_a11y, browser_sign_in, people):
    from django.utils import timezone

    from fusioncenter.alerts.models import Subscriber
    from fusioncenter.core import clock
    from fusioncenter.delivery.models import Message

    officer, _ = people
    page.goto(live_server.url + "/crime-alerts/subscribe")
    check_a11y(page)
    page.get_by_label("E-mail address").fill("owner@shop.example")
    page.get_by_label("Business type").select_option(label="Pharmacy")
    page.get_by_label("Crime alerts").check()
    page.get_by_label("Counties").select_option(label="Rock County")
    page.get_by_role("button", name="Subscribe").click()
    assert "Check your messages" in page.content()
    check_a11y(page)
    sub = Subscriber.objects.get()
    link = Message.objects.get(source_id=str(sub.pk)).text_body.split("/crime-alerts/confirm/")[1].split()[0]
    page.goto(live_server.url + "/crime-alerts/confirm/" + link)
    check_a11y(page)
    page.get_by_role("button", name="Confirm my subscription").click()
    assert "Subscription confirmed" in page.content()
    page.get_by_role("link", name="Change or cancel your subscription").click()
    check_a11y(page)

    browser_sign_in(page, live_server, officer)
    page.goto(live_server.url + "/crime-alerts/compose/")
    check_a11y(page)
    page.get_by_label("Kind of alert").select_option(label="Identifying suspects")
    page.get_by_label("Counties").select_option(label="Rock County")
    page.get_by_text("This alert will reach 1 subscriber").wait_for()  # the live count
    page.get_by_label("Title").fill("Pharmacy burglary suspect")
    page.get_by_label("Text of the alert").fill("A man broke into a pharmacy overnight.")
    page.get_by_label("Contact for information").fill("Det. Example, 608-555-0111")
    soon = timezone.localtime(clock.now() + dt.timedelta(days=3))
    page.get_by_label("Expires").fill(soon.strftime("%Y-%m-%dT%H:%M"))
    page.get_by_role("button", name="Send the alert").click()
    assert "Sent to 1 subscriber." in page.content(), page.locator(".usa-error-message").all_inner_texts()
    check_a11y(page)


def test_public_alert_pages_on_a_phone(phone_page, live_server, check_a11y, people):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from fusioncenter.alerts import services
    from fusioncenter.alerts.models import AlertProgram
    from fusioncenter.core import clock
    from fusioncenter.core.models import County

    officer, coordinator = people
    req = services.submit_request(
        officer, AlertProgram.objects.get(code="SILVER"),
        {"subject_name": "Quinn Phone-Fictional", "subject_age": 82, "subject_description": "White hair, cane",
         "public_contact": "911", "cognitive_impairment": True, "missing_due_to_condition": True,
         "ncic_entered": True, "disappeared_at": clock.now() - dt.timedelta(hours=1), "last_seen_place": "Kenosha"},
        area_counties=County.objects.filter(name="Kenosha"),
        photo_upload=SimpleUploadedFile("q.png", _png(), content_type="image/png"),
    )
    alert = services.approve(coordinator, req)
    for path in ("/alerts/", f"/alerts/{alert.pk}/", "/crime-alerts/subscribe"):
        phone_page.goto(live_server.url + path)
        check_a11y(phone_page)
        overflow = phone_page.evaluate("document.scrollingElement.scrollWidth - document.scrollingElement.clientWidth")
        assert overflow <= 1, f"{path} scrolls sideways on a phone by {overflow}px"
