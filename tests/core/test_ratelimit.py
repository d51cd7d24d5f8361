"""core.ratelimit: one count per bucket and address, shared by every process, never the address itself."""

from __future__ import annotations

import datetime as dt

import pytest

from fusioncenter.core import clock, ratelimit
from fusioncenter.core.models import AuditEntry, RateAttempt

LIMIT = {"count": 2, "seconds": 600, "audit_action": "test_rate_limited", "object_type": "test.thing",
         "message": "Too many; wait ten minutes."}


def test_the_limit_counts_per_bucket_and_address_and_forgets_after_the_window(db):
    for _ in range(2):
        ratelimit.check("a", "192.0.2.1", **LIMIT)
    with pytest.raises(ratelimit.RateLimited, match="wait ten minutes"):
        ratelimit.check("a", "192.0.2.1", **LIMIT)
    ratelimit.check("b", "192.0.2.1", **LIMIT)  # another form has its own count
    ratelimit.check("a", "192.0.2.2", **LIMIT)  # another address too
    refused = AuditEntry.objects.get(action="test_rate_limited")
    assert refused.outcome == "denied"
    assert not RateAttempt.objects.filter(key__contains="192.0.2").exists()
    clock.advance(dt.timedelta(seconds=601))
    ratelimit.check("a", "192.0.2.1", **LIMIT)
    assert RateAttempt.objects.filter(bucket="a").count() == 1  # the old rows were deleted
