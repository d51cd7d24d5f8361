"""Statistics of the visible cases, the home panel, and the demo loader."""

from __future__ import annotations

import datetime as dt
import io

import pytest

from fusioncenter.clearinghouse import demo, services, stats
from fusioncenter.clearinghouse.models import MissingPersonCase
from fusioncenter.core import clock

pytestmark = pytest.mark.django_db


def test_statistics(make_case, officer, client, signed_in, analyst):
    make_case()
    make_case(
        date_of_birth=None,
        age_at_disappearance=70,
        ncic_category="EMD",
        ncmec_category="",
        ncic_child_abduction=False,
        last_seen_zip="54301",
        last_seen_latitude=None,
        last_seen_longitude=None,
    )
    done = make_case()
    clock.advance(dt.timedelta(days=3))
    services.change_status(officer, done, "located_safe", note="")
    s = stats.compute(officer)
    assert s["open_total"] == 2 and s["resolved_total"] == 1
    assert dict(s["by_ncic"])["Involuntary"] == 1 and dict(s["by_ncic"])["Disability"] == 1
    assert dict(s["by_age"])["60 and over"] == 1
    assert dict(s["by_county"]) == {"Dane": 1, "Brown": 1}
    assert s["resolution"]["median_days"] == 3.0
    assert "<svg" in s["map_svg"] and "Dane County" in s["map_svg"]
    clock.reset()  # the session would have expired three days on
    page = signed_in(client, officer).get("/missing/statistics/")
    assert page.status_code == 200 and b"Time to resolution" in page.content
    assert stats.compute(analyst)["open_total"] == 2


def test_home_panel(make_case, officer):
    from fusioncenter.clearinghouse.panels import clearinghouse_panel

    make_case()
    panel = clearinghouse_panel(officer)
    assert panel["items"][0]["value"] == 1
    assert clearinghouse_panel(None) is None


def test_demo_is_idempotent(make_user, make_org, analyst):
    make_user("partner_officer", make_org(name="Demo PD"))
    out = io.StringIO()
    demo.load(out)
    count = MissingPersonCase.objects.count()
    assert count == 4
    assert MissingPersonCase.objects.filter(released_to_public=True).count() == 2
    demo.load(out)
    assert MissingPersonCase.objects.count() == count


def test_home_page_and_navigation_show_the_clearinghouse(client, signed_in, make_case, officer):
    make_case()
    page = signed_in(client, officer).get("/")
    assert page.status_code == 200
    assert b"Missing persons clearinghouse" in page.content and b"/missing/cases/" in page.content
