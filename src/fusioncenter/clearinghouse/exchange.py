"""Exchange of cases: PFIF 1.4 XML (person + status note) and CSV, export and import.

PFIF has no fields for most descriptors, so they travel in the person's `description` as labelled lines
("Height in inches: 64"), continuation lines indented by two spaces; `parse_description` reads them
back, so a PFIF round trip keeps every field PFIF carries. CSV carries every case field. Imported XML
is parsed with defusedxml (no DTD, no entities, no network).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from typing import Any
from urllib.parse import urlsplit

from defusedxml import ElementTree as SafeET
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils.dateparse import parse_date, parse_datetime
from lxml import etree

from fusioncenter.core import access, audit, clock
from fusioncenter.core.markings import banner_line
from fusioncenter.core.models import Organization
from fusioncenter.core.site import absolute_url

from . import public, services
from .models import CaseStatus, MissingPersonCase, PublicListing

NS = "http://zesty.ca/pfif/1.4"
MAX_IMPORT_BYTES = 5 * 1024 * 1024
MAX_RECORDS = 2000

# Case field -> label in the PFIF description. Order is the order written.
DESCRIPTION_FIELDS = {
    "person_type": "Person type",
    "ncic_category": "NCIC category",
    "ncmec_category": "NCMEC case type",
    "race": "Race",
    "height_in": "Height in inches",
    "weight_lb": "Weight in pounds",
    "hair_color": "Hair",
    "eye_color": "Eyes",
    "complexion": "Complexion",
    "scars_marks_tattoos": "Scars, marks, tattoos",
    "clothing": "Clothing",
    "last_seen_at": "Last seen at",
    "last_seen_city": "Last seen city",
    "vehicles": "Vehicle",
    "circumstances": "Circumstances",
}
# Fields a PFIF record carries (the round-trip test compares exactly these).
PFIF_FIELDS = (
    "given_name",
    "family_name",
    "alternate_names",
    "sex",
    "date_of_birth",
    "age_at_disappearance",
    "public_contact",
    "last_seen_place",
    "status",
    *DESCRIPTION_FIELDS,
)
STATUS_TO_PFIF = {
    CaseStatus.MISSING: "believed_missing",
    CaseStatus.LOCATED_SAFE: "believed_alive",
    CaseStatus.RECOVERED: "believed_alive",
    CaseStatus.DECEASED: "believed_dead",
    CaseStatus.CLOSED: "information_sought",
}
PFIF_TO_STATUS = {
    "believed_missing": CaseStatus.MISSING,
    "believed_alive": CaseStatus.LOCATED_SAFE,
    "believed_dead": CaseStatus.DECEASED,
}
VEHICLE_SEP = " | "


def domain() -> str:
    return urlsplit(settings.FUSIONCENTER_BASE_URL).hostname or "localhost"


def pfif_time(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


_absolute = absolute_url


# --- description -----------------------------------------------------------------------------------------


def _vehicle_line(v: dict[str, Any]) -> str:
    return VEHICLE_SEP.join(str(v.get(k, "")) for k in services.VEHICLE_KEYS)


def build_description(values: dict[str, Any]) -> str:
    lines = []
    for name, label in DESCRIPTION_FIELDS.items():
        value = values.get(name)
        if name == "vehicles":
            lines += [f"{label}: {_vehicle_line(v)}" for v in value or []]
            continue
        if value in (None, ""):
            continue
        if isinstance(value, dt.datetime):
            value = pfif_time(value)
        text = str(value).replace("\r\n", "\n").replace("\n", "\n  ")
        lines.append(f"{label}: {text}")
    return "\n".join(lines)


def parse_description(text: str) -> dict[str, Any]:
    by_label = {label: name for name, label in DESCRIPTION_FIELDS.items()}
    out: dict[str, Any] = {}
    current: str | None = None
    for line in (text or "").split("\n"):
        if line.startswith("  ") and current:
            if current != "vehicles":
                out[current] += "\n" + line[2:]
            continue
        label, sep, value = line.partition(": ")
        current = by_label.get(label) if sep else None
        if current == "vehicles":
            parts = value.split(VEHICLE_SEP)
            out.setdefault("vehicles", []).append(dict(zip(services.VEHICLE_KEYS, parts + [""] * 6, strict=False)))
        elif current:
            out[current] = value
    for name in ("height_in", "weight_lb"):
        if name in out:
            out[name] = int(out[name]) if out[name].isdigit() else None
    if "last_seen_at" in out:
        out["last_seen_at"] = _parse_time(out["last_seen_at"])
    return out


def _parse_time(text: str | None) -> dt.datetime | None:
    if not text:
        return None
    moment = parse_datetime(text.strip().replace("Z", "+00:00"))
    if moment is not None and moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment


# --- what each record holds ------------------------------------------------------------------------------


def case_values(case: MissingPersonCase) -> dict[str, Any]:
    values = {name: getattr(case, name) for name in PFIF_FIELDS}
    values["record_id"] = case.external_id or f"{domain()}/case.{case.pk}"
    values["updated_at"] = case.updated_at
    values["author_name"] = case.investigating_agency.name
    values["page_url"] = ""
    values["photo_url"] = ""
    return values


def listing_values(listing: PublicListing) -> dict[str, Any]:
    """The same keys from a public listing (public fields only; status is missing while listed)."""
    c = listing.content
    values = {name: c.get(name) for name in PFIF_FIELDS if name in c}
    values.update(
        status=CaseStatus.MISSING,
        last_seen_at=public.when(c),
        date_of_birth=public.birth_date(c),
        record_id=f"{domain()}/case.{listing.case_id}",
        updated_at=listing.updated_at,
        author_name=listing.agency_name,
        page_url=_absolute(reverse("clearinghouse:public_detail", args=[listing.case_id])),
        photo_url=_absolute(reverse("clearinghouse:public_photo", args=[listing.case_id])) if listing.photo_id else "",
    )
    return values


# --- PFIF export -------------------------------------------------------------------------------------------


def _sub(parent: etree._Element, tag: str, text: Any) -> None:
    if text in (None, ""):
        return
    el = etree.SubElement(parent, f"{{{NS}}}{tag}")
    el.text = str(text)


def pfif_document(records: list[dict[str, Any]], banner: str = "") -> bytes:
    root = etree.Element(f"{{{NS}}}pfif", nsmap={"pfif": NS})
    if banner:
        root.append(etree.Comment(f" {banner} "))
    source_name = settings.FUSIONCENTER_NAME
    for v in records:
        person = etree.SubElement(root, f"{{{NS}}}person")
        _sub(person, "person_record_id", v["record_id"])
        _sub(person, "entry_date", pfif_time(v["updated_at"]))
        _sub(person, "author_name", v["author_name"])
        _sub(person, "author_phone", v.get("public_contact"))
        _sub(person, "source_name", source_name)
        _sub(person, "source_date", pfif_time(v["updated_at"]))
        _sub(person, "source_url", v.get("page_url"))
        _sub(person, "full_name", f"{v.get('given_name') or ''} {v.get('family_name') or ''}".strip())
        _sub(person, "given_name", v.get("given_name"))
        _sub(person, "family_name", v.get("family_name"))
        _sub(person, "alternate_names", v.get("alternate_names"))
        _sub(person, "description", build_description(v))
        _sub(person, "sex", v.get("sex"))
        dob = v.get("date_of_birth")
        _sub(person, "date_of_birth", dob.isoformat() if dob else "")
        _sub(person, "age", v.get("age_at_disappearance"))
        _sub(person, "home_state", "WI")
        _sub(person, "photo_url", v.get("photo_url"))
        note = etree.SubElement(person, f"{{{NS}}}note")
        _sub(note, "note_record_id", f"{v['record_id']}.status")
        _sub(note, "person_record_id", v["record_id"])
        _sub(note, "entry_date", pfif_time(v["updated_at"]))
        _sub(note, "author_name", v["author_name"])
        _sub(note, "source_date", pfif_time(v["updated_at"]))
        _sub(note, "author_made_contact", "false")
        _sub(note, "status", STATUS_TO_PFIF.get(v.get("status"), "information_sought"))
        _sub(note, "last_known_location", v.get("last_seen_place"))
        _sub(
            note,
            "text",
            f"Case status: {CaseStatus(v.get('status') or CaseStatus.MISSING).label}. "
            f"Call {v.get('public_contact') or 'the agency'} with information.",
        )
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def export_pfif(user: Any, source: str = "") -> bytes:
    """The PFIF document of the cases `user` may see: the public listings for an anonymous caller."""
    if not access.is_signed_in(user):
        listings = services.public_listings().select_related("case").order_by("case_id")
        return pfif_document([listing_values(x) for x in listings])
    cases = services.visible_cases(user).select_related("investigating_agency").order_by("pk")
    records = [case_values(c) for c in cases if access.decide(user, access.EXPORT, c)]
    audit.record(
        user,
        "clearinghouse_export_pfif",
        object_type="clearinghouse.missingpersoncase",
        source_address=source,
        detail={"count": len(records)},
    )
    return pfif_document(records, banner=banner_line("AMBER", True, "") if records else "")


# --- PFIF import -------------------------------------------------------------------------------------------


def _child(el, tag: str) -> str:
    found = el.find(f"{{{NS}}}{tag}")
    return (found.text or "").strip() if found is not None and found.text else ""


def parse_pfif(data: bytes) -> list[dict[str, Any]]:
    """Person records of a PFIF 1.4 document as case values. Refuses DTDs, entities and other namespaces."""
    if len(data) > MAX_IMPORT_BYTES:
        raise ValidationError({"file": ["The file is larger than 5 MB."]}, code="too_large")
    try:
        root = SafeET.fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except Exception as exc:  # defusedxml raises several types; all mean "not a document we accept"
        raise ValidationError({"file": ["The file is not well-formed XML without a DTD."]}, code="xml") from exc
    if root.tag != f"{{{NS}}}pfif":
        raise ValidationError(
            {"file": ["Not a PFIF 1.4 document (namespace http://zesty.ca/pfif/1.4)."]}, code="namespace"
        )
    persons = root.findall(f"{{{NS}}}person")
    if len(persons) > MAX_RECORDS:
        raise ValidationError({"file": [f"At most {MAX_RECORDS} records per import."]}, code="too_many")
    out = []
    for i, p in enumerate(persons, 1):
        record_id = _child(p, "person_record_id")
        if not record_id or "/" not in record_id:
            raise ValidationError({"file": [f"Record {i}: person_record_id must read domain/unique."]}, code="pfif")
        values = parse_description(_child(p, "description"))
        full = _child(p, "full_name")
        given, family = _child(p, "given_name"), _child(p, "family_name")
        if not (given or family) and full:
            given, _, family = full.partition(" ")
        age = _child(p, "age")
        values.update(
            record_id=record_id,
            given_name=given,
            family_name=family,
            alternate_names=_child(p, "alternate_names"),
            sex=_child(p, "sex") if _child(p, "sex") in ("female", "male", "other") else "",
            date_of_birth=parse_date(_child(p, "date_of_birth")) if len(_child(p, "date_of_birth")) == 10 else None,
            age_at_disappearance=int(age) if age.isdigit() else None,
            public_contact=_child(p, "author_phone"),
        )
        notes = p.findall(f"{{{NS}}}note")
        note = notes[-1] if notes else None
        if note is not None:
            values["last_seen_place"] = _child(note, "last_known_location")
            values["status"] = PFIF_TO_STATUS.get(_child(note, "status"))
        if not values.get("last_seen_at"):
            values["last_seen_at"] = _parse_time(_child(p, "source_date"))
        out.append(values)
    return out


def _import(
    actor: Any, rows: list[dict[str, Any]], agency: Organization, source: str, fmt: str
) -> list[MissingPersonCase]:
    """Create or update cases (matched by external id) from parsed rows, all or nothing."""
    if not services.may_open(actor):
        raise PermissionDenied("Imports are made by partner officers and the clearinghouse staff.")
    done = []
    with transaction.atomic():
        for i, row in enumerate(rows, 1):
            row = dict(row)
            record_id = row.pop("record_id", "") or ""
            status = row.pop("status", None) or CaseStatus.MISSING
            fields = {k: v for k, v in row.items() if k in services.EDITABLE | {"person_type"}}
            fields.setdefault("public_contact", agency.phone or "911")
            if not fields.get("public_contact"):
                fields["public_contact"] = agency.phone or "911"
            if not fields.get("ncic_category"):
                age = fields.get("age_at_disappearance")
                fields["ncic_category"] = "EMJ" if age is not None and age < 21 else "EMO"
            fields["external_id"] = record_id[:300]
            existing = services.visible_cases(actor).filter(external_id=record_id).first() if record_id else None
            try:
                if existing is not None:
                    fields.pop("reporting_agency", None)
                    case = services.update_case(actor, existing, fields, source=source)
                else:
                    fields.setdefault("reporting_agency", agency)
                    fields.setdefault("investigating_agency", agency)
                    case = services.open_case(actor, fields, source=source)
                if status != case.status:
                    services.change_status(actor, case, status, note=f"Imported ({fmt}).", source=source)
                    case.refresh_from_db()
            except ValidationError as exc:
                messages = exc.message_dict if hasattr(exc, "error_dict") else {"record": exc.messages}
                raise ValidationError(
                    {"file": [f"Record {i}: " + "; ".join(f"{k}: {' '.join(v)}" for k, v in messages.items())]},
                    code="invalid_record",
                ) from exc
            done.append(case)
        audit.record(
            actor,
            f"clearinghouse_import_{fmt}",
            object_type="clearinghouse.missingpersoncase",
            source_address=source,
            detail={"count": len(done)},
        )
    return done


def import_pfif(actor: Any, data: bytes, agency: Organization, source: str = "") -> list[MissingPersonCase]:
    return _import(actor, parse_pfif(data), agency, source, "pfif")


# --- CSV --------------------------------------------------------------------------------------------------

CSV_COLUMNS = (
    "record_id",
    "reference",
    "status",
    "person_type",
    "ncic_category",
    "ncic_child_abduction",
    "ncmec_category",
    "given_name",
    "family_name",
    "alternate_names",
    "sex",
    "date_of_birth",
    "age_at_disappearance",
    "race",
    "height_in",
    "weight_lb",
    "hair_color",
    "eye_color",
    "complexion",
    "scars_marks_tattoos",
    "clothing",
    "cognitive_impairment",
    "veteran_or_service_member",
    "last_seen_at",
    "last_seen_place",
    "last_seen_city",
    "last_seen_zip",
    "last_seen_latitude",
    "last_seen_longitude",
    "circumstances",
    "vehicles",
    "companions",
    "reporting_agency",
    "agency_case_number",
    "ncic_number",
    "investigating_agency",
    "investigator_name",
    "investigator_phone",
    "investigator_email",
    "public_contact",
    "reporting_party_name",
    "reporting_party_phone",
    "investigative_notes",
    "medical_details",
)
CSV_FIELDS = tuple(c for c in CSV_COLUMNS if c not in ("record_id", "reference"))


def _csv_cell(value: Any, name: str = "") -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.datetime):
        return pfif_time(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Organization):
        return value.ori or value.name
    if isinstance(value, list):
        # Keys in their fixed order: PostgreSQL's jsonb does not keep the order they were written in.
        keys = services.COMPANION_KEYS if name == "companions" else services.VEHICLE_KEYS
        return " ;; ".join(VEHICLE_SEP.join(str(row.get(k, "")) for k in keys) for row in value)
    text = str(value)
    # A cell that a spreadsheet would run as a formula is prefixed with a quote (CSV injection).
    return (
        "'" + text
        if text[:1] in ("=", "+", "-", "@", "\t", "\r") and not re.fullmatch(r"-?\d+(\.\d+)?", text)
        else text
    )


def export_csv(user: Any, source: str = "") -> str:
    """Every field of the cases the user may export (law enforcement: the file carries sensitive fields)."""
    if not access.is_signed_in(user):
        raise PermissionDenied("Sign in to export cases.")
    cases = [
        c
        for c in services.visible_cases(user).select_related("reporting_agency").order_by("pk")
        if access.decide(user, access.EXPORT, c)
    ]
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for case in cases:
        row = [case.external_id or f"{domain()}/case.{case.pk}", case.reference]
        row += [_csv_cell(getattr(case, name), name) for name in CSV_FIELDS]
        writer.writerow(row)
    audit.record(
        user,
        "clearinghouse_export_csv",
        object_type="clearinghouse.missingpersoncase",
        source_address=source,
        detail={"count": len(cases)},
    )
    return out.getvalue()


def _agency(value: str) -> Organization | None:
    value = value.strip()
    if not value:
        return None
    return Organization.objects.filter(ori=value).first() or Organization.objects.filter(name=value).first()


def _bool(value: str) -> bool | None:
    return {"true": True, "false": False}.get(value.strip().lower())


def _uncell(text: str) -> str:
    return text[1:] if text[:2] in ("'=", "'+", "'-", "'@", "'\t", "'\r") else text


def parse_csv(text: str) -> list[dict[str, Any]]:
    if len(text) > MAX_IMPORT_BYTES:
        raise ValidationError({"file": ["The file is larger than 5 MB."]}, code="too_large")
    reader = csv.DictReader(io.StringIO(text))
    missing = {"given_name", "family_name", "last_seen_at"} - set(reader.fieldnames or [])
    if missing:
        raise ValidationError({"file": [f"Missing columns: {', '.join(sorted(missing))}."]}, code="columns")
    rows = []
    for i, raw in enumerate(reader, 1):
        if i > MAX_RECORDS:
            raise ValidationError({"file": [f"At most {MAX_RECORDS} records per import."]}, code="too_many")
        r = {k: _uncell(v or "") for k, v in raw.items() if k in CSV_COLUMNS}
        row: dict[str, Any] = {k: v for k, v in r.items() if k in CSV_FIELDS}
        row["record_id"] = r.get("record_id", "")
        for name in ("ncic_child_abduction", "cognitive_impairment", "veteran_or_service_member"):
            if name in row:
                row[name] = _bool(row[name]) if name != "ncic_child_abduction" else bool(_bool(row[name]))
        for name in ("age_at_disappearance", "height_in", "weight_lb"):
            if name in row:
                row[name] = int(row[name]) if row[name].strip().isdigit() else None
        for name in ("last_seen_latitude", "last_seen_longitude"):
            if name in row:
                try:
                    row[name] = float(row[name]) if row[name].strip() else None
                except ValueError as exc:
                    raise ValidationError({"file": [f"Row {i}: {name} is not a number."]}, code="number") from exc
        if "date_of_birth" in row:
            row["date_of_birth"] = parse_date(row["date_of_birth"]) if row["date_of_birth"] else None
        row["last_seen_at"] = _parse_time(row.get("last_seen_at"))
        for name, keys in (("vehicles", services.VEHICLE_KEYS), ("companions", services.COMPANION_KEYS)):
            if name in row:
                cell = row[name]
                row[name] = (
                    [dict(zip(keys, part.split(VEHICLE_SEP), strict=False)) for part in cell.split(" ;; ")]
                    if cell
                    else []
                )
        for name in ("reporting_agency", "investigating_agency"):
            if name in row:
                org = _agency(row[name])
                if org is None and row[name]:
                    raise ValidationError({"file": [f"Row {i}: unknown agency {row[name][:60]!r}."]}, code="agency")
                if org is None:
                    row.pop(name)
                else:
                    row[name] = org
        if row.get("status") not in CaseStatus.values:
            row["status"] = CaseStatus.MISSING
        rows.append(row)
    return rows


def import_csv(actor: Any, text: str, agency: Organization, source: str = "") -> list[MissingPersonCase]:
    return _import(actor, parse_csv(text), agency, source, "csv")


def now_stamp() -> str:
    return f"{clock.now():%Y%m%d-%H%M}"
