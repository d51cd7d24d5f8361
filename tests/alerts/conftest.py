"""Fixtures of the alert tests: officers and coordinators, a signing key, request fields with a
distinctive marker in every sensitive field (so a leak into any public output is caught)."""

from __future__ import annotations

import datetime as dt
import io

import pytest

SENSITIVE_MARKERS = {
    "requester_phone": "MARKER-PHONE-7Q3Z",
    "case_number": "MARKER-CASE-8W2X",
    "ncic_number": "MARKER-NCIC-4K9V",
    "investigative_notes": "MARKER-NOTES-5J6T",
    "medical_details": "MARKER-MEDICAL-2H7R",
}


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.FUSIONCENTER_BASE_URL = "https://alerts.example.test"


@pytest.fixture
def officer(make_user, make_org):
    from fusioncenter.core.roles import Role

    return make_user(Role.PARTNER_OFFICER, make_org(name="Fictional County Sheriff's Office", county="Dane"))


@pytest.fixture
def coordinator(make_user, make_org):
    from fusioncenter.core.roles import Discipline, Role

    org = make_org(name="Fictional DOJ Division of Criminal Investigation", discipline=Discipline.LE_STATE)
    return make_user(Role.ALERT_COORDINATOR, org, sworn=True)


@pytest.fixture
def program():
    from fusioncenter.alerts.models import AlertProgram

    def get(code: str = "AMBER") -> AlertProgram:
        return AlertProgram.objects.get(code=code)

    return get


def png_bytes(size=(40, 30), color=(200, 30, 30), exif: bool = False) -> bytes:
    from PIL import Image

    img = Image.new("RGB", size, color)
    out = io.BytesIO()
    if exif:
        info = Image.Exif()
        info[0x010E] = "MARKER-EXIF-DESCRIPTION"  # ImageDescription
        img.save(out, format="JPEG", exif=info.tobytes())
    else:
        img.save(out, format="PNG")
    return out.getvalue()


@pytest.fixture
def upload():
    from django.core.files.uploadedfile import SimpleUploadedFile

    def make(name="photo.png", data=None, content_type="image/png"):
        return SimpleUploadedFile(name, data if data is not None else png_bytes(), content_type=content_type)

    return make


@pytest.fixture
def amber_fields(wisconsin):
    """An AMBER request that meets every criterion, with a marker in each sensitive field."""
    from fusioncenter.core import clock
    from fusioncenter.core.models import County

    def make(**overrides):
        now = clock.now()
        fields = {
            "subject_name": "Jordan Fictional", "subject_age": 7, "subject_sex": "Female",
            "subject_description": "4 ft 2 in, 60 lb, brown hair, brown eyes",
            "clothing": "Green jacket, blue jeans",
            "suspect_name": "Pat Example", "suspect_description": "Adult male, 6 ft, beard",
            "vehicle_description": "2015 silver sedan", "vehicle_plate": "ABC1234",
            "last_seen_place": "Madison, near the library", "last_seen_at": now - dt.timedelta(hours=2),
            "disappeared_at": now - dt.timedelta(hours=2), "last_seen_county": County.objects.get(name="Dane"),
            "direction": "East on I-94", "circumstances": "Taken from a park by an unknown man.",
            "public_contact": "911", "abduction_believed": True, "danger_of_harm": True,
            "runaway_or_family_abduction": False, "ncic_entered": True,
            **SENSITIVE_MARKERS,
        }
        fields.update(overrides)
        return fields

    return make


@pytest.fixture
def submit(officer, program, amber_fields, wisconsin):
    """submit(code="AMBER", counties=("Dane",), **overrides) -> AlertRequest from the officer."""
    from fusioncenter.alerts import services
    from fusioncenter.core.models import County

    def make(code="AMBER", counties=("Dane", "Rock"), actor=None, photo=None, **overrides):
        return services.submit_request(
            actor or officer, program(code), amber_fields(**overrides),
            area_counties=County.objects.filter(name__in=counties), photo_upload=photo,
        )

    return make


@pytest.fixture
def issued(submit, coordinator, upload):
    """An issued AMBER Alert with a photo."""
    from fusioncenter.alerts import services

    def make(**overrides):
        req = submit(photo=upload(), **overrides)
        return services.approve(coordinator, req)

    return make


@pytest.fixture
def signing(settings, tmp_path):
    """A throw-away RSA key and self-signed certificate, configured for CAP signing."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import NameOID

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Test CAP signer")])
    now = dt.datetime.now(dt.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=30)).sign(key, hashes.SHA256()))
    key_pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
    cert_pem = cert.public_bytes(serialization.Encoding.PEM)
    (tmp_path / "cap.key").write_bytes(key_pem)
    (tmp_path / "cap.crt").write_bytes(cert_pem)
    settings.FUSIONCENTER_CAP_SIGNING_KEY = str(tmp_path / "cap.key")
    settings.FUSIONCENTER_CAP_SIGNING_CERT = str(tmp_path / "cap.crt")
    return key_pem, cert_pem
