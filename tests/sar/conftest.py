"""SAR fixtures: a valid partner payload, a small PNG with GPS EXIF, staff of each center."""

from __future__ import annotations

import datetime as dt
import io

import pytest


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def staff(make_user, make_org, centers):
    """Analysts and supervisors of WSIC and STAC, and a sworn partner officer in Dane County."""
    from fusioncenter.core.roles import Role

    wsic_org = make_org("WSIC staff", discipline="le_state", county="Dane", center=centers["WSIC"],
                        is_fusion_center=True)
    stac_org = make_org("STAC staff", discipline="le_local", county="Milwaukee", center=centers["STAC"],
                        is_fusion_center=True)
    return {
        "wsic_analyst": make_user(Role.ANALYST, wsic_org),
        "wsic_supervisor": make_user(Role.SUPERVISOR, wsic_org, sworn=True),
        "stac_analyst": make_user(Role.ANALYST, stac_org),
        "stac_supervisor": make_user(Role.SUPERVISOR, stac_org, sworn=True),
        "officer": make_user(Role.PARTNER_OFFICER, make_org("Madison PD (test)", county="Dane")),
        "member": make_user(Role.PARTNER_MEMBER, make_org("Utility (test)", discipline="private_sector")),
        "privacy": make_user(Role.PRIVACY_OFFICER, wsic_org),
    }


@pytest.fixture
def jttf(make_org):
    """A federal law-enforcement agency of the partner directory: a recipient with right to know."""
    return make_org("FBI Milwaukee JTTF (test)", discipline="le_federal", county="Milwaukee")


@pytest.fixture
def payload():
    """A complete partner report (API shape) observed in Dane County."""
    def make(**over):
        data = {
            "summary": "Man photographing the substation fence and gate locks",
            "narrative": "At about 14:00 a man photographed the gate locks of the substation, measured the fence "
                         "and asked a worker when the guard shift changes. He left in a gray van, WI plate ABC-1234.",
            "observed_at": (dt.datetime.now(dt.UTC) - dt.timedelta(hours=3)).isoformat(),
            "location_address": "100 Example Rd",
            "location_place": "Example substation",
            "county": "Dane",
            "categories": ["PHOTO", "SURVL", "ELICIT"],
            "subjects": [{"name": "John Q Example", "sex": "male", "age_min": 30, "age_max": 40,
                          "identifiers": [{"kind": "phone", "value": "608-555-0142"}]}],
            "vehicles": [{"plate": "ABC1234", "plate_state": "WI", "make": "Ford", "model": "Transit",
                          "year": 2018, "color": "gray"}],
            "grading_scheme": "us4x4",
            "source_reliability": "usually_reliable",
            "content_validity": "probable",
        }
        data.update(over)
        return data
    return make


def png_with_gps() -> bytes:
    """A small PNG carrying EXIF with a GPS position, as a phone would write it."""
    from PIL import Image

    img = Image.new("RGB", (32, 24), (200, 40, 40))
    exif = Image.Exif()
    exif[0x010F] = "ExamplePhone"  # Make
    gps = {1: "N", 2: (43.0, 4.0, 30.0), 3: "W", 4: (89.0, 23.0, 0.0)}
    exif[0x8825] = gps
    out = io.BytesIO()
    img.save(out, format="PNG", exif=exif.tobytes())
    return out.getvalue()


def jpeg_with_gps() -> bytes:
    from PIL import Image

    img = Image.new("RGB", (32, 24), (20, 140, 40))
    exif = Image.Exif()
    exif[0x010F] = "ExamplePhone"
    exif[0x8825] = {1: "N", 2: (43.0, 4.0, 30.0), 3: "W", 4: (89.0, 23.0, 0.0)}
    out = io.BytesIO()
    img.save(out, format="JPEG", exif=exif.tobytes())
    return out.getvalue()


def as_service(data: dict) -> dict:
    """The API payload shape turned into what `services` takes (datetimes parsed)."""
    out = dict(data)
    for key in ("observed_at", "observed_end"):
        if isinstance(out.get(key), str):
            out[key] = dt.datetime.fromisoformat(out[key])
    return out


@pytest.fixture
def submit(staff, payload):
    """submit(**overrides) -> a Report submitted by the partner officer through the service."""
    from fusioncenter.sar import services

    def make(user=None, **over):
        return services.submit_partner(user or staff["officer"], as_service(payload(**over)))
    return make


@pytest.fixture
def vetting(staff, submit):
    """vetting(**overrides) -> a WSIC report that passed the supervisor's initial review."""
    from fusioncenter.sar import services

    def make(**over):
        report = submit(**over)
        sup = staff["stac_supervisor"] if report.center.code == "STAC" else staff["wsic_supervisor"]
        return services.transition(sup, report, "initial_review", "Complete; conduct described.",
                                   {"complete": True, "solely_protected_activity": False})
    return make


LAWFUL = {"lawfully_obtained": True,
          "source_of_information": "Seen by the utility's security officer, who reported it the same day."}
"""The 28 CFR 23.20(d) attestation a move to criminal intelligence needs."""

ISE_FIELDS = {
    "justification": "Photographing gate locks, measuring the fence and asking about guard shift changes at a "
                     "substation together indicate pre-operational surveillance of critical infrastructure.",
    "additional_facts": "He measured the fence with a tape, asked about the shift change, and left when approached.",
    "solely_protected_activity": False,
}
