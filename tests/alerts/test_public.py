"""Public outputs: list, page, photo, CAP at a stable URL, Atom feed, poster. Nothing sensitive in any."""

from __future__ import annotations

import io

import pytest
from lxml import etree

from fusioncenter.alerts import services
from fusioncenter.alerts.poster import poster_html

from .conftest import SENSITIVE_MARKERS, png_bytes

pytestmark = pytest.mark.django_db
ATOM = {"a": "http://www.w3.org/2005/Atom"}


def assert_no_markers(text: str, where: str) -> None:
    for field, marker in SENSITIVE_MARKERS.items():
        assert marker not in text, f"{field} leaked into {where}"


def pdf_text(data: bytes) -> str:
    from pypdf import PdfReader

    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def test_public_page_feed_cap_and_poster_never_show_sensitive_fields(client, issued, coordinator,
                                                                      django_capture_on_commit_callbacks):
    from fusioncenter.alerts import wcan
    from fusioncenter.alerts.models import BusinessType, Stream
    from fusioncenter.core.models import County

    sub = wcan.subscribe({"email": "media@tv.example", "phone": "608-555-0150",
                          "business_type": BusinessType.objects.get(code="media"),
                          "streams": [Stream.objects.get(code="amber")], "counties": [County.objects.get(name="Dane")]})
    wcan.confirm(wcan._token(sub, wcan.CONFIRM_SALT))
    with django_capture_on_commit_callbacks(execute=True):
        alert = issued()
    services.update_alert(coordinator, alert, {"clothing": "Red coat"}, note="Clothing corrected.")
    outputs = {
        "list": client.get("/alerts/"),
        "page": client.get(f"/alerts/{alert.pk}/"),
        "feed": client.get("/alerts/feed.atom"),
        "cap": client.get(f"/alerts/{alert.pk}/cap.xml"),
        "cap1": client.get(f"/alerts/{alert.pk}/cap/1.xml"),
        "poster": client.get(f"/alerts/{alert.pk}/poster.pdf"),
    }
    for where, response in outputs.items():
        assert response.status_code == 200, where
    for where in ("list", "page", "feed", "cap", "cap1"):
        assert_no_markers(outputs[where].content.decode(), where)
    assert "Jordan Fictional" in outputs["page"].content.decode()
    poster = outputs["poster"].content
    assert poster.startswith(b"%PDF")
    from pypdf import PdfReader

    assert len(PdfReader(io.BytesIO(poster)).pages) == 1  # one printable sheet
    text = pdf_text(poster)
    assert "Jordan Fictional" in text and "911" in text
    assert_no_markers(text, "poster")
    assert_no_markers(poster_html(alert), "poster html")
    # the WCAN messages of the alert, too
    from fusioncenter.delivery.models import Message

    notices = Message.objects.filter(source_type="alerts.alert")
    assert notices.count() == 1 and "Jordan Fictional" in notices.get().text_body
    for m in notices:
        assert_no_markers(m.text_body + m.sms_body + m.subject, "wcan message")


def test_feed_is_atom_and_links_each_alert_to_its_stable_cap_url(client, issued, submit, coordinator):
    alert = issued()
    other = services.approve(coordinator, submit("SILVER", subject_age=80, cognitive_impairment=True,
                                                 missing_due_to_condition=True))
    response = client.get("/alerts/feed.atom")
    assert response["Content-Type"].startswith("application/atom+xml")
    feed = etree.fromstring(response.content)
    assert feed.tag == "{http://www.w3.org/2005/Atom}feed"
    entries = feed.findall("a:entry", ATOM)
    assert len(entries) == 2
    caps = {e.find("a:link[@type='application/cap+xml']", ATOM).get("href") for e in entries}
    assert caps == {f"https://alerts.example.test/alerts/{a.pk}/cap.xml" for a in (alert, other)}
    for e in entries:
        assert e.findtext("a:id", namespaces=ATOM) and e.findtext("a:updated", namespaces=ATOM)
    # the CAP URL is stable: after an update it serves the newest message
    services.update_alert(coordinator, alert, {"clothing": "Red coat"}, note="Clothing.")
    xml = client.get(f"/alerts/{alert.pk}/cap.xml").content
    assert b"<msgType>Update</msgType>" in xml
    assert client.get(f"/alerts/{alert.pk}/cap.xml")["Content-Type"].startswith("application/cap+xml")


def test_cancelled_alert_leaves_the_feed_and_its_page_keeps_only_a_placeholder(client, issued, coordinator):
    alert = issued()
    services.cancel_alert(coordinator, alert, "found")
    feed = etree.fromstring(client.get("/alerts/feed.atom").content)
    assert feed.findall("a:entry", ATOM) == []
    page = client.get(f"/alerts/{alert.pk}/").content.decode()
    assert "the person was found" in page
    assert "Jordan Fictional" not in page and "ABC1234" not in page
    assert client.get(f"/alerts/{alert.pk}/photo.jpg").status_code == 404
    assert client.get(f"/alerts/{alert.pk}/poster.pdf").status_code == 404
    assert b"<msgType>Cancel</msgType>" in client.get(f"/alerts/{alert.pk}/cap.xml").content


def test_requests_and_exercises_are_not_public(client, submit, coordinator):
    req = submit()
    assert client.get(f"/alerts/requests/{req.pk}/").status_code == 302  # sign in first
    exercise = services.approve(coordinator, submit(exercise="Exercise"))
    for url in (f"/alerts/{exercise.pk}/", f"/alerts/{exercise.pk}/cap.xml", f"/alerts/{exercise.pk}/photo.jpg"):
        assert client.get(url).status_code == 404
    assert client.get("/alerts/999999/").status_code == 404


def test_public_photo_is_reencoded_without_metadata(client, submit, coordinator, upload):
    from PIL import Image

    req = submit(photo=upload("p.jpg", png_bytes(exif=True), "image/jpeg"))
    alert = services.approve(coordinator, req)
    response = client.get(f"/alerts/{alert.pk}/photo.jpg")
    assert response["Content-Type"] == "image/jpeg"
    assert b"MARKER-EXIF" not in response.content
    with Image.open(io.BytesIO(response.content)) as img:
        assert not img.getexif()


def test_photo_that_is_not_an_image_is_refused_without_a_half_written_request(officer, program, amber_fields,
                                                                             upload):
    from django.core.exceptions import ValidationError

    from fusioncenter.alerts.models import AlertPhoto, AlertRequest

    with pytest.raises(ValidationError) as err:
        services.submit_request(officer, program("AMBER"), amber_fields(),
                                photo_upload=upload("x.png", b"not an image at all"))
    assert "photo" in err.value.error_dict
    big = upload("big.png", b"\x89PNG" + b"0" * (5 * 1024 * 1024 + 10))
    with pytest.raises(ValidationError):
        services.submit_request(officer, program("AMBER"), amber_fields(), photo_upload=big)
    assert not AlertRequest.objects.exists() and not AlertPhoto.objects.exists()


def test_public_list_shows_active_alerts(client, issued):
    alert = issued()
    body = client.get("/alerts/").content.decode()
    assert alert.headline.split(":")[0] in body
    assert f"/alerts/{alert.pk}/" in body
