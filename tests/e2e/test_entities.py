"""An analyst finds that two reports from different counties share a vehicle, opens the link chart and
confirms the match, in a real browser with axe-core on every page.

The reports are real SAR reports made through `fusioncenter.sar.services`. Until the sar app registers
itself with the entity index (see docs/entities.md, "Registering a record type"), the test registers
`sar.Report` the same way the sar app would.
"""

from __future__ import annotations

import datetime as dt

import pytest

pytestmark = pytest.mark.browser


def _sar_mentions(report):
    from fusioncenter.entities.schema import MentionInput

    out = []
    for v in report.vehicles.all():
        if v.plate or v.vin:
            out.append(MentionInput("vehicle", "vehicle", v.plate or v.vin,
                                    {"plate": v.plate, "plate_state": v.plate_state, "vin": v.vin, "make": v.make,
                                     "model": v.model, "color": v.color}))
    for s in report.subjects.all():
        if s.name:
            out.append(MentionInput("person", "subject", s.name, {"full_name": s.name, "dob": s.date_of_birth or "",
                                                                  "sex": s.sex}))
    for i in report.identifiers.all():
        kind = {"phone": "phone", "email": "email", "address": "location"}[i.kind]
        out.append(MentionInput(kind, i.kind, i.value))
    return out


@pytest.fixture
def sar_registered():
    from django.urls import reverse

    from fusioncenter.entities import registry
    from fusioncenter.sar.models import Report

    registry.register_mention_source(
        Report, _sar_mentions, date=lambda r: r.observed_at, url=lambda r: reverse("sar:detail", args=[r.pk]),
        describe=lambda r: f"SAR {r.receipt}", county_fips=lambda r: r.county.fips if r.county_id else "")
    registry.register_search_source(
        Report, lambda r: {"title": f"SAR {r.receipt}: {r.summary}", "body": r.narrative,
                           "keys": [v.plate for v in r.vehicles.all()]},
        lambda r: {"date": r.observed_at, "county_fips": r.county.fips if r.county_id else ""},
        url=lambda r: reverse("sar:detail", args=[r.pk]))
    yield
    registry.unregister("sar.report")


def test_analyst_confirms_shared_vehicle(page, live_server, make_user, make_org, centers, browser_sign_in,
                                         check_a11y, sar_registered):
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
    assert page.get_by_role("row", name=f"SAR {r1.receipt}").count() == 1
    assert page.get_by_role("row", name=f"SAR {r2.receipt}").count() == 1
    page.get_by_role("button", name="Confirm match").first.click()
    page.get_by_text("Match confirmed.").wait_for()
    check_a11y(page)
    assert MatchDecision.objects.filter(kind="confirm", decided_by=analyst).count() == 1
