"""Matching a located or unidentified person against the open cases, with every contribution explained."""

from __future__ import annotations

import datetime as dt

import pytest

from fusioncenter.clearinghouse import matching, services
from fusioncenter.core import clock

pytestmark = pytest.mark.django_db


@pytest.fixture
def three(make_case, officer):
    tess = make_case()
    other = make_case(
        given_name="Morgan",
        family_name="Sample",
        sex="male",
        date_of_birth=dt.date(1960, 1, 1),
        ncic_category="EMO",
        ncmec_category="",
        ncic_child_abduction=False,
        height_in=72,
        weight_lb=200,
        hair_color="grey",
        eye_color="brown",
        scars_marks_tattoos="anchor tattoo on forearm",
        last_seen_latitude=44.5,
        last_seen_longitude=-88.0,
    )
    closed = services.change_status(officer, make_case(given_name="Closed"), "located_safe", note="")
    return tess, other, closed


def test_best_candidate_first_with_reasons(three, officer):
    tess, other, closed = three
    found = matching.rank(
        officer,
        {
            "age_min": 13,
            "age_max": 17,
            "sex": "female",
            "height_in": 61,
            "weight_lb": 100,
            "hair_color": "Red",
            "eye_color": "blue",
            "scars_marks_tattoos": "faint scar above the right eyebrow",
            "found_at": clock.now(),
            "latitude": 43.08,
            "longitude": -89.39,
        },
    )
    assert [c.case.pk for c in found] == [tess.pk]  # the man of 66 is outside the age range; closed cases skipped
    best = found[0]
    names = {f.name for f in best.factors}
    assert names == {"age", "sex", "height", "weight", "hair", "eyes", "marks", "time", "distance"}
    reasons = " ".join(f.reason for f in best.factors)
    assert "within 3 in" in reasons and "share: above, eyebrow" in reasons and "miles" in reasons
    assert best.score == pytest.approx(sum(f.points for f in best.factors), abs=0.2)


def test_contradictions_lower_or_exclude(three, officer):
    tess, other, _ = three
    wrong_sex = matching.score(tess, {"sex": "male", "eye_color": "blue", "hair_color": "red"})
    assert any(f.name == "sex" and f.points < 0 for f in wrong_sex.factors)
    assert matching.score(tess, {"found_at": tess.last_seen_at - dt.timedelta(days=1)}) is None
    assert matching.score(tess, {"age_min": 40, "age_max": 50}) is None


def test_ranking_orders_by_score(three, officer):
    tess, other, _ = three
    found = matching.rank(officer, {"eye_color": "brown", "hair_color": "grey", "scars_marks_tattoos": "anchor"})
    assert found[0].case.pk == other.pk


def test_only_visible_cases(three, other_officer):
    assert matching.rank(other_officer, {"sex": "female"}) == []


def test_match_page(client, signed_in, three, officer):
    c = signed_in(client, officer)
    page = c.get("/missing/match/", {"sex": "female", "age_min": 10, "age_max": 17})
    assert (
        page.status_code == 200
        and b"Tess Fictional" in page.content
        and b"falls in the estimated range" in page.content
    )
    assert b"Give at least one descriptor" in c.get("/missing/match/", {"sex": ""}).content
