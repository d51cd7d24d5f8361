"""Per-address limits on what the public may send without an account (reports, sightings, redress).

Why in the database and not a per-process cache: every web process must share one count, or a
limit of 5 becomes 5 × processes. Why a keyed hash: the public's addresses are personal data the
center has no need to keep; the HMAC with the instance's secret lets equal addresses meet without
storing them, and rows older than the window are deleted on the next submission.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac

from django.conf import settings
from django.db import transaction

from . import audit, clock
from .models import RateAttempt


class RateLimited(Exception):
    """Refused: too many submissions from this address; the message is for the person."""


def address_key(source_address: str) -> str:
    return hmac.new(settings.SECRET_KEY.encode(), (source_address or "-").encode(), hashlib.sha256).hexdigest()


def check(bucket: str, source_address: str, *, count: int, seconds: int, audit_action: str, object_type: str,
          message: str) -> None:
    """Count one submission in `bucket`; raise RateLimited (audited, without content) once the address
    has made `count` within `seconds`."""
    now = clock.now()
    since = now - dt.timedelta(seconds=seconds)
    key = address_key(source_address)
    with transaction.atomic():
        RateAttempt.objects.filter(bucket=bucket, at__lt=since).delete()
        refused = RateAttempt.objects.filter(bucket=bucket, key=key, at__gte=since).count() >= count
        if refused:
            # audited in the transaction that commits: raising inside it would roll the entry back
            audit.record(None, audit_action, object_type=object_type, outcome="denied", source_address=source_address)
        else:
            RateAttempt.objects.create(bucket=bucket, key=key, at=now)
    if refused:
        raise RateLimited(message)
