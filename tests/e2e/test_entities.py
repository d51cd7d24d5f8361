"""An analyst finds that two reports from different counties share a vehicle, opens the link chart and
confirms the match, in a real browser with axe-core on every page.

The reports are real SAR reports made through `fusioncenter.sar.services`; the sar app registers its
reports with the entity index and search (sar/indexing.py) and indexes each one after it is saved.
"""

from __future__ import annotations

import datetime as dt

import pytest

pytestmark = pytest.mark.browser


def test_analyst_confirms_shared_vehicle(page, live_server, make_user, make_org, centers, browser_sign_in,
                                         check_a11y):
    from fusioncenter.entities import search, services
    from fusioncenter.entities.models import MatchDecision
    from fusioncenter.sar import services as sar

    wsic = make_org("WSIC (entities e2e)", discipline="le_state", county="Dane", center=centers["WSIC"],
                    is_fusion_center=True)
    analyst = make_user("analyst", wsic, username="ana.entities")
    dane = make_user("partner_officer", make_org("Madison PD (e2e)", county="Dane"))
    brown = make_user("partner_officer", make_org("Green Bay PD (e2e)", county="Brown"))
    when = dt.datetime.now(dt.UTC) - dt.timedelta(hours=5)
    base = {"narrative": "A man photographed the gate locks and measured the fence, then left in a gray van.",
            "observed_at": when, "categories": ["PHOTO", "SURVL"], "location_place": "Substation"}
    r1 = sar.submit_partner(dane, {**base, "summary": "Photographing a substation in Madison", "county": "Dane",
                                   "vehicles": [{"plate": "ABC-1234", "plate_state": "WI", "make": "Ford",
                                                 "color": "gray"}]})
    r2 = sar.submit_partner(brown, {**base, "summary": "Fence measured at a Green Bay water plant",
                                    "county": "Brown", "vehicles": [{"plate": "abc 1234", "color": "gray"}]})
    for r in (r1, r2):
        services.index_record(r)
        search.index_record(r)
    assert r1.county.name == "Dane" and r2.county.name == "Brown"

    browser_sign_in(page, live_server, analyst)
    page.goto(live_server.url + "/search/")
    check_a11y(page)
    page.get_by_label("Words, a plate, a phone or a name").fill("ABC 1234")
    page.get_by_role("button", name="Search", exact=True).click()
    page.get_by_text("2 records you may see match").wait_for()
    check_a11y(page)
    page.get_by_role("link", name="ABC1234 (WI)").click()
    page.get_by_role("heading", name="Vehicle: ABC1234 (WI)").wait_for()
    check_a11y(page)
    chart = page.locator("svg.entity-graph")
    assert chart.is_visible()
    timeline = page.get_by_role("table", name="Records mentioning this entity")
    assert timeline.get_by_role("row", name=f"SAR {r1.receipt}").count() == 1
    assert timeline.get_by_role("row", name=f"SAR {r2.receipt}").count() == 1
    page.get_by_role("button", name="Confirm match").first.click()
    page.get_by_text("Match confirmed.").wait_for()
    check_a11y(page)
    assert MatchDecision.objects.filter(kind="confirm", decided_by=analyst).count() == 1
    # a date range that can match nothing is explained at the field, not answered with no results
    page.goto(live_server.url + "/search/?q=ABC+1234&from=2030-02-01&to=2030-01-01")
    page.get_by_text("The end date is before the start date.").wait_for()
    assert page.get_by_label("To (date)").get_attribute("aria-invalid") == "true"
    check_a11y(page)
    # a third report of the plate: the match review queue lists it, naming the report, and leads to the entity
    r3 = sar.submit_partner(dane, {**base, "summary": "The gray van again, at a Madison well house",
                                   "county": "Dane", "vehicles": [{"plate": "ABC1234", "plate_state": "WI"}]})
    services.index_record(r3)
    page.get_by_role("link", name="Match review").click()
    page.get_by_role("heading", name="Match review").wait_for()
    check_a11y(page)
    page.get_by_role("link", name="Automatic matches").click()
    row = page.get_by_role("row", name=f"SAR {r3.receipt}")
    row.wait_for()
    check_a11y(page)
    row.get_by_role("link", name="ABC1234 (WI)").click()
    page.get_by_role("heading", name="Vehicle: ABC1234 (WI)").wait_for()
    assert "#automatic-" in page.url
