"""The ISE-SAR exchange (XML, `schemas/fusioncenter-sar.xsd`) and its JSON twin, Summary or Detailed.

Summary removes the privacy fields (names, aliases, dates of birth, identifiers, plates, VINs, phone
numbers, e-mail addresses, reporter and reporting-officer contact) and withholds those values, and
any phone, e-mail, plate or VIN the extractor finds, inside the free text. Detailed includes them.
Callers go through `services.export`, which checks access and records the dissemination.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from django.conf import settings
from lxml import etree

from fusioncenter.core import clock

from . import extraction
from .models import Report

NS = "urn:fusioncenter:sar:1.0"
NC = "http://release.niem.gov/niem/niem-core/5.0/"
SAR = "http://release.niem.gov/niem/codes/pmise_sar/5.0/"
SCHEMA_FILE = Path(__file__).resolve().parent / "schemas" / "fusioncenter-sar.xsd"
WITHHELD = "[withheld]"


def _privacy_values(report: Report) -> list[str]:
    values = [report.reporter_name, report.reporter_phone, report.reporter_email, report.reporting_officer_name]
    for s in report.subjects.all():
        values += [s.name, *s.aliases, *(i["value"] for i in s.identifiers)]
        if s.date_of_birth:
            values.append(s.date_of_birth.isoformat())
    for v in report.vehicles.all():
        values += [v.plate, v.vin]
    for i in report.identifiers.all():
        if i.kind in ("phone", "email"):
            values.append(i.value)
    return sorted({v for v in values if v and len(v) >= 2}, key=len, reverse=True)


def redact(text: str, report: Report) -> str:
    """The text with every privacy value of the report, and found phones, e-mails, plates, VINs, withheld."""
    if not text:
        return text
    for finding in extraction.extract(text):
        if finding.kind in ("phone", "email", "vin"):
            text = text.replace(finding.value, WITHHELD)
        elif finding.kind == "plate":
            m = extraction.PLATE.search(finding.value)
            if m:
                text = text.replace(finding.value, finding.value.replace(m.group("plate"), WITHHELD))
    for value in _privacy_values(report):
        text = re.sub(re.escape(value), WITHHELD, text, flags=re.IGNORECASE)
    return text


def as_dict(report: Report, privacy: str) -> dict[str, Any]:
    """The exchange content as plain data; both the XML and the JSON are built from it."""
    detailed = privacy == "detailed"
    text = (lambda t: t) if detailed else (lambda t: redact(t, report))
    agency = report.reporting_agency
    subjects = []
    for s in report.subjects.all():
        item: dict[str, Any] = {
            "age_min": s.age_min, "age_max": s.age_max, "sex": s.sex, "race": s.race, "height_in": s.height_in,
            "weight_lb": s.weight_lb, "hair": s.hair, "eyes": s.eyes, "description": text(s.description),
        }
        if detailed:
            item.update(name=s.name, aliases=s.aliases,
                        date_of_birth=s.date_of_birth.isoformat() if s.date_of_birth else None,
                        identifiers=s.identifiers)
        subjects.append(item)
    vehicles = []
    for v in report.vehicles.all():
        item = {"plate_state": v.plate_state, "make": v.make, "model": v.model, "year": v.year, "color": v.color}
        if detailed:
            item.update(plate=v.plate, vin=v.vin)
        vehicles.append(item)
    reporter: dict[str, Any] = {"anonymous": report.anonymous}
    if detailed and not report.anonymous:
        reporter.update(name=report.reporter_name, phone=report.reporter_phone, email=report.reporter_email)
    return {
        "exchange": {"privacy": "Detailed" if detailed else "Summary", "at": clock.now().isoformat(),
                     "sender": settings.FUSIONCENTER_NAME},
        "id": report.pk,
        "receipt": report.receipt,
        "center": report.center.code if report.center_id else None,
        "handling": {"tlp": report.tlp, "les": report.les, "cui": report.cui, "record_class": report.record_class},
        "source": report.source,
        "submitting_agency": {"name": agency.name, "ori": agency.ori} if agency else None,
        "reporting_officer": report.reporting_officer_name if detailed else None,
        "reporter": reporter,
        "received_at": report.received_at.isoformat(),
        "observed_at": report.observed_at.isoformat() if report.observed_at else None,
        "observed_end": report.observed_end.isoformat() if report.observed_end else None,
        "location": {
            "address": report.location_address, "place": report.location_place, "zip_code": report.zip_code,
            "county": report.county.name if report.county_id else None,
            "county_fips": report.county.fips if report.county_id else None,
            "latitude": report.latitude, "longitude": report.longitude,
        },
        "categories": report.category_codes,
        "summary": text(report.summary),
        "narrative": text(report.narrative),
        "subjects": subjects,
        "vehicles": vehicles,
        "attachments": report.attachments.count(),
        "vetting": {
            "disposition": report.state, "ise_sar": report.ise_sar,
            "disposition_at": report.disposition_at.isoformat() if report.disposition_at else None,
            "nexus_justification": text(report.nexus_justification) if report.ise_sar else "",
            "additional_facts": text(report.additional_facts),
            "grading_scheme": report.grading_scheme, "source_reliability": report.source_reliability,
            "content_validity": report.content_validity,
        },
    }


def to_json(report: Report, privacy: str) -> str:
    return json.dumps(as_dict(report, privacy), indent=2, ensure_ascii=False)


def _xml_text(value: Any) -> str:
    """Remove characters XML 1.0 cannot carry (the narrative is free text from the public)."""
    return re.sub(r"[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]", "", str(value))


def to_xml(report: Report, privacy: str) -> str:
    d = as_dict(report, privacy)
    nsmap = {"fc": NS, "nc": NC, "sar": SAR}
    root = etree.Element(f"{{{NS}}}SuspiciousActivityReportExchange", nsmap=nsmap)

    def add(parent: etree._Element, tag: str, value: Any = None, ns: str = NS) -> etree._Element:
        el = etree.SubElement(parent, f"{{{ns}}}{tag}")
        if value is not None:
            el.text = _xml_text(str(value).lower() if isinstance(value, bool) else value)
        return el

    def opt(parent: etree._Element, tag: str, value: Any, ns: str = NS) -> None:
        if value not in (None, "", []):
            add(parent, tag, value, ns)

    add(root, "ExchangePrivacyCode", d["exchange"]["privacy"])
    add(root, "ExchangeDateTime", d["exchange"]["at"])
    add(root, "ExchangeSenderName", d["exchange"]["sender"])
    r = add(root, "SuspiciousActivityReport")
    add(r, "ReportID", d["id"])
    add(r, "ReportReceiptID", d["receipt"])
    add(r, "ReportingCenterCode", d["center"] or "")
    h = add(r, "Handling")
    add(h, "TLPCode", d["handling"]["tlp"])
    add(h, "LawEnforcementSensitiveIndicator", d["handling"]["les"])
    opt(h, "CUIBannerText", d["handling"]["cui"])
    add(h, "RecordClassCode", d["handling"]["record_class"])
    add(r, "ReportSourceCode", d["source"])
    if d["submitting_agency"]:
        add(r, "SubmittingAgencyName", d["submitting_agency"]["name"])
        opt(r, "SubmittingAgencyORI", d["submitting_agency"]["ori"])
    opt(r, "ReportingOfficerName", d["reporting_officer"])
    rep = add(r, "Reporter")
    add(rep, "ReporterAnonymousIndicator", d["reporter"]["anonymous"])
    opt(rep, "PersonFullName", d["reporter"].get("name"), NC)
    opt(rep, "TelephoneNumberFullID", d["reporter"].get("phone"), NC)
    opt(rep, "ContactEmailID", d["reporter"].get("email"), NC)
    add(r, "ReportReceivedDateTime", d["received_at"])
    if d["observed_at"]:
        add(add(r, "ActivityDate", None, NC), "DateTime", d["observed_at"], NC)
    opt(r, "ActivityEndDateTime", d["observed_end"])
    loc = add(r, "ActivityLocation")
    place = d["location"]
    opt(loc, "AddressFullText", place["address"], NC)
    opt(loc, "LocationPlaceName", place["place"])
    opt(loc, "LocationZIPCode", place["zip_code"])
    opt(loc, "LocationCountyName", place["county"])
    opt(loc, "LocationCountyFIPSCode", place["county_fips"])
    opt(loc, "LatitudeDecimalValue", place["latitude"])
    opt(loc, "LongitudeDecimalValue", place["longitude"])
    for code in d["categories"]:
        add(r, "SuspiciousActivityCategoryCode", code)
    add(r, "ReportSummaryText", d["summary"])
    add(r, "DescriptionText", d["narrative"], NC)
    for s in d["subjects"]:
        el = add(r, "Subject")
        opt(el, "PersonFullName", s.get("name"), NC)
        for alias in s.get("aliases") or []:
            add(el, "PersonAliasName", alias)
        if s.get("date_of_birth"):
            add(add(el, "PersonBirthDate", None, NC), "Date", s["date_of_birth"], NC)
        opt(el, "PersonAgeMinimumValue", s["age_min"])
        opt(el, "PersonAgeMaximumValue", s["age_max"])
        opt(el, "PersonSexText", s["sex"], NC)
        opt(el, "PersonRaceText", s["race"], NC)
        opt(el, "PersonHeightInchValue", s["height_in"])
        opt(el, "PersonWeightPoundValue", s["weight_lb"])
        opt(el, "PersonHairColorText", s["hair"])
        opt(el, "PersonEyeColorText", s["eyes"])
        opt(el, "PersonDescriptionText", s["description"])
        for ident in s.get("identifiers") or []:
            pid = add(el, "PersonIdentifier")
            add(pid, "IdentifierKindCode", ident["kind"])
            add(pid, "IdentificationID", ident["value"], NC)
    for v in d["vehicles"]:
        el = add(r, "Vehicle")
        opt(el, "VehiclePlateID", v.get("plate"))
        opt(el, "VehiclePlateStateCode", v["plate_state"])
        opt(el, "VehicleVINID", v.get("vin"))
        opt(el, "VehicleMakeName", v["make"])
        opt(el, "ItemModelName", v["model"], NC)
        opt(el, "ItemModelYearDate", v["year"], NC)
        opt(el, "ConveyanceColorPrimaryText", v["color"], NC)
    add(r, "AttachmentCount", d["attachments"])
    vet = add(r, "Vetting")
    add(vet, "DispositionCode", d["vetting"]["disposition"])
    add(vet, "ISESARIndicator", d["vetting"]["ise_sar"])
    opt(vet, "DispositionDateTime", d["vetting"]["disposition_at"])
    opt(vet, "NexusJustificationText", d["vetting"]["nexus_justification"])
    opt(vet, "AdditionalFactsText", d["vetting"]["additional_facts"])
    add(vet, "GradingSchemeCode", d["vetting"]["grading_scheme"])
    add(vet, "SourceReliabilityCode", d["vetting"]["source_reliability"])
    add(vet, "ContentValidityCode", d["vetting"]["content_validity"])
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True).decode()


def load_schema(niem_xsd_dir: Path) -> etree.XMLSchema:
    """The exchange schema with "niem/" pointed at a NIEM 5.2 release's xsd folder (tests, partners)."""
    text = SCHEMA_FILE.read_text(encoding="utf-8").replace(
        'schemaLocation="niem/', f'schemaLocation="{Path(niem_xsd_dir).resolve().as_uri()}/'
    )
    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    return etree.XMLSchema(etree.fromstring(text.encode(), parser, base_url=SCHEMA_FILE.as_uri()))
