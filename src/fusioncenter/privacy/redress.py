"""Redress: a person who believes the center holds wrong information about them asks for a review.

Workflow: received → under review → corrected | no change → answered, each step a `RedressEvent`,
with a due date (FUSIONCENTER_PRIVACY_REDRESS_DUE_DAYS after receipt). A correction is propagated:
everyone the dissemination log says received the record is notified through the delivery outbox,
in the same transaction. Notices name the record by type and id, never its content.
"""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db import transaction

from fusioncenter.core import access, audit, clock, ratelimit
from fusioncenter.core.roles import Role

from . import conf, dissemination, registry
from .models import RedressCase, RedressEvent

S = RedressCase.Status
NEXT = {
    S.RECEIVED: {S.UNDER_REVIEW},
    S.UNDER_REVIEW: {S.CORRECTED, S.NO_CHANGE},
    S.CORRECTED: {S.ANSWERED},
    S.NO_CHANGE: {S.ANSWERED},
    S.ANSWERED: set(),
}
_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


RateLimited = ratelimit.RateLimited


def _reference() -> str:
    body = "".join(secrets.choice(_ALPHABET) for _ in range(8))
    return f"PR-{body[:4]}-{body[4:]}"


def check_rate(source_address: str) -> None:
    """Count a public request; refuse beyond the limit per address (`core.ratelimit`)."""
    ratelimit.check("privacy.redress", source_address, count=conf.get("FUSIONCENTER_PRIVACY_REDRESS_RATE_COUNT"),
                    seconds=conf.get("FUSIONCENTER_PRIVACY_REDRESS_RATE_SECONDS"),
                    audit_action="privacy_redress_rate_limited", object_type="privacy.redresscase",
                    message="Too many requests from this connection. Please wait an hour and try again, or write to "
                            "the privacy officer.")


def _clean(data: dict[str, Any]) -> dict[str, str]:
    out = {k: str(data.get(k) or "").strip() for k in ("name", "email", "phone", "postal_address", "description")}
    errors: dict[str, list[str]] = {}
    limits = {"name": 200, "phone": 40, "postal_address": 300, "email": 254, "description": 5000}
    for name, limit in limits.items():
        if len(out[name]) > limit:
            errors[name] = [f"At most {limit} characters."]
        if any(c in out[name] for c in "\x00") or (name != "description" and ("\n" in out[name] or "\r" in out[name])):
            errors[name] = ["Please use one line without control characters."]
    if not out["name"]:
        errors["name"] = ["Your name is needed so we can find the information and answer you."]
    if out["email"]:
        try:
            validate_email(out["email"])
        except ValidationError:
            errors["email"] = ["Enter an e-mail address such as name@example.com."]
    if not (out["email"] or out["phone"] or out["postal_address"]):
        errors["email"] = ["Give at least one way to answer you: e-mail, phone or postal address."]
    if len(out["description"]) < 20:
        errors["description"] = ["Tell us what information you believe is wrong (at least 20 characters)."]
    if errors:
        raise ValidationError(errors, code="invalid")
    return out


def submit(data: dict[str, Any], *, honeypot: str = "", source_address: str = "") -> RedressCase | None:
    """A public request (no account). The honeypot is answered normally and nothing is stored."""
    check_rate(source_address)
    if honeypot:
        with transaction.atomic():
            audit.record(None, "privacy_redress_honeypot", object_type="privacy.redresscase", outcome="denied",
                         source_address=source_address)
        return None
    clean = _clean(data)
    today = clock.today()
    with transaction.atomic():
        case = RedressCase.objects.create(
            reference=_reference(), due_on=today + dt.timedelta(days=conf.get("FUSIONCENTER_PRIVACY_REDRESS_DUE_DAYS")),
            **clean,
        )
        RedressEvent.objects.create(case=case, to_status=S.RECEIVED, note="Received through the public form.")
        audit.record(None, "privacy_redress_received", case, source_address=source_address,
                     detail={"due": case.due_on})
    return case


def _officer(actor: Any) -> None:
    if not access.is_signed_in(actor) or actor.role != Role.PRIVACY_OFFICER:
        raise PermissionDenied("Only the privacy officer works redress requests.")


def _move(actor: Any, case: RedressCase, to: str, note: str, source_address: str | None, **detail: Any) -> None:
    if to not in NEXT[case.status]:
        raise ValidationError({"status": [f"A case that is {case.get_status_display().lower()} cannot become "
                                          f"{S(to).label.lower()}."]}, code="invalid_transition")
    RedressEvent.objects.create(case=case, from_status=case.status, to_status=to, by=actor, note=note)
    audit.record(actor, "privacy_redress_" + to, case, source_address=source_address,
                 detail={"from": case.status, **detail})
    case.status = to


def start_review(actor: Any, case: RedressCase, *, record_type: str = "", object_id: str = "", note: str = "",
                 source_address: str | None = None) -> RedressCase:
    """Take the case up; optionally name the record it concerns (checked: it must exist)."""
    _officer(actor)
    with transaction.atomic():
        case = RedressCase.objects.select_for_update().get(pk=case.pk)
        if record_type or object_id:
            if registry.load(record_type, object_id) is None:
                raise ValidationError({"object_id": ["No registered record of that type and number."]},
                                      code="not_found")
            case.record_type, case.object_id = record_type, str(object_id)
        _move(actor, case, S.UNDER_REVIEW, note, source_address, record_type=case.record_type,
              object_id=case.object_id)
        case.assigned_to = actor
        case.save()
    return case


def decide(actor: Any, case: RedressCase, *, corrected: bool, outcome: str,
           source_address: str | None = None) -> int:
    """Record the decision. A correction notifies every recipient of the record; returns how many."""
    _officer(actor)
    outcome = (outcome or "").strip()
    if len(outcome) < 10:
        raise ValidationError({"outcome": ["Say what was found and what was done (at least 10 characters)."]},
                              code="required")
    notified = 0
    with transaction.atomic():
        case = RedressCase.objects.select_for_update().get(pk=case.pk)
        if corrected and not (case.record_type and case.object_id):
            raise ValidationError({"outcome": ["Name the corrected record first (start the review with it)."]},
                                  code="no_record")
        _move(actor, case, S.CORRECTED if corrected else S.NO_CHANGE, outcome, source_address)
        case.outcome = outcome
        case.save()
        if corrected:
            notified = notify_correction(actor, case.record_type, case.object_id, source_address=source_address)
    return notified


def answer(actor: Any, case: RedressCase, *, answer_text: str, source_address: str | None = None) -> RedressCase:
    _officer(actor)
    answer_text = (answer_text or "").strip()
    if len(answer_text) < 10:
        raise ValidationError({"answer": ["Write the answer sent to the requester."]}, code="required")
    with transaction.atomic():
        case = RedressCase.objects.select_for_update().get(pk=case.pk)
        _move(actor, case, S.ANSWERED, "Answer sent.", source_address, late=case.due_on < clock.today())
        case.answer = answer_text
        case.answered_at = clock.now()
        case.save()
    return case


def notify_correction(actor: Any, record_type: str, object_id: str, *, source_address: str | None = None) -> int:
    """Tell everyone who received the record that it was corrected (28 CFR 23.20(h)); returns recipients.

    Uses the delivery outbox when it is installed: a portal notice and an e-mail to each user, an
    e-mail to each agency that received it as a whole. Runs in the caller's transaction.
    """
    users, orgs = dissemination.recipients_of(record_type, object_id)
    recipients: list[tuple[str, str, Any]] = []
    for user in users:
        recipients.append(("portal", "", user))
        if user.email:
            recipients.append(("email", user.email, user))
    for org in orgs:
        if org.email:
            recipients.append(("email", org.email, None))
    try:
        from fusioncenter.delivery import services as delivery
    except ImportError:  # the outbox is not installed: the audit still records the duty
        delivery = None
    with transaction.atomic():
        if recipients and delivery is not None:
            delivery.send(
                {
                    "subject": f"Correction: {record_type} {object_id}",
                    "text_body": (
                        f"The record {record_type} {object_id}, which you received from the center, has been "
                        "corrected after a review. Open the record in the portal to see the current version, "
                        "and correct or destroy any copy you keep."
                    ),
                    "sender_label": "Privacy officer",
                },
                recipients,
                source=(record_type, object_id),
                actor=actor,
            )
        audit.record(actor, "privacy_correction_notice", object_type=record_type, object_id=object_id,
                     source_address=source_address,
                     detail={"users": len(users), "organizations": len(orgs), "deliveries": len(recipients)})
    return len(users) + len(orgs)


def open_cases():
    return RedressCase.objects.exclude(status=S.ANSWERED).order_by("due_on", "id")
