"""Records as points on the entity page's county map: projection, the text equivalent, access."""

from __future__ import annotations

import re
from types import SimpleNamespace

import pytest

from fusioncenter.core import jurisdictions
from fusioncenter.core.markings import TLP
from fusioncenter.entities import graph, registry, services
from fusioncenter.entities.models import Mention

from .conftest import extract

pytestmark = pytest.mark.django_db

MADISON = (43.0731, -89.4012)  # Dane County, 55025
MILWAUKEE = (43.0389, -87.9065)  # Milwaukee County, 55079
CHICAGO = (41.8781, -87.6298)  # Illinois: not on Wisconsin's map


def _field(title: str, name: str) -> str:
    for part in title.split(";"):
        key, _, value = part.strip().partition("=")
        if key == name:
            return value.strip()
    return ""


def _point(dossier):
    at = _field(dossier.title, "at")
    return tuple(float(x) for x in at.split(",")) if at else None


@pytest.fixture
def placed(dossier_source):
    """The test Dossier again, now with a county ("county=55025") and a point ("at=lat,lon")."""
    registry.register_mention_source(dossier_source, extract, describe=lambda d: f"Dossier {d.pk}",
                                     url=lambda d: f"/dossier/{d.pk}", county_fips=lambda d: _field(d.title, "county"),
                                     point=_point)
    return dossier_source


def _bbox(svg: str, fips: str) -> tuple[float, float, float, float]:
    d = re.search(rf'data-fips="{fips}" d="([^"]+)"', svg).group(1)
    nums = [float(n) for n in re.findall(r"-?\d+(?:\.\d+)?", d)]
    xs, ys = nums[0::2], nums[1::2]
    return min(xs), min(ys), max(xs), max(ys)


def test_a_point_lands_in_its_county_on_the_map():
    svg = jurisdictions.county_map_svg({}, "test")
    for (lat, lon), fips in ((MADISON, "55025"), (MILWAUKEE, "55079")):
        x, y = graph.project(lat, lon)
        x0, y0, x1, y1 = _bbox(svg, fips)
        assert x0 <= x <= x1 and y0 <= y <= y1, f"{fips}: ({x:.1f}, {y:.1f}) not in {x0, y0, x1, y1}"
    assert graph.project(*CHICAGO) is None


def test_a_source_without_a_point_function_uses_latitude_and_longitude(dossier_source):
    src = registry.mention_source("access_app.dossier")
    assert src.where(SimpleNamespace(latitude=43.07, longitude=-89.4)) == (43.07, -89.4)
    assert src.where(SimpleNamespace(latitude=None, longitude=-89.4)) is None
    assert src.where(SimpleNamespace(latitude=123.0, longitude=-89.4)) is None, "not a place on Earth"
    assert src.where(SimpleNamespace()) is None


def test_the_entity_page_draws_points_with_a_table_equivalent(placed, make_dossier, make_user, client, signed_in):
    analyst = make_user("analyst")
    a = make_dossier(f"plate=MAP 100; county=55025; at={MADISON[0]},{MADISON[1]}", user=analyst, tlp=TLP.GREEN)
    b = make_dossier("plate=map-100; county=55079", user=analyst, tlp=TLP.GREEN)
    c = make_dossier(f"plate=MAP100; at={CHICAGO[0]},{CHICAGO[1]}", user=analyst, tlp=TLP.GREEN)
    for d in (a, b, c):
        services.index_record(d)
    vehicle = Mention.objects.get(source_id=str(a.pk), entity_type="vehicle").entity
    html = signed_in(client, analyst).get(f"/entities/{vehicle.pk}/").content.decode()
    svg = html[html.index('<svg xmlns="http://www.w3.org/2000/svg" class="county-map-svg"'):]
    svg = svg[:svg.index("</svg>")]
    assert svg.count('class="map-point"') == 1, "one record has a point inside Wisconsin"
    assert f"<title>1: Dossier {a.pk}</title>" in svg
    x, y = (float(v) for v in re.search(r'<circle cx="([\d.]+)" cy="([\d.]+)" r="7"', svg).groups())
    x0, y0, x1, y1 = _bbox(svg, "55025")
    assert x0 <= x <= x1 and y0 <= y <= y1
    assert 'aria-labelledby' in svg and "1 point" in svg
    # the text equivalent: every record, its county, its coordinates or why it has no point
    table = html[html.index('class="usa-table entity-places"'):]
    table = table[:table.index("</table>")]
    assert f"Dossier {a.pk}" in table and "Dane" in table and "43.0731, -89.4012" in table
    assert f"Dossier {b.pk}" in table and "Milwaukee" in table and "no coordinates" in table
    assert f"Dossier {c.pk}" in table and "(outside the map)" in table
    assert "1 with a point" in table and "3 in all" in table
    # both counties shaded
    assert 'data-fips="55025"' in svg and "map-cat-1" in svg


def test_a_record_the_reader_may_not_see_gives_no_point(placed, make_dossier, make_user, make_org, client,
                                                        signed_in):
    owner = make_user("partner_officer", make_org("Owner PD"))
    other = make_user("partner_officer", make_org("Other PD"))
    hidden = make_dossier(f"plate=MAP 200; county=55025; at={MADISON[0]},{MADISON[1]}", user=owner,
                          tlp=TLP.AMBER_STRICT)
    shown = make_dossier("plate=MAP 200; county=55079", user=other, tlp=TLP.AMBER_STRICT)
    for d in (hidden, shown):
        services.index_record(d)
    vehicle = Mention.objects.get(source_id=str(shown.pk), entity_type="vehicle").entity
    html = signed_in(client, other).get(f"/entities/{vehicle.pk}/").content.decode()
    assert f"Dossier {shown.pk}" in html
    assert f"Dossier {hidden.pk}" not in html
    assert 'class="map-point"' not in html and "43.0731" not in html
