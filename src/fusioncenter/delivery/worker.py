"""The delivery worker: claim a batch with a lease, send it, mark the rows, repeat.

Crash safety: a claimed row is `sending` with `lease_expires_at`; if its worker dies, the row's
lease expires and any worker claims it again, so nothing is lost. Duplicates: a row is marked
`sent` right after the SMTP server accepted it, in a small bulk update every `mark_every`
messages (and at the end of each batch). A worker killed between the server's 250 and that update
leaves at most `mark_every` accepted-but-unmarked rows, which are sent again (same Message-ID, so the
receiving side can drop them). Portal notices are written in the same transaction as their mark,
so they are exactly-once. See docs/delivery.md.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import random
import signal
import socket
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

from django.db import DatabaseError, close_old_connections, connection, transaction
from django.db.models import F

from fusioncenter.core import clock

from . import channels, conf
from .channels import Job
from .models import Delivery, Message, Status

log = logging.getLogger(__name__)
JOB_FIELDS = ("id", "message_id", "channel", "address", "idempotency_key", "attempts", "recipient_id")


def retry_delay(attempts: int) -> dt.timedelta:
    """Exponential back-off with jitter: base × 2^(attempts-1), capped, times a factor in [0.8, 1.2).

    Jitter spreads the retries of a large fan-out that failed together (a mail server restart) so
    they do not all return in the same second.
    """
    base = conf.get("FUSIONCENTER_DELIVERY_RETRY_BASE_SECONDS")
    cap = conf.get("FUSIONCENTER_DELIVERY_RETRY_CAP_SECONDS")
    seconds = min(base * 2 ** max(attempts - 1, 0), cap)
    return dt.timedelta(seconds=seconds * random.uniform(0.8, 1.2))


def claim(worker_id: str, batch_size: int, lease_seconds: float) -> list[Job]:
    """Claim up to `batch_size` due rows: expired leases first (a dead worker's rows), then pending.

    PostgreSQL: SELECT ... FOR UPDATE SKIP LOCKED, so concurrent workers take disjoint rows without
    waiting. SQLite: the transaction takes the database write lock at BEGIN (IMMEDIATE mode), so
    claims are serialised and the same rows can never be taken twice.
    """
    now = clock.now()
    skip_locked = connection.features.has_select_for_update_skip_locked
    with transaction.atomic():
        expired = Delivery.objects.filter(status=Status.SENDING, lease_expires_at__lte=now)
        due = Delivery.objects.filter(status=Status.PENDING, next_attempt_at__lte=now)
        if skip_locked:
            expired = expired.select_for_update(skip_locked=True)
            due = due.select_for_update(skip_locked=True)
        ids = list(expired.order_by("lease_expires_at").values_list("id", flat=True)[:batch_size])
        if len(ids) < batch_size:
            room = batch_size - len(ids)
            ids += list(due.order_by("next_attempt_at", "id").values_list("id", flat=True)[:room])
        if not ids:
            return []
        Delivery.objects.filter(id__in=ids).update(
            status=Status.SENDING, claimed_by=worker_id, claimed_at=now,
            lease_expires_at=now + dt.timedelta(seconds=lease_seconds), attempts=F("attempts") + 1,
        )
        rows = Delivery.objects.filter(id__in=ids).order_by("id").values_list(*JOB_FIELDS)
        return [Job(*row) for row in rows]


@dataclass
class Stats:
    claimed: int = 0
    sent: int = 0
    retried: int = 0
    failed: int = 0
    released: int = 0

    def add(self, other: Stats) -> None:
        for name in ("claimed", "sent", "retried", "failed", "released"):
            setattr(self, name, getattr(self, name) + getattr(other, name))


@dataclass
class BatchOutcome:
    """Collects results of one batch and writes them: `sent` in small bulk updates, others per row."""

    worker: Worker
    deadline: float
    mark_every: int
    stats: Stats = field(default_factory=Stats)
    _sent: list[int] = field(default_factory=list)

    def should_stop(self) -> bool:
        # Stop before the lease runs out (another worker may take the rows then) or when asked to.
        return self.worker.stopping or time.monotonic() >= self.deadline

    def sent(self, job: Job, provider_id: str = "") -> None:
        self.stats.sent += 1
        if provider_id:
            Delivery.objects.filter(id=job.id, status=Status.SENDING).update(
                status=Status.SENT, sent_at=clock.now(), lease_expires_at=None, last_error="",
                provider_message_id=provider_id[:200])
            return
        self._sent.append(job.id)
        if len(self._sent) >= self.mark_every:
            self.flush()

    def mark_sent_in_transaction(self, ids: list[int]) -> None:
        self.stats.sent += len(ids)
        self._mark(ids)

    def _mark(self, ids: list[int]) -> None:
        Delivery.objects.filter(id__in=ids, status=Status.SENDING).update(
            status=Status.SENT, sent_at=clock.now(), lease_expires_at=None, last_error="")

    def flush(self) -> None:
        if self._sent:
            ids, self._sent = self._sent, []
            self._mark(ids)

    def retry(self, job: Job, code: str) -> None:
        max_attempts = conf.get("FUSIONCENTER_DELIVERY_MAX_ATTEMPTS")
        if job.attempts >= max_attempts:
            self.failed(job, f"{code}; gave up after {job.attempts} attempts")
            return
        self.stats.retried += 1
        Delivery.objects.filter(id=job.id, status=Status.SENDING).update(
            status=Status.PENDING, next_attempt_at=clock.now() + retry_delay(job.attempts),
            lease_expires_at=None, claimed_by="", last_error=code[:200])

    def failed(self, job: Job, code: str) -> None:
        self.stats.failed += 1
        Delivery.objects.filter(id=job.id, status=Status.SENDING).update(
            status=Status.FAILED, lease_expires_at=None, last_error=code[:200])

    def release(self, job: Job) -> None:
        """Give an unsent row back at once, without counting the attempt."""
        self.stats.released += 1
        Delivery.objects.filter(id=job.id, status=Status.SENDING).update(
            status=Status.PENDING, lease_expires_at=None, claimed_by="", attempts=F("attempts") - 1)


class Worker:
    """One delivery worker (one process runs one). Not thread-safe; run several processes instead."""

    def __init__(self, batch_size: int | None = None, lease_seconds: float | None = None,
                 mark_every: int | None = None, worker_id: str | None = None) -> None:
        self.batch_size = batch_size or conf.get("FUSIONCENTER_DELIVERY_BATCH")
        self.lease_seconds = lease_seconds or conf.get("FUSIONCENTER_DELIVERY_LEASE_SECONDS")
        self.mark_every = mark_every or conf.get("FUSIONCENTER_DELIVERY_MARK_EVERY")
        self.worker_id = worker_id or f"{socket.gethostname()[:30]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self.stopping = False
        self.channels = channels.create_all()
        self._messages: dict[int, Message] = {}

    def _load_messages(self, jobs: list[Job]) -> dict[int, Message]:
        missing = {job.message_id for job in jobs} - set(self._messages)
        if missing:
            if len(self._messages) > 256:
                self._messages.clear()
            self._messages.update(Message.objects.in_bulk(missing))
        return self._messages

    def run_batch(self) -> Stats:
        """Claim one batch and deliver it; returns what happened (claimed == 0: nothing was due)."""
        started = time.monotonic()
        if connection.vendor == "postgresql" and not connection.in_atomic_block:
            # The worker's own bookkeeping commits without waiting for the WAL flush. A killed
            # worker loses nothing by this (the server has the commit); only a crash of the
            # database server itself can forget the last fraction of a second of `sent` marks,
            # and those messages would then be sent again (at-least-once, same Message-ID).
            with connection.cursor() as cursor:
                cursor.execute("SET synchronous_commit TO off")
        jobs = claim(self.worker_id, self.batch_size, self.lease_seconds)
        outcome = BatchOutcome(self, deadline=started + self.lease_seconds * 0.8, mark_every=self.mark_every)
        outcome.stats.claimed = len(jobs)
        if not jobs:
            return outcome.stats
        max_attempts = conf.get("FUSIONCENTER_DELIVERY_MAX_ATTEMPTS")
        messages = self._load_messages(jobs)
        by_channel: dict[str, list[Job]] = {}
        for job in jobs:
            if job.attempts > max_attempts:
                # Re-claimed after its worker died this many times: the row itself may kill workers.
                outcome.failed(job, "worker_lost_repeatedly")
            else:
                by_channel.setdefault(job.channel, []).append(job)
        try:
            for name, channel_jobs in by_channel.items():
                channel = self.channels.get(name)
                if channel is None:
                    for job in channel_jobs:
                        outcome.failed(job, "no_channel")
                    continue
                try:
                    channel.deliver(channel_jobs, messages, outcome)
                except Exception as exc:  # noqa: BLE001 - a fault in one channel must not lose the batch
                    log.exception("delivery channel %s failed on a batch", name)
                    outcome.flush()
                    for job in channel_jobs:
                        outcome.retry(job, f"internal_{type(exc).__name__}")
        finally:
            outcome.flush()
        return outcome.stats

    def run(self, once: bool = False, stop_after: float | None = None,
            idle_seconds: float | None = None) -> Stats:
        """Deliver until stopped. `once`: return when nothing is due. `stop_after`: seconds of running."""
        from .wake import Waiter

        idle = idle_seconds if idle_seconds is not None else conf.get("FUSIONCENTER_DELIVERY_IDLE_SECONDS")
        total = Stats()
        waiter = None if once else Waiter()
        end = time.monotonic() + stop_after if stop_after else None
        try:
            while not self.stopping and (end is None or time.monotonic() < end):
                if not connection.in_atomic_block:  # (tests run the worker inside a transaction)
                    close_old_connections()
                try:
                    stats = self.run_batch()
                except DatabaseError:
                    # Database away or locked past its timeout (e.g. a huge enqueue on SQLite holds the
                    # write lock): keep the process alive; claimed rows come back when their lease ends.
                    log.warning("delivery worker %s: database error; retrying shortly", self.worker_id,
                                exc_info=True)
                    if once or connection.in_atomic_block:
                        raise
                    connection.close()
                    time.sleep(idle)
                    continue
                total.add(stats)
                if stats.claimed:
                    continue
                if once:
                    break
                self.close_channels()
                timeout = idle if end is None else max(0.0, min(idle, end - time.monotonic()))
                waiter.wait(timeout)
        finally:
            self.close_channels()
            if waiter is not None:
                waiter.close()
        return total

    def close_channels(self) -> None:
        for channel in self.channels.values():
            channel.close()

    def stop(self, *_: Any) -> None:
        self.stopping = True


def run(batch_size: int | None = None, once: bool = False, stop_after: float | None = None,
        **kw: Any) -> Stats:
    """Run one worker in this process (see Worker.run)."""
    return Worker(batch_size=batch_size, **kw).run(once=once, stop_after=stop_after)


def run_forever(batch_size: int | None = None, **kw: Any) -> Stats:
    """Run until SIGTERM or SIGINT; the batch in hand is finished or handed back, never dropped."""
    worker = Worker(batch_size=batch_size, **kw)
    previous = {sig: signal.signal(sig, worker.stop) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        return worker.run()
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
