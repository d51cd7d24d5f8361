"""The ISE-SAR exchange: valid against our NIEM extension schema, privacy split, every export recorded."""

import json
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from lxml import etree

from fusioncenter.core import access
from fusioncenter.core.models import AuditEntry
from fusioncenter.sar import export, services
from fusioncenter.sar.models import SarDissemination

from .conftest import ISE_FIELDS

NIEM = Path(__file__).resolve().parents[3] / "shared" / "standards" / "niem-5.2" / "xsd"
PRIVATE = ["John Q Example", "608-555-0142", "ABC1234", "ABC-1234", "1M8GDM9AXKP042788", "1980-02-03", "D123-4567",
           "Jay Ex", "tipster@example.com"]


@pytest.fixture(scope="module")
def schema():
    return export.load_schema(NIEM)


@pytest.fixture
def ise_sar(staff, vetting):
    report = vetting(
        narrative="A man (John Q Example, phone 608-555-0142) photographed the gate locks and measured the fence. "
                  "He left in a gray van, WI plate ABC-1234, VIN 1M8GDM9AXKP042788.",
        subjects=[{"name": "John Q Example", "aliases": ["Jay Ex"], "date_of_birth": "1980-02-03", "sex": "male",
                   "height_in": 70, "identifiers": [{"kind": "dl", "value": "D123-4567"},
                                                    {"kind": "phone", "value": "608-555-0142"}]}],
        vehicles=[{"plate": "ABC1234", "plate_state": "WI", "vin": "1M8GDM9AXKP042788", "make": "Ford",
                   "model": "Transit", "year": 2018, "color": "gray"}],
    )
    report.reporter_email = "tipster@example.com"
    report.anonymous = False
    report.save()
    return services.transition(staff["wsic_analyst"], report, "ise_sar", "Nexus articulated.", ISE_FIELDS)


def _export(staff, report, fmt, privacy):
    return services.export(staff["wsic_analyst"], report, fmt, privacy, recipient="J. Agent, FBI Milwaukee JTTF",
                           purpose="JTTF assessment of infrastructure surveillance")


def test_detailed_xml_is_valid_and_complete(staff, ise_sar, schema):
    content_type, body = _export(staff, ise_sar, "xml", "detailed")
    doc = etree.fromstring(body.encode())
    schema.assertValid(doc)
    assert content_type == "application/xml"
    for value in ("John Q Example", "ABC1234", "1M8GDM9AXKP042788", "D123-4567", "1980-02-03", "tipster@example.com"):
        assert value in body
    codes = doc.findall(".//{urn:fusioncenter:sar:1.0}SuspiciousActivityCategoryCode")
    assert sorted(c.text for c in codes) == ["ELICIT", "PHOTO", "SURVL"]


def test_summary_xml_is_valid_and_has_no_privacy_fields(staff, ise_sar, schema):
    _, body = _export(staff, ise_sar, "xml", "summary")
    schema.assertValid(etree.fromstring(body.encode()))
    for value in PRIVATE:
        assert value not in body, value
    assert "[withheld]" in body and "gray" in body and "Ford" in body  # descriptions stay


def test_summary_json_has_no_privacy_fields(staff, ise_sar):
    _, body = _export(staff, ise_sar, "json", "summary")
    data = json.loads(body)
    assert data["exchange"]["privacy"] == "Summary" and data["vetting"]["ise_sar"] is True
    for value in PRIVATE:
        assert value not in body, value
    assert "name" not in data["subjects"][0] and "plate" not in data["vehicles"][0]


def test_every_export_is_a_recorded_dissemination(staff, ise_sar):
    _export(staff, ise_sar, "xml", "summary")
    _export(staff, ise_sar, "json", "detailed")
    rows = list(SarDissemination.objects.order_by("at"))
    assert [(r.format, r.privacy, r.by) for r in rows] == [("xml", "summary", staff["wsic_analyst"]),
                                                          ("json", "detailed", staff["wsic_analyst"])]
    assert rows[0].recipient.startswith("J. Agent") and "JTTF" in rows[0].purpose
    entries = AuditEntry.objects.filter(action="disseminate", object_id=str(ise_sar.pk))
    assert [e.detail["privacy"] for e in entries] == ["summary", "detailed"]
    assert all("Agent" not in json.dumps(e.detail) for e in entries)


def test_export_needs_recipient_purpose_and_a_disposition(staff, ise_sar, vetting):
    with pytest.raises(ValidationError) as exc:
        services.export(staff["wsic_analyst"], ise_sar, "pdf", "all", recipient="", purpose="")
    assert set(exc.value.error_dict) == {"format", "privacy", "recipient", "purpose"}
    with pytest.raises(ValidationError) as exc:
        _export(staff, vetting(), "xml", "summary")
    assert "vet the report first" in exc.value.error_dict["state"][0].message
    assert SarDissemination.objects.count() == 0


def test_criminal_intelligence_exports_only_as_json_to_those_with_need_to_know(staff, vetting, make_user):
    report = services.transition(staff["wsic_analyst"], vetting(), "criminal_intelligence", "28 CFR 23 met.", {
        "criminal_predicate": "He cut the substation lock and was found with bolt cutters: reasonable suspicion "
                              "of burglary.", "criminal_activity": "Burglary",
        "additional_facts": "Bolt cutters and a cut padlock were found on him.", "solely_protected_activity": False})
    with pytest.raises(ValidationError):
        _export(staff, report, "xml", "detailed")
    _, body = _export(staff, report, "json", "detailed")
    assert json.loads(body)["handling"]["record_class"] == "criminal_intelligence"
    with pytest.raises(access.AccessDenied):
        services.export(staff["member"], report, "json", "summary", recipient="Someone", purpose="I would like it.")
