"""The shipped reference data: what it holds, how it loads, and that the generator reproduces it."""

from __future__ import annotations

import csv
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from fusioncenter.core.models import AuditEntry, Center, County, Organization, Region, ZipCode
from fusioncenter.core.reference import DEFAULT_DATA_DIR, ReferenceDataError, load_reference_data

REPO = Path(__file__).resolve().parents[2]
SCRIPT = REPO / "scripts" / "generate_reference_data.py"
SHARED = REPO.parent / "shared" / "data"

STAC_COUNTIES = {
    "Milwaukee",
    "Racine",
    "Washington",
    "Waukesha",
    "Ozaukee",
    "Kenosha",
    "Walworth",
    "Jefferson",
}
REGION_SIZES = {
    "Northwest": 11,
    "Northeast": 13,
    "West Central": 13,
    "East Central": 14,
    "Southwest": 13,
    "Southeast": 8,
}


def _zip_rows() -> int:
    with (DEFAULT_DATA_DIR / "zipcodes.csv").open(newline="") as fh:
        return sum(1 for _ in csv.DictReader(fh))


# --- what the data holds ---------------------------------------------------------------------------------


def test_counties_centers_and_regions(wisconsin):
    assert County.objects.count() == 72
    assert set(County.objects.filter(center__code="STAC").values_list("name", flat=True)) == STAC_COUNTIES
    assert County.objects.filter(center__code="WSIC").count() == 64
    assert {r.name: r.counties.count() for r in Region.objects.all()} == REGION_SIZES
    assert (
        set(County.objects.filter(region__name="Southeast").values_list("name", flat=True)) == STAC_COUNTIES
    )
    dane = County.objects.get(name="Dane")
    assert (dane.fips, dane.same_code) == ("55025", "055025")


def test_centers(wisconsin):
    wsic, stac = Center.objects.get(code="WSIC"), Center.objects.get(code="STAC")
    assert wsic.name == "Wisconsin Statewide Intelligence Center" and wsic.is_primary
    assert "1-877-949-2824" in wsic.tip_phone and "WiWATCH" in wsic.tip_phone
    assert stac.name == "Southeastern Wisconsin Threat Analysis Center" and not stac.is_primary
    assert list(Center.objects.filter(is_primary=True)) == [wsic]


def test_each_center_is_also_a_partner_organization(wisconsin):
    orgs = {o.center.code: o for o in Organization.objects.filter(is_fusion_center=True)}
    assert set(orgs) == {"WSIC", "STAC"}
    assert (orgs["WSIC"].discipline, orgs["WSIC"].county.name, orgs["WSIC"].acronym) == (
        "le_state",
        "Dane",
        "WSIC",
    )
    assert (orgs["STAC"].discipline, orgs["STAC"].county.name) == ("le_local", "Milwaukee")
    assert orgs["STAC"].name == "Southeastern Wisconsin Threat Analysis Center"


def test_zip_codes(wisconsin):
    assert ZipCode.objects.count() == _zip_rows() > 850
    watertown_east, watertown_west = ZipCode.objects.get(code="53094"), ZipCode.objects.get(code="53098")
    assert (watertown_east.county.name, watertown_east.county.center.code) == ("Jefferson", "STAC")
    assert (watertown_west.county.name, watertown_west.county.center.code) == ("Dodge", "WSIC")
    assert watertown_east.latitude == pytest.approx(43.19, abs=0.2)
    assert ZipCode.objects.filter(latitude__isnull=True).count() == 0


# --- loading ------------------------------------------------------------------------------------------


def test_first_load_reports_and_audits_what_it_created(db):
    counts = load_reference_data()
    assert counts["counties"] == 72 and counts["centers"] == 2 and counts["regions"] == 6
    assert counts["created"] == 2 + 6 + 72 + _zip_rows() + 2 and counts["updated"] == 0
    entry = AuditEntry.objects.get(action="reference.load")
    assert entry.actor == "system"
    assert entry.detail["created"]["counties"] == 72 and entry.detail["force"] is False


def test_reload_changes_nothing(wisconsin):
    before = AuditEntry.objects.count()
    snapshot = list(County.objects.values_list("fips", "name", "center_id", "region_id", "same_code"))
    counts = load_reference_data()
    assert (counts["created"], counts["updated"]) == (0, 0)
    assert counts["counties"] == 72
    assert list(County.objects.values_list("fips", "name", "center_id", "region_id", "same_code")) == snapshot
    assert Organization.objects.filter(is_fusion_center=True).count() == 2
    assert AuditEntry.objects.count() == before  # nothing changed, nothing to audit


def test_administrators_region_change_survives_reload(wisconsin, client, signed_in):
    from fusioncenter.core.models import User

    admin_user = User.objects.create_superuser(
        "refadmin", "refadmin@example.test", "correct horse battery 99"
    )
    signed_in(client, admin_user)
    adams = County.objects.get(name="Adams")
    northeast = Region.objects.get(name="Northeast")
    response = client.post(
        f"/admin/core/county/{adams.pk}/change/",
        {
            "fips": adams.fips,
            "name": adams.name,
            "same_code": adams.same_code,
            "center": adams.center_id,
            "region": northeast.pk,
        },
    )
    assert response.status_code == 302 and response["Location"] == "/admin/core/county/"
    assert County.objects.get(name="Adams").region == northeast

    counts = load_reference_data()
    assert County.objects.get(name="Adams").region == northeast
    assert counts["updated"] == 0

    counts = load_reference_data(force=True)
    assert County.objects.get(name="Adams").region.name == "Southwest"
    assert counts["updated"] == 1


def test_center_reassignment_survives_reload_and_force_restores_it(wisconsin):
    jefferson = County.objects.get(name="Jefferson")
    jefferson.center = Center.objects.get(code="WSIC")
    jefferson.save()
    load_reference_data()
    assert County.objects.get(name="Jefferson").center.code == "WSIC"
    load_reference_data(force=True)
    assert County.objects.get(name="Jefferson").center.code == "STAC"


def test_reload_fills_missing_fields(wisconsin):
    Center.objects.filter(code="WSIC").update(tip_phone="")
    County.objects.filter(name="Dane").update(region=None)
    ZipCode.objects.filter(code="53703").update(latitude=None, longitude=None)
    counts = load_reference_data()
    assert counts["updated"] == 3
    assert "WiWATCH" in Center.objects.get(code="WSIC").tip_phone
    assert County.objects.get(name="Dane").region.name == "Southwest"
    assert ZipCode.objects.get(code="53703").latitude is not None


def test_reload_restores_a_primary_center(wisconsin):
    Center.objects.update(is_primary=False)
    load_reference_data()
    assert list(Center.objects.filter(is_primary=True).values_list("code", flat=True)) == ["WSIC"]


def _copy_data(tmp_path: Path) -> Path:
    folder = tmp_path / "data"
    shutil.copytree(DEFAULT_DATA_DIR, folder)
    return folder


def test_a_bad_file_loads_nothing(db, tmp_path):
    folder = _copy_data(tmp_path)
    lines = (folder / "counties.csv").read_text().splitlines()
    lines[5] = lines[5].replace("WSIC", "NOPE")
    (folder / "counties.csv").write_text("\n".join(lines) + "\n")
    with pytest.raises(ReferenceDataError, match=r"counties.csv:6: center 'NOPE'"):
        load_reference_data(folder)
    assert not Center.objects.exists() and not County.objects.exists() and not AuditEntry.objects.exists()


@pytest.mark.parametrize(
    ("name", "old", "new", "message"),
    [
        ("zipcodes.csv", ",55117,", ",99999,", "county '99999' is not in counties.csv"),
        ("zipcodes.csv", "43.6151", "north", "'north' is not a number"),
        (
            "centers.csv",
            "WSIC,Wisconsin Statewide Intelligence Center,1",
            "WSIC,Wisconsin Statewide Intelligence Center,0",
            "exactly one center must be primary",
        ),
        ("regions.csv", "Southwest\n", "", "region 'Southwest' is not in regions.csv"),
    ],
)
def test_bad_files_are_named_precisely(db, tmp_path, name, old, new, message):
    folder = _copy_data(tmp_path)
    text = (folder / name).read_text()
    assert old in text
    (folder / name).write_text(text.replace(old, new, 1))
    with pytest.raises(ReferenceDataError, match=message):
        load_reference_data(folder)
    assert not County.objects.exists()


def test_a_missing_file_is_named(db, tmp_path):
    folder = _copy_data(tmp_path)
    (folder / "counties.geojson").unlink()
    with pytest.raises(ReferenceDataError, match="counties.geojson: file not found"):
        load_reference_data(folder)


# --- the generator ------------------------------------------------------------------------------------


def _generate(out: Path, *extra: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(SCRIPT), "--shared", str(SHARED), "--out", str(out), *extra],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_generator_is_deterministic_and_matches_the_committed_files(tmp_path):
    pytest.importorskip(
        "zipcodes", reason="the generator needs the `zipcodes` package (pip install -e '.[tools]')"
    )
    assert SHARED.is_dir(), f"shared data not found at {SHARED}"
    first, second = tmp_path / "a", tmp_path / "b"
    for out in (first, second):
        result = _generate(out)
        assert result.returncode == 0, result.stderr
        assert "72 counties" in result.stdout
    names = sorted(p.name for p in first.iterdir())
    assert names == sorted(p.name for p in DEFAULT_DATA_DIR.iterdir())
    assert set(names) >= {"centers.csv", "regions.csv", "counties.csv", "zipcodes.csv", "counties.geojson"}
    for name in names:
        assert (first / name).read_bytes() == (second / name).read_bytes(), f"{name} differs between runs"
        assert (first / name).read_bytes() == (DEFAULT_DATA_DIR / name).read_bytes(), (
            f"{name} differs from the committed file: rerun scripts/generate_reference_data.py"
        )
    rerun = _generate(first)
    assert "changed: nothing" in rerun.stdout


def test_generator_reports_a_missing_source(tmp_path):
    result = _generate(tmp_path / "out", "--shared", str(tmp_path / "nowhere"))
    assert result.returncode == 2
    assert "wi_counties.csv: not found" in result.stderr
    assert not (tmp_path / "out").exists()
