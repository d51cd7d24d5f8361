"""Where a report belongs: county lookup, routing to a fusion center, and the county map.

Why: every report, tip and alert must land in the queue of the center that covers its place, and
no report may be lost because its place is unknown: unknown or out-of-state places go to the
primary (statewide) center, flagged for a person to check. Clues are weighed by how precise they
are: a county named by the reporter, then a map point, then a ZIP code (ZIP codes cross county
lines, e.g. Watertown's 53094 and 53098 sit in Jefferson and Dodge counties).

The county boundaries come from the shipped GeoJSON (1:10M generalization: good for maps and points
well inside a county, not for a point within a few hundred meters of a county line). The geometry
and the map's projected paths are loaded once per process and cached.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
import time
from dataclasses import dataclass
from functools import lru_cache
from html import escape
from typing import Any

from django.utils.text import slugify

from .models import Center, County, Region, ZipCode
from .reference import data_dir

# --- geometry ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Shape:
    fips: str
    name: str
    geometry: Any  # shapely geometry, prepared


@lru_cache(maxsize=1)
def _features() -> tuple[dict, ...]:
    """The county features of the shipped GeoJSON, sorted by FIPS."""
    path = data_dir() / "counties.geojson"
    data = json.loads(path.read_text(encoding="utf-8"))
    return tuple(sorted(data["features"], key=lambda f: f["properties"]["fips"]))


@lru_cache(maxsize=1)
def _index() -> tuple[tuple[_Shape, ...], Any]:
    """Prepared county shapes and an STRtree over them (built once; queries are then microseconds)."""
    from shapely import STRtree, prepare
    from shapely.geometry import shape

    shapes = []
    for feature in _features():
        geometry = shape(feature["geometry"])
        prepare(geometry)
        shapes.append(_Shape(feature["properties"]["fips"], feature["properties"]["name"], geometry))
    return tuple(shapes), STRtree([s.geometry for s in shapes])


def _valid_point(latitude: Any, longitude: Any) -> tuple[float, float] | None:
    try:
        lat, lon = float(latitude), float(longitude)
    except (TypeError, ValueError):
        return None
    if not (math.isfinite(lat) and math.isfinite(lon) and -90 <= lat <= 90 and -180 <= lon <= 180):
        return None
    return lat, lon


def fips_for_point(latitude: Any, longitude: Any) -> str | None:
    """FIPS code of the county containing the point, or None (outside the state, or not a valid point).

    A point exactly on a shared boundary belongs to the county with the lower FIPS code, so the
    answer is stable.
    """
    point = _valid_point(latitude, longitude)
    if point is None:
        return None
    from shapely import Point

    shapes, tree = _index()
    hits = tree.query(Point(point[1], point[0]), predicate="intersects")
    return shapes[min(hits)].fips if len(hits) else None


def county_for_point(latitude: Any, longitude: Any) -> County | None:
    """The County containing a WGS 84 point, or None when the point is outside every county."""
    fips = fips_for_point(latitude, longitude)
    return County.objects.select_related("center", "region").filter(fips=fips).first() if fips else None


# --- county lookup by name or code ---------------------------------------------------------------------


def normalize_county_name(name: str) -> str:
    """'St. Croix County', 'saint croix' and 'ST CROIX' all give 'st croix'."""
    text = re.sub(r"[.\s]+", " ", name.strip().lower()).strip()
    text = re.sub(r"\s+county$", "", text)
    return re.sub(r"^saint\s", "st ", text)


_NAMES_SECONDS = 300.0
_names: dict[str, Any] = {"at": -1e18, "fips": {}}


def _fips_by_name(refresh: bool = False) -> dict[str, str]:
    """Normalized county name -> FIPS code, remembered for a few minutes per process.

    Why: every report is routed, and reading and normalizing the 72 names on each one cost a query
    and most of `route()`'s time. Only names and FIPS codes (a county's fixed identity) are
    remembered; the County row, with its center and region, is still read on each call, so an
    administrator's reassignment of a county to another center applies at once everywhere. A name
    that is missing or no longer matches refreshes the map.
    """
    if refresh or time.monotonic() - _names["at"] > _NAMES_SECONDS:
        rows = County.objects.values_list("fips", "name")
        _names["fips"] = {normalize_county_name(name): fips for fips, name in rows}
        _names["at"] = time.monotonic()
    return _names["fips"]


@lru_cache(maxsize=1)
def _county_sql() -> tuple[str, int, int]:
    """SELECT county.*, center.*, region.* for one FIPS code; and where the center's and region's columns start."""
    from django.db import connection

    q = connection.ops.quote_name
    tables = [(m._meta.db_table, [f.column for f in m._meta.concrete_fields]) for m in (County, Center, Region)]
    columns = ", ".join(f"{q(t)}.{q(c)}" for t, cols in tables for c in cols)
    county, center, region = (t for t, _ in tables)
    sql = (f"SELECT {columns} FROM {q(county)} "
           f"JOIN {q(center)} ON {q(center)}.{q('id')} = {q(county)}.{q('center_id')} "
           f"LEFT JOIN {q(region)} ON {q(region)}.{q('id')} = {q(county)}.{q('region_id')} "
           f"WHERE {q(county)}.{q('fips')} = %s")
    return sql, len(tables[0][1]), len(tables[0][1]) + len(tables[1][1])


def _county_by_fips(fips: str) -> County | None:
    """One county with its center and region, read fresh in one hand-written query.

    Why: every report is routed, and compiling the ORM's three-table join cost about 0.6 ms of CPU per
    report, twenty times the query itself; the row is still read each time, so nothing is stale.
    """
    from django.db import connection

    sql, center_at, region_at = _county_sql()
    with connection.cursor() as cursor:
        cursor.execute(sql, [fips])
        row = cursor.fetchone()
    if row is None:
        return None
    county = _instance(County, row[:center_at])
    county.center = _instance(Center, row[center_at:region_at])
    if county.region_id is not None:
        county.region = _instance(Region, row[region_at:])
    return county


def _instance(model: Any, values: tuple) -> Any:
    """A model instance from its columns in field order (SQLite gives booleans as 0/1: made bool here)."""
    from django.db import connection

    values = tuple(bool(v) if v is not None and f.get_internal_type() == "BooleanField" else v
                   for f, v in zip(model._meta.concrete_fields, values, strict=True))
    return model.from_db(connection.alias, None, values)


def find_county(value: County | str | None) -> County | None:
    """A County from a County, a 5-digit FIPS code or a name (any case, with or without 'County')."""
    if value is None or isinstance(value, County):
        return value
    text = str(value).strip()
    if not text:
        return None
    if re.fullmatch(r"\d{5}", text):
        return _county_by_fips(text)
    wanted = normalize_county_name(text)
    for refresh in (False, True):
        fips = _fips_by_name(refresh).get(wanted)
        found = _county_by_fips(fips) if fips is not None else None
        if found is not None and normalize_county_name(found.name) == wanted:
            return found
    return None


# --- routing -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Routing:
    """The decision for one report: which center's queue, which county, and why.

    `flagged` means no clue placed the report in a known county, so it went to the primary center
    and a person must check where it belongs.
    """

    center: Center
    county: County | None
    flagged: bool
    reason: str


def primary_center() -> Center:
    center = Center.objects.filter(is_primary=True).order_by("code").first() or Center.objects.order_by("code").first()
    if center is None:
        raise RuntimeError("No fusion center is defined: load the reference data (fusioncenter load-reference-data).")
    return center


def _normalize_zip(zip_code: Any) -> str:
    text = str(zip_code).strip()
    match = re.fullmatch(r"(\d{5})(?:-?\d{4})?", text)
    return match.group(1) if match else text


def route(
    county: County | str | None = None,
    zip_code: str | None = None,
    latitude: Any = None,
    longitude: Any = None,
) -> Routing:
    """Decide the center for a report from whatever place clues it carries.

    Preference: the county (named by the reporter), then the map point, then the ZIP code. When
    clues disagree the more precise one wins and the reason says so. With no usable clue the
    report goes to the primary center, flagged, with the reason.
    """
    notes: list[str] = []
    given_county = county not in (None, "")
    chosen = find_county(county) if given_county else None
    if given_county and chosen is None:
        notes.append(f"county {str(county).strip()[:80]!r} is not a known county")

    point_county: County | None = None
    if latitude not in (None, "") or longitude not in (None, ""):
        point = _valid_point(latitude, longitude)
        if point is None:
            notes.append("the map point is not a valid latitude/longitude")
        else:
            point_county = county_for_point(*point)
            if point_county is None:
                notes.append(f"the map point ({point[0]:.4f}, {point[1]:.4f}) is outside the state's counties")

    zip_county: County | None = None
    if zip_code not in (None, ""):
        code = _normalize_zip(zip_code)
        row = ZipCode.objects.select_related("county__center", "county__region").filter(code=code).first()
        if row is None:
            notes.append(f"ZIP code {code[:20]!r} is not a known ZIP code of the state")
        else:
            zip_county = row.county

    if chosen is not None:
        reason, preferred = f"{chosen} named in the report", "the named county"
    elif point_county is not None:
        chosen, reason, preferred = point_county, f"the map point falls in {point_county}", "the map point"
    elif zip_county is not None:
        chosen, reason, preferred = zip_county, f"ZIP code {_normalize_zip(zip_code)} is in {zip_county}", ""
    else:
        center = primary_center()
        why = "; ".join(notes) if notes else "no county, map point or ZIP code was given"
        return Routing(
            center=center,
            county=None,
            flagged=True,
            reason=f"Sent to the primary center {center.code} for review: {why}.",
        )

    disagree = []
    if point_county is not None and point_county.pk != chosen.pk:
        disagree.append(f"the map point falls in {point_county}")
    if zip_county is not None and zip_county.pk != chosen.pk:
        code = _normalize_zip(zip_code)
        disagree.append(f"ZIP code {code} is in {zip_county} (ZIP codes cross county lines)")
    if disagree:
        notes.append(f"{' and '.join(disagree)}; {preferred} was preferred")
    text = f"Routed to {chosen.center.code}: {reason}."
    return Routing(
        center=chosen.center,
        county=chosen,
        flagged=False,
        reason=text + (f" Note: {'; '.join(notes)}." if notes else ""),
    )


# --- the county map ------------------------------------------------------------------------------------

MAP_WIDTH = 600.0
MAX_CATEGORIES = 6
NO_VALUE = "none"


def rings(geometry: dict):
    """Every ring (outer boundaries and holes) of a GeoJSON Polygon or MultiPolygon."""
    polygons = geometry["coordinates"] if geometry["type"] == "MultiPolygon" else [geometry["coordinates"]]
    for polygon in polygons:
        yield from polygon


MAP_MARGIN = 4.0


@lru_cache(maxsize=1)
def _frame() -> tuple[float, float, float, float, float]:
    """(kx, min_x, max_y, scale, height) of the county map's projection, computed once.

    Equirectangular projection with longitude scaled by the cosine of the state's middle latitude
    (about 44.8° for Wisconsin), so shapes are not stretched east-west; y grows southwards as SVG
    expects. The middle latitude comes from the data, so another state's map needs no change.
    """
    features = _features()
    points = [p for f in features for ring in rings(f["geometry"]) for p in ring]
    lats = [p[1] for p in points]
    kx = math.cos(math.radians((min(lats) + max(lats)) / 2))
    xs = [p[0] * kx for p in points]
    min_x, max_x, min_y, max_y = min(xs), max(xs), min(lats), max(lats)
    scale = (MAP_WIDTH - 2 * MAP_MARGIN) / (max_x - min_x)
    height = round((max_y - min_y) * scale + 2 * MAP_MARGIN, 1)
    return kx, min_x, max_y, scale, height


def _xy(latitude: float, longitude: float) -> tuple[float, float]:
    kx, min_x, max_y, scale, _ = _frame()
    return (longitude * kx - min_x) * scale + MAP_MARGIN, (max_y - latitude) * scale + MAP_MARGIN


def map_point(latitude: Any, longitude: Any) -> tuple[float, float] | None:
    """Where a point falls on the county map (`county_map_svg`'s coordinates), or None when it is
    not a valid point or lies outside the map's frame (another state). Lets other pages draw records
    as points on the same map without repeating its projection."""
    point = _valid_point(latitude, longitude)
    if point is None:
        return None
    x, y = _xy(*point)
    if not (0 <= x <= MAP_WIDTH and 0 <= y <= _frame()[4]):
        return None
    return x, y


@lru_cache(maxsize=1)
def _projected() -> tuple[tuple[tuple[str, str, str], ...], float, float]:
    """((fips, name, path d), width, height) for every county, projected once (see `_frame`)."""
    out = []
    for f in _features():
        parts = []
        for ring in rings(f["geometry"]):
            points = [f"{x:.1f} {y:.1f}" for x, y in (_xy(lat, lon) for lon, lat in ring)]
            parts.append("M" + " ".join(points) + "Z")
        out.append((f["properties"]["fips"], f["properties"]["name"], "".join(parts)))
    return tuple(out), MAP_WIDTH, _frame()[4]


def category_class(category: str | None) -> str:
    """CSS class of a category: `map-cat-` + its slug ("WSIC" → map-cat-wsic, "3" → map-cat-3);
    `map-cat-none` for a county with no value, `map-cat-other` when the category has no slug."""
    if category is None:
        return f"map-cat-{NO_VALUE}"
    return f"map-cat-{slugify(category) or 'other'}"


def county_map_svg(
    values: dict[str, str],
    title: str,
    legend: dict[str, str] | None = None,
    link_template: str | None = None,
) -> str:
    """An accessible inline SVG map of the counties, coloured by category, with an HTML legend.

    `values` maps county FIPS to a category; `legend` maps categories to labels and fixes their
    order (categories missing from it follow, sorted). Each county path gets the class
    `category_class(category)` (map-cat-wsic, map-cat-stac, map-cat-0 … map-cat-5, map-cat-none)
    and a `<title>` ("Dane County: WSIC"), so the text, not the colour, carries the information.
    `link_template` (e.g. "/sar/?county={fips}") makes each county a link. Every text is escaped:
    the result may be inserted with `|safe`. More than six categories is an error: bucket first
    (`count_categories`).
    """
    legend = {str(k): str(v) for k, v in (legend or {}).items()}
    values = {str(k): str(v) for k, v in values.items() if v is not None}
    categories = list(legend) + sorted(set(values.values()) - set(legend))
    if len(categories) > MAX_CATEGORIES:
        raise ValueError(f"a county map shows at most {MAX_CATEGORIES} categories, got {len(categories)}")
    labels = {cat: legend.get(cat, cat) for cat in categories}
    paths, width, height = _projected()

    ident = (
        "cmap-"
        + hashlib.sha256(
            json.dumps([title, sorted(values.items()), list(legend.items()), link_template]).encode()
        ).hexdigest()[:10]
    )
    counts = dict.fromkeys(categories, 0)
    missing = 0
    body = []
    for fips, name, d in paths:
        category = values.get(fips)
        if category is None:
            missing += 1
        else:
            counts[category] += 1
        text = escape(f"{name} County: {labels[category] if category is not None else 'no data'}")
        path = (
            f'<path class="map-county {category_class(category)}" data-fips="{escape(fips)}" d="{d}">'
            f"<title>{text}</title></path>"
        )
        if link_template:
            href = escape(link_template.format(fips=fips, name=name))
            path = f'<a href="{href}" aria-label="{text}">{path}</a>'
        body.append(path)

    rows = [(category_class(c), labels[c], counts[c]) for c in categories]
    if missing:
        rows.append((category_class(None), "No data", missing))
    summary = ", ".join(f"{label}: {n}" for _, label, n in rows)
    role = "group" if link_template else "img"  # role=img would hide the links from assistive technology
    svg = (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="county-map-svg" viewBox="0 0 {width:g} {height:g}" '
        f'role="{role}" aria-labelledby="{ident}-title {ident}-desc" focusable="false">'
        f'<title id="{ident}-title">{escape(title)}</title>'
        f'<desc id="{ident}-desc">{escape(f"Map of {len(paths)} counties. {summary}.")}</desc>'
        f'<g class="map-counties" fill-rule="evenodd">{"".join(body)}</g></svg>'
    )
    items = "".join(
        f'<li><span class="swatch {cls}" aria-hidden="true"></span>{escape(label)} '
        f'<span class="map-legend-count">({n} {"county" if n == 1 else "counties"})</span></li>'
        for cls, label, n in rows
    )
    legend_html = f'<ul class="map-legend" aria-label="{escape("Legend: " + title)}">{items}</ul>'
    return f'<figure class="county-map-figure">{svg}<figcaption>{legend_html}</figcaption></figure>'


def count_categories(
    counts: dict[str, int], breaks: tuple[int, ...] = (1, 3, 6, 11)
) -> tuple[dict[str, str], dict[str, str]]:
    """Bucket per-county counts for `county_map_svg`: returns (values, legend), low to high.

    Categories are "0" (none) then "1", "2", … one per break, so the map's classes are map-cat-0 …
    map-cat-5. With the default breaks the buckets are 0, 1–2, 3–5, 6–10 and 11 or more.
    """
    if not breaks or len(breaks) + 1 > MAX_CATEGORIES or list(breaks) != sorted(set(breaks)) or breaks[0] < 1:
        raise ValueError(f"breaks must be ascending positive integers, at most {MAX_CATEGORIES - 1} of them")
    bounds = [0, *breaks]
    legend: dict[str, str] = {}
    for i, low in enumerate(bounds):
        high = bounds[i + 1] - 1 if i + 1 < len(bounds) else None
        legend[str(i)] = f"{low} or more" if high is None else str(low) if low == high else f"{low}–{high}"
    # Every county gets a bucket: a county with no reports is a 0, not "no data".
    values = {}
    for feature in _features():
        fips = feature["properties"]["fips"]
        values[fips] = str(sum(1 for b in breaks if counts.get(fips, 0) >= b))
    return values, legend


def clear_caches() -> None:
    """Forget the loaded geometry and projected map (after swapping the reference files)."""
    _features.cache_clear()
    _index.cache_clear()
    _projected.cache_clear()
    _frame.cache_clear()
    _names["at"] = -1e18
