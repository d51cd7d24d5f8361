"""The vetting workflow: transitions and their rules, and transfers between centers."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction

from fusioncenter.core import audit, clock
from fusioncenter.core.markings import RecordClass
from fusioncenter.core.models import Center, Organization, User
from fusioncenter.core.roles import Role

from .. import civil_liberties, conf, lawful_acquisition
from ..models import (
    DISPOSITIONS,
    Report,
    ReportCategory,
    State,
    Transition,
)
from .common import (
    WORKER_ROLES,
    _clean_text,
    _error,
    _errors,
    _reason,
    _require_worker,
    fusion_org,
    is_worker,
)


@dataclass(frozen=True)
class Rule:
    """One transition of the workflow."""

    from_states: tuple[str, ...]
    to_state: str
    roles: frozenset[str]
    label: str


RULES: dict[str, Rule] = {
    "initial_review": Rule((State.RECEIVED,), State.VETTING, frozenset({Role.SUPERVISOR}),
                           "Complete the initial review and send to analyst vetting"),
    "ise_sar": Rule((State.VETTING,), State.ISE_SAR, WORKER_ROLES, "ISE-SAR: potential nexus to terrorism"),
    "criminal_intelligence": Rule((State.VETTING,), State.CRIMINAL_INTELLIGENCE, WORKER_ROLES,
                                  "Criminal intelligence: reasonable suspicion of criminal activity"),
    "refer": Rule((State.VETTING,), State.REFERRED, WORKER_ROLES, "Refer to an agency"),
    "tip_lead": Rule((State.VETTING,), State.TIP_LEAD, WORKER_ROLES, "Keep as a tip or lead (temporary)"),
    "unfounded": Rule((State.RECEIVED, State.VETTING), State.UNFOUNDED, WORKER_ROLES, "Close as unfounded"),
    "reopen": Rule((State.TIP_LEAD, State.REFERRED, State.UNFOUNDED), State.VETTING, frozenset({Role.SUPERVISOR}),
                   "Reopen for vetting (new information)"),
}



def allowed_actions(user: Any, report: Report) -> list[str]:
    if not is_worker(user, report):
        return []
    return [name for name, rule in RULES.items() if report.state in rule.from_states and user.role in rule.roles]


def transition(user: User, report: Report, action: str, reason: str, fields: dict[str, Any] | None = None, *,
               source_address: str = "") -> Report:
    """Move a report along the workflow. A move the rules do not allow is refused with the reason."""
    fields = dict(fields or {})
    rule = RULES.get(action)
    if rule is None:
        raise _error("action", f"Unknown action '{str(action)[:40]}'. Actions: {', '.join(RULES)}.", "choice")
    with transaction.atomic():
        report = Report.objects.select_for_update().get(pk=report.pk)
        _require_worker(user, report, "move it through vetting", source_address)
        if report.state not in rule.from_states:
            allowed = ", ".join(n for n, r in RULES.items() if report.state in r.from_states) or "none"
            raise _error("action", f"'{action}' is not allowed while the report is "
                                   f"'{report.get_state_display()}'. Allowed now: {allowed}.", "transition")
        if user.role not in rule.roles:
            raise PermissionDenied(f"'{action}' is for the {' or '.join(sorted(rule.roles))} role.")
        why = _reason(reason)
        before = report.state
        detail: dict[str, Any] = {}
        getattr(_Effects, action)(user, report, fields, detail)
        report.state = rule.to_state
        if rule.to_state in DISPOSITIONS:
            report.disposition_at = clock.now()
            report.disposition_by = user
        report.save()
        Transition.objects.create(report=report, action=action, from_state=before, to_state=rule.to_state, by=user,
                                  reason=why, detail=detail)
        audit.record(user, f"sar_{action}", report, source_address=source_address,
                     detail={"from": before, "to": rule.to_state, **{k: v for k, v in detail.items()
                                                                     if k in _AUDIT_SAFE}})
    return report


# What of a transition's detail the audit may hold: codes and flags, never free text (the source of
# information of a criminal-intelligence attestation may name a person).
_AUDIT_SAFE = {"categories", "record_class", "retention_until", "referred_to_id", "warnings",
               "lawful_acquisition_attested"}


def _bool(fields: dict, key: str) -> bool | None:
    value = fields.get(key)
    if value in (None, ""):
        return None
    if isinstance(value, bool):
        return value
    return str(value).lower() in ("1", "true", "yes", "on")


def _date_field(fields: dict, key: str) -> dt.date | None:
    value = fields.get(key)
    if value in (None, ""):
        return None
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise _error(key, "Give a date (YYYY-MM-DD).", "type") from None


class _Effects:
    """What each action checks and changes besides the state. Names match RULES."""

    @staticmethod
    def initial_review(user: User, report: Report, fields: dict, detail: dict) -> None:
        complete = _bool(fields, "complete")
        solely = _bool(fields, "solely_protected_activity")
        problems = {}
        if complete is not True:
            problems["complete"] = ("Confirm the report is complete (what, when, where, who) before vetting; if it "
                                    "is not, ask the reporter or close it.")
        if solely is None:
            problems["solely_protected_activity"] = ("Answer: is the report based solely on protected activity or a "
                                                     "protected characteristic?")
        elif solely:
            problems["solely_protected_activity"] = (
                "A report based solely on protected activity or a protected characteristic does not go to vetting: "
                "close it as unfounded.")
        if problems:
            raise _errors(problems, "initial_review")
        report.initial_review_by = user
        report.initial_review_at = clock.now()
        report.solely_protected_attested = False

    @staticmethod
    def _guarded(disposition: str, user: User, report: Report, fields: dict, detail: dict) -> None:
        codes = fields.get("categories")
        codes = list(dict.fromkeys(codes)) if codes is not None else report.category_codes
        text_field = "justification" if disposition == "ise_sar" else "criminal_predicate"
        text = _clean_text(fields.get(text_field), 5000)
        facts = _clean_text(fields.get("additional_facts"), 5000)
        activity = _clean_text(fields.get("criminal_activity"), 200)
        result = civil_liberties.assess(
            disposition, category_codes=codes, justification=text, additional_facts=facts,
            criminal_activity=activity, solely_protected=_bool(fields, "solely_protected_activity"),
            initial_review_solely_protected=report.solely_protected_attested,
            warnings_acknowledged=bool(_bool(fields, "acknowledge_warnings")),
        )
        if not result.allowed:
            problems = dict(result.problems)
            if "acknowledge_warnings" in problems and result.warnings:
                problems["acknowledge_warnings"] += " " + " ".join(result.warnings)
            raise _errors(problems, "civil_liberties")
        if fields.get("categories") is not None:
            report.categories.all().delete()
            ReportCategory.objects.bulk_create([ReportCategory(report=report, code=c) for c in codes])
        report.additional_facts = facts
        detail.update(categories=codes, warnings=len(result.warnings))

    @staticmethod
    def ise_sar(user: User, report: Report, fields: dict, detail: dict) -> None:
        _Effects._guarded("ise_sar", user, report, fields, detail)
        report.nexus_justification = _clean_text(fields.get("justification"), 5000)
        report.ise_sar = True
        report.record_class = RecordClass.LAW_ENFORCEMENT
        report.retention_until = clock.today() + dt.timedelta(days=conf.get("FUSIONCENTER_SAR_ISE_RETENTION_DAYS"))
        report.review_due = report.retention_until
        detail.update(record_class=report.record_class, retention_until=report.retention_until.isoformat())

    @staticmethod
    def criminal_intelligence(user: User, report: Report, fields: dict, detail: dict) -> None:
        if not user.cfr23_training_current():
            raise PermissionDenied("Entering criminal intelligence needs current 28 CFR Part 23 training.")
        attestation, problems = lawful_acquisition.check(fields)
        if attestation is None:
            raise _errors(problems, lawful_acquisition.RULE)
        _Effects._guarded("criminal_intelligence", user, report, fields, detail)
        detail["lawful_acquisition"] = attestation.as_detail()
        detail["lawful_acquisition_attested"] = True
        report.criminal_predicate = _clean_text(fields.get("criminal_predicate"), 5000)
        report.criminal_activity = _clean_text(fields.get("criminal_activity"), 200)
        report.record_class = RecordClass.CRIMINAL_INTELLIGENCE
        report.ise_sar = False
        report.retention_until = clock.today() + dt.timedelta(days=conf.get("FUSIONCENTER_SAR_CI_RETENTION_DAYS"))
        report.review_due = report.retention_until
        detail.update(record_class=report.record_class, retention_until=report.retention_until.isoformat())

    @staticmethod
    def refer(user: User, report: Report, fields: dict, detail: dict) -> None:
        org_id = fields.get("referred_to_organization")
        name = _clean_text(fields.get("referred_to_name"), 200)
        org = None
        if org_id not in (None, ""):
            try:
                org = Organization.objects.filter(pk=int(org_id), active=True).first()
            except (TypeError, ValueError):
                org = None
            if org is None:
                raise _error("referred_to_organization", "Choose an agency from the partner directory.", "choice")
        if org is None and len(name) < 3:
            raise _error("referred_to_organization", "Say which agency the report is referred to.", "required")
        report.referred_to = org
        report.referred_to_name = org.name if org else name
        report.retention_until = clock.today() + dt.timedelta(
            days=conf.get("FUSIONCENTER_SAR_CLOSED_RETENTION_DAYS"))
        report.review_due = report.retention_until
        detail.update(referred_to_id=org.pk if org else None)

    @staticmethod
    def tip_lead(user: User, report: Report, fields: dict, detail: dict) -> None:
        today = clock.today()
        until = _date_field(fields, "retention_until") or today + dt.timedelta(
            days=conf.get("FUSIONCENTER_SAR_TIP_RETENTION_DAYS"))
        longest = today + dt.timedelta(days=conf.get("FUSIONCENTER_SAR_TIP_MAX_RETENTION_DAYS"))
        if until <= today or until > longest:
            raise _error("retention_until", f"A tip or lead is kept temporarily: choose a date after today and no "
                                            f"later than {longest.isoformat()}.", "range")
        report.retention_until = until
        report.review_due = until
        report.record_class = RecordClass.LAW_ENFORCEMENT
        detail.update(retention_until=until.isoformat())

    @staticmethod
    def unfounded(user: User, report: Report, fields: dict, detail: dict) -> None:
        if report.state == State.RECEIVED and user.role != Role.SUPERVISOR:
            raise PermissionDenied("At the initial review only a supervisor closes a report.")
        report.retention_until = clock.today() + dt.timedelta(
            days=conf.get("FUSIONCENTER_SAR_CLOSED_RETENTION_DAYS"))
        report.review_due = report.retention_until

    @staticmethod
    def reopen(user: User, report: Report, fields: dict, detail: dict) -> None:
        report.disposition_at = None
        report.disposition_by = None
        report.review_due = clock.today() + dt.timedelta(days=conf.get("FUSIONCENTER_SAR_VETTING_DAYS"))


def transfer(user: User, report: Report, to_center: Center, reason: str, *, source_address: str = "") -> Report:
    """Send a report to another center's queue, with the reason."""
    with transaction.atomic():
        report = Report.objects.select_for_update().get(pk=report.pk)
        _require_worker(user, report, "transfer it", source_address)
        if report.state == State.MERGED:
            raise _error("center", "A merged report moves with the report it was merged into.", "transition")
        if to_center.pk == report.center_id:
            raise _error("center", f"The report is already in the {to_center.code} queue.", "same_center")
        why = _reason(reason)
        old = report.center
        if report.owner_organization_id and report.owner_organization == fusion_org(old):
            report.owner_organization = fusion_org(to_center)
        report.center = to_center
        report.routing_flagged = False
        report.save()
        Transition.objects.create(report=report, action="transfer", from_state=report.state, to_state=report.state,
                                  by=user, reason=why, detail={"from_center": old.code, "to_center": to_center.code})
        audit.record(user, "sar_transfer", report, source_address=source_address,
                     detail={"from_center": old.code, "to_center": to_center.code})
    return report
