"""Queue and dashboard figures: filtered by `core.access`, counted by state, age, category, county, week."""

import datetime as dt

from fusioncenter.core import clock
from fusioncenter.sar import queries
from fusioncenter.sar.panels import sar_panel


def test_dashboard_counts_by_state_age_category_county_and_week(staff, submit, vetting):
    now = dt.datetime(2026, 3, 2, 15, 0, tzinfo=dt.UTC)
    seen = (now - dt.timedelta(days=12)).isoformat()
    clock.freeze(now)
    submit(observed_at=seen)  # received today
    clock.freeze(now - dt.timedelta(days=10))
    old = submit(categories=["THREAT"], observed_at=seen)  # received 10 days ago
    clock.freeze(now)
    vetting(observed_at=seen)
    submit(county="Milwaukee", observed_at=seen)  # STAC's: not visible to WSIC's analyst
    data = queries.dashboard(staff["wsic_analyst"], center="WSIC")
    assert data["total"] == 3 and data["open"] == 3
    states = {s["state"]: s["count"] for s in data["by_state"]}
    assert states["received"] == 2 and states["vetting"] == 1
    ages = {a["label"]: (a["received"], a["vetting"]) for a in data["ages"]}
    assert ages["under 2 days"] == (1, 1) and ages["7–29 days"] == (1, 0)
    cats = {c["code"]: c["count"] for c in data["by_category"]}
    assert cats["THREAT"] == 1 and cats["PHOTO"] == 2 and len(cats) == 16
    assert data["by_county"] == {"55025": 3}
    weeks = {w["week"]: w["count"] for w in data["trend"]}
    assert weeks[dt.date(2026, 3, 2)] == 2 and weeks[dt.date(2026, 2, 16)] == 1
    assert old.pk in [r.pk for r in queries.queue(staff["wsic_analyst"], category="THREAT")]


def test_home_panel_for_the_center_staff(staff, submit):
    submit()
    submit(county="Nowhere")
    panel = sar_panel(staff["wsic_supervisor"])
    values = {i["label"]: i["value"] for i in panel["items"]}
    assert values == {"Awaiting initial review": 2, "In analyst vetting": 0, "Routing flagged": 1}
    assert sar_panel(staff["officer"]) is None
