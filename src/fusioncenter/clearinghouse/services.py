"""Clearinghouse cases: open, update, photos, release to the public, status changes, sightings.

Every state change checks who may make it, writes the record, its history and its audit entry in one
transaction. Public outputs read the `PublicListing` made at release (public fields only); resolving a
case withdraws the listing and cancels any active alert issued from the case, through the alerts
app's own service.
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
from typing import Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.urls import reverse

from fusioncenter.core import access, audit, clock, jurisdictions, ratelimit
from fusioncenter.core.markings import TLP, RecordClass
from fusioncenter.core.models import Organization, Share, User
from fusioncenter.core.roles import Role
from fusioncenter.core.site import absolute_url

from . import photos, public, retention
from .models import (
    RESOLVED_STATUSES,
    CasePhoto,
    CaseStatus,
    CaseStatusChange,
    MissingPersonCase,
    NcicCategory,
    NcmecCategory,
    PersonType,
    PublicListing,
    Sex,
    Sighting,
)

# The clearinghouse staff: the center's analysts and supervisors, and the alert coordinator.
STAFF_ROLES = frozenset({Role.ANALYST, Role.SUPERVISOR, Role.ALERT_COORDINATOR})
EDITABLE = (
    set(MissingPersonCase.PUBLIC_FIELDS)
    | set(MissingPersonCase.SENSITIVE_FIELDS)
    | {
        "ncic_category",
        "ncic_child_abduction",
        "ncmec_category",
        "last_seen_zip",
        "cognitive_impairment",
        "veteran_or_service_member",
        "reporting_agency",
        "investigating_agency",
        "external_id",
    }
)
VEHICLE_KEYS = ("year", "color", "make", "model", "plate", "state")
COMPANION_KEYS = ("name", "relationship", "description")
NCIC_NUMBER = re.compile(r"^[A-Z]\d{9}$")
RATE_COUNT = getattr(settings, "FUSIONCENTER_SIGHTING_RATE_COUNT", 5)
RATE_SECONDS = getattr(settings, "FUSIONCENTER_SIGHTING_RATE_SECONDS", 600)


RateLimited = ratelimit.RateLimited  # too many public sightings from one address in the window


# --- who may do what ---------------------------------------------------------------------------------


def is_staff(user: Any) -> bool:
    return access.is_signed_in(user) and user.role in STAFF_ROLES and user.is_active


def may_open(user: Any) -> bool:
    """Partner officers (sworn, law-enforcement agency) for their agency, and the clearinghouse staff."""
    if not access.is_signed_in(user) or not user.is_active:
        return False
    if user.role == Role.PARTNER_OFFICER:
        return bool(user.sworn) and user.organization_id is not None and user.organization.is_law_enforcement
    return user.role in STAFF_ROLES and access.has_law_enforcement_access(user)


def may_edit(user: Any, case: MissingPersonCase) -> bool:
    """Whoever may see the case and is the clearinghouse staff, or a sworn officer of its agencies."""
    if not access.is_signed_in(user) or not access.decide(user, access.VIEW, case):
        return False
    if user.role in STAFF_ROLES:
        return True
    return bool(user.sworn) and user.organization_id in (case.reporting_agency_id, case.investigating_agency_id)


def visible_cases(user: Any):
    return access.visible(user, MissingPersonCase.objects.select_related("last_seen_county", "investigating_agency"))


def get_case(user: Any, pk: int, source: str = "") -> MissingPersonCase:
    """The case if `user` may see it (audited); AccessDenied (shown as 404) otherwise."""
    case = (
        MissingPersonCase.objects.select_related("last_seen_county", "reporting_agency", "investigating_agency")
        .filter(pk=pk)
        .first()
    )
    if case is None:
        raise access.AccessDenied(access.deny("No such case."))
    access.require(user, access.VIEW, case, source_address=source)
    return case


# --- validation ----------------------------------------------------------------------------------------


def _text(value: Any, limit: int) -> str:
    return str(value or "").strip()[:limit]


def _rows(items: Any, keys: tuple[str, ...], field: str, errors: dict) -> list[dict[str, str]]:
    if items in (None, ""):
        return []
    if not isinstance(items, list) or len(items) > 10 or not all(isinstance(i, dict) for i in items):
        errors[field] = ["A list of at most 10 entries."]
        return []
    out = []
    for item in items:
        unknown = set(item) - set(keys)
        if unknown:
            errors[field] = [f"Unknown key {sorted(unknown)[0]!r}; use {', '.join(keys)}."]
            return []
        row = {k: _text(item.get(k), 200) for k in keys}
        if any(row.values()):
            out.append(row)
    return out


def _clean(fields: dict[str, Any], *, partial: MissingPersonCase | None = None) -> dict[str, Any]:
    """Check and normalize case fields. With `partial`, only the given fields are checked, against the case."""
    unknown = set(fields) - EDITABLE - {"person_type"}
    if unknown:
        raise ValidationError({name: ["Unknown field."] for name in sorted(unknown)}, code="unknown")
    merged = {name: getattr(partial, name) for name in EDITABLE | {"person_type"}} if partial else {}
    merged.update(fields)
    errors: dict[str, list[str]] = {}
    out = dict(fields)
    for name, limit in (("given_name", 100), ("family_name", 100), ("last_seen_place", 300), ("public_contact", 200)):
        if name in merged and not _text(merged.get(name), limit):
            errors[name] = ["This field is required."]
    for name in (
        "alternate_names",
        "race",
        "hair_color",
        "eye_color",
        "complexion",
        "last_seen_city",
        "agency_case_number",
        "investigator_name",
        "investigator_phone",
        "reporting_party_name",
        "reporting_party_phone",
        "last_seen_zip",
        "external_id",
    ):
        if name in out:
            out[name] = _text(out[name], MissingPersonCase._meta.get_field(name).max_length)
    for name in ("given_name", "family_name", "last_seen_place", "public_contact"):
        if name in out:
            out[name] = _text(out[name], MissingPersonCase._meta.get_field(name).max_length)
    for name in ("scars_marks_tattoos", "clothing", "circumstances", "investigative_notes", "medical_details"):
        if name in out:
            out[name] = _text(out[name], 5000)
    if merged.get("ncic_category") not in NcicCategory.values:
        errors["ncic_category"] = ["Choose the NCIC category."]
    if merged.get("ncmec_category", "") not in [*NcmecCategory.values, ""]:
        errors["ncmec_category"] = ["Not a NCMEC case type."]
    if merged.get("sex", "") not in Sex.values:
        errors["sex"] = ["female, male, other or blank."]
    now = clock.now()
    seen = merged.get("last_seen_at")
    if not isinstance(seen, dt.datetime):
        errors["last_seen_at"] = ["Give the date and time the person was last seen."]
    elif seen > now + dt.timedelta(minutes=5):
        errors["last_seen_at"] = ["This time is in the future."]
    elif "last_seen_at" in out:
        out["last_seen_at"] = seen.replace(microsecond=0)  # never known finer; PFIF and CSV carry seconds
    dob = merged.get("date_of_birth")
    if dob is not None and (not isinstance(dob, dt.date) or dob > now.date()):
        errors["date_of_birth"] = ["The date of birth must be a past date."]
    age = merged.get("age_at_disappearance")
    if age is not None:
        try:
            age = int(age)
            if not 0 <= age <= 120:
                raise ValueError
            out["age_at_disappearance"] = age if "age_at_disappearance" in out else age
        except (TypeError, ValueError):
            errors["age_at_disappearance"] = ["An age between 0 and 120."]
            age = None
    if age is None and isinstance(dob, dt.date) and isinstance(seen, dt.datetime) and "last_seen_at" not in errors:
        d = seen.date()
        age = d.year - dob.year - ((d.month, d.day) < (dob.month, dob.day))
        if 0 <= age <= 120:
            out["age_at_disappearance"] = age
    kind = merged.get("person_type") or (
        (PersonType.CHILD if age < 18 else PersonType.ADULT) if age is not None else None
    )
    if kind not in PersonType.values:
        errors["person_type"] = ["Child or adult: give the age or choose."]
    elif age is not None and (kind == PersonType.CHILD) != (age < 18):
        errors["person_type"] = [f"A person aged {age} is {'a child' if age < 18 else 'an adult'} (under 18: child)."]
    else:
        out["person_type"] = kind
    if merged.get("ncic_category") == NcicCategory.EMJ and age is not None and age >= 21:
        errors["ncic_category"] = ["Juvenile (EMJ) is for persons under 21."]
    if (
        merged.get("ncmec_category") == NcmecCategory.CRITICALLY_MISSING_YOUNG_ADULT
        and age is not None
        and not (18 <= age <= 20)
    ):
        errors["ncmec_category"] = ["Critically Missing Young Adult is for ages 18 to 20."]
    for name, low, high in (("height_in", 10, 100), ("weight_lb", 2, 900)):
        value = merged.get(name)
        if value not in (None, ""):
            try:
                if not low <= int(value) <= high:
                    raise ValueError
                if name in out:
                    out[name] = int(value)
            except (TypeError, ValueError):
                errors[name] = [f"Between {low} and {high}."]
        elif name in out:
            out[name] = None
    number = _text(merged.get("ncic_number"), 20).upper()
    if number and not NCIC_NUMBER.match(number):
        errors["ncic_number"] = ["An NCIC number is a letter and nine digits, e.g. M123456789."]
    if "ncic_number" in out:
        out["ncic_number"] = number
    email = _text(merged.get("investigator_email"), 254)
    if email:
        try:
            validate_email(email)
        except ValidationError:
            errors["investigator_email"] = ["Not an e-mail address."]
    if "investigator_email" in out:
        out["investigator_email"] = email
    for name in ("last_seen_latitude", "last_seen_longitude"):
        value = merged.get(name)
        if value not in (None, ""):
            try:
                number_ = float(value)
                if not (-180 <= number_ <= 180):
                    raise ValueError
                if name in out:
                    out[name] = number_
            except (TypeError, ValueError):
                errors[name] = ["Not a coordinate."]
        elif name in out:
            out[name] = None
    if "vehicles" in out:
        out["vehicles"] = _rows(out["vehicles"], VEHICLE_KEYS, "vehicles", errors)
    if "companions" in out:
        out["companions"] = _rows(out["companions"], COMPANION_KEYS, "companions", errors)
    for name in ("reporting_agency", "investigating_agency"):
        org = merged.get(name)
        if name in merged and not (isinstance(org, Organization) and org.is_law_enforcement):
            errors[name] = ["Choose a law-enforcement agency."]
    if errors:
        raise ValidationError(errors, code="invalid")
    return out


def _route(case: MissingPersonCase) -> None:
    routing = jurisdictions.route(
        zip_code=case.last_seen_zip or None,
        latitude=case.last_seen_latitude,
        longitude=case.last_seen_longitude,
    )
    if routing.county is None and case.investigating_agency.county_id:
        routing = jurisdictions.route(county=case.investigating_agency.county)
        routing = jurisdictions.Routing(
            routing.center, routing.county, True, "No place clue; the investigating agency's county was used."
        )
    case.last_seen_county = routing.county
    case.center = routing.center
    case.routing_reason = routing.reason[:400]


INVESTIGATING_REASON = "Missing-person case: investigating agency."
COORDINATOR_REASON = "Missing-person case: alert coordinator."
LEGACY_REASON = "Missing-person case: investigating agency or alert coordinator."


def _share(actor: User, case: MissingPersonCase) -> None:
    """The investigating agency and the alert coordinators' organizations see the case."""
    ct = ContentType.objects.get_for_model(MissingPersonCase)
    orgs = set(
        Organization.objects.filter(members__role=Role.ALERT_COORDINATOR, members__is_active=True).values_list(
            "pk", flat=True
        )
    )
    orgs.add(case.investigating_agency_id)
    orgs.discard(case.reporting_agency_id)
    have = set(Share.objects.filter(content_type=ct, object_id=str(case.pk)).values_list("organization_id", flat=True))
    for org_id in sorted(orgs - have):
        Share.objects.create(
            content_type=ct,
            object_id=str(case.pk),
            organization_id=org_id,
            granted_by=actor if isinstance(actor, User) else None,
            reason=INVESTIGATING_REASON if org_id == case.investigating_agency_id else COORDINATOR_REASON,
        )


# --- cases ---------------------------------------------------------------------------------------------


def open_case(actor: User, fields: dict[str, Any], *, source: str = "") -> MissingPersonCase:
    """Open a case. A partner officer opens it for their own agency; the staff name the agency."""
    if not may_open(actor):
        raise PermissionDenied("Cases are opened by partner officers for their agency and by the clearinghouse staff.")
    fields = dict(fields)
    if actor.role == Role.PARTNER_OFFICER:
        fields["reporting_agency"] = actor.organization
    fields.setdefault("reporting_agency", actor.organization)
    fields.setdefault("investigating_agency", fields.get("reporting_agency"))
    for name in ("given_name", "family_name", "last_seen_place", "public_contact", "ncic_category", "last_seen_at"):
        fields.setdefault(name, None)
    cleaned = _clean(fields)
    with transaction.atomic():
        now = clock.now()
        case = MissingPersonCase(
            reference=f"tmp-{secrets.token_hex(8)}",
            record_class=RecordClass.LAW_ENFORCEMENT,
            tlp=TLP.AMBER,
            les=True,
            owner_organization=cleaned["reporting_agency"],
            created_by=actor,
            opened_at=now,
            updated_at=now,
            **cleaned,
        )
        _route(case)
        retention.stamp(case)
        case.save()
        case.reference = f"MP-{now:%Y}-{case.pk:05d}"
        case.save(update_fields=["reference"])
        CaseStatusChange.objects.create(case=case, at=now, actor=actor, to_status=CaseStatus.MISSING, note="Opened.")
        _share(actor, case)
        audit.record(
            actor,
            "clearinghouse_case_open",
            case,
            source_address=source,
            detail={"ncic": case.ncic_category, "ncmec": case.ncmec_category, "county": case.last_seen_county_id},
        )
    return case


def update_case(
    actor: User, case: MissingPersonCase, changes: dict[str, Any], *, source: str = ""
) -> MissingPersonCase:
    if not may_edit(actor, case):
        raise PermissionDenied("Only the clearinghouse staff and the case's agencies change a case.")
    if "reporting_agency" in changes and actor.role == Role.PARTNER_OFFICER:
        raise PermissionDenied("The reporting agency is changed by the clearinghouse staff.")
    cleaned = _clean(changes, partial=case)
    with transaction.atomic():
        case = MissingPersonCase.objects.select_for_update().get(pk=case.pk)
        for name, value in cleaned.items():
            setattr(case, name, value)
        if "reporting_agency" in cleaned:
            case.owner_organization = cleaned["reporting_agency"]
        if {"last_seen_zip", "last_seen_latitude", "last_seen_longitude", "investigating_agency"} & set(cleaned):
            _route(case)
        case.updated_at = clock.now()
        case.save()
        _share(actor, case)
        if case.released_to_public and case.is_open:
            _publish(case)
        audit.record(
            actor, "clearinghouse_case_update", case, source_address=source, detail={"fields": sorted(cleaned)}
        )
    return case


def add_photo(
    actor: User,
    case: MissingPersonCase,
    upload,
    *,
    taken_on: dt.date | None,
    description: str = "",
    releasable: bool = True,
    source: str = "",
) -> CasePhoto:
    """Add a photo, with the date it was taken (required: an old photo misleads the public)."""
    if not may_edit(actor, case):
        raise PermissionDenied("Only the clearinghouse staff and the case's agencies add photos.")
    if not isinstance(taken_on, dt.date) or taken_on > clock.today():
        raise ValidationError({"taken_on": ["Give the date the photo was taken (not in the future)."]}, code="required")
    encoded, width, height = photos.clean(upload)
    name, digest = photos.write(encoded)
    try:
        with transaction.atomic():
            photo = CasePhoto.objects.create(
                case=case,
                file=name,
                sha256=digest,
                size=len(encoded),
                width=width,
                height=height,
                taken_on=taken_on,
                description=_text(description, 300),
                releasable=releasable,
                uploaded_by=actor,
            )
            if case.released_to_public and case.is_open:
                _publish(case)
            audit.record(actor, "clearinghouse_photo_add", case, source_address=source, detail={"photo": photo.pk})
    except Exception:
        photos.remove(CasePhoto(file=name))
        raise
    return photo


# --- release to the public --------------------------------------------------------------------------


def may_release(user: Any, case: MissingPersonCase) -> bool:
    return may_edit(user, case)


def _publish(case: MissingPersonCase) -> PublicListing:
    """Create or refresh the public listing from the public fields (caller holds the transaction)."""
    photo = case.photos.filter(releasable=True).order_by("-taken_on", "-id").first()
    listing, _ = PublicListing.objects.get_or_create(
        case=case,
        defaults={
            "agency_name": case.investigating_agency.name,
            "record_class": RecordClass.PUBLIC,
            "tlp": TLP.CLEAR,
            "center": case.center,
            "owner_organization": case.owner_organization,
        },
    )
    listing.content = public.content_of(case)
    listing.photo = photo
    listing.photo_taken_on = photo.taken_on if photo else None
    listing.county_name = case.last_seen_county.name if case.last_seen_county_id else ""
    listing.agency_name = case.investigating_agency.name
    listing.record_class, listing.tlp, listing.les, listing.cui = RecordClass.PUBLIC, TLP.CLEAR, False, ""
    listing.center, listing.owner_organization = case.center, case.owner_organization
    now = clock.now()
    if listing.withdrawn_at is not None:
        listing.published_at, listing.withdrawn_at = now, None
    listing.updated_at = now
    listing.save()
    return listing


def release(actor: User, case: MissingPersonCase, *, source: str = "") -> PublicListing:
    """The agency clears the case for the public: the listing, poster and feed entry appear."""
    if not may_release(actor, case):
        raise PermissionDenied("Only the clearinghouse staff and the case's agencies release a case.")
    with transaction.atomic():
        case = MissingPersonCase.objects.select_for_update().get(pk=case.pk)
        if not case.is_open:
            raise ValidationError({"status": ["Only an open case is published."]}, code="closed")
        case.released_to_public, case.released_at, case.released_by = True, clock.now(), actor
        case.save(update_fields=["released_to_public", "released_at", "released_by"])
        listing = _publish(case)
        audit.record(actor, "clearinghouse_release", case, source_address=source, detail={"listing": listing.pk})
    return listing


def _withdraw(case: MissingPersonCase) -> bool:
    """Take the listing down, keeping only its id and dates (as PFIF does for expired records)."""
    listing = PublicListing.objects.filter(case=case, withdrawn_at__isnull=True).first()
    case.released_to_public = False
    if listing is None:
        return False
    now = clock.now()
    listing.content, listing.photo, listing.photo_taken_on, listing.county_name = {}, None, None, ""
    listing.withdrawn_at = listing.updated_at = now
    listing.save()
    return True


def withdraw(actor: User, case: MissingPersonCase, *, source: str = "") -> None:
    if not may_release(actor, case):
        raise PermissionDenied("Only the clearinghouse staff and the case's agencies withdraw a release.")
    with transaction.atomic():
        case = MissingPersonCase.objects.select_for_update().get(pk=case.pk)
        _withdraw(case)
        case.save(update_fields=["released_to_public"])
        audit.record(actor, "clearinghouse_withdraw", case, source_address=source)


def public_listings():
    """Listings the public may see, through the one access filter."""
    qs = PublicListing.objects.filter(withdrawn_at__isnull=True).select_related("photo")
    return access.visible(None, qs)


# --- status ----------------------------------------------------------------------------------------------


def change_status(
    actor: User, case: MissingPersonCase, to_status: str, *, note: str = "", source: str = ""
) -> MissingPersonCase:
    """Move the case; resolving it takes the listing down and cancels any active alert from the case."""
    if not may_edit(actor, case):
        raise PermissionDenied("Only the clearinghouse staff and the case's agencies change a case's status.")
    if to_status not in CaseStatus.values:
        raise ValidationError({"status": ["Not a case status."]}, code="invalid")
    note = _text(note, 2000)
    with transaction.atomic():
        case = MissingPersonCase.objects.select_for_update().get(pk=case.pk)
        if case.status == to_status:
            raise ValidationError(
                {"status": [f"The case is already {case.get_status_display().lower()}."]}, code="unchanged"
            )
        if to_status == CaseStatus.MISSING and not note:
            raise ValidationError({"note": ["Say why the case is reopened."]}, code="required")
        now = clock.now()
        before = case.status
        case.status = to_status
        cancelled: list[int] = []
        withdrawn = False
        if to_status in RESOLVED_STATUSES:
            case.resolved_at = case.resolved_at if before in RESOLVED_STATUSES else now
            withdrawn = _withdraw(case)
            cancelled = _cancel_alerts(actor, case, to_status)
        else:
            case.resolved_at = None
        case.updated_at = now
        retention.stamp(case)  # kept while missing; the clock runs from the resolution
        case.save()
        CaseStatusChange.objects.create(
            case=case, at=now, actor=actor, from_status=before, to_status=to_status, note=note
        )
        audit.record(
            actor,
            "clearinghouse_status",
            case,
            source_address=source,
            detail={"from": before, "to": to_status, "withdrawn": withdrawn, "alerts_cancelled": cancelled},
        )
    return case


def _cancel_alerts(actor: User, case: MissingPersonCase, to_status: str) -> list[int]:
    from fusioncenter.alerts import services as alert_services
    from fusioncenter.alerts.models import Alert, AlertStatus

    found = to_status in (CaseStatus.LOCATED_SAFE, CaseStatus.RECOVERED)
    out = []
    for alert in Alert.objects.filter(request__in=case.alert_requests.all(), status=AlertStatus.ACTIVE):
        who = actor if alert_services.may_manage_alert(actor, alert) else audit.SYSTEM
        alert_services.cancel_alert(
            who, alert, "found" if found else "other", note="" if found else "The case is resolved."
        )
        out.append(alert.pk)
    return out


# --- sightings ---------------------------------------------------------------------------------------


def check_rate(source_address: str) -> None:
    """Count this submission; refuse beyond RATE_COUNT per RATE_SECONDS for the address (`core.ratelimit`)."""
    ratelimit.check("clearinghouse.sighting", source_address, count=RATE_COUNT, seconds=RATE_SECONDS,
                    audit_action="clearinghouse_sighting_rate_limited", object_type="clearinghouse.sighting",
                    message="Too many sightings from this connection. Please wait a few minutes, or call the number "
                            "on the poster.")


def listed_case(pk: int) -> MissingPersonCase:
    """The case behind a public listing, for the sighting form; LookupError if it is not listed."""
    listing = public_listings().filter(case_id=pk).select_related("case").first()
    if listing is None:
        raise LookupError(pk)
    return listing.case


def submit_sighting(
    case_id: int, data: dict[str, Any], *, honeypot: str = "", source_address: str = ""
) -> Sighting | None:
    """A sighting from the public, linked to a listed case and routed to the investigating agency's users
    and the clearinghouse staff (portal notices). None when the honeypot was filled: nothing is stored,
    and the robot gets the same thank-you page as a person."""
    check_rate(source_address)
    case = listed_case(case_id)
    if honeypot:
        audit.record(
            None,
            "clearinghouse_sighting_honeypot",
            object_type="clearinghouse.sighting",
            outcome="denied",
            source_address=source_address,
        )
        return None
    errors: dict[str, list[str]] = {}
    place = _text(data.get("place"), 300)
    description = _text(data.get("description"), 4000)
    if not place:
        errors["place"] = ["Say where you saw the person."]
    if len(description) < 5:
        errors["description"] = ["Describe what you saw."]
    seen_at = data.get("seen_at")
    if seen_at is not None and (
        not isinstance(seen_at, dt.datetime) or seen_at > clock.now() + dt.timedelta(minutes=5)
    ):
        errors["seen_at"] = ["The time cannot be in the future."]
    email = _text(data.get("reporter_email"), 254)
    if email:
        try:
            validate_email(email)
        except ValidationError:
            errors["reporter_email"] = ["Not an e-mail address."]
    zip_code = _text(data.get("zip_code"), 10)
    if zip_code and not re.fullmatch(r"\d{5}(-?\d{4})?", zip_code):
        errors["zip_code"] = ["A ZIP code is five digits."]
    if errors:
        raise ValidationError(errors, code="invalid")
    routing = jurisdictions.route(zip_code=zip_code or None)
    with transaction.atomic():
        sighting = Sighting.objects.create(
            case=case,
            place=place,
            description=description,
            seen_at=seen_at,
            zip_code=zip_code,
            county=routing.county,
            reporter_name=_text(data.get("reporter_name"), 200),
            reporter_phone=_text(data.get("reporter_phone"), 40),
            reporter_email=email,
        )
        audit.record(
            None,
            "clearinghouse_sighting",
            object_type="clearinghouse.sighting",
            object_id=str(sighting.pk),
            source_address=source_address,
            detail={"case": case.pk},
        )
        _notify_sighting(case, sighting)
    return sighting


def sighting_recipients(case: MissingPersonCase) -> list[User]:
    """The investigating agency's users who may see the case, and the clearinghouse staff who may."""
    users = User.objects.filter(is_active=True, locked_at__isnull=True).select_related("organization")
    agency = users.filter(organization_id=case.investigating_agency_id)
    staff = users.filter(role__in=STAFF_ROLES)
    out = {u.pk: u for u in list(agency) + list(staff) if access.decide(u, access.RECEIVE, case)}
    return list(out.values())


def _notify_sighting(case: MissingPersonCase, sighting: Sighting) -> None:
    from fusioncenter.delivery.services import send

    recipients = [("portal", "", u) for u in sighting_recipients(case)]
    if not recipients:
        return
    url = absolute_url(reverse("clearinghouse:case_detail", args=[case.pk]))
    send(
        {
            "subject": f"Sighting received for case {case.reference}",
            "text_body": f"The public sent sighting {sighting.pk} for case {case.reference}.\nOpen the case: {url}",
            "sender_label": "Missing persons clearinghouse",
        },
        recipients,
        source=("clearinghouse.sighting", str(sighting.pk)),
        actor=audit.SYSTEM,
        key=f"clearinghouse-sighting-{sighting.pk}",
    )


def mark_sighting_reviewed(actor: User, sighting: Sighting, *, source: str = "") -> None:
    if not may_edit(actor, sighting.case):
        raise PermissionDenied("Only the clearinghouse staff and the case's agencies review sightings.")
    with transaction.atomic():
        sighting.reviewed_at = clock.now()
        sighting.save(update_fields=["reviewed_at"])
        audit.record(
            actor,
            "clearinghouse_sighting_reviewed",
            object_type="clearinghouse.sighting",
            object_id=str(sighting.pk),
            source_address=source,
            detail={"case": sighting.case_id},
        )
