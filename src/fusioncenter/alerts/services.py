"""Alert programs: request, criteria, decision, issue, update, cancel, expiry. Every state change is here.

Each change checks who may make it, writes the records, the history entry and the audit entry in one
transaction. Notices go through `dispatch` (the delivery outbox); the WCAN fan-out of an alert to
thousands of subscribers is queued as a task when the transaction commits (see tasks.py). Public
outputs (pages, feed, CAP, poster) read only the `Alert`, the public copy made at approval, so the
request's sensitive fields cannot reach them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.core.exceptions import FieldDoesNotExist, PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from fusioncenter.core import access, audit, clock
from fusioncenter.core.markings import TLP, RecordClass
from fusioncenter.core.models import County, Organization, Share, User
from fusioncenter.core.roles import Role

from . import cap, coordinators, criteria, photos, retention
from .content import absolute, build_content, public_description
from .models import (
    Alert,
    AlertEvent,
    AlertMessage,
    AlertProgram,
    AlertRequest,
    AlertStatus,
    CancelReason,
    RequestStatus,
)

# --- the delivery outbox ---------------------------------------------------------------------------


def dispatch(
    message_fields: dict[str, Any],
    recipients: Iterable[tuple[str, str, User | None]],
    *,
    source: tuple[str, str],
    actor: Any,
    key: str | None = None,
) -> None:
    """The one place this app hands messages to the delivery outbox, in the caller's transaction.

    `message_fields`: subject, text_body, optional sms_body and html_body, sender_label. `key` makes a
    retry of the same notice add nothing twice.
    """
    from fusioncenter.delivery.services import send

    recipients = list(recipients)
    if recipients:
        send(message_fields, recipients, source=source, actor=actor, key=key)


# --- who may do what --------------------------------------------------------------------------------


def is_coordinator(user: Any) -> bool:
    return access.is_signed_in(user) and user.role == Role.ALERT_COORDINATOR


def may_request(user: Any) -> bool:
    """Any signed-in law-enforcement user: sworn, or the center's staff."""
    return access.is_signed_in(user) and access.has_law_enforcement_access(user) and user.is_active


def may_manage_alert(user: Any, alert: Alert) -> bool:
    """The coordinator, or sworn officers of the requesting agency (they report the child found)."""
    if is_coordinator(user):
        return True
    return (
        access.is_signed_in(user) and bool(user.sworn) and user.organization_id == alert.request.owner_organization_id
    )


def may_send_crime_alert(user: Any) -> bool:
    """WCAN senders are law-enforcement officers only."""
    return (
        access.is_signed_in(user)
        and bool(user.sworn)
        and user.organization_id is not None
        and user.organization.is_law_enforcement
    )


# --- requests and criteria --------------------------------------------------------------------------


def evaluate(req: AlertRequest) -> criteria.Evaluation:
    return criteria.evaluate(req.program.spec(), req.criteria_fields(), now=clock.now())


def too_long(model, fields: dict[str, Any]) -> dict[str, list[str]]:
    """Length limits of the model's text fields. Callers that skip the forms (the clearinghouse, the
    API) get the same clear error as the form instead of a database error on PostgreSQL."""
    errors = {}
    for name, value in fields.items():
        try:
            limit = getattr(model._meta.get_field(name), "max_length", None)
        except FieldDoesNotExist:
            continue
        if limit and isinstance(value, str) and len(value) > limit:
            errors[name] = [f"At most {limit} characters."]
    return errors


def _clean_request_fields(fields: dict[str, Any]) -> dict[str, Any]:
    allowed = set(AlertRequest.PUBLIC_FIELDS + AlertRequest.ANSWER_FIELDS + AlertRequest.SENSITIVE_FIELDS)
    allowed |= {"disappeared_at", "last_seen_county", "statewide", "exercise"}
    unknown = set(fields) - allowed
    if unknown:
        raise ValidationError({name: ["Unknown field."] for name in sorted(unknown)}, code="unknown")
    errors: dict[str, list[str]] = {}
    if not (fields.get("subject_name") or "").strip():
        errors["subject_name"] = ["Give the name of the missing person."]
    if not (fields.get("public_contact") or "").strip():
        errors["public_contact"] = ["Give the number the public should call."]
    errors.update(too_long(AlertRequest, fields))
    age = fields.get("subject_age")
    if age not in (None, ""):
        try:
            if not 0 <= int(age) <= 130:
                raise ValueError
            fields["subject_age"] = int(age)
        except (TypeError, ValueError):
            errors["subject_age"] = ["Age must be a whole number between 0 and 130."]
    now = clock.now()
    for name in ("disappeared_at", "last_seen_at"):
        moment = fields.get(name)
        if moment is not None and not isinstance(moment, dt.datetime):
            errors[name] = ["Give a date and time."]
        elif moment and moment > now + dt.timedelta(minutes=5):
            errors[name] = ["This time is in the future."]
    if fields.get("exercise", "Actual") not in ("Actual", "Exercise", "Test"):
        errors["exercise"] = ["Actual, Exercise or Test."]
    if errors:
        raise ValidationError(errors, code="invalid")
    return fields


def submit_request(
    actor: User,
    program: AlertProgram,
    fields: dict[str, Any],
    *,
    area_counties: Iterable[County] = (),
    photo_upload=None,
    source: str = "",
) -> AlertRequest:
    """A requesting agency's alert request. Law enforcement only; shared with the alert coordinators."""
    if not may_request(actor):
        raise PermissionDenied("Alert requests come from law enforcement.")
    if not program.active:
        raise ValidationError({"program": ["This program is not active."]}, code="inactive")
    fields = _clean_request_fields(dict(fields))
    area = list(area_counties)
    if not area and not fields.get("statewide") and not fields.get("last_seen_county"):
        raise ValidationError({"area_counties": ["Choose the counties to alert, or statewide."]}, code="required")
    with transaction.atomic():
        county = fields.get("last_seen_county")
        center = county.center if county else actor.center
        req = AlertRequest(
            program=program,
            requested_at=clock.now(),
            record_class=RecordClass.LAW_ENFORCEMENT,
            tlp=TLP.AMBER,
            les=True,
            center=center,
            owner_organization=actor.organization,
            created_by=actor,
            **fields,
        )
        if photo_upload is not None:
            req.photo = photos.store(photo_upload, uploaded_by=actor, description=f"Photo of {fields['subject_name']}")
        retention.stamp(req)
        req.save()
        req.area_counties.set(area or ([county] if county else []))
        _share_with_coordinators(actor, req)
        result = evaluate(req)
        req.criteria_snapshot = result.snapshot()
        req.save(update_fields=["criteria_snapshot"])
        _event(
            req,
            actor,
            "requested",
            f"Criteria met: {sum(r.met for r in result.results)} of {len(result.results)}.",
        )
        audit.record(
            actor,
            "alert_request_create",
            req,
            source_address=source,
            detail={"program": program.code, "criteria": result.snapshot()},
        )
    return req


def _share_with_coordinators(actor: User, req: AlertRequest) -> None:
    orgs = (
        Organization.objects.filter(members__role=Role.ALERT_COORDINATOR, members__is_active=True)
        .exclude(pk=req.owner_organization_id)
        .distinct()
    )
    from django.contrib.contenttypes.models import ContentType

    ct = ContentType.objects.get_for_model(AlertRequest)
    for org in orgs:
        Share.objects.create(
            content_type=ct,
            object_id=str(req.pk),
            organization=org,
            granted_by=actor,
            reason=coordinators.REQUEST_REASON,
        )


def _event(req: AlertRequest, actor: Any, action: str, note: str = "", message: AlertMessage | None = None) -> None:
    AlertEvent.objects.create(
        request=req,
        actor=actor if isinstance(actor, User) else None,
        action=action,
        note=note,
        message=message,
        at=clock.now(),
    )


def _pending(req: AlertRequest) -> None:
    if req.status != RequestStatus.REQUESTED:
        raise ValidationError(
            {"status": [f"The request is already {req.get_status_display().lower()}."]}, code="decided"
        )


def decline(actor: User, req: AlertRequest, reason: str, source: str = "") -> AlertRequest:
    """The coordinator declines; the reason is required and kept in the history."""
    if not is_coordinator(actor):
        raise PermissionDenied("Only the alert coordinator decides on requests.")
    access.require(actor, access.VIEW, req, source_address=source)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": ["Give the reason for declining."]}, code="required")
    with transaction.atomic():
        req = AlertRequest.objects.select_for_update().get(pk=req.pk)
        _pending(req)
        req.status = RequestStatus.DECLINED
        req.decided_by, req.decided_at, req.decision_reason = actor, clock.now(), reason
        req.criteria_snapshot = evaluate(req).snapshot()
        req.save(update_fields=["status", "decided_by", "decided_at", "decision_reason", "criteria_snapshot"])
        _event(req, actor, "declined", reason)
        audit.record(
            actor,
            "alert_request_decline",
            req,
            source_address=source,
            detail={"criteria": req.criteria_snapshot},
        )
    return req


def approve(
    actor: User,
    req: AlertRequest,
    *,
    override_reason: str = "",
    expires_hours: int | None = None,
    source: str = "",
) -> Alert:
    """The coordinator approves: the public copy is made and the first CAP message (Alert) is issued.

    Unmet or unanswered criteria block approval unless the coordinator records why they override.
    """
    if not is_coordinator(actor):
        raise PermissionDenied("Only the alert coordinator decides on requests.")
    access.require(actor, access.VIEW, req, source_address=source)
    result = evaluate(req)
    override_reason = (override_reason or "").strip()
    if not result.all_met and not override_reason:
        unmet = ", ".join(r.id for r in result.results if not r.met)
        raise ValidationError(
            {"override_reason": [f"Criteria not met ({unmet}): record why you approve anyway."]},
            code="criteria",
        )
    with transaction.atomic():
        req = AlertRequest.objects.select_for_update().get(pk=req.pk)
        _pending(req)
        now = clock.now()
        hours = expires_hours or req.program.expires_hours
        if not 1 <= hours <= 24 * 14:
            raise ValidationError({"expires_hours": ["Between 1 hour and 14 days."]}, code="range")
        req.status = RequestStatus.APPROVED
        req.decided_by, req.decided_at = actor, now
        req.decision_reason = override_reason or "All criteria met."
        req.criteria_snapshot = result.snapshot()
        req.save(update_fields=["status", "decided_by", "decided_at", "decision_reason", "criteria_snapshot"])
        public = req.exercise == "Actual"
        alert = Alert(
            request=req,
            program=req.program,
            cap_status=req.exercise,
            issued_at=now,
            updated_at=now,
            expires_at=now + dt.timedelta(hours=hours),
            record_class=RecordClass.PUBLIC if public else RecordClass.PARTNER,
            tlp=TLP.CLEAR if public else TLP.GREEN,
            les=False,
            cui="",
            center=req.center,
            owner_organization=req.owner_organization,
            created_by=actor,
            agency_name=req.owner_organization.name if req.owner_organization_id else settings.FUSIONCENTER_NAME,
            statewide=req.statewide,
            photo=req.photo,
            headline="",
            **{name: getattr(req, name) for name in AlertRequest.PUBLIC_FIELDS},
        )
        alert.headline = default_headline(alert)
        alert.save()
        alert.counties.set(req.area_counties.all())
        note = "Approved" + (f", overriding unmet criteria: {override_reason}" if not result.all_met else ".")
        _event(req, actor, "approved", note)
        audit.record(
            actor,
            "alert_request_approve",
            req,
            source_address=source,
            detail={"criteria": result.snapshot(), "override": not result.all_met, "alert": alert.pk},
        )
        message = _issue_message(actor, alert, "Alert", note="")
        _event(req, actor, "issued", f"CAP {message.identifier}", message)
        audit.record(
            actor,
            "alert_issue",
            alert,
            source_address=source,
            detail={"identifier": message.identifier, "digest": message.digest},
        )
        _notify_subscribers(actor, alert, "issued")
    return alert


def default_headline(alert: Alert) -> str:
    age = f", age {alert.subject_age}" if alert.subject_age is not None else ""
    place = f". Last seen: {alert.last_seen_place}" if alert.last_seen_place else ""
    return cap.clip(f"{alert.program.name}: {alert.subject_name}{age}{place}", cap.HEADLINE_MAX)


UPDATABLE = set(AlertRequest.PUBLIC_FIELDS) | {"headline"}


def update_alert(
    actor: User,
    alert: Alert,
    changes: dict[str, Any],
    *,
    note: str = "",
    extend_hours: int | None = None,
    source: str = "",
) -> AlertMessage:
    """New public information: an Update message referencing every earlier message."""
    if not may_manage_alert(actor, alert):
        raise PermissionDenied("Only the alert coordinator or the requesting agency may update the alert.")
    unknown = set(changes) - UPDATABLE
    if unknown:
        raise ValidationError(
            {name: ["This field cannot be changed on an issued alert."] for name in sorted(unknown)},
            code="not_updatable",
        )
    note = (note or "").strip()
    if not note:
        raise ValidationError({"note": ["Say what changed (shown in the history and the CAP note)."]}, code="required")
    errors = too_long(Alert, changes)
    if errors:
        raise ValidationError(errors, code="too_long")
    with transaction.atomic():
        alert = Alert.objects.select_for_update().get(pk=alert.pk)
        _active(alert)
        for name, value in changes.items():
            setattr(alert, name, value)
        if not (alert.subject_name or "").strip() or not (alert.public_contact or "").strip():
            raise ValidationError({"subject_name": ["Name and public contact stay required."]}, code="required")
        if extend_hours:
            if not 1 <= extend_hours <= 24 * 14:
                raise ValidationError({"extend_hours": ["Between 1 hour and 14 days."]}, code="range")
            alert.expires_at = clock.now() + dt.timedelta(hours=extend_hours)
        alert.updated_at = clock.now()
        alert.save()
        message = _issue_message(actor, alert, "Update", note=note)
        _event(alert.request, actor, "updated", note, message)
        audit.record(
            actor,
            "alert_update",
            alert,
            source_address=source,
            detail={"identifier": message.identifier, "fields": sorted(changes), "digest": message.digest},
        )
    return message


def cancel_alert(actor: Any, alert: Alert, reason: str, *, note: str = "", source: str = "") -> AlertMessage:
    """Cancel (found, expired, other): a Cancel message; the public page keeps only a placeholder."""
    if actor != audit.SYSTEM and not may_manage_alert(actor, alert):
        raise PermissionDenied("Only the alert coordinator or the requesting agency may cancel the alert.")
    if reason not in CancelReason.values:
        raise ValidationError({"reason": ["Choose found, expired or other."]}, code="required")
    note = (note or "").strip()
    if reason == CancelReason.OTHER and not note:
        raise ValidationError({"note": ["Say why the alert is cancelled."]}, code="required")
    with transaction.atomic():
        alert = Alert.objects.select_for_update().get(pk=alert.pk)
        _active(alert)
        now = clock.now()
        alert.status = AlertStatus.EXPIRED if reason == CancelReason.EXPIRED else AlertStatus.CANCELLED
        alert.cancelled_at, alert.cancel_reason, alert.cancel_note = now, reason, note[:300]
        alert.updated_at = now
        alert.save()
        message = _issue_message(actor, alert, "Cancel", note=note or CancelReason(reason).label)
        action = "expired" if reason == CancelReason.EXPIRED else "cancelled"
        _event(alert.request, actor, action, f"{CancelReason(reason).label}. {note}".strip(), message)
        audit.record(
            actor,
            f"alert_{action}",
            alert,
            source_address=source,
            detail={"identifier": message.identifier, "reason": reason, "digest": message.digest},
        )
        _notify_subscribers(actor, alert, "cancelled")
    return message


def expire_due() -> int:
    """Close every active alert past its expiry (the worker runs this every few minutes)."""
    count = 0
    for alert in Alert.objects.filter(status=AlertStatus.ACTIVE, expires_at__lte=clock.now()):
        cancel_alert(audit.SYSTEM, alert, CancelReason.EXPIRED, note="The alert reached its expiry time.")
        count += 1
    return count


def _active(alert: Alert) -> None:
    if alert.status != AlertStatus.ACTIVE:
        raise ValidationError(
            {"status": [f"The alert is already {alert.get_status_display().lower()}."]}, code="closed"
        )


def _issue_message(actor: Any, alert: Alert, msg_type: str, note: str) -> AlertMessage:
    earlier = list(alert.messages.order_by("seq"))
    seq = len(earlier) + 1
    # IPAWS: an Update or Cancel references every earlier message that has not expired; a
    # superset (all earlier messages of this alert) is what we send, so no consumer misses one.
    references = [m.reference_triple for m in earlier]
    content = build_content(alert, msg_type, seq, references, note)
    xml = cap.build(content)
    problems = cap.check(xml)
    if problems:
        raise ValidationError({"cap": problems}, code="cap")
    material = cap.signing_material()
    if material:
        xml = cap.sign(xml, *material)
    parsed = cap.parse(xml)
    return AlertMessage.objects.create(
        alert=alert,
        seq=seq,
        msg_type=msg_type,
        identifier=content.identifier,
        sender=content.sender,
        sent=parsed["sent"],
        sent_at=content.sent,
        expires_at=content.expires,
        references=" ".join(references),
        xml=xml.decode("utf-8"),
        digest=cap.digest(xml),
        signed=bool(material),
        note=note[:300],
    )


# --- public views read only through these ------------------------------------------------------------


def public_alerts():
    """Active alerts the public may see (Actual, public, TLP:CLEAR), through the one access filter.

    An alert past its expiry drops out at once, even before the worker has issued its Cancel.
    """
    qs = Alert.objects.filter(status=AlertStatus.ACTIVE, cap_status="Actual", expires_at__gt=clock.now())
    return access.visible(None, qs.select_related("program", "photo"))


def is_live(alert: Alert) -> bool:
    """Active and not past its expiry: what public pages show in full."""
    return alert.status == AlertStatus.ACTIVE and alert.expires_at > clock.now()


def public_alert(pk: int) -> Alert:
    """Any public alert, active or closed (a closed one shows only its placeholder)."""
    qs = access.visible(None, Alert.objects.filter(cap_status="Actual").select_related("program", "photo"))
    return qs.get(pk=pk)


# --- WCAN notices of program alerts -------------------------------------------------------------------


def _notify_subscribers(actor: Any, alert: Alert, what: str) -> None:
    """Queue the WCAN notice of an issue or a cancellation, to run once this transaction commits."""
    if alert.cap_status != "Actual" or not alert.program.wcan_stream or "WCAN" not in alert.program.channels:
        return
    from .tasks import notify_subscribers

    alert_id = alert.pk
    transaction.on_commit(lambda: notify_subscribers.enqueue("alert", alert_id, what))


def send_alert_notices(alert_id: int, what: str) -> int:
    """Missing-person alerts go statewide to every subscriber of the program's stream (issue and cancel)."""
    from . import wcan

    alert = Alert.objects.select_related("program", "request").get(pk=alert_id)
    if what == "issued" and alert.status != AlertStatus.ACTIVE:
        return 0  # closed before the notice went out: the cancel notice is what matters now
    url = absolute(reverse("alerts:public_detail", args=[alert.pk]))
    if what == "issued":
        subject = alert.headline
        body = f"{public_description(alert)}\n\nIf you see the person, call {alert.public_contact}.\n{url}"
    else:
        issued = f"{timezone.localtime(alert.issued_at):%B %-d, %Y}"
        body = f"The {alert.program.name} issued {issued} is cancelled.\n{url}"
        subject = f"CANCELLED: {alert.program.name}"
    with transaction.atomic():
        sent = wcan.send_to_subscribers(
            audit.SYSTEM,
            wcan.stream_subscribers(alert.program.wcan_stream),
            subject=subject,
            body=body,
            sender_label=alert.agency_name,
            source=("alerts.alert", str(alert.pk)),
            kind=what,
        )
        _event(alert.request, audit.SYSTEM, "wcan_notified", f"{what}: {sent} subscribers")
    return sent
