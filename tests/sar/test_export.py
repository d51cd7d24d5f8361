"""The ISE-SAR exchange: valid against our NIEM extension schema, privacy split, and every export through
the privacy app's one dissemination path (right to know, need to know, the dissemination log)."""

import json
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from lxml import etree

from fusioncenter.core.models import AuditEntry, Organization
from fusioncenter.privacy.models import Dissemination
from fusioncenter.sar import export, services

from .conftest import ISE_FIELDS, LAWFUL

NIEM = Path(__file__).resolve().parents[3] / "shared" / "standards" / "niem-5.2" / "xsd"
PRIVATE = ["John Q Example", "608-555-0142", "ABC1234", "ABC-1234", "1M8GDM9AXKP042788", "1980-02-03", "D123-4567",
           "Jay Ex", "tipster@example.com"]


@pytest.fixture(scope="module")
def schema():
    return export.load_schema(NIEM)


@pytest.fixture
def ise_sar(staff, vetting, jttf):
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


NEED = "JTTF assessment of infrastructure surveillance"


def _export(staff, report, fmt, privacy, **kw):
    jttf = Organization.objects.get(name="FBI Milwaukee JTTF (test)")
    kw = {"recipient_organization": jttf.pk, "need_to_know": NEED, **kw}
    return services.export(staff["wsic_analyst"], report, fmt, privacy, **kw)


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


def test_every_export_is_a_row_of_the_privacy_dissemination_log(staff, ise_sar, jttf):
    _export(staff, ise_sar, "xml", "summary")
    _export(staff, ise_sar, "json", "detailed", recipient_organization=None,
            recipient_user=staff["wsic_supervisor"].username)
    rows = list(Dissemination.objects.filter(record_type="sar.report", object_id=str(ise_sar.pk)).order_by("at", "id"))
    assert [(r.channel, r.version, r.by) for r in rows] == [("export", "xml summary", staff["wsic_analyst"]),
                                                          ("export", "json detailed", staff["wsic_analyst"])]
    assert rows[0].recipient_organization == jttf and rows[0].recipient_user is None
    assert rows[1].recipient_user == staff["wsic_supervisor"]
    assert all(r.need_to_know == NEED and r.right_to_know and r.access_class == "law_enforcement" for r in rows)
    entries = AuditEntry.objects.filter(action="privacy_disseminate", object_id=str(ise_sar.pk))
    assert sorted(e.detail["dissemination"] for e in entries) == sorted(r.pk for r in rows)
    assert list(services.disseminations(ise_sar).order_by("at", "id")) == rows


def test_export_is_refused_without_a_need_to_know_statement(staff, ise_sar):
    with pytest.raises(ValidationError) as exc:
        _export(staff, ise_sar, "xml", "summary", need_to_know="")
    error = exc.value.error_dict["need_to_know"][0]
    assert error.code == "need_to_know" and "28 CFR 23.20(e)" in error.message
    assert not Dissemination.objects.exists()


def test_export_is_refused_to_a_recipient_without_right_to_know(staff, ise_sar):
    with pytest.raises(ValidationError) as exc:
        _export(staff, ise_sar, "json", "summary", recipient_organization=staff["member"].organization_id)
    error = exc.value.error_dict["recipient"][0]
    assert error.code == "right_to_know" and "only to law-enforcement authorities" in error.message
    assert not Dissemination.objects.exists()
    refusal = AuditEntry.objects.get(action="privacy_dissemination_refused", object_id=str(ise_sar.pk))
    assert refusal.outcome == "denied" and "law-enforcement" in refusal.detail["reason"]


def test_export_needs_one_recipient_a_statement_and_a_disposition(staff, ise_sar, vetting):
    with pytest.raises(ValidationError) as exc:
        services.export(staff["wsic_analyst"], ise_sar, "pdf", "all")
    assert set(exc.value.error_dict) == {"format", "privacy"}
    with pytest.raises(ValidationError) as exc:
        services.export(staff["wsic_analyst"], ise_sar, "json", "summary", need_to_know=NEED)
    assert exc.value.error_dict["recipient"][0].code == "required"
    with pytest.raises(ValidationError) as exc:
        _export(staff, ise_sar, "json", "summary", recipient_organization=None, recipient_user="nobody-here")
    assert exc.value.error_dict["recipient_user"][0].code == "choice"
    with pytest.raises(ValidationError) as exc:
        _export(staff, vetting(), "xml", "summary")
    assert "vet the report first" in exc.value.error_dict["state"][0].message
    assert not Dissemination.objects.exists()


def test_criminal_intelligence_exports_only_as_json_to_those_with_need_to_know(staff, vetting, jttf):
    report = services.transition(staff["wsic_analyst"], vetting(), "criminal_intelligence", "28 CFR 23 met.", {
        "criminal_predicate": "He cut the substation lock and was found with bolt cutters: reasonable suspicion "
                              "of burglary.", "criminal_activity": "Burglary",
        "additional_facts": "Bolt cutters and a cut padlock were found on him.", "solely_protected_activity": False,
        **LAWFUL})
    with pytest.raises(ValidationError):
        _export(staff, report, "xml", "detailed")
    _, body = _export(staff, report, "json", "detailed")
    assert json.loads(body)["handling"]["record_class"] == "criminal_intelligence"
    assert Dissemination.objects.get(object_id=str(report.pk)).access_class == "criminal_intelligence"
    with pytest.raises(PermissionDenied) as exc:
        services.export(staff["member"], report, "json", "summary", recipient_organization=jttf.pk,
                        need_to_know="I would like it for my files.")
    assert "may not export" in str(exc.value)
    assert Dissemination.objects.filter(object_id=str(report.pk)).count() == 1
