"""Daily jobs (retention review, idle-account disabling…), run once a day by whichever worker gets there
first, and frequent jobs (alert expiry) run about once a minute.

Apps register a job in their AppConfig.ready() with `register_daily(name, fn)`; `fn(as_of: date)` must be
idempotent. `run_due()` runs each job whose run for today is not yet recorded; the unique
(`name`, `day`) row in `ScheduledRun` makes two workers racing for the same job run it once.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Callable

from django.db import IntegrityError, transaction

from . import clock

log = logging.getLogger(__name__)
DailyJob = Callable[[dt.date], object]
_jobs: dict[str, DailyJob] = {}
_frequent: dict[str, Callable[[], object]] = {}


def register_daily(name: str, job: DailyJob) -> None:
    _jobs[name] = job


def register_frequent(name: str, job: Callable[[], object]) -> None:
    """A job run on every tick of the scheduler (about once a minute), e.g. alert expiry. It must be
    idempotent and safe to run on two machines at once (do its work in a transaction with row locks)."""
    _frequent[name] = job


def run_frequent() -> list[str]:
    ran = []
    for name, job in sorted(_frequent.items()):
        try:
            job()
            ran.append(name)
        except Exception:  # logged; the next tick tries again
            log.exception("frequent job %s failed", name)
    return ran


def jobs() -> dict[str, DailyJob]:
    return dict(_jobs)


def run_due(as_of: dt.date | None = None) -> list[str]:
    """Run every job not yet run for `as_of` (default today); return the names run."""
    from .models import ScheduledRun

    day = as_of or clock.today()
    ran = []
    for name, job in sorted(_jobs.items()):
        try:
            with transaction.atomic():
                ScheduledRun.objects.create(name=name, day=day, started_at=clock.now())
        except IntegrityError:
            continue  # another worker has it
        try:
            job(day)
            ScheduledRun.objects.filter(name=name, day=day).update(finished_at=clock.now(), outcome="success")
            ran.append(name)
        except Exception:  # a failing job must not stop the others; it is logged and retried tomorrow
            log.exception("daily job %s failed", name)
            ScheduledRun.objects.filter(name=name, day=day).update(finished_at=clock.now(), outcome="failure")
    return ran


def loop(poll_seconds: int = 60) -> None:  # pragma: no cover - exercised by `fusioncenter worker`
    while True:
        run_frequent()
        run_due()
        time.sleep(poll_seconds)
