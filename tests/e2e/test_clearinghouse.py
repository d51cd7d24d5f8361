"""The clearinghouse in a real browser: an officer opens a case and publishes its poster, the public
sends a sighting, the officer resolves the case, and the poster leaves the public site and the feed.
axe-core runs on every page visited."""

from __future__ import annotations

import io
import re

import pytest

pytestmark = pytest.mark.browser

MARKER = "MARKER-E2E-CH-NOTES-7K2"
NAME = "Sky Browser-Fictional"


def _png() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (60, 80), (40, 60, 120)).save(out, format="PNG")
    return out.getvalue()


@pytest.fixture
def officer(wisconsin, make_user, make_org, settings, tmp_path):
    from fusioncenter.alerts.reference import load_reference

    settings.MEDIA_ROOT = tmp_path / "media"
    load_reference()  # transactional tests flush the tables the data migration filled
    return make_user("partner_officer", make_org(name="Fictional Village Police Department", county="Dane"))


def test_case_poster_sighting_resolution(page, live_server, check_a11y, browser_sign_in, officer):
    from fusioncenter.clearinghouse.models import MissingPersonCase, Sighting
    from fusioncenter.delivery.models import Delivery

    # 1. The officer opens the case.
    browser_sign_in(page, live_server, officer)
    page.goto(live_server.url + "/missing/cases/")
    check_a11y(page)
    page.get_by_role("link", name="Open a case").click()
    check_a11y(page)
    page.get_by_label("NCIC category").select_option("EME")
    page.get_by_label("NCMEC case type").select_option("lost_injured_otherwise")
    page.get_by_label("Given name").fill("Sky")
    page.get_by_label("Family name").fill("Browser-Fictional")
    page.get_by_label("Sex").select_option("male")
    page.get_by_label("Age when last seen").fill("12")
    page.get_by_label("Height (inches)").fill("58")
    page.get_by_label("Hair colour").fill("brown")
    page.get_by_label("Last seen (date and time)").fill("2026-01-02T15:30")
    page.get_by_label("Last seen at (address or place)").fill("Fictional Library, 9 Sample Rd")
    page.get_by_label("ZIP code").fill("53703")
    page.get_by_label("Investigating agency").select_option(label="Fictional Village Police Department")
    page.get_by_label("Number the public should call").fill("(608) 555-0142")
    page.get_by_label("Investigative notes (not published)").fill(MARKER)
    page.get_by_role("button", name="Open the case").click()
    page.wait_for_url("**/missing/cases/*/")
    check_a11y(page)
    case = MissingPersonCase.objects.get()
    assert case.last_seen_county.name == "Dane"

    # 2. A photo with the date it was taken, then the poster is published.
    page.get_by_label(re.compile(r"^Photo")).set_input_files(
        {"name": "sky.png", "mimeType": "image/png", "buffer": _png()}
    )
    page.get_by_label("Date the photo was taken").fill("2025-09-01")
    page.get_by_role("button", name="Add the photo").click()
    page.wait_for_url(f"**/missing/cases/{case.pk}/")
    page.get_by_role("button", name="Publish: the agency has cleared this case for release").click()
    page.wait_for_url(f"**/missing/cases/{case.pk}/")
    assert "Published on the public site" in page.content()
    check_a11y(page)

    # 3. A member of the public finds the poster and sends a sighting (no account).
    public = page.context.browser.new_context(base_url=live_server.url)
    visitor = public.new_page()
    visitor.goto(live_server.url + "/missing/")
    check_a11y(visitor)
    visitor.get_by_role("link", name=NAME).click()
    check_a11y(visitor)
    assert MARKER not in visitor.content()
    poster = visitor.request.get(live_server.url + f"/missing/{case.pk}/poster-es.pdf")
    assert poster.status == 200 and poster.headers["content-type"] == "application/pdf"
    visitor.get_by_role("link", name="Report a sighting").click()
    check_a11y(visitor)
    visitor.get_by_label("Where did you see the person?").fill("Sample Mall food court")
    visitor.get_by_label("What did you see?").fill("A boy matching the photo, with a red backpack.")
    visitor.get_by_role("button", name="Send the sighting").click()
    visitor.get_by_role("heading", name="Thank you").wait_for()
    check_a11y(visitor)
    sighting = Sighting.objects.get()
    assert sighting.case_id == case.pk
    assert Delivery.objects.filter(channel="portal", recipient=officer).exists()

    # 4. The officer sees the sighting and resolves the case.
    page.reload()
    assert "red backpack" in page.content()
    page.get_by_label("New status").select_option("located_safe")
    page.get_by_label("Note", exact=True).fill("Found safe at a relative's home.")
    page.get_by_role("button", name="Change the status").click()
    page.wait_for_url(f"**/missing/cases/{case.pk}/")
    assert "Not on the public site." in page.content()
    check_a11y(page)

    # 5. The poster is gone from the public site and the feed.
    visitor.goto(live_server.url + "/missing/")
    assert NAME not in visitor.content()
    check_a11y(visitor)
    visitor.goto(live_server.url + f"/missing/{case.pk}/")
    assert "no longer listed" in visitor.content() and NAME not in visitor.content()
    check_a11y(visitor)
    feed = visitor.request.get(live_server.url + "/missing/feed.atom")
    assert feed.status == 200 and NAME not in feed.text()
    gone = visitor.request.get(live_server.url + f"/missing/{case.pk}/poster-en.pdf")
    assert gone.status == 404
    public.close()


def test_staff_pages_alert_check_match_statistics_exchange(
    page, live_server, check_a11y, browser_sign_in, officer, make_user, make_org
):
    """The coordinator sees at once which alert programs a case qualifies for; the staff pages pass axe."""
    import datetime as dt

    from fusioncenter.clearinghouse import services
    from fusioncenter.core import clock

    coordinator = make_user("alert_coordinator", make_org(name="Fictional DCI", discipline="le_state"), sworn=True)
    case = services.open_case(
        officer,
        {
            "given_name": "Lee",
            "family_name": "Exemplar",
            "age_at_disappearance": 8,
            "sex": "female",
            "ncic_category": "EMI",
            "ncmec_category": "nonfamily_abduction",
            "ncic_number": "M123456789",
            "hair_color": "black",
            "last_seen_at": clock.now() - dt.timedelta(hours=2),
            "last_seen_place": "Sample Playground",
            "last_seen_zip": "53703",
            "public_contact": "911",
        },
    )
    browser_sign_in(page, live_server, coordinator)
    page.goto(live_server.url + f"/missing/cases/{case.pk}/alert/")
    check_a11y(page)
    amber = page.get_by_role("row", name=re.compile(r"^AMBER Alert "))
    assert amber.get_by_role("cell").first.inner_text() == "Qualifies"
    page.goto(live_server.url + "/missing/match/?sex=female&age_min=6&age_max=10")
    assert "Lee Exemplar" in page.content()
    check_a11y(page)
    page.goto(live_server.url + "/missing/statistics/")
    check_a11y(page)
    page.goto(live_server.url + "/missing/exchange/")
    check_a11y(page)
