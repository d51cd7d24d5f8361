"""The dissemination log (28 CFR 23.20(e)-(g)): who received which record, when, why, from whom.

`disseminate()` is the one door through which law-enforcement-sensitive and criminal-intelligence
records leave the system or reach another agency (exports, products, e-mail, partner API reads).
It checks each recipient's right to know (`core.access.decide(recipient, "receive", record)`, or
for an agency, that it is a law-enforcement authority) and the sender's authority to pass the
record on with a need-to-know statement (`decide(actor, "share"|"export", record, need_to_know=)`).
A refusal names each refused recipient and why; nothing is logged or sent for a refused release.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet

from fusioncenter.core import access, audit
from fusioncenter.core.markings import TLP, RecordClass, banner_line
from fusioncenter.core.models import Organization, User

from .models import Dissemination

MIN_NEED_TO_KNOW = 10


class DisseminationRefused(ValidationError):
    """Raised with every refused recipient and the reason, so the sender can correct the list."""

    def __init__(self, refusals: list[tuple[str, str]]):
        self.refusals = refusals
        super().__init__({"recipients": [f"{who}: {why}" for who, why in refusals]}, code="refused")


@dataclass
class Result:
    logged: list[Dissemination] = field(default_factory=list)
    refused: list[tuple[str, str]] = field(default_factory=list)


def _who(recipient: Any) -> str:
    if isinstance(recipient, Organization):
        return f"organization {recipient.pk}"
    return f"user {getattr(recipient, 'pk', '?')}"


def _sensitive(record: Any) -> bool:
    return record.record_class in access.SENSITIVE_CLASSES or bool(record.les)


def organization_right_to_know(org: Organization, record: Any) -> access.Decision:
    """An agency as recipient (28 CFR 23.20(f)): law-enforcement information goes to LE authorities."""
    if not org.active:
        return access.deny("The organization is inactive.")
    if record.tlp == TLP.RED:
        return access.deny("TLP:RED goes to named people only, never to a whole organization.")
    if record.tlp == TLP.AMBER_STRICT and org.pk != record.owner_organization_id:
        return access.deny("TLP:AMBER+STRICT stays within the owning organization.")
    if _sensitive(record) and not (org.is_law_enforcement or org.is_fusion_center):
        return access.deny("Law-enforcement information goes only to law-enforcement authorities (28 CFR 23.20(f)).")
    return access.allow(f"{org.get_discipline_display()}.")


def _recipient_decision(recipient: Any, record: Any) -> access.Decision:
    if isinstance(recipient, Organization):
        return organization_right_to_know(recipient, record)
    if isinstance(recipient, User):
        decision = access.decide(recipient, access.RECEIVE, record)
        if decision and record.record_class == RecordClass.CRIMINAL_INTELLIGENCE and not recipient.sworn \
                and recipient.role not in access.CENTER_STAFF_ROLES:
            return access.deny("Criminal intelligence goes to sworn law enforcement or the center's staff.")
        return decision
    return access.deny("Not a user or an organization.")


def disseminate(
    actor: Any,
    record: Any,
    recipients: Iterable[Any],
    need_to_know: str,
    channel: str,
    *,
    version: str = "",
    partial: bool = False,
    source_address: str | None = None,
) -> Result:
    """Check and log the release of `record` to each recipient (a User or an Organization).

    All or nothing by default: one refused recipient refuses the release (DisseminationRefused).
    With partial=True the allowed recipients are logged and the refusals returned.
    """
    recipients = list(recipients)
    if channel not in Dissemination.Channel.values:
        raise ValidationError({"channel": [f"Unknown channel {channel!r}."]}, code="invalid")
    if not recipients:
        raise ValidationError({"recipients": ["Name at least one recipient."]}, code="required")
    statement = (need_to_know or "").strip()
    if _sensitive(record) and len(statement) < MIN_NEED_TO_KNOW:
        raise ValidationError({"need_to_know": ["State the recipients' need to know (28 CFR 23.20(e))."]},
                              code="required")
    sender_action = access.EXPORT if channel == Dissemination.Channel.EXPORT else access.SHARE
    sender = access.decide(actor, sender_action, record, need_to_know=statement or None)
    result = Result()
    if not sender:
        with transaction.atomic():
            audit.record(actor, "privacy_dissemination_refused", record, outcome="denied",
                         source_address=source_address, detail={"reason": sender.reason, "channel": channel})
        raise DisseminationRefused([("sender", sender.reason)])
    allowed: list[tuple[Any, access.Decision]] = []
    for recipient in recipients:
        decision = _recipient_decision(recipient, record)
        if decision:
            allowed.append((recipient, decision))
        else:
            result.refused.append((_who(recipient), decision.reason))
    with transaction.atomic():
        for who, reason in result.refused:
            audit.record(actor, "privacy_dissemination_refused", record, outcome="denied",
                         source_address=source_address, detail={"recipient": who, "reason": reason,
                                                                "channel": channel})
        if partial or not result.refused:
            marking = banner_line(record.tlp, record.les, record.cui)
            for recipient, decision in allowed:
                is_org = isinstance(recipient, Organization)
                row = Dissemination.objects.create(
                    record_type=record._meta.label_lower,
                    object_id=str(record.pk),
                    version=str(version)[:40],
                    access_class=record.record_class,
                    marking=marking[:200],
                    recipient_user=None if is_org else recipient,
                    recipient_organization=recipient if is_org else recipient.organization,
                    right_to_know=decision.reason[:300],
                    need_to_know=statement,
                    channel=channel,
                    by=actor,
                )
                audit.record(actor, "privacy_disseminate", record, source_address=source_address,
                             detail={"dissemination": row.pk, "channel": channel,
                                     "recipient_user": None if is_org else recipient.pk,
                                     "recipient_organization": row.recipient_organization_id})
                result.logged.append(row)
    if result.refused and not partial:
        raise DisseminationRefused(result.refused)
    return result


def log_read(reader: Any, record: Any, *, need_to_know: str = "", channel: str = Dissemination.Channel.API,
             source_address: str | None = None) -> Dissemination:
    """A partner system (or person of another agency) read a record itself: log it against the reader."""
    decision = _recipient_decision(reader, record)
    if not decision:
        with transaction.atomic():
            audit.record(reader, "privacy_dissemination_refused", record, outcome="denied",
                         source_address=source_address, detail={"reason": decision.reason, "channel": channel})
        raise DisseminationRefused([(_who(reader), decision.reason)])
    with transaction.atomic():
        row = Dissemination.objects.create(
            record_type=record._meta.label_lower, object_id=str(record.pk), access_class=record.record_class,
            marking=banner_line(record.tlp, record.les, record.cui)[:200], recipient_user=reader,
            recipient_organization=reader.organization, right_to_know=decision.reason[:300],
            need_to_know=(need_to_know or "").strip(), channel=channel, by=reader,
        )
        audit.record(reader, "privacy_disseminate", record, source_address=source_address,
                     detail={"dissemination": row.pk, "channel": channel, "recipient_user": reader.pk})
    return row


def for_record(label: str, object_id: Any) -> QuerySet:
    return Dissemination.objects.filter(record_type=label, object_id=str(object_id)).select_related(
        "recipient_user", "recipient_organization", "by")


def for_recipient(*, user: Any = None, organization: Any = None) -> QuerySet:
    qs = Dissemination.objects.select_related("recipient_user", "recipient_organization", "by")
    if user is not None:
        qs = qs.filter(recipient_user=user)
    if organization is not None:
        qs = qs.filter(recipient_organization=organization)
    return qs


def recipients_of(label: str, object_id: Any) -> tuple[list[Any], list[Organization]]:
    """Everyone who received the record: users by name, and agencies that received it as a whole."""
    users: dict[int, Any] = {}
    orgs: dict[int, Organization] = {}
    for row in for_record(label, object_id):
        if row.recipient_user_id:
            users[row.recipient_user_id] = row.recipient_user
        elif row.recipient_organization_id:
            orgs[row.recipient_organization_id] = row.recipient_organization
    return list(users.values()), list(orgs.values())
