"""County boundaries as CAP polygons: the union of the alert's counties, simplified and closed.

The boundaries are the county GeoJSON the project ships with its reference data (core). CAP writes a
polygon as "lat,lon lat,lon ..." with the first pair repeated last, without holes; shapely merges
neighbouring counties into one outline and simplifies it so a statewide alert stays a few hundred
points instead of thousands.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

from shapely.geometry import MultiPolygon, Polygon, shape
from shapely.ops import unary_union

SIMPLIFY_DEGREES = 0.01  # about 1 km: well under the 1:10M source's own generalisation


def boundaries_path() -> Path:
    """The reference data's county boundaries (core ships them; a deployment may point elsewhere)."""
    from fusioncenter.core.reference import data_dir

    path = data_dir() / "counties.geojson"
    if not path.exists():
        raise FileNotFoundError(f"County boundaries not found at {path}.")
    return path


@lru_cache(maxsize=1)
def county_shapes() -> dict[str, Polygon | MultiPolygon]:
    """5-digit FIPS -> shapely geometry (lon, lat)."""
    data = json.loads(boundaries_path().read_text())
    return {f["properties"]["fips"]: shape(f["geometry"]).buffer(0) for f in data["features"]}


def state_shape() -> Polygon | MultiPolygon:
    return unary_union(list(county_shapes().values()))


def cap_polygons(fips_codes: list[str], tolerance: float = SIMPLIFY_DEGREES) -> list[str]:
    """CAP polygon strings covering the given counties (one per separate piece of their union)."""
    shapes = county_shapes()
    parts = [shapes[f] for f in fips_codes if f in shapes]
    if not parts:
        return []
    merged = unary_union(parts).simplify(tolerance, preserve_topology=True)
    polygons = list(merged.geoms) if isinstance(merged, MultiPolygon) else [merged]
    out = []
    for poly in polygons:
        if not isinstance(poly, Polygon) or poly.is_empty or poly.area < tolerance * tolerance:
            continue
        coords = list(poly.exterior.coords)
        if coords[0] != coords[-1]:
            coords.append(coords[0])
        if len(coords) < 4:
            continue
        out.append(" ".join(f"{lat:.4f},{lon:.4f}" for lon, lat in coords))
    return out


def parse_cap_polygon(text: str) -> Polygon:
    """A CAP polygon string back to a shapely polygon (lon, lat), for checks and tests."""
    points = []
    for pair in text.split():
        lat, lon = pair.split(",")
        points.append((float(lon), float(lat)))
    return Polygon(points)
