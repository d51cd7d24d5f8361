"""Intake: the public form, the partner form and the API create reports here (validation, routing, files)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction

from fusioncenter.core import audit, clock, jurisdictions, ratelimit
from fusioncenter.core.markings import RecordClass
from fusioncenter.core.models import Organization, User

from .. import attachments, categories, conf, extraction, grading, receipts
from ..models import (
    Attachment,
    Identifier,
    Report,
    ReportCategory,
    Source,
    State,
    Subject,
    Transition,
    Vehicle,
)
from .common import (
    MAX_SUBJECTS,
    MAX_VEHICLES,
    SUBMIT_ROLES,
    _clean_text,
    _error,
    fusion_org,
)


def _name_key(name: str) -> str:
    return re.sub(r"[^a-z]", "", name.lower())


def _check_input(data: dict[str, Any], *, public: bool) -> dict[str, Any]:
    """Validate the shared report structure; return cleaned values. Errors name field and rule."""
    problems: dict[str, tuple[str, str]] = {}
    out: dict[str, Any] = {}
    out["summary"] = _clean_text(data.get("summary"), 200)
    out["narrative"] = _clean_text(data.get("narrative"), 20000)
    if not out["summary"]:
        problems["summary"] = ("Say in a line what happened.", "required")
    if not public and len(out["narrative"]) < 10:
        problems["narrative"] = ("Write the narrative (at least 10 characters).", "min_length")
    now = clock.now()
    for key in ("observed_at", "observed_end"):
        value = data.get(key)
        if value is not None and not isinstance(value, dt.datetime):
            problems[key] = ("Give a date and time.", "type")
            value = None
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=dt.UTC)
        if value is not None and value > now + dt.timedelta(minutes=10):
            problems[key] = ("The time cannot be in the future.", "not_future")
        out[key] = value
    if out["observed_at"] is None and not public:
        problems["observed_at"] = ("Give the date and time the activity was observed.", "required")
    if out["observed_at"] and out["observed_end"] and out["observed_end"] < out["observed_at"]:
        problems["observed_end"] = ("The end cannot be before the start.", "after_start")

    for key, limit in (("location_address", 300), ("location_place", 200), ("zip_code", 10), ("county", 80)):
        out[key] = _clean_text(data.get(key), limit)
    for key, low, high in (("latitude", -90, 90), ("longitude", -180, 180)):
        value = data.get(key)
        if value in (None, ""):
            out[key] = None
            continue
        try:
            value = float(value)
        except (TypeError, ValueError):
            problems[key] = ("Give a number in decimal degrees.", "type")
            continue
        if not low <= value <= high:
            problems[key] = (f"Must be between {low} and {high}.", "range")
        out[key] = value
    if (out.get("latitude") is None) != (out.get("longitude") is None) and "latitude" not in problems:
        problems["latitude"] = ("Give both latitude and longitude, or neither.", "pair")
    if not any(out.get(k) for k in ("location_address", "location_place", "zip_code", "county")) and (
        out.get("latitude") is None
    ):
        problems["location"] = ("Say where it happened: an address, a place name, a county or a point on the map.",
                                "required")

    codes = list(dict.fromkeys(data.get("categories") or []))
    unknown = [c for c in codes if c not in categories.by_code()]
    if unknown:
        problems["categories"] = ("Unknown behavior categories: " + ", ".join(map(str, unknown))[:200] + ".",
                                  "choice")
    if not public and not codes:
        problems["categories"] = ("Choose at least one ISE-SAR behavior category.", "required")
    out["categories"] = [c for c in codes if c in categories.by_code()]

    # Reporter contact (optional, public form).
    anonymous = bool(data.get("anonymous", True))
    out["anonymous"] = anonymous
    out["reporter_name"] = "" if anonymous else _clean_text(data.get("reporter_name"), 200)
    out["reporter_phone"] = "" if anonymous else _clean_text(data.get("reporter_phone"), 40)
    email = "" if anonymous else _clean_text(data.get("reporter_email"), 254)
    if email:
        try:
            validate_email(email)
        except ValidationError:
            problems["reporter_email"] = ("Give a valid e-mail address, or leave it empty.", "email")
    out["reporter_email"] = email
    if out["reporter_phone"] and extraction.normalize_phone(out["reporter_phone"]) is None:
        problems["reporter_phone"] = ("Give a valid phone number, or leave it empty.", "phone")

    # Grading.
    scheme = data.get("grading_scheme") or grading.DEFAULT_SCHEME
    s = grading.scheme(scheme)
    reliability = data.get("source_reliability") or (s.default_reliability if s else "")
    validity = data.get("content_validity") or (s.default_validity if s else "")
    for key, message in grading.check(scheme, reliability, validity).items():
        problems[key] = (message, "choice")
    out.update(grading_scheme=scheme, source_reliability=reliability, content_validity=validity)
    out["reporting_officer_name"] = _clean_text(data.get("reporting_officer_name"), 200)

    out["subjects"] = _check_subjects(data.get("subjects") or [], problems)
    out["vehicles"] = _check_vehicles(data.get("vehicles") or [], problems)
    if problems:
        raise ValidationError({f: [ValidationError(m, code=c)] for f, (m, c) in problems.items()})
    return out


def _check_subjects(items: list[dict], problems: dict) -> list[dict]:
    if len(items) > MAX_SUBJECTS:
        problems["subjects"] = (f"At most {MAX_SUBJECTS} subjects.", "max_items")
        return []
    out = []
    for i, raw in enumerate(items):
        s = {k: _clean_text(raw.get(k), n) for k, n in (("name", 200), ("sex", 20), ("race", 60), ("hair", 40),
                                                        ("eyes", 40), ("description", 500))}
        s["aliases"] = [_clean_text(a, 200) for a in (raw.get("aliases") or [])[:10] if _clean_text(a, 200)]
        dob = raw.get("date_of_birth") or None
        if isinstance(dob, str):
            try:
                dob = dt.date.fromisoformat(dob)
            except ValueError:
                dob = "invalid"
        if dob is not None and not isinstance(dob, dt.date):
            problems[f"subjects.{i}.date_of_birth"] = ("Give a date (YYYY-MM-DD).", "type")
            dob = None
        if dob is not None and dob > clock.today():
            problems[f"subjects.{i}.date_of_birth"] = ("The date of birth cannot be in the future.", "not_future")
        s["date_of_birth"] = dob
        for key, high in (("age_min", 120), ("age_max", 120), ("height_in", 108), ("weight_lb", 1000)):
            value = raw.get(key)
            if value in (None, ""):
                s[key] = None
                continue
            if not isinstance(value, int) or not 0 <= value <= high:
                problems[f"subjects.{i}.{key}"] = (f"Give a whole number from 0 to {high}.", "range")
                value = None
            s[key] = value
        if s["age_min"] is not None and s["age_max"] is not None and s["age_max"] < s["age_min"]:
            problems[f"subjects.{i}.age_max"] = ("The upper age cannot be below the lower age.", "range")
        idents = []
        for j, ident in enumerate((raw.get("identifiers") or [])[:10]):
            kind = _clean_text(ident.get("kind"), 20)
            value = _clean_text(ident.get("value"), 100)
            if kind not in ("dl", "ssn", "passport", "state_id", "phone", "email", "other") or not value:
                problems[f"subjects.{i}.identifiers.{j}"] = (
                    "Each identifier needs a kind (dl, ssn, passport, state_id, phone, email, other) and a value.",
                    "choice")
                continue
            idents.append({"kind": kind, "value": value})
        s["identifiers"] = idents
        if any(v for k, v in s.items() if k != "identifiers") or idents:
            out.append(s)
    return out


def _check_vehicles(items: list[dict], problems: dict) -> list[dict]:
    if len(items) > MAX_VEHICLES:
        problems["vehicles"] = (f"At most {MAX_VEHICLES} vehicles.", "max_items")
        return []
    out = []
    this_year = clock.today().year
    for i, raw in enumerate(items):
        v = {k: _clean_text(raw.get(k), n) for k, n in (("plate", 12), ("plate_state", 2), ("vin", 17),
                                                        ("make", 40), ("model", 40), ("color", 40))}
        v["plate_state"] = v["plate_state"].upper()
        if v["plate_state"] and v["plate_state"] not in extraction.STATES:
            problems[f"vehicles.{i}.plate_state"] = ("Give the two-letter state code, e.g. WI.", "choice")
        v["vin"] = v["vin"].upper()
        if v["vin"] and not extraction.valid_vin(v["vin"]):
            problems[f"vehicles.{i}.vin"] = ("Not a valid 17-character VIN (check digit).", "vin")
        year = raw.get("year")
        if year in (None, ""):
            year = None
        elif not isinstance(year, int) or not 1900 <= year <= this_year + 1:
            problems[f"vehicles.{i}.year"] = (f"Give a model year from 1900 to {this_year + 1}.", "range")
            year = None
        v["year"] = year
        if any(v.values()):
            out.append(v)
    return out


def _check_files(files: Iterable[tuple[str, bytes]]) -> list[attachments.CleanFile]:
    files = list(files)
    if len(files) > attachments.MAX_FILES:
        raise _error("attachments", f"At most {attachments.MAX_FILES} files per report.", "max_items")
    return [attachments.clean_upload(name, data) for name, data in files]


def _create(actor: User | None, cleaned: dict, files: list[attachments.CleanFile], *, source: str,
            owner: Organization | None, source_address: str) -> Report:
    routing = jurisdictions.route(county=cleaned["county"] or None, zip_code=cleaned["zip_code"] or None,
                                  latitude=cleaned["latitude"], longitude=cleaned["longitude"])
    today = clock.today()
    report = Report(
        receipt=receipts.new_receipt(), source=source, state=State.RECEIVED, received_at=clock.now(),
        record_class=RecordClass.LAW_ENFORCEMENT, center=routing.center,
        owner_organization=owner or fusion_org(routing.center),
        created_by=actor if actor is not None and actor.is_authenticated else None,
        county=routing.county, routing_flagged=routing.flagged, routing_reason=routing.reason[:300],
        retention_until=today + dt.timedelta(days=conf.get("FUSIONCENTER_SAR_TIP_RETENTION_DAYS")),
        review_due=today + dt.timedelta(days=conf.get("FUSIONCENTER_SAR_VETTING_DAYS")),
        **{k: cleaned[k] for k in (
            "summary", "narrative", "observed_at", "observed_end", "location_address", "location_place",
            "zip_code", "latitude", "longitude", "anonymous", "reporter_name", "reporter_phone", "reporter_email",
            "grading_scheme", "source_reliability", "content_validity", "reporting_officer_name")},
    )
    if source != Source.PUBLIC_WEB and actor is not None:
        report.reporting_agency = actor.organization
        report.reporting_officer = actor
        report.reporting_officer_name = report.reporting_officer_name or actor.get_full_name()
    # The receipt is unique in the database; a collision (40 random bits) is retried with a new one
    # rather than checked first, which saves a query on every report.
    for attempt in range(3):
        try:
            return _write(report, actor, cleaned, files, routing, source, source_address)
        except IntegrityError as exc:
            if "receipt" not in str(exc) or attempt == 2:
                raise
            report.pk = None
            report._state.adding = True
            report.receipt = receipts.new_receipt()
    raise AssertionError("unreachable")


def _write(report: Report, actor: User | None, cleaned: dict, files: list[attachments.CleanFile],
           routing: jurisdictions.Routing, source: str, source_address: str) -> Report:
    """Save the report and everything that hangs on it in one transaction, with its audit entry."""
    written: list[str] = []
    try:
        with transaction.atomic():
            report.save()
            ReportCategory.objects.bulk_create([ReportCategory(report=report, code=c) for c in cleaned["categories"]])
            idents = []
            for s in cleaned["subjects"]:
                Subject.objects.create(report=report, name_key=_name_key(s["name"]), **s)
                for ident in s["identifiers"]:
                    if ident["kind"] == "phone" and extraction.normalize_phone(ident["value"]):
                        idents.append(Identifier(report=report, kind="phone", value=ident["value"],
                                                 key=extraction.normalize_phone(ident["value"])))
                    elif ident["kind"] == "email":
                        idents.append(Identifier(report=report, kind="email", value=ident["value"],
                                                 key=ident["value"].lower()))
            Identifier.objects.bulk_create(idents)
            Vehicle.objects.bulk_create([Vehicle(report=report, plate_key=extraction.normalize_plate(v["plate"]), **v)
                                         for v in cleaned["vehicles"]])
            for f in files:
                att = Attachment.objects.create(report=report, filename=f.filename, content_type=f.content_type,
                                                size=len(f.data), sha256=f.sha256)
                attachments.write(str(att.uuid), f.data)
                written.append(str(att.uuid))
            Transition.objects.create(report=report, action="receive", from_state="", to_state=State.RECEIVED,
                                      by=report.created_by, reason=f"Received from the {report.get_source_display()}.",
                                      detail={"center": routing.center.code, "flagged": routing.flagged})
            if _queue_in_database():
                # The task row commits with the report (one commit, not two; never a task without
                # its report), and before the audit entry, which locks the chain's head until commit.
                _enqueue_extraction(report.pk)
            else:
                transaction.on_commit(lambda: _enqueue_extraction(report.pk))
            audit.record(actor if report.created_by else None, "create", report, source_address=source_address,
                         detail={"source": source, "center": routing.center.code, "flagged": routing.flagged,
                                 "categories": cleaned["categories"], "attachments": len(files)})
    except BaseException:
        for uuid in written:  # no half-written report: files of a rolled-back report go too
            attachments.remove(uuid)
        raise
    return report


def _enqueue_extraction(report_id: int) -> None:
    from ..tasks import extract_report

    extract_report.enqueue(report_id)


def _queue_in_database() -> bool:
    """True when tasks are rows in our own database, so enqueueing can join the report's transaction.

    Other backends (the immediate one in tests, an external broker) run or publish at once, so they
    are only called after the commit.
    """
    from django_tasks_db import DatabaseBackend

    from ..tasks import extract_report

    return isinstance(extract_report.get_backend(), DatabaseBackend)


def check_rate(source_address: str) -> None:
    """Count this public submission; raise RateLimited beyond the limit for the address (`core.ratelimit`)."""
    ratelimit.check("sar.public", source_address, count=conf.get("FUSIONCENTER_SAR_PUBLIC_RATE_COUNT"),
                    seconds=conf.get("FUSIONCENTER_SAR_PUBLIC_RATE_SECONDS"), audit_action="sar_public_rate_limited",
                    object_type="sar.report",
                    message="Too many reports from this connection. Please wait a few minutes and try again, "
                            "or call the tip line.")


@dataclass(frozen=True)
class PublicResult:
    receipt: str
    report: Report | None  # None when the honeypot was filled (nothing stored)


def submit_public(data: dict[str, Any], files: Iterable[tuple[str, bytes]], *, honeypot: str = "",
                  source_address: str = "") -> PublicResult:
    """A report from a member of the public, with no account.

    The honeypot (a field people never see) is answered with a normal-looking receipt and nothing is
    stored: telling a robot it was caught only teaches it to adapt. The attempt still counts against
    the address's rate limit, and is audited (without content).
    """
    check_rate(source_address)
    if honeypot:
        audit.record(None, "sar_public_honeypot", object_type="sar.report", outcome="denied",
                     source_address=source_address)
        return PublicResult(receipts.new_receipt(), None)
    cleaned = _check_input(data, public=True)
    clean_files = _check_files(files)
    report = _create(None, cleaned, clean_files, source=Source.PUBLIC_WEB, owner=None, source_address=source_address)
    return PublicResult(report.receipt, report)


def submit_partner(user: User, data: dict[str, Any], files: Iterable[tuple[str, bytes]] = (), *,
                   source: str = Source.PARTNER_FORM, source_address: str = "") -> Report:
    """A report from a signed-in partner officer (form) or a partner system (API)."""
    if user.role not in SUBMIT_ROLES:
        raise PermissionDenied("Only partner officers, liaison officers and the center's staff submit SARs.")
    cleaned = _check_input(data, public=False)
    clean_files = _check_files(files)
    return _create(user, cleaned, clean_files, source=source, owner=user.organization, source_address=source_address)
