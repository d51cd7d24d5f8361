"""The link chart grows in place (mouse and keyboard), still works without script, and the entity's
records appear as points on the county map with a table equivalent; axe-core on every page, and the
page on a phone-sized screen.

The records are real SAR reports made through `fusioncenter.sar.services` (the sar app registers them
with the entity index; a report's own latitude and longitude are its point on the map).
"""

from __future__ import annotations

import datetime as dt
import re

import pytest

pytestmark = pytest.mark.browser


@pytest.fixture
def thread(make_user, make_org, centers):
    """plate ABC-7788 (Dane, with a point) - Dale Ortiz - plate XYZ-4521 (Brown): a chain of records."""
    from fusioncenter.entities import search, services
    from fusioncenter.entities.models import Mention
    from fusioncenter.sar import services as sar

    wsic = make_org("WSIC (chart e2e)", discipline="le_state", county="Dane", center=centers["WSIC"],
                    is_fusion_center=True)
    analyst = make_user("analyst", wsic, username="ana.chart")
    dane = make_user("partner_officer", make_org("Madison PD (chart e2e)", county="Dane"))
    brown = make_user("partner_officer", make_org("Green Bay PD (chart e2e)", county="Brown"))
    when = dt.datetime.now(dt.UTC) - dt.timedelta(hours=5)
    base = {"narrative": "A man photographed the gate locks and measured the fence, then drove off.",
            "observed_at": when, "categories": ["PHOTO", "SURVL"], "location_place": "Substation"}
    subject = [{"name": "Dale Ortiz", "date_of_birth": "1984-03-07", "sex": "male"}]
    r1 = sar.submit_partner(dane, {**base, "summary": "Photographing a substation in Madison", "county": "Dane",
                                   "latitude": 43.0731, "longitude": -89.4012, "subjects": subject,
                                   "vehicles": [{"plate": "ABC-7788", "plate_state": "WI"}]})
    r2 = sar.submit_partner(brown, {**base, "summary": "Fence measured at a Green Bay water plant", "county": "Brown",
                                    "subjects": subject, "vehicles": [{"plate": "XYZ-4521", "plate_state": "WI"}]})
    for r in (r1, r2):
        services.index_record(r)
        search.index_record(r)

    def entity(report, kind):
        return Mention.objects.get(source_type="sar.report", source_id=str(report.pk), entity_type=kind).entity

    person = entity(r1, "person")
    assert entity(r2, "person").pk == person.pk, "the same subject in both reports"
    return analyst, entity(r1, "vehicle"), person, entity(r2, "vehicle"), r1, r2


def test_expand_in_place_with_mouse_and_keyboard(page, live_server, thread, browser_sign_in, check_a11y):
    analyst, plate, person, other_plate, r1, r2 = thread
    browser_sign_in(page, live_server, analyst)
    page.goto(f"{live_server.url}/entities/{plate.pk}/")
    page.get_by_role("heading", name="Vehicle: ABC7788 (WI)").wait_for()
    check_a11y(page)
    chart = page.locator("#entity-chart")
    assert chart.locator("a[data-entity]").count() == 2
    assert chart.locator(f'a[data-entity="{other_plate.pk}"]').count() == 0
    assert "add its links to this chart" in page.locator("#chart-help").inner_text()

    # the mouse: selecting the person adds the person's own links, on this page
    chart.locator(f'a[data-entity="{person.pk}"]').click()
    chart.locator(f'a[data-entity="{other_plate.pk}"]').wait_for()
    assert page.url.startswith(f"{live_server.url}/entities/{plate.pk}/") and f"expand={person.pk}" in page.url
    assert "Added 1 linked entity" in page.get_by_role("status").inner_text()
    assert page.evaluate("document.activeElement.getAttribute('data-entity')") == str(person.pk)
    assert page.locator("#id_expand").input_value() == str(person.pk)
    check_a11y(page)

    # the filters still apply to what was expanded (the hidden field keeps the expansion)
    page.get_by_label("Link type").select_option("co_mentioned")
    page.get_by_role("button", name="Show").click()
    page.wait_for_url(re.compile(rf"/entities/{plate.pk}/\?.*link_type=co_mentioned"))
    assert page.locator(f'#entity-chart a[data-entity="{other_plate.pk}"]').count() == 1

    # the keyboard: a fresh chart, the person's node focused and Enter pressed
    page.goto(f"{live_server.url}/entities/{plate.pk}/")
    node = page.locator(f'#entity-chart a[data-entity="{person.pk}"]')
    node.focus()
    page.keyboard.press("Enter")
    page.locator(f'#entity-chart a[data-entity="{other_plate.pk}"]').wait_for()
    check_a11y(page)
    # an entity whose links are shown opens its own chart when selected again
    page.locator(f'#entity-chart a[data-entity="{person.pk}"]').focus()
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/entities/{person.pk}/")
    page.get_by_role("heading", name="Person: Dale Ortiz").wait_for()


def test_without_script_a_neighbor_opens_its_own_chart(_browser, page, live_server, thread, browser_sign_in,
                                                       check_a11y):
    analyst, plate, person, other_plate, r1, r2 = thread
    browser_sign_in(page, live_server, analyst)
    context = _browser.new_context(java_script_enabled=False, base_url=live_server.url,
                                   storage_state=page.context.storage_state())
    plain = context.new_page()
    try:
        plain.goto(f"{live_server.url}/entities/{plate.pk}/")
        plain.get_by_role("link", name="Add its links").click()
        plain.wait_for_url(re.compile(rf"/entities/{plate.pk}/\?expand={person.pk}"))
        assert plain.locator(f'#entity-chart a[data-entity="{other_plate.pk}"]').count() == 1
        plain.locator(f'#entity-chart a[data-entity="{other_plate.pk}"]').click()
        plain.wait_for_url(f"**/entities/{other_plate.pk}/")
        plain.get_by_role("heading", name="Vehicle: XYZ4521 (WI)").wait_for()
    finally:
        context.close()


def test_points_on_the_map_and_the_page_on_a_phone(phone_page, live_server, thread, browser_sign_in, check_a11y):
    analyst, plate, person, other_plate, r1, r2 = thread
    browser_sign_in(phone_page, live_server, analyst)
    phone_page.goto(f"{live_server.url}/entities/{person.pk}/")
    phone_page.get_by_role("heading", name="Person: Dale Ortiz").wait_for()
    check_a11y(phone_page)
    points = phone_page.locator("svg.county-map-svg g.map-point")
    assert points.count() == 1
    table = phone_page.get_by_role("table", name="Records on the map")
    assert table.get_by_role("row", name=f"SAR {r1.receipt}").inner_text().count("Dane") == 1
    assert "no coordinates" in table.get_by_role("row", name=f"SAR {r2.receipt}").inner_text()
    width = phone_page.evaluate("window.innerWidth")
    for selector in ("svg.county-map-svg", "svg.entity-graph"):
        box = phone_page.locator(selector).bounding_box()
        assert box["width"] <= width, f"{selector} is wider than the phone's screen"
    assert phone_page.evaluate("document.documentElement.scrollWidth") <= width + 1, "no sideways scrolling"
    # expanding works with a tap as well
    phone_page.locator(f'#entity-chart a[data-entity="{plate.pk}"]').tap()
    phone_page.get_by_role("status").filter(has_text="linked").wait_for()
    check_a11y(phone_page)
