#!/usr/bin/env python3
"""Generate the project's Wisconsin reference data files from the shared sources.

Why a script: the shipped files under src/fusioncenter/core/data/ are the project's own data (loaded
by `fusioncenter load-reference-data`), but they are derived from public sources that change (county
boundaries, ZIP code lists). Regenerating them must be a command, not hand edits, and must give
byte-identical files when nothing upstream changed, so a diff shows real changes only.

Inputs:
  <shared>/wi_counties.csv       fips, name, same_code, center, wem_region (72 rows)
  <shared>/wi_counties.geojson   county boundaries, properties fips and name
  the `zipcodes` package         Wisconsin ZIP codes with county name and coordinates

Outputs (in --out, default src/fusioncenter/core/data/):
  centers.csv, regions.csv, counties.csv, zipcodes.csv, counties.geojson, manifest.json

Run:  .venv/bin/python scripts/generate_reference_data.py [--shared DIR] [--out DIR]
Another state: see docs/reference-data.md.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import io
import json
import re
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DEFAULT_SHARED = REPO.parent / "shared" / "data"
DEFAULT_OUT = REPO / "src" / "fusioncenter" / "core" / "data"
STATE = "WI"
STATE_FIPS = "55"
COORD_DIGITS = 5

# The centers are policy, not derived data: which center is statewide (takes unknown and
# out-of-state reports), its public tip line, and the partner organization that stands for the
# center itself (discipline, home county by FIPS). STAC is run by the Milwaukee Police Department.
CENTERS = [
    {
        "code": "STAC",
        "name": "Southeastern Wisconsin Threat Analysis Center",
        "is_primary": "0",
        "tip_phone": "",
        "email": "",
        "org_discipline": "le_local",
        "org_county_fips": "55079",  # Milwaukee
    },
    {
        "code": "WSIC",
        "name": "Wisconsin Statewide Intelligence Center",
        "is_primary": "1",
        "tip_phone": "1-877-949-2824 (WiWATCH)",
        "email": "",
        "org_discipline": "le_state",
        "org_county_fips": "55025",  # Dane
    },
]
CENTER_FIELDS = ["code", "name", "is_primary", "tip_phone", "email", "org_discipline", "org_county_fips"]


class SourceError(Exception):
    """A source file is missing or does not hold what the project expects."""


def normalize_county_name(name: str) -> str:
    """Comparable form of a county name: 'St. Croix County' and 'saint croix' give 'st croix'."""
    text = re.sub(r"[.\s]+", " ", name.strip().lower()).strip()
    text = re.sub(r"\s+county$", "", text)
    text = re.sub(r"^saint\s", "st ", text)
    return text


def _csv_text(fields: list[str], rows: list[dict]) -> str:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=fields, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buf.getvalue()


def read_counties(shared: Path) -> list[dict]:
    path = shared / "wi_counties.csv"
    if not path.is_file():
        raise SourceError(f"{path}: not found (pass --shared DIR)")
    with path.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    needed = {"fips", "name", "same_code", "center", "wem_region"}
    if not rows or not needed <= set(rows[0]):
        raise SourceError(f"{path}: expected columns {sorted(needed)}")
    centers = {c["code"] for c in CENTERS}
    out = []
    for line, row in enumerate(rows, start=2):
        fips = row["fips"].strip()
        if not re.fullmatch(STATE_FIPS + r"\d{3}", fips):
            raise SourceError(f"{path}:{line}: bad FIPS {fips!r}")
        if row["center"].strip() not in centers:
            raise SourceError(f"{path}:{line}: unknown center {row['center']!r}")
        out.append(
            {
                "fips": fips,
                "name": row["name"].strip(),
                "same_code": row["same_code"].strip(),
                "center": row["center"].strip(),
                "region": row["wem_region"].strip(),
            }
        )
    out.sort(key=lambda r: r["fips"])
    if len({r["fips"] for r in out}) != len(out):
        raise SourceError(f"{path}: duplicate FIPS codes")
    return out


def _round_coords(coords):
    if isinstance(coords[0], (int, float)):
        return [round(float(c), COORD_DIGITS) for c in coords]
    return [_round_coords(c) for c in coords]


def read_geojson(shared: Path, counties: list[dict]) -> dict:
    path = shared / "wi_counties.geojson"
    if not path.is_file():
        raise SourceError(f"{path}: not found (pass --shared DIR)")
    data = json.loads(path.read_text(encoding="utf-8"))
    names = {c["fips"]: c["name"] for c in counties}
    features = []
    for feature in data.get("features", []):
        fips = str(feature.get("properties", {}).get("fips", ""))
        geometry = feature.get("geometry") or {}
        if fips not in names:
            raise SourceError(f"{path}: feature with FIPS {fips!r} is not in wi_counties.csv")
        if geometry.get("type") not in ("Polygon", "MultiPolygon"):
            raise SourceError(f"{path}: county {fips} has geometry {geometry.get('type')!r}")
        features.append(
            {
                "type": "Feature",
                "properties": {"fips": fips, "name": names[fips]},
                "geometry": {"type": geometry["type"], "coordinates": _round_coords(geometry["coordinates"])},
            }
        )
    features.sort(key=lambda f: f["properties"]["fips"])
    missing = sorted(set(names) - {f["properties"]["fips"] for f in features})
    if missing or len(features) != len(names):
        raise SourceError(f"{path}: boundaries missing or duplicated for {missing or 'some counties'}")
    return {"type": "FeatureCollection", "features": features}


def read_zipcodes(counties: list[dict], report) -> list[dict]:
    try:
        import zipcodes
    except ImportError as exc:  # a tools-only dependency
        raise SourceError("the `zipcodes` package is not installed (pip install -e '.[tools]')") from exc
    by_name = {normalize_county_name(c["name"]): c["fips"] for c in counties}
    rows, skipped = [], []
    for z in zipcodes.filter_by(state=STATE):
        fips = by_name.get(normalize_county_name(z.get("county") or ""))
        try:
            lat, lon = round(float(z["lat"]), COORD_DIGITS), round(float(z["long"]), COORD_DIGITS)
        except (TypeError, ValueError, KeyError):
            lat = lon = None
        if fips is None:
            skipped.append(f"{z['zip_code']} ({z.get('county') or 'no county'})")
            continue
        rows.append(
            {
                "zip": z["zip_code"],
                "city": z["city"].strip(),
                "county_fips": fips,
                "lat": "" if lat is None else f"{lat:.{COORD_DIGITS}f}".rstrip("0").rstrip("."),
                "lon": "" if lon is None else f"{lon:.{COORD_DIGITS}f}".rstrip("0").rstrip("."),
            }
        )
    rows.sort(key=lambda r: r["zip"])
    if skipped:
        report(
            f"skipped {len(skipped)} ZIP code(s) whose county maps to no FIPS code: {', '.join(skipped)}"
        )
    return rows


def build(shared: Path, report=print) -> dict[str, str]:
    """Return {file name: exact file text}. Pure apart from reading the sources."""
    counties = read_counties(shared)
    geo = read_geojson(shared, counties)
    zips = read_zipcodes(counties, report)
    regions = sorted({c["region"] for c in counties if c["region"]})
    files = {
        "centers.csv": _csv_text(CENTER_FIELDS, sorted(CENTERS, key=lambda c: c["code"])),
        "regions.csv": _csv_text(["name"], [{"name": r} for r in regions]),
        "counties.csv": _csv_text(["fips", "name", "same_code", "center", "region"], counties),
        "zipcodes.csv": _csv_text(["zip", "city", "county_fips", "lat", "lon"], zips),
        # One feature per line: small diffs when one county's boundary changes.
        "counties.geojson": '{"type":"FeatureCollection","features":[\n'
        + ",\n".join(json.dumps(f, sort_keys=True, separators=(",", ":")) for f in geo["features"])
        + "\n]}\n",
    }
    try:
        import zipcodes

        zip_version = getattr(zipcodes, "__version__", "unknown")
    except ImportError:  # pragma: no cover - read_zipcodes raised already
        zip_version = "unknown"
    manifest = {
        "state": STATE,
        "sources": {
            "wi_counties.csv": hashlib.sha256((shared / "wi_counties.csv").read_bytes()).hexdigest(),
            "wi_counties.geojson": hashlib.sha256((shared / "wi_counties.geojson").read_bytes()).hexdigest(),
            "zipcodes package": zip_version,
        },
        "files": {name: hashlib.sha256(text.encode()).hexdigest() for name, text in sorted(files.items())},
        "counts": {
            "centers": len(CENTERS),
            "regions": len(regions),
            "counties": len(counties),
            "zip codes": len(zips),
        },
    }
    files["manifest.json"] = json.dumps(manifest, indent=2, sort_keys=True) + "\n"
    return files


def write(files: dict[str, str], out: Path) -> list[str]:
    """Write the files; return the names whose content changed."""
    out.mkdir(parents=True, exist_ok=True)
    changed = []
    for name, text in sorted(files.items()):
        path = out / name
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8", newline="\n")
            changed.append(name)
    return changed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--shared", type=Path, default=DEFAULT_SHARED, help=f"source folder (default {DEFAULT_SHARED})"
    )
    parser.add_argument(
        "--out", type=Path, default=DEFAULT_OUT, help=f"output folder (default {DEFAULT_OUT})"
    )
    args = parser.parse_args(argv)
    try:
        files = build(args.shared, report=lambda msg: print(f"note: {msg}", file=sys.stderr))
    except SourceError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    changed = write(files, args.out)
    counts = json.loads(files["manifest.json"])["counts"]
    print(", ".join(f"{v} {k}" for k, v in counts.items()) + f" -> {args.out}")
    print("changed: " + (", ".join(changed) if changed else "nothing"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
