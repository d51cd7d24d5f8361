"""Wisconsin Crime Alert Network: self-service subscription with double opt-in, signed manage links,
targeting by stream, place and business type, and crime alerts composed by law-enforcement officers.

Subscribers have no account. Their links are signed (Django's signing with a purpose salt) and carry
a random nonce kept on the subscriber: replacing the nonce (on cancel) revokes every link sent
before. Confirmation links expire after a week; manage links last while the nonce stands.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Iterable
from typing import Any

import phonenumbers
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Q, QuerySet
from django.urls import reverse

from fusioncenter.core import audit, clock
from fusioncenter.core.markings import TLP, RecordClass
from fusioncenter.core.models import County, Region, User

from . import photos
from .content import absolute
from .models import BusinessType, CrimeAlert, Stream, Subscriber
from .reference import wcan_definitions
from .services import dispatch, may_send_crime_alert, too_long
from .tasks import notify_subscribers

CONFIRM_SALT = "alerts.wcan.confirm"
MANAGE_SALT = "alerts.wcan.manage"
CONFIRM_MAX_AGE = 7 * 24 * 3600
MAX_PHOTOS = 3
SUBSCRIBER_FIELDS = ("email", "phone", "name", "business_name", "business_type", "neighborhood_watch", "statewide")
"""The subscriber's own fields a sign-up or an update may set (streams and places are applied separately)."""


# --- tokens -----------------------------------------------------------------------------------------


def _token(sub: Subscriber, salt: str) -> str:
    # The issue time comes from core.clock (not the signer's own clock), so tests can move it.
    payload = {"s": sub.pk, "n": sub.token_nonce, "t": int(clock.now().timestamp())}
    return signing.dumps(payload, salt=salt, compress=True)


def confirm_url(sub: Subscriber) -> str:
    return absolute(reverse("alerts:wcan_confirm", args=[_token(sub, CONFIRM_SALT)]))


def manage_url(sub: Subscriber) -> str:
    return absolute(reverse("alerts:wcan_manage", args=[_token(sub, MANAGE_SALT)]))


def subscriber_for(token: str, purpose: str) -> Subscriber | None:
    """The subscriber a link names, or None for a forged, expired or revoked link."""
    salt = CONFIRM_SALT if purpose == "confirm" else MANAGE_SALT
    try:
        data = signing.loads(token, salt=salt)
    except signing.BadSignature:
        return None
    if purpose == "confirm" and clock.now().timestamp() - float(data.get("t", 0)) > CONFIRM_MAX_AGE:
        return None
    sub = Subscriber.objects.filter(pk=data.get("s"), cancelled_at__isnull=True).first()
    if sub is None or not secrets.compare_digest(sub.token_nonce, str(data.get("n", ""))):
        return None
    return sub


# --- subscription ------------------------------------------------------------------------------------


def _clean(fields: dict[str, Any]) -> dict[str, Any]:
    errors: dict[str, list[str]] = {}
    email = (fields.get("email") or "").strip().lower()
    phone_raw = (fields.get("phone") or "").strip()
    phone = ""
    if email:
        try:
            validate_email(email)
        except ValidationError:
            errors["email"] = ["Enter a valid e-mail address."]
    if phone_raw:
        try:
            number = phonenumbers.parse(phone_raw, "US")
            if not phonenumbers.is_valid_number(number):
                raise phonenumbers.NumberParseException(0, "invalid")
            phone = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
        except phonenumbers.NumberParseException:
            errors["phone"] = ["Enter a valid mobile number, e.g. 608-555-0123."]
    errors.update(too_long(Subscriber, {k: fields.get(k) for k in ("name", "business_name", "email")}))
    if not email and not phone_raw:
        errors["email"] = ["Give an e-mail address, a mobile number, or both."]
    if not fields.get("business_type"):
        errors["business_type"] = ["Choose a business type (individuals: General Public)."]
    if not list(fields.get("streams") or []):
        errors["streams"] = ["Choose at least one kind of alert."]
    if not fields.get("statewide") and not list(fields.get("counties") or []) and not list(fields.get("regions") or []):
        errors["counties"] = ["Choose counties or regions, or statewide."]
    if errors:
        raise ValidationError(errors, code="invalid")
    return {**fields, "email": email, "phone": phone}


def _apply(sub: Subscriber, f: dict[str, Any]) -> None:
    sub.counties.set(f.get("counties") or [])
    sub.regions.set(f.get("regions") or [])
    sub.streams.set(f.get("streams") or [])


def subscribe(fields: dict[str, Any], source: str = "") -> Subscriber:
    """Record an unconfirmed subscription and send the confirmation link (double opt-in).

    The answer to the caller is the same whether the address was known or not, so the form does not
    reveal who subscribes; a confirmed subscriber who signs up again gets their manage link instead.
    """
    f = _clean(fields)
    with transaction.atomic():
        existing = None
        if f["email"]:
            existing = Subscriber.objects.filter(email=f["email"], cancelled_at__isnull=True).first()
        if existing is not None and existing.confirmed_at is not None:
            _send_one(
                None,
                existing,
                "Your Wisconsin Crime Alert Network subscription",
                "You (or someone using your address) asked to subscribe again. You are already subscribed.\n"
                f"Change or cancel your subscription here: {manage_url(existing)}",
                "wcan_reminder",
            )
            audit.record(None, "wcan_subscribe_repeat", existing, source_address=source)
            return existing
        sub = existing or Subscriber(token_nonce=secrets.token_hex(16))
        for name in SUBSCRIBER_FIELDS:
            if name in f:
                setattr(sub, name, f[name] if f[name] is not None else getattr(sub, name))
        sub.created_at = clock.now()
        sub.save()
        _apply(sub, f)
        body = (
            "Please confirm your subscription to the Wisconsin Crime Alert Network by opening this link "
            f"within 7 days:\n{confirm_url(sub)}\n\nIf you did not ask for this, ignore this message: "
            "nothing will be sent to you."
        )
        _send_one(
            None,
            sub,
            "Confirm your Wisconsin Crime Alert Network subscription",
            body,
            "wcan_confirm",
            confirming=True,
        )
        audit.record(
            None,
            "wcan_subscribe",
            sub,
            source_address=source,
            detail={"email": bool(sub.email), "sms": bool(sub.phone)},
        )
    return sub


def confirm(token: str, source: str = "") -> Subscriber | None:
    sub = subscriber_for(token, "confirm")
    if sub is None:
        return None
    with transaction.atomic():
        if sub.confirmed_at is None:
            sub.confirmed_at = clock.now()
            sub.save(update_fields=["confirmed_at"])
            audit.record(None, "wcan_confirm", sub, source_address=source)
    return sub


def update_subscription(sub: Subscriber, fields: dict[str, Any], source: str = "") -> Subscriber:
    f = _clean(fields)
    with transaction.atomic():
        for name in SUBSCRIBER_FIELDS:
            if name in f:
                setattr(sub, name, f[name])
        sub.save()
        _apply(sub, f)
        audit.record(None, "wcan_update", sub, source_address=source)
    return sub


def unsubscribe(sub: Subscriber, source: str = "") -> None:
    """Cancel: no more messages, and every link sent before stops working. Contact details are erased."""
    with transaction.atomic():
        sub.cancelled_at = clock.now()
        sub.token_nonce = secrets.token_hex(16)
        sub.email, sub.phone, sub.name, sub.business_name = "", "", "", ""
        sub.save()
        audit.record(None, "wcan_cancel", sub, source_address=source)


# --- targeting -----------------------------------------------------------------------------------------


def active_subscribers() -> QuerySet[Subscriber]:
    return Subscriber.objects.filter(confirmed_at__isnull=False, cancelled_at__isnull=True)


def stream_subscribers(stream_code: str) -> QuerySet[Subscriber]:
    """Missing-person alerts go statewide: every active subscriber of the stream."""
    return active_subscribers().filter(streams__code=stream_code).distinct()


def recipients(
    *,
    stream: str,
    statewide: bool,
    counties: Iterable[County] = (),
    regions: Iterable[Region] = (),
    business_types: Iterable[BusinessType] = (),
) -> QuerySet[Subscriber]:
    """Subscribers of the stream whose place overlaps the alert's and whose business type is targeted."""
    qs = active_subscribers().filter(streams__code=stream)
    types = list(business_types)
    if types:
        qs = qs.filter(business_type__in=types)
    if not statewide:
        county_ids = {c.pk for c in counties}
        region_ids = {r.pk for r in regions}
        county_ids |= set(County.objects.filter(region_id__in=region_ids).values_list("pk", flat=True))
        region_ids |= set(
            County.objects.filter(pk__in=county_ids, region__isnull=False).values_list("region_id", flat=True)
        )
        qs = qs.filter(Q(statewide=True) | Q(counties__in=county_ids) | Q(regions__in=region_ids))
    return Subscriber.objects.filter(pk__in=qs.values("pk"))


def reach(qs: QuerySet[Subscriber]) -> dict[str, int]:
    """How many subscribers, e-mail addresses and phones an alert will reach (shown before sending)."""
    return {
        "subscribers": qs.count(),
        "email": qs.exclude(email="").count(),
        "sms": qs.exclude(phone="").count(),
    }


# --- sending -------------------------------------------------------------------------------------------


def _footer(sub: Subscriber) -> str:
    return f"\n\n--\nManage or cancel your Wisconsin Crime Alert Network subscription: {manage_url(sub)}"


def _sms(text: str, link_label: str, link: str) -> str:
    """An SMS of at most 480 characters that always keeps its link."""
    tail = f" {link_label}: {link}"
    head = " ".join(text.split())
    room = 480 - len(tail)
    return (head if len(head) <= room else head[: room - 3].rstrip() + "...") + tail


def _targets(sub: Subscriber) -> list[tuple[str, str, None]]:
    out = []
    if sub.email:
        out.append(("email", sub.email, None))
    if sub.phone:
        out.append(("sms", sub.phone, None))
    return out


def _send_one(
    actor: Any,
    sub: Subscriber,
    subject: str,
    body: str,
    kind: str,
    *,
    confirming: bool = False,
    sender_label: str = "Wisconsin Crime Alert Network",
) -> None:
    link = confirm_url(sub) if confirming else manage_url(sub)
    fields = {
        "subject": subject,
        "text_body": body if confirming else body + _footer(sub),
        "sms_body": _sms(subject, "Confirm" if confirming else "Manage or stop", link),
        "sender_label": sender_label,
    }
    dispatch(fields, _targets(sub), source=("alerts.subscriber", str(sub.pk)), actor=actor or "system")


def send_to_subscribers(
    actor: Any,
    subscribers: QuerySet[Subscriber],
    *,
    subject: str,
    body: str,
    sender_label: str,
    source: tuple[str, str],
    kind: str = "alert",
) -> int:
    """One outbox message per subscriber, because each carries the subscriber's own manage link.

    The key (source, kind, subscriber) makes a repeated send add nothing twice.
    """
    count = 0
    for sub in subscribers.iterator(chunk_size=500):
        link = manage_url(sub)
        fields = {
            "subject": subject[:200],
            "text_body": body + _footer(sub),
            "sms_body": _sms(f"{subject}. {body}", "Manage or stop", link),
            "sender_label": sender_label[:120],
        }
        dispatch(fields, _targets(sub), source=source, actor=actor, key=f"{source[0]}:{source[1]}:{kind}:{sub.pk}")
        count += 1
    return count


def send_crime_alert_notices(crime_alert_id: int) -> int:
    """The fan-out of a crime alert (run by the task queue after the alert committed)."""
    alert = CrimeAlert.objects.select_related("stream").get(pk=crime_alert_id)
    targets = recipients(
        stream=alert.stream.code,
        statewide=alert.statewide,
        counties=alert.counties.all(),
        regions=alert.regions.all(),
        business_types=alert.business_types.all(),
    )
    photo_links = "".join(
        f"\nPhoto: {absolute(reverse('alerts:crime_photo', args=[alert.pk, p.pk]))}" for p in alert.photos.all()
    )
    body = (
        f"{alert.body}\n\nFrom: {alert.agency_name}\nContact: {alert.contact}\n"
        f"Valid until {alert.expires_at:%Y-%m-%d %H:%M} UTC.{photo_links}"
    )
    with transaction.atomic():
        return send_to_subscribers(
            audit.SYSTEM,
            targets,
            subject=f"Crime alert: {alert.title}",
            body=body,
            sender_label=alert.agency_name,
            source=("alerts.crimealert", str(alert.pk)),
        )


def crime_alert_types() -> list[tuple[str, str]]:
    return [(t["code"], t["name"]) for t in wcan_definitions()["crime_alert_types"]]


def stream_for_type(alert_type: str) -> str:
    return "missing" if alert_type == "missing_person" else "crime"


def send_crime_alert(
    actor: User,
    fields: dict[str, Any],
    *,
    counties: Iterable[County] = (),
    regions: Iterable[Region] = (),
    business_types: Iterable[BusinessType] = (),
    photo_uploads: Iterable = (),
    source: str = "",
) -> CrimeAlert:
    """An officer's crime alert: recorded, then one message per matching subscriber."""
    if not may_send_crime_alert(actor):
        raise PermissionDenied("Crime alerts are sent by law-enforcement officers.")
    errors: dict[str, list[str]] = {}
    if fields.get("alert_type") not in dict(crime_alert_types()):
        errors["alert_type"] = ["Choose the kind of alert."]
    for name, label in (("title", "a title"), ("body", "the text"), ("contact", "a contact")):
        if not (fields.get(name) or "").strip():
            errors[name] = [f"Give {label}."]
    errors.update(too_long(CrimeAlert, {k: fields.get(k) for k in ("title", "contact")}))
    counties, regions, business_types = list(counties), list(regions), list(business_types)
    if not fields.get("statewide") and not counties and not regions:
        errors["counties"] = ["Choose counties or regions, or statewide."]
    expires = fields.get("expires_at")
    if not expires or expires <= clock.now():
        errors["expires_at"] = ["The expiry must be in the future."]
    elif expires > clock.now() + dt.timedelta(days=90):
        errors["expires_at"] = ["At most 90 days ahead."]
    uploads = [u for u in photo_uploads if u]
    if len(uploads) > MAX_PHOTOS:
        errors["photos"] = [f"At most {MAX_PHOTOS} photos."]
    if errors:
        raise ValidationError(errors, code="invalid")
    with transaction.atomic():
        stream = Stream.objects.get(code=stream_for_type(fields["alert_type"]))
        alert = CrimeAlert.objects.create(
            alert_type=fields["alert_type"],
            stream=stream,
            title=fields["title"].strip()[:140],
            body=fields["body"].strip(),
            agency_name=actor.organization.name,
            contact=fields["contact"].strip(),
            statewide=bool(fields.get("statewide")),
            expires_at=expires,
            sent_at=clock.now(),
            record_class=RecordClass.PUBLIC,
            tlp=TLP.CLEAR,
            center=actor.center,
            owner_organization=actor.organization,
            created_by=actor,
        )
        alert.counties.set(counties)
        alert.regions.set(regions)
        alert.business_types.set(business_types)
        alert.photos.set([photos.store(u, uploaded_by=actor) for u in uploads])
        targets = recipients(
            stream=stream.code,
            statewide=alert.statewide,
            counties=counties,
            regions=regions,
            business_types=business_types,
        )
        count = targets.count()
        alert.recipient_count = count
        alert.save(update_fields=["recipient_count"])
        alert_id = alert.pk
        transaction.on_commit(lambda: notify_subscribers.enqueue("crime", alert_id, "sent"))
        audit.record(
            actor,
            "wcan_send",
            alert,
            source_address=source,
            detail={"type": alert.alert_type, "recipients": count},
        )
    return alert
