"""Waking idle workers when new deliveries commit, so they need not poll the table often.

PostgreSQL: NOTIFY on a channel the worker LISTENs to. SQLite (one machine by design): the time
stamp of a small file under the data directory, which the idle worker checks every 50 ms. Either
way a lost wake-up costs at most one idle interval, because workers also poll.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path

from django.conf import settings
from django.db import connection

log = logging.getLogger(__name__)
PG_CHANNEL = "fusioncenter_delivery"


def _wake_file() -> Path:
    return Path(settings.DATA_DIR) / "delivery.wake"


def signal() -> None:
    """Tell idle workers there is work. Called from transaction.on_commit; never raises."""
    try:
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_notify(%s, '')", [PG_CHANNEL])
        else:
            path = _wake_file()
            path.parent.mkdir(parents=True, exist_ok=True)
            path.touch()
    except Exception:  # noqa: BLE001 - workers poll anyway; a failed wake-up only delays
        log.warning("delivery wake-up signal failed", exc_info=True)


class Waiter:
    """Sleeps up to a timeout, returning early when `signal()` fires."""

    def __init__(self) -> None:
        self._pg = None
        self._mtime = self._file_mtime()

    def _file_mtime(self) -> float:
        try:
            return _wake_file().stat().st_mtime
        except OSError:
            return 0.0

    def _listen(self):
        if self._pg is None:
            import psycopg

            params = connection.get_connection_params()
            params.pop("cursor_factory", None)
            params.pop("context", None)
            params.pop("prepare_threshold", None)
            self._pg = psycopg.connect(**params, autocommit=True)
            self._pg.execute(f"LISTEN {PG_CHANNEL}")
        return self._pg

    def wait(self, timeout: float) -> None:
        if connection.vendor == "postgresql":
            try:
                for _ in self._listen().notifies(timeout=timeout, stop_after=1):
                    break
                return
            except Exception:  # noqa: BLE001 - fall back to sleeping; reconnect next time
                log.warning("delivery LISTEN failed; sleeping instead", exc_info=True)
                self.close()
                time.sleep(timeout)
                return
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            mtime = self._file_mtime()
            if mtime != self._mtime:
                self._mtime = mtime
                return
            time.sleep(0.05)

    def close(self) -> None:
        if self._pg is not None:
            try:
                self._pg.close()
            finally:
                self._pg = None
