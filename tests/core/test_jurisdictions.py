"""Routing a place to a fusion center, the county lookup by point, and the county map."""

from __future__ import annotations

import csv
import json
import time

import pytest
from lxml import etree

from fusioncenter.core import jurisdictions
from fusioncenter.core.jurisdictions import county_for_point, county_map_svg, find_county, route
from fusioncenter.core.models import County
from fusioncenter.core.reference import DEFAULT_DATA_DIR

SVG = "{http://www.w3.org/2000/svg}"
STAC_COUNTIES = [
    "Milwaukee",
    "Racine",
    "Washington",
    "Waukesha",
    "Ozaukee",
    "Kenosha",
    "Walworth",
    "Jefferson",
]
MADISON = (43.0747, -89.3841)  # the Capitol, downtown Madison
MILWAUKEE = (43.0389, -87.9065)  # downtown Milwaukee
CHICAGO = (41.8781, -87.6298)


# --- routing by county -----------------------------------------------------------------------------------


@pytest.mark.parametrize("name", STAC_COUNTIES)
def test_stac_counties_route_to_stac(wisconsin, name):
    decision = route(county=name)
    assert (decision.center.code, decision.county.name, decision.flagged) == ("STAC", name, False)
    assert "STAC" in decision.reason and name in decision.reason


@pytest.mark.parametrize("value", ["Dane", "dane", "DANE COUNTY", " Dane County ", "55025"])
def test_county_by_name_or_fips(wisconsin, value):
    decision = route(county=value)
    assert (decision.center.code, decision.county.fips, decision.flagged) == ("WSIC", "55025", False)


def test_county_object_and_names_with_punctuation(wisconsin):
    dane = County.objects.get(name="Dane")
    assert route(county=dane).county == dane
    for value in ("St. Croix", "st croix county", "Saint Croix", "fond du lac", "Eau Claire County"):
        assert find_county(value) is not None, value
    assert route(county="55079").center.code == "STAC"


def test_every_county_routes_to_its_own_center(wisconsin):
    for county in County.objects.select_related("center"):
        decision = route(county=county.name)
        assert decision.county == county and decision.center == county.center


# --- routing by ZIP code and by point ---------------------------------------------------------------------


def test_zip_codes_across_county_lines(wisconsin):
    east = route(zip_code="53094")
    assert (east.county.name, east.center.code, east.flagged) == ("Jefferson", "STAC", False)
    west = route(zip_code="53098")
    assert (west.county.name, west.center.code, west.flagged) == ("Dodge", "WSIC", False)
    assert route(zip_code="53094-1234").county.name == "Jefferson"
    assert "53098" in west.reason


def test_unknown_zip_is_flagged_to_the_primary_center(wisconsin):
    decision = route(zip_code="99999")
    assert (decision.center.code, decision.county, decision.flagged) == ("WSIC", None, True)
    assert "99999" in decision.reason and "not a known ZIP code" in decision.reason
    assert route(zip_code="60601").flagged  # Chicago: out of state


def test_points(wisconsin):
    madison = route(latitude=MADISON[0], longitude=MADISON[1])
    assert (madison.county.name, madison.center.code, madison.flagged) == ("Dane", "WSIC", False)
    milwaukee = route(latitude=MILWAUKEE[0], longitude=MILWAUKEE[1])
    assert (milwaukee.county.name, milwaukee.center.code, milwaukee.flagged) == ("Milwaukee", "STAC", False)
    assert county_for_point(*MADISON).name == "Dane"
    assert county_for_point(str(MILWAUKEE[0]), str(MILWAUKEE[1])).name == "Milwaukee"


def test_out_of_state_point_is_flagged(wisconsin):
    decision = route(latitude=CHICAGO[0], longitude=CHICAGO[1])
    assert (decision.center.code, decision.county, decision.flagged) == ("WSIC", None, True)
    assert "outside" in decision.reason
    assert county_for_point(*CHICAGO) is None


@pytest.mark.parametrize(
    ("lat", "lon"), [("abc", "-89"), (float("nan"), -89.0), (95, -89), (43.0, None), (None, -89.0)]
)
def test_invalid_points_are_flagged_not_errors(wisconsin, lat, lon):
    decision = route(latitude=lat, longitude=lon)
    assert decision.flagged and decision.center.code == "WSIC"
    assert county_for_point(lat, lon) is None


def test_nothing_known_is_flagged_with_a_reason(wisconsin):
    decision = route()
    assert decision.flagged and decision.center.code == "WSIC" and decision.county is None
    assert "no county, map point or ZIP code" in decision.reason
    unknown = route(county="Narnia")
    assert unknown.flagged and "'Narnia' is not a known county" in unknown.reason
    assert route(county="Cook County", latitude=CHICAGO[0], longitude=CHICAGO[1]).flagged


def test_county_is_preferred_over_point_and_zip_and_the_reason_says_so(wisconsin):
    decision = route(county="Dane", zip_code="53094", latitude=MILWAUKEE[0], longitude=MILWAUKEE[1])
    assert (decision.county.name, decision.center.code, decision.flagged) == ("Dane", "WSIC", False)
    assert "Milwaukee County" in decision.reason and "Jefferson County" in decision.reason
    assert "named county was preferred" in decision.reason


def test_point_is_preferred_over_zip(wisconsin):
    decision = route(zip_code="53098", latitude=MILWAUKEE[0], longitude=MILWAUKEE[1])
    assert (decision.county.name, decision.center.code) == ("Milwaukee", "STAC")
    assert "Dodge County" in decision.reason and "map point was preferred" in decision.reason


def test_unknown_county_falls_back_to_other_clues(wisconsin):
    decision = route(county="Narnia", zip_code="53094")
    assert (decision.county.name, decision.center.code, decision.flagged) == ("Jefferson", "STAC", False)
    assert "Narnia" in decision.reason


def test_routing_follows_an_administrators_reassignment(wisconsin):
    County.objects.filter(name="Dodge").update(center=County.objects.get(name="Milwaukee").center)
    assert route(zip_code="53098").center.code == "STAC"


# --- the boundaries -------------------------------------------------------------------------------------


def test_every_county_contains_its_own_interior_point(db):
    from shapely.geometry import shape

    features = json.loads((DEFAULT_DATA_DIR / "counties.geojson").read_text())["features"]
    assert len(features) == 72
    for feature in features:
        inside = shape(feature["geometry"]).representative_point()
        assert jurisdictions.fips_for_point(inside.y, inside.x) == feature["properties"]["fips"]


def test_zip_code_centres_mostly_fall_in_their_own_county():
    """The boundaries are coarse and ZIP centres can sit over a line; most must still agree."""
    with (DEFAULT_DATA_DIR / "zipcodes.csv").open(newline="") as fh:
        rows = list(csv.DictReader(fh))
    started = time.perf_counter()
    agree = sum(jurisdictions.fips_for_point(r["lat"], r["lon"]) == r["county_fips"] for r in rows)
    elapsed = time.perf_counter() - started
    assert agree / len(rows) > 0.95
    assert elapsed / len(rows) < 0.002  # the STRtree keeps a lookup well under 2 ms


# --- the map ----------------------------------------------------------------------------------------------


def _parse(markup: str) -> etree._Element:
    return etree.fromstring(markup.encode(), parser=etree.XMLParser(resolve_entities=False, no_network=True))


def test_map_has_72_titled_paths_and_is_valid_xml(wisconsin):
    values = {c.fips: c.center.code for c in County.objects.select_related("center")}
    figure = _parse(county_map_svg(values, "Wisconsin counties by fusion center"))
    svg = figure.find(f"{SVG}svg")
    assert svg.get("role") == "img"
    paths = svg.findall(f".//{SVG}path")
    assert len(paths) == 72
    title_id, desc_id = svg.get("aria-labelledby").split()
    assert svg.find(f"{SVG}title").get("id") == title_id and svg.find(f"{SVG}desc").get("id") == desc_id
    assert svg.find(f"{SVG}title").text == "Wisconsin counties by fusion center"
    titles = {p.find(f"{SVG}title").text: p.get("class") for p in paths}
    assert titles["Dane County: WSIC"] == "map-county map-cat-wsic"
    assert titles["Milwaukee County: STAC"] == "map-county map-cat-stac"
    assert sum("map-cat-stac" in c for c in titles.values()) == 8
    legend = figure.find("figcaption/ul")
    items = ["".join(li.itertext()).strip() for li in legend.findall("li")]
    assert items == ["STAC (8 counties)", "WSIC (64 counties)"]
    assert [li.find("span").get("class") for li in legend.findall("li")] == [
        "swatch map-cat-stac",
        "swatch map-cat-wsic",
    ]
    assert all(p.get("d").startswith("M") and p.get("d").endswith("Z") for p in paths)


def test_map_links_legend_labels_and_missing_values(db):
    markup = county_map_svg(
        {"55025": "hot", "55079": "cold"},
        "Reports",
        legend={"cold": "Few reports", "hot": "Many reports"},
        link_template="/sar/?county={fips}",
    )
    figure = _parse(markup)
    svg = figure.find(f"{SVG}svg")
    assert svg.get("role") == "group"  # links inside an role=img would be hidden from screen readers
    links = svg.findall(f".//{SVG}a")
    assert len(links) == 72
    dane = next(a for a in links if a.get("href") == "/sar/?county=55025")
    assert dane.get("aria-label") == "Dane County: Many reports"
    assert dane.find(f"{SVG}path").get("class") == "map-county map-cat-hot"
    items = ["".join(li.itertext()).strip() for li in figure.find("figcaption/ul").findall("li")]
    assert items == ["Few reports (1 county)", "Many reports (1 county)", "No data (70 counties)"]
    assert "Adams County: no data" in markup


def test_map_escapes_every_text(db):
    hostile = '<script>alert("x")</script> & "quotes"'
    markup = county_map_svg(
        {"55025": hostile}, hostile, legend={hostile: hostile}, link_template='/x?c={fips}&a="b"'
    )
    assert "<script>" not in markup
    figure = _parse(markup)
    assert figure.find(f"{SVG}svg/{SVG}title").text == hostile
    assert any(p.find(f"{SVG}title").text == f"Dane County: {hostile}" for p in figure.iter(f"{SVG}path"))
    assert "map-cat-scriptalertxscript-quotes" in markup


def test_map_refuses_too_many_categories(db):
    with pytest.raises(ValueError, match="at most 6 categories"):
        county_map_svg({f"550{n:02d}": str(n) for n in range(1, 15, 2)}, "Too many")


def test_count_buckets_for_a_heat_map(db):
    values, legend = jurisdictions.count_categories({"55025": 12, "55079": 4, "55001": 1})
    assert legend == {"0": "0", "1": "1–2", "2": "3–5", "3": "6–10", "4": "11 or more"}
    assert (values["55025"], values["55079"], values["55001"], values["55003"]) == ("4", "2", "1", "0")
    assert len(values) == 72
    paths = _parse(county_map_svg(values, "Reports by county", legend)).findall(f".//{SVG}path")
    assert {p.get("class").split()[1] for p in paths} <= {f"map-cat-{n}" for n in range(5)}
    with pytest.raises(ValueError):
        jurisdictions.count_categories({}, breaks=(5, 3))


def test_map_is_fast_after_the_first_call(db):
    county_map_svg({}, "warm up")
    started = time.perf_counter()
    for _ in range(20):
        county_map_svg({"55025": "WSIC"}, "Counties")
    assert (time.perf_counter() - started) / 20 < 0.02


def test_counties_page_shows_the_map(wisconsin, client, make_user, signed_in):
    signed_in(client, make_user("analyst"))
    html = client.get("/counties/").content.decode()
    assert html.count("<path ") == 72 and "Dane County: WSIC" in html


def test_map_point_lands_inside_the_drawn_frame_and_refuses_other_places(db):
    width, height = jurisdictions.MAP_WIDTH, jurisdictions._frame()[4]
    x, y = jurisdictions.map_point(43.0747, -89.3841)  # Madison, in the south-centre of the map
    assert 0 < x < width and height / 2 < y < height
    north_x, north_y = jurisdictions.map_point(46.58, -90.88)  # Ashland, on Lake Superior
    assert north_y < y and north_x < x
    assert jurisdictions.map_point(41.8781, -87.6298) is None  # Chicago: outside the frame
    assert jurisdictions.map_point("north", -89) is None and jurisdictions.map_point(None, None) is None
