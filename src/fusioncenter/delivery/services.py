"""Delivery services: enqueue a message for many recipients, report its status, cancel, read receipts.

`send()` writes the message and every delivery row in the caller's transaction, so an alert and its
notifications commit or roll back together (architecture rule 6); workers are woken on commit.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import nh3
from django.core.exceptions import ValidationError
from django.db import connection, models, transaction
from django.db.models import Count, Q

from fusioncenter.core import audit, clock

from . import wake
from .addresses import InvalidAddress, idempotency_key, normalize
from .models import Channel, Delivery, Message, PortalNotice, Status

BULK_BATCH = 2000
MESSAGE_FIELDS = ("subject", "text_body", "html_body", "sms_body", "sender_label")


@dataclass(frozen=True)
class Recipient:
    """One recipient on one channel. `user` is set for portal notices and for known users."""

    channel: str
    address: str
    user: Any = None


def _source(source: Any) -> tuple[str, str]:
    if source is None:
        return "", ""
    if isinstance(source, models.Model):
        return source._meta.label_lower, str(source.pk)
    source_type, source_id = source
    return str(source_type), str(source_id)


def _clean_fields(fields: dict[str, Any]) -> dict[str, str]:
    unknown = set(fields) - set(MESSAGE_FIELDS)
    if unknown:
        raise ValidationError({sorted(unknown)[0]: ["Unknown message field."]}, code="unknown_field")
    out = {name: str(fields.get(name) or "") for name in MESSAGE_FIELDS}
    errors: dict[str, list[str]] = {}
    subject = out["subject"].strip()
    if not subject:
        errors["subject"] = ["A subject is required."]
    elif "\r" in subject or "\n" in subject or len(subject) > 200:
        errors["subject"] = ["The subject must be one line of at most 200 characters."]
    if not out["text_body"].strip():
        errors["text_body"] = ["A plain-text body is required (every channel can show it)."]
    label = out["sender_label"]
    if "\r" in label or "\n" in label or len(label) > 120:
        errors["sender_label"] = ["The sender label must be one line of at most 120 characters."]
    if len(out["sms_body"]) > 480:
        errors["sms_body"] = ["A text message may hold at most 480 characters."]
    if errors:
        raise ValidationError(errors, code="invalid")
    out["subject"] = subject
    if out["html_body"]:
        out["html_body"] = nh3.clean(out["html_body"])
    return out


def _clean_attachment(attachment: tuple[str, Any] | None) -> tuple[str, str]:
    from . import attachments

    if attachment is None:
        return "", ""
    provider, ref = str(attachment[0]), str(attachment[1])
    if not attachments.is_registered(provider):
        raise ValidationError({"attachment": [f"No attachment provider {provider!r} is registered."]},
                              code="unknown_provider")
    if not ref or len(ref) > 64:
        raise ValidationError({"attachment": ["The attachment reference must be 1 to 64 characters."]},
                              code="invalid")
    return provider, ref


def _as_recipient(item: Any) -> Recipient:
    if isinstance(item, Recipient):
        return item
    channel, address, *rest = item
    return Recipient(str(channel), str(address), rest[0] if rest else None)


def send(
    message_fields: dict[str, Any],
    recipients: Iterable[Any],
    *,
    source: Any = None,
    actor: Any = "system",
    key: str | None = None,
    attachment: tuple[str, Any] | None = None,
    link: str | None = None,
) -> Message:
    """Create a message and one pending delivery per (channel, address); return the message.

    `recipients` yields `Recipient` or `(channel, address, user_or_None)` tuples; a portal recipient's
    address is the user id (the user object alone is enough). Runs inside the caller's transaction:
    if it rolls back, nothing was queued. With `key`, sending again returns the same message and
    adds only recipients it did not have. A duplicate recipient is ignored (unique idempotency key);
    an unusable address gets a `failed` row with a reason code, so the sender sees it in the totals
    instead of the whole send failing.

    `attachment=(provider, ref)` names a file the e-mail channel renders at send time for each
    recipient through a registered provider (see `delivery.attachments`); only the reference is
    stored. SMS and portal deliveries ignore it.

    `link="/products/12/"` gives every e-mail recipient (who is a user) a personal link to that path
    which only they can use; its first use is their read receipt (see `delivery.links`).
    """
    from .links import clean_path

    fields = _clean_fields(message_fields)
    provider, ref = _clean_attachment(attachment)
    link_path = clean_path(link) if link is not None else ""
    source_type, source_id = _source(source)
    if key is not None and (not key or len(key) > 200):
        raise ValidationError({"key": ["The key must be 1 to 200 characters."]}, code="invalid")
    valid_channels = set(Channel.values)
    invalid = 0
    with transaction.atomic():
        message = None
        if key:
            message = Message.objects.filter(key=key).first()
        if message is None:
            message = Message.objects.create(
                key=key, source_type=source_type, source_id=source_id,
                attachment_provider=provider, attachment_ref=ref, link_path=link_path,
                created_by=actor if getattr(actor, "is_authenticated", False) else None, **fields,
            )
        scope = key or f"message:{message.pk}"
        now = clock.now()
        rows: list[tuple] = []
        seen: set[str] = set()
        portal_ids: set[int] = set()
        for item in recipients:
            recipient = _as_recipient(item)
            if recipient.channel not in valid_channels:
                raise ValidationError({"recipients": [f"Unknown channel {recipient.channel!r}."]},
                                      code="unknown_channel")
            address = recipient.address
            if recipient.channel == Channel.PORTAL and recipient.user is not None and not address:
                address = str(recipient.user.pk)
            user_id = getattr(recipient.user, "pk", None)
            try:
                normalized = normalize(recipient.channel, address)
                status, error = Status.PENDING, ""
            except InvalidAddress as exc:
                normalized = (address or "").strip()[:254]
                status, error = Status.FAILED, str(exc)
            if recipient.channel == Channel.PORTAL and status == Status.PENDING:
                user_id = user_id or int(normalized)
                portal_ids.add(user_id)
            dkey = idempotency_key(scope, recipient.channel, normalized)
            if dkey in seen:
                continue
            seen.add(dkey)
            invalid += status == Status.FAILED
            rows.append((recipient.channel, normalized, user_id, dkey, status, error))
        if portal_ids:
            _check_portal_users(portal_ids)
        created = _insert(message, rows, now)
        audit.record(actor, "delivery.send", message, detail={
            "source_type": source_type, "source_id": source_id,
            "recipients": len(rows), "new": created, "invalid": invalid,
        })
        transaction.on_commit(wake.signal)
    return message


COLUMNS = ("message", "channel", "address", "recipient", "idempotency_key", "status", "last_error",
           "attempts", "next_attempt_at", "created_at", "claimed_by", "provider_message_id")
ANALYZE_AFTER = 5000


def _insert(message: Message, rows: list[tuple], now: Any) -> int:
    """Insert delivery rows, skipping idempotency keys that exist; returns how many were new.

    The ORM is bypassed on purpose: for a 100,000-recipient alert, building model instances and
    compiling bulk_create's SQL cost several times the insert itself. SQLite: one prepared INSERT
    run with executemany (no network, so no round trips). PostgreSQL: COPY into a temporary table,
    then one INSERT ... SELECT, because psycopg sends an executemany row by row. Both use
    `ON CONFLICT (idempotency_key) DO NOTHING`, which skips only the duplicate and never hides
    another constraint's violation (unlike INSERT OR IGNORE).
    """
    if not rows:
        return 0
    quote = connection.ops.quote_name
    table = quote(Delivery._meta.db_table)
    names = ", ".join(quote(Delivery._meta.get_field(name).column) for name in COLUMNS)
    stamp = connection.ops.adapt_datetimefield_value(now)
    values = ((message.pk, *row, 0, stamp, stamp, "", "") for row in rows)
    with connection.cursor() as cursor:
        if connection.vendor != "postgresql":
            cursor.executemany(
                f"INSERT INTO {table} ({names}) VALUES ({', '.join(['%s'] * len(COLUMNS))}) "
                "ON CONFLICT (idempotency_key) DO NOTHING", list(values))
            return max(cursor.rowcount, 0)
        cursor.execute(f"CREATE TEMPORARY TABLE delivery_incoming ON COMMIT DROP AS "
                       f"SELECT {names} FROM {table} WITH NO DATA")
        with cursor.cursor.copy(f"COPY delivery_incoming ({names}) FROM STDIN") as copy:
            for row in values:
                copy.write_row(row)
        cursor.execute(f"INSERT INTO {table} ({names}) SELECT {names} FROM delivery_incoming "
                       "ON CONFLICT (idempotency_key) DO NOTHING")
        inserted = max(cursor.rowcount, 0)
        cursor.execute("DROP TABLE delivery_incoming")
        if inserted >= ANALYZE_AFTER:
            # Fresh planner statistics, so the workers' claim and mark queries use the indexes
            # at once instead of planning for the table as it was before this fan-out.
            cursor.execute(f"ANALYZE {table}")
    return inserted


def _check_portal_users(user_ids: set[int]) -> None:
    from django.contrib.auth import get_user_model

    found = set(get_user_model().objects.filter(pk__in=user_ids).values_list("pk", flat=True))
    if found != user_ids:
        raise ValidationError({"recipients": ["A portal recipient is not a user of this system."]},
                              code="unknown_user")


def _message_filter(source: Any = None, message: Message | None = None) -> Q:
    if message is not None:
        return Q(message=message)
    source_type, source_id = _source(source)
    return Q(message__source_type=source_type, message__source_id=source_id)


def status_for(source: Any = None, *, message: Message | None = None) -> dict[str, Any]:
    """Totals for everything sent about `source` (a model instance or (type, id)), or one message.

    Returns {"total", "by_status": {status: n}, "by_channel": {channel: {status: n, "total": n}},
    "read": portal notices read, "rows": [(channel label, counts...)]} for the status table.
    Callers show it only to users who may see the source record.
    """
    flt = _message_filter(source, message)
    by_status = dict.fromkeys(Status.values, 0)
    by_channel: dict[str, dict[str, int]] = {}
    for row in Delivery.objects.filter(flt).values("channel", "status").annotate(n=Count("id")):
        by_status[row["status"]] += row["n"]
        counts = by_channel.setdefault(row["channel"], {**dict.fromkeys(Status.values, 0), "total": 0})
        counts[row["status"]] += row["n"]
        counts["total"] += row["n"]
    read = PortalNotice.objects.filter(flt, read_at__isnull=False).count()  # notices share the FK name
    labels = dict(Channel.choices)
    rows = [
        {"channel": channel, "label": labels.get(channel, channel), **counts}
        for channel, counts in sorted(by_channel.items())
    ]
    return {"total": sum(by_status.values()), "by_status": by_status, "by_channel": by_channel,
            "read": read, "rows": rows}


def deliveries_for(source: Any = None, *, message: Message | None = None, status: str | None = None,
                   channel: str | None = None) -> models.QuerySet[Delivery]:
    """Per-recipient rows (newest message first). Callers check access to the source first."""
    qs = Delivery.objects.filter(_message_filter(source, message)).select_related("recipient")
    if status:
        qs = qs.filter(status=status)
    if channel:
        qs = qs.filter(channel=channel)
    return qs.order_by("-message_id", "id")


def cancel(message: Message, actor: Any = "system") -> int:
    """Cancel every delivery of `message` not yet handed to a worker; returns how many.

    Rows already `sending` finish: a worker may be talking to the mail server about them.
    """
    with transaction.atomic():
        n = Delivery.objects.filter(message=message, status=Status.PENDING).update(
            status=Status.CANCELLED, last_error="cancelled")
        audit.record(actor, "delivery.cancel", message, detail={"cancelled": n})
    return n


def retry_failed(message: Message, actor: Any = "system") -> int:
    """Put failed deliveries of `message` back in the queue (e.g. after a mail server was fixed)."""
    with transaction.atomic():
        n = Delivery.objects.filter(message=message, status=Status.FAILED).exclude(
            last_error__startswith="invalid_").update(
            status=Status.PENDING, attempts=0, next_attempt_at=clock.now(), last_error="")
        audit.record(actor, "delivery.retry", message, detail={"requeued": n})
        transaction.on_commit(wake.signal)
    return n


# --- portal inbox ---------------------------------------------------------------------------------


def inbox(user: Any) -> models.QuerySet[PortalNotice]:
    return PortalNotice.objects.filter(user=user).select_related("message")


def unread_count(user: Any) -> int:
    return PortalNotice.objects.filter(user=user, read_at__isnull=True).count()


def mark_read(user: Any, notice_id: int, source_address: str | None = None) -> PortalNotice:
    """Record the read receipt for one of the user's own notices (first read counts)."""
    with transaction.atomic():
        notice = PortalNotice.objects.select_for_update().filter(user=user, pk=notice_id).first()
        if notice is None:
            raise PortalNotice.DoesNotExist
        if notice.read_at is None:
            notice.read_at = clock.now()
            notice.save(update_fields=["read_at"])
            audit.record(user, "delivery.notice_read", notice, source_address=source_address)
    return notice


def mark_all_read(user: Any, source_address: str | None = None) -> int:
    with transaction.atomic():
        n = PortalNotice.objects.filter(user=user, read_at__isnull=True).update(read_at=clock.now())
        if n:
            audit.record(user, "delivery.notice_read_all", user, source_address=source_address,
                         detail={"count": n})
    return n

