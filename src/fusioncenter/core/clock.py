"""The one clock services read, so tests (retention, alert expiry, session limits) can move time.

`now()` is aware UTC. Tests call `freeze(dt)` / `advance(delta)` / `reset()`; production never does.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

_offset: dt.timedelta = dt.timedelta(0)
_frozen: dt.datetime | None = None


def now() -> dt.datetime:
    if _frozen is not None:
        return _frozen
    return timezone.now() + _offset


def today() -> dt.date:
    return timezone.localdate(now())


def freeze(moment: dt.datetime) -> None:
    global _frozen
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment, dt.UTC)
    _frozen = moment


def advance(delta: dt.timedelta) -> None:
    global _offset, _frozen
    if _frozen is not None:
        _frozen = _frozen + delta
    else:
        _offset = _offset + delta


def reset() -> None:
    global _offset, _frozen
    _offset = dt.timedelta(0)
    _frozen = None
