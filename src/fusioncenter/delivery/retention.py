"""How long the outbox keeps addresses and message text, and how a purged record leaves the outbox.

The outbox needs a recipient's address and the message body only until the message is delivered or
given up on, plus a while to answer "did X get the alert?". After
`FUSIONCENTER_DELIVERY_RETENTION_DAYS` (90 by default) the daily job (`expire`):

* blanks the address and the idempotency key (a hash of the address, so it could be matched
  against a guessed address) of every finished e-mail and SMS row; status, channel, times,
  attempts and error codes stay, so the totals a sender sees do not change;
* replaces the subject and bodies of every message whose rows are all finished with a notice that
  they were removed (the portal inbox keeps the entry, its date and its read receipt);
* drops the lines of the development SMS log (`<data dir>/sms-outbox.log`) older than that.

`purge_source(label, id)` deletes every message about a record, with its rows, inbox notices and
SMS log lines. It is registered as a privacy purge hook, so a privacy purge of any record (a report,
a product, an alert) also empties the outbox of it.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import json
import logging
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import CharField, Value
from django.db.models.functions import Cast, Concat

from fusioncenter.core import audit, clock

from . import conf
from .models import Channel, Delivery, Message, Status

log = logging.getLogger(__name__)
FINISHED = (Status.SENT, Status.FAILED, Status.CANCELLED)
REMOVED_SUBJECT = "Message removed (outbox retention)"
REMOVED_BODY = ("The text of this message was removed after {days} days under the outbox retention rule. "
                "The record it was about, if it still exists, is in the portal.")


def retention_days() -> int:
    return int(conf.get("FUSIONCENTER_DELIVERY_RETENTION_DAYS"))


def cutoff_for(as_of: dt.date) -> dt.datetime:
    """Rows created before the start of `as_of` minus the retention period are expired."""
    start = dt.datetime.combine(as_of, dt.time.min, tzinfo=dt.UTC)
    return start - dt.timedelta(days=retention_days())


def sms_log_path() -> Path:
    return Path(settings.DATA_DIR) / "sms-outbox.log"


def expire(as_of: dt.date | None = None) -> dict[str, int]:
    """The daily job: blank old addresses and bodies, prune the SMS log. Idempotent."""
    as_of = as_of or clock.today()
    cutoff = cutoff_for(as_of)
    days = retention_days()
    with transaction.atomic():
        addresses = (Delivery.objects
                     .filter(channel__in=(Channel.EMAIL, Channel.SMS), status__in=FINISHED, created_at__lt=cutoff)
                     .exclude(address="")
                     .update(address="", idempotency_key=Concat(Value("expired:"), Cast("id", CharField()))))
        unfinished = Delivery.objects.filter(status__in=(Status.PENDING, Status.SENDING)).values("message_id")
        bodies = (Message.objects.filter(created_at__lt=cutoff, expired_at__isnull=True)
                  .exclude(pk__in=unfinished)
                  .update(subject=REMOVED_SUBJECT, text_body=REMOVED_BODY.format(days=days), html_body="",
                          sms_body="", expired_at=clock.now()))
        counts = {"addresses": addresses, "messages": bodies}
        audit.record("system", "delivery.retention", object_type="delivery.outbox", object_id=as_of.isoformat(),
                     detail={**counts, "days": days})
    counts["sms_log_lines"] = prune_sms_log(lambda item: _logged_before(item, cutoff))
    if addresses or bodies or _recent_purges():
        _vacuum(force=True)
    return counts


def _recent_purges() -> bool:
    """A purge in the last week: its outbox rows' old versions may have outlived the purge's own
    (rate-limited) VACUUM, or an older transaction may have kept VACUUM from removing them."""
    try:
        from fusioncenter.privacy.models import Tombstone
    except ImportError:  # pragma: no cover - privacy not installed
        return False
    return Tombstone.objects.filter(purged_at__gte=clock.now() - dt.timedelta(days=7)).exists()


def _logged_before(item: dict, cutoff: dt.datetime) -> bool:
    try:
        return dt.datetime.fromisoformat(item["at"]) < cutoff
    except (KeyError, TypeError, ValueError):
        return False


def prune_sms_log(drop: Callable[[dict], bool]) -> int:
    """Remove the SMS log lines for which `drop(line)` is true; returns how many.

    Rewritten in place under an exclusive lock, which the logging gateway also takes for each
    append, so a text logged while pruning is neither lost nor duplicated.
    """
    path = sms_log_path()
    try:
        fd = os.open(path, os.O_RDWR)
    except FileNotFoundError:
        return 0
    removed = 0
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        with os.fdopen(os.dup(fd), "r+b") as fh:
            kept: list[bytes] = []
            for line in fh.read().splitlines(keepends=True):
                try:
                    item = json.loads(line)
                except ValueError:
                    item = None
                if isinstance(item, dict) and drop(item):
                    removed += 1
                else:
                    kept.append(line)
            if removed:
                fh.seek(0)
                fh.truncate()
                fh.write(b"".join(kept))
                fh.flush()
                os.fsync(fh.fileno())
    finally:
        with contextlib.suppress(OSError):
            fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)
    return removed


def purge_source(label: str, object_id: Any) -> int:
    """Delete every outbox message about one record (rows and inbox notices cascade); returns how many.

    Runs inside the caller's transaction (the privacy purge); the SMS log lines of those deliveries
    are dropped once it commits, so a purge that rolls back loses nothing.
    """
    messages = Message.objects.filter(source_type=str(label), source_id=str(object_id))
    sms_ids = set(Delivery.objects.filter(message__in=messages, channel=Channel.SMS).values_list("id", flat=True))
    _, by_model = messages.delete()
    count = by_model.get(Message._meta.label, 0)
    if sms_ids:
        transaction.on_commit(lambda: prune_sms_log(lambda item: item.get("delivery") in sms_ids))
    if count:
        transaction.on_commit(_vacuum)
    return count


def purge_hook(label: str, record_id: str) -> None:
    """The privacy app calls this inside its purge transaction."""
    purge_source(label, record_id)


VACUUM_EVERY_SECONDS = 60.0
_last_vacuum = [-VACUUM_EVERY_SECONDS]


def _vacuum(force: bool = False) -> None:
    """PostgreSQL keeps old row versions until VACUUM: reclaim the outbox tables' pages (privacy's rule).

    After a purge it runs at most once a minute per process: a retention run purging a thousand
    records must not rewrite the whole outbox a thousand times. The daily job vacuums again for a
    week after any purge, which also catches what the rate limit skipped.
    """
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        return
    if not force and time.monotonic() - _last_vacuum[0] < VACUUM_EVERY_SECONDS:
        return
    _last_vacuum[0] = time.monotonic()
    try:
        from fusioncenter.privacy.retention import vacuum
    except ImportError:  # pragma: no cover - privacy not installed
        return
    from .models import PortalNotice

    vacuum({m._meta.db_table for m in (Message, Delivery, PortalNotice)})
