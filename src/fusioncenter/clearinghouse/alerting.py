"""From a case to an alert request: the request fields pre-filled from the case, every active program's
criteria evaluated on them, and the request created through the alerts app's own service.

This is an adapter: the alerts app takes a plain dict of request fields (`criteria.evaluate`,
`services.submit_request`), so the mapping from case to request lives here. Answers the case cannot
give (e.g. "danger of death or serious bodily harm" for a runaway) stay unanswered, so the coordinator
sees them as "not answered" rather than as a guess.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from fusioncenter.alerts import criteria
from fusioncenter.alerts import services as alert_services
from fusioncenter.alerts.models import AlertProgram, AlertRequest
from fusioncenter.core import access, audit, clock

from . import photos, public
from .models import MissingPersonCase, NcicCategory, NcmecCategory
from .services import may_edit

ABDUCTIONS = {NcmecCategory.NONFAMILY_ABDUCTION, NcmecCategory.FAMILY_ABDUCTION, NcmecCategory.INFANT_ABDUCTION}
NOT_ABDUCTIONS = {NcmecCategory.ENDANGERED_RUNAWAY, NcmecCategory.LOST_INJURED_OTHERWISE}


def _description(case: MissingPersonCase) -> str:
    content = public.content_of(case)
    rows = [(k, v) for k, v in public.descriptors(content) if k not in ("Last seen wearing", "Vehicle")]
    return "; ".join(f"{k}: {v}" for k, v in rows)


def _suspects(case: MissingPersonCase) -> tuple[str, str]:
    names = [c["name"] for c in case.companions if c.get("name")]
    descs = [" ".join(x for x in (c.get("relationship"), c.get("description")) if x) for c in case.companions]
    return ", ".join(names)[:200], "; ".join(d for d in descs if d)


def _answers(case: MissingPersonCase) -> dict[str, bool | None]:
    ncmec, ncic = case.ncmec_category, case.ncic_category
    abduction = (
        True
        if (ncmec in ABDUCTIONS or ncic == NcicCategory.EMI or case.ncic_child_abduction)
        else (False if ncmec in NOT_ABDUCTIONS else None)
    )
    danger = True if ncic in (NcicCategory.EME, NcicCategory.EMI) else None
    return {
        "abduction_believed": abduction,
        "danger_of_harm": danger,
        "runaway_or_family_abduction": (
            True
            if ncmec in (NcmecCategory.ENDANGERED_RUNAWAY, NcmecCategory.FAMILY_ABDUCTION)
            else False
            if ncmec in (NcmecCategory.NONFAMILY_ABDUCTION, NcmecCategory.INFANT_ABDUCTION)
            else None
        ),
        "life_in_danger": True if ncic == NcicCategory.EME else None,
        "ncic_entered": bool(case.ncic_number),
        "cannot_return_unaided": True if ncic == NcicCategory.EMD else None,
        "location_unknown": case.is_open,
        "qualifies_for_other_alert": None,
        "cognitive_impairment": case.cognitive_impairment,
        "missing_due_to_condition": True if (case.cognitive_impairment and ncic == NcicCategory.EMD) else None,
        "veteran_or_service_member": case.veteran_or_service_member,
        "service_related_condition": None,
        "person_at_risk": True if ncic in (NcicCategory.EMD, NcicCategory.EME, NcicCategory.EMI) else None,
    }


def request_fields(case: MissingPersonCase, answers: dict[str, Any] | None = None) -> dict[str, Any]:
    """The alert request fields pre-filled from the case (AlertRequest field names), `answers` on top."""
    vehicle = case.vehicles[0] if case.vehicles else {}
    suspect_name, suspect_description = _suspects(case)
    fields: dict[str, Any] = {
        "subject_name": case.full_name,
        "subject_age": case.age_on(case.last_seen_at.date()),
        "subject_sex": case.get_sex_display() if case.sex else "",
        "subject_description": _description(case),
        "clothing": case.clothing,
        "suspect_name": suspect_name,
        "suspect_description": suspect_description,
        "vehicle_description": public.vehicle_text({**vehicle, "plate": ""}) if vehicle else "",
        "vehicle_plate": (vehicle.get("plate") or "")[:20],
        "last_seen_place": ", ".join(x for x in (case.last_seen_place, case.last_seen_city) if x)[:300],
        "last_seen_at": case.last_seen_at,
        "disappeared_at": case.last_seen_at,
        "last_seen_county": case.last_seen_county,
        "circumstances": case.circumstances,
        "public_contact": case.public_contact,
        "requester_phone": case.investigator_phone,
        "case_number": case.agency_case_number,
        "ncic_number": case.ncic_number,
        "investigative_notes": case.investigative_notes,
        "medical_details": case.medical_details,
        **_answers(case),
    }
    for name, value in (answers or {}).items():
        if name in AlertRequest.ANSWER_FIELDS and value is not None:
            fields[name] = value
    return fields


@dataclass(frozen=True)
class ProgramCheck:
    program: AlertProgram
    evaluation: criteria.Evaluation

    @property
    def qualifies(self) -> bool:
        return self.evaluation.all_met


def evaluate_all(case: MissingPersonCase, answers: dict[str, Any] | None = None) -> list[ProgramCheck]:
    """Every active program's criteria on the pre-filled fields. "Qualifies for another alert" is taken
    from the other programs' results (the Missing Child alert applies only when no other one does)."""
    fields = request_fields(case, answers)
    programs = list(AlertProgram.objects.filter(active=True))
    now = clock.now()
    first = {p.code: criteria.evaluate(p.spec(), {**fields, "requested_at": now}, now=now) for p in programs}
    out = []
    for p in programs:
        f = dict(fields)
        if f.get("qualifies_for_other_alert") is None:
            f["qualifies_for_other_alert"] = any(
                e.all_met for code, e in first.items() if code not in (p.code, "MISSING_ENDANGERED")
            )
        out.append(ProgramCheck(p, criteria.evaluate(p.spec(), {**f, "requested_at": now}, now=now)))
    return out


def request_alert(
    actor: Any,
    case: MissingPersonCase,
    program: AlertProgram,
    answers: dict[str, Any] | None = None,
    *,
    source: str = "",
) -> AlertRequest:
    """Create the alert request through the alerts service, with the case's photo, and link it to the case."""
    if not may_edit(actor, case):
        raise PermissionDenied("Only the clearinghouse staff and the case's agencies request an alert for a case.")
    if not case.is_open:
        raise ValidationError({"status": ["The case is resolved."]}, code="closed")
    access.require(actor, access.VIEW, case, source_address=source)
    fields = request_fields(case, answers)
    if fields.get("qualifies_for_other_alert") is None:
        fields["qualifies_for_other_alert"] = any(
            c.qualifies
            for c in evaluate_all(case, answers)
            if c.program.code not in (program.code, "MISSING_ENDANGERED")
        )
    county = fields.get("last_seen_county")
    if county is None:
        fields["statewide"] = True
    photo = case.photos.filter(releasable=True).order_by("-taken_on", "-id").first()
    upload = io.BytesIO(photos.read(photo)) if photo else None
    with transaction.atomic():
        req = alert_services.submit_request(
            actor, program, fields, area_counties=[county] if county else [], photo_upload=upload, source=source
        )
        case.alert_requests.add(req)
        audit.record(
            actor,
            "clearinghouse_alert_request",
            case,
            source_address=source,
            detail={"program": program.code, "request": req.pk},
        )
    return req
