"""Fixtures of the clearinghouse tests: agencies, officers, the clearinghouse staff, and a case with a
distinctive marker in every sensitive field, so a leak into any public output is caught."""

from __future__ import annotations

import datetime as dt
import io

import pytest

MARKERS = {
    "investigative_notes": "MARKER-NOTES-Q1",
    "reporting_party_name": "MARKER-RPNAME-Q2",
    "reporting_party_phone": "MARKER-RPPHONE-Q3",
    "medical_details": "MARKER-MEDICAL-Q4",
    "ncic_number": "M987654321",
    "agency_case_number": "MARKER-OCA-Q5",
    "investigator_name": "MARKER-INVNAME-Q6",
    "investigator_phone": "MARKER-INVPHONE-Q7",
    "investigator_email": "marker-q8@example.test",
    "companions": [{"name": "MARKER-COMPANION-Q9", "relationship": "friend", "description": "MARKER-COMPDESC-Q10"}],
    "last_seen_latitude": 43.0731234,
    "last_seen_longitude": -89.4012345,
}
MARKER_STRINGS = [
    "MARKER-NOTES-Q1",
    "MARKER-RPNAME-Q2",
    "MARKER-RPPHONE-Q3",
    "MARKER-MEDICAL-Q4",
    "M987654321",
    "MARKER-OCA-Q5",
    "MARKER-INVNAME-Q6",
    "MARKER-INVPHONE-Q7",
    "marker-q8@example.test",
    "MARKER-COMPANION-Q9",
    "MARKER-COMPDESC-Q10",
    "43.0731234",
    "-89.4012345",
]


def assert_no_markers(text: str | bytes, where: str) -> None:
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    leaked = [m for m in MARKER_STRINGS if m.lower() in text.lower()]
    assert not leaked, f"{where} leaks {leaked}"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.FUSIONCENTER_BASE_URL = "https://mp.example.test"


@pytest.fixture
def agency(make_org):
    return make_org(name="Fictional City Police Department", county="Dane", phone="(608) 555-0111")


@pytest.fixture
def other_agency(make_org):
    return make_org(name="Fictional Other Sheriff's Office", county="Brown")


@pytest.fixture
def officer(make_user, agency):
    return make_user("partner_officer", agency)


@pytest.fixture
def other_officer(make_user, other_agency):
    return make_user("partner_officer", other_agency)


@pytest.fixture
def analyst(make_user, centers, make_org):
    org = make_org(
        name="Fictional WSIC", discipline="le_state", county="Dane", center=centers["WSIC"], is_fusion_center=True
    )
    return make_user("analyst", org, center=centers["WSIC"])


@pytest.fixture
def coordinator(make_user, make_org):
    org = make_org(name="Fictional DOJ DCI", discipline="le_state")
    return make_user("alert_coordinator", org, sworn=True)


def png_bytes(size=(40, 30), exif: bool = False) -> bytes:
    from PIL import Image

    img = Image.new("RGB", size, (30, 90, 200))
    out = io.BytesIO()
    if exif:
        info = Image.Exif()
        info[0x010E] = "MARKER-EXIF-DESC"
        info[0x8825] = {2: (43.0, 4.0, 0.0)}  # GPS latitude
        img.save(out, format="JPEG", exif=info.tobytes())
    else:
        img.save(out, format="PNG")
    return out.getvalue()


def case_fields(**over):
    from fusioncenter.core import clock

    fields = {
        "given_name": "Tess",
        "family_name": "Fictional",
        "sex": "female",
        "date_of_birth": dt.date(2011, 5, 4),
        "ncic_category": "EMI",
        "ncmec_category": "nonfamily_abduction",
        "ncic_child_abduction": True,
        "race": "White",
        "height_in": 60,
        "weight_lb": 95,
        "hair_color": "red",
        "eye_color": "blue",
        "complexion": "fair",
        "scars_marks_tattoos": "scar above right eyebrow",
        "clothing": "yellow raincoat",
        "last_seen_at": clock.now() - dt.timedelta(hours=3),
        "last_seen_place": "Fictional Park, 1 Example Way",
        "last_seen_city": "Madison",
        "last_seen_zip": "53703",
        "circumstances": "Seen getting into a green van with an unknown man.",
        "vehicles": [
            {"year": "2005", "color": "green", "make": "Ford", "model": "Econoline", "plate": "ABC123", "state": "WI"}
        ],
        "public_contact": "(608) 555-0199",
        **MARKERS,
    }
    fields.update(over)
    return fields


@pytest.fixture
def make_case(officer):
    from fusioncenter.clearinghouse import services

    def make(actor=None, **over):
        return services.open_case(actor or officer, case_fields(**over))

    return make


@pytest.fixture
def released_case(make_case, officer):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from fusioncenter.clearinghouse import services
    from fusioncenter.core import clock

    case = make_case()
    services.add_photo(
        officer,
        case,
        SimpleUploadedFile("p.jpg", png_bytes(exif=True)),
        taken_on=clock.today() - dt.timedelta(days=30),
        description="School photo",
    )
    services.release(officer, case)
    case.refresh_from_db()
    return case
