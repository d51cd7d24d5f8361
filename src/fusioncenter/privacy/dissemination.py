"""The dissemination log (28 CFR 23.20(e)-(g)): who received which record, when, why, from whom.

`disseminate()` is the one door through which law-enforcement-sensitive and criminal-intelligence
records leave the system or reach another agency (exports, products, e-mail, partner API reads).
It checks each recipient's right to know (`core.access.decide(recipient, "receive", record)`, or
for an agency, that it is a law-enforcement authority) and the sender's authority to pass the
record on with a need-to-know statement (`decide(actor, "share"|"export", record, need_to_know=)`).
A refusal names each refused recipient and why; nothing is logged or sent for a refused release.

`release_for_imminent_danger()` is the one exception, and a separate door (28 CFR 23.20(f)): a
recipient who lacks the right or need to know may be told what is necessary to avoid imminent danger
to life or property. It is refused whenever the normal rule would release to that recipient (so it
can never stand in for a need-to-know statement), it keeps the sender's own checks, it needs a
written description of the danger and of what was told, it is flagged in the log, and the privacy
officer is notified and records a review outcome afterwards.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet

from fusioncenter.core import access, audit, clock
from fusioncenter.core.markings import TLP, RecordClass, banner_line
from fusioncenter.core.models import Organization, User
from fusioncenter.core.roles import Role

from .models import Dissemination, ImminentDangerRelease

MIN_NEED_TO_KNOW = 10
MIN_DANGER = 40
MIN_DISCLOSED = 10
MIN_REVIEW_NOTE = 10
EXCEPTION_RIGHT_TO_KNOW = "None: imminent-danger exception (28 CFR 23.20(f))."


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


# --- the imminent-danger exception (28 CFR 23.20(f)) -----------------------------------------------------


def _one_line(value: Any) -> str:
    return " ".join(str(value or "").split())


def release_for_imminent_danger(
    actor: Any,
    record: Any,
    *,
    recipient: Any = None,
    recipient_name: str = "",
    recipient_description: str = "",
    danger_to: str,
    danger: str,
    disclosed: str,
    channel: str,
    confirmed: bool,
    source_address: str | None = None,
) -> Dissemination:
    """Log a release to someone without right-to-know or need-to-know, to avoid imminent danger.

    The recipient is a user or an agency of the system (`recipient`), or a person outside it
    (`recipient_name` with `recipient_description`: position, agency, how reached). Refused, with the
    reason, when the normal rule would release to that recipient, when the record is not
    law-enforcement information, or when the sender may not pass the record on at all.
    """
    danger = (danger or "").strip()
    disclosed = (disclosed or "").strip()
    recipient_name = _one_line(recipient_name)[:200]
    recipient_description = _one_line(recipient_description)[:300]
    errors: dict[str, list[str]] = {}
    if channel not in Dissemination.Channel.values:
        errors["channel"] = [f"Unknown channel {channel!r}."]
    if danger_to not in ImminentDangerRelease.DangerTo.values:
        errors["danger_to"] = ["Say whether the danger is to life, to property, or to both."]
    if len(danger) < MIN_DANGER:
        errors["danger"] = [f"Describe the imminent danger: who or what is threatened, by what, and how soon "
                            f"(at least {MIN_DANGER} characters)."]
    if len(disclosed) < MIN_DISCLOSED:
        errors["disclosed"] = ["Say what was told or given to the recipient."]
    if not confirmed:
        errors["confirmed"] = ["Confirm that the release is necessary to avoid imminent danger to life or property."]
    if recipient is None:
        if len(recipient_name) < 3:
            errors["recipient_name"] = ["Name the person who received the information."]
        if len(recipient_description) < 3:
            errors["recipient_description"] = ["Give their position, agency and how they were reached."]
    elif recipient_name:
        errors["recipient_name"] = ["Name either a user or agency of the system, or a person outside it, not both."]
    elif not isinstance(recipient, User | Organization):
        errors["recipient"] = ["Not a user or an organization."]
    if errors:
        raise ValidationError(errors, code="invalid")
    # The sender's own authority is not waived: they must be able to pass the record on at all. Decided
    # first, so someone who may not see the record learns nothing about it from the other refusals.
    sender = access.decide(actor, access.SHARE, record, need_to_know=danger)
    if not sender:
        with transaction.atomic():
            audit.record(actor, "privacy_dissemination_refused", record, outcome="denied",
                         source_address=source_address,
                         detail={"reason": sender.reason, "channel": channel, "basis": "imminent_danger"})
        raise DisseminationRefused([("sender", sender.reason)])
    if not _sensitive(record):
        raise ValidationError({"record": ["This record is not law-enforcement information: use the normal "
                                          "dissemination."]}, code="not_needed")
    if recipient is not None:
        normal = _recipient_decision(recipient, record)
        if normal:
            raise ValidationError({"recipient": [f"{_who(recipient)} may receive this record under the normal rule "
                                                 "(right-to-know and need-to-know): use the normal dissemination."]},
                                  code="not_needed")
        normal_refusal = normal.reason
    else:
        normal_refusal = "A person outside the system: no right-to-know on record."
    is_org = isinstance(recipient, Organization)
    with transaction.atomic():
        row = Dissemination.objects.create(
            record_type=record._meta.label_lower,
            object_id=str(record.pk),
            access_class=record.record_class,
            marking=banner_line(record.tlp, record.les, record.cui)[:200],
            recipient_user=recipient if isinstance(recipient, User) else None,
            recipient_organization=recipient if is_org else getattr(recipient, "organization", None),
            recipient_name=recipient_name,
            recipient_description=recipient_description,
            basis=Dissemination.Basis.IMMINENT_DANGER,
            right_to_know=EXCEPTION_RIGHT_TO_KNOW,
            need_to_know=danger,
            channel=channel,
            by=actor,
        )
        release = ImminentDangerRelease.objects.create(
            dissemination=row, danger_to=danger_to, danger=danger, disclosed=disclosed,
            normal_refusal=normal_refusal[:300],
        )
        audit.record(actor, "privacy_imminent_danger_release", record, source_address=source_address,
                     detail={"dissemination": row.pk, "release": release.pk, "channel": channel,
                             "danger_to": danger_to,
                             "recipient_user": row.recipient_user_id,
                             "recipient_organization": row.recipient_organization_id,
                             "outside_person": not row.recipient_user_id and not row.recipient_organization_id})
        _notify_privacy_officers(actor, row)
    return row


def _notify_privacy_officers(actor: Any, row: Dissemination) -> int:
    """Tell every active privacy officer, through the outbox, that an exception release needs review.

    The notice names the record by type and number and the release by number, never the danger text.
    """
    officers = list(User.objects.filter(role=Role.PRIVACY_OFFICER, is_active=True))
    recipients: list[tuple[str, str, Any]] = []
    for officer in officers:
        recipients.append(("portal", "", officer))
        if officer.email:
            recipients.append(("email", officer.email, officer))
    try:
        from fusioncenter.delivery import services as delivery
    except ImportError:  # the outbox is not installed: the console still lists the release
        return 0
    if recipients:
        delivery.send(
            {
                "subject": f"Imminent-danger release to review: {row.record_type} {row.object_id}",
                "text_body": (
                    f"{actor} released {row.record_type} {row.object_id} under the imminent-danger exception "
                    f"(28 CFR 23.20(f)), dissemination {row.pk}. Review it in the privacy console."
                ),
                "sender_label": "Privacy console",
            },
            recipients,
            source=(row.record_type, row.object_id),
            actor=actor,
            key=f"privacy.imminent_danger:{row.pk}",
        )
    return len(officers)


def review_imminent_danger(actor: Any, release: ImminentDangerRelease, *, outcome: str, note: str,
                           source_address: str | None = None) -> ImminentDangerRelease:
    """The privacy officer's after-the-fact review: did the exception apply? Once per release."""
    if getattr(actor, "role", None) != Role.PRIVACY_OFFICER:
        raise access.AccessDenied(access.deny("Only the privacy officer reviews imminent-danger releases."))
    note = (note or "").strip()
    errors: dict[str, list[str]] = {}
    if outcome not in (ImminentDangerRelease.Review.JUSTIFIED, ImminentDangerRelease.Review.NOT_JUSTIFIED):
        errors["outcome"] = ["Choose justified or not justified."]
    if len(note) < MIN_REVIEW_NOTE:
        errors["note"] = ["Say what the review found (at least 10 characters)."]
    if errors:
        raise ValidationError(errors, code="invalid")
    with transaction.atomic():
        release = ImminentDangerRelease.objects.select_for_update().get(pk=release.pk)
        if release.review != ImminentDangerRelease.Review.PENDING:
            raise ValidationError({"outcome": ["This release has already been reviewed."]}, code="reviewed")
        release.review = outcome
        release.review_note = note
        release.reviewed_by = actor
        release.reviewed_at = clock.now()
        release.save(update_fields=["review", "review_note", "reviewed_by", "reviewed_at"])
        d = release.dissemination
        audit.record(actor, "privacy_imminent_danger_review", object_type=d.record_type, object_id=d.object_id,
                     source_address=source_address, detail={"release": release.pk, "outcome": outcome})
    return release


def imminent_danger_releases(*, pending_only: bool = False) -> QuerySet:
    qs = ImminentDangerRelease.objects.select_related(
        "dissemination", "dissemination__by", "dissemination__recipient_user",
        "dissemination__recipient_organization", "reviewed_by")
    return qs.filter(review=ImminentDangerRelease.Review.PENDING) if pending_only else qs
