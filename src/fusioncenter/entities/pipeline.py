"""An import's two processes: the worker resolves chunk N+1 while a writer process writes chunk N.

Why: an import spends about as long resolving (Python: normalizing, looking candidates up,
comparing) as writing (mostly inside SQLite, or in the PostgreSQL server), and one process does
one at a time, leaving the second core idle (measured: docs/entities.md, Bulk import). A
thread would not do: the sqlite3 module lets go of the GIL only around each row's step, so a
writer thread would wait up to the interpreter's switch interval (5 ms) for each row it inserts.

The contract, the same for both writers here:
- `submit(job)` hands over a chunk (the caller has `wait`ed for the one before);
- `wait()` returns the last chunk's counts once it is committed, or raises `WriterFailed`.

A chunk may be handed over as `Packed(job)`: pickled already, so the caller can pickle it while
the chunk before is still being written, and the writer waits only for the bytes to arrive.

At most one chunk is in flight. Between `submit` and `wait` the worker resolves the next chunk;
the chunk being written may commit at any moment of that, so the resolution takes it from memory
(`bulk.Pending`) and ignores what it made in the database (`Pending.horizon`).
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import os
import pickle
from collections.abc import Callable
from multiprocessing.reduction import ForkingPickler
from types import TracebackType
from typing import Any

from django.db import connections

log = logging.getLogger(__name__)

# store(job, memory) -> the chunk's counts; `memory` is the store's own, kept by the writer from one
# chunk to the next. Only the counts come back: the real ids of the entities a chunk made stay with
# the writer (`bulk.WriteState`), and sending them (24,000 a chunk) cost the writer 2.5% of its CPU
Store = Callable[[Any, dict[str, Any]], dict[str, float]]


class Packed:
    """A job pickled as the writer process will read it (`Connection.recv` unpickles what
    `Connection.send` pickled the same way)."""

    __slots__ = ("payload",)

    def __init__(self, job: Any) -> None:
        self.payload = bytes(ForkingPickler.dumps(job, pickle.HIGHEST_PROTOCOL))


class WriterFailed(RuntimeError):
    """The writer could not store a chunk (its transaction was rolled back; earlier chunks stand)."""


class DeferredWriter:
    """Writes each chunk in this process, when `wait` is called: the pipeline's order (the next
    chunk is resolved before the one before it is written) without a second process, so tests can
    check that order on any database, the in-memory one included."""

    def __init__(self, store: Store) -> None:
        self._store = store
        self._job: Any = None
        self._memory: dict[str, Any] = {}

    def __enter__(self) -> DeferredWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self._job = None

    def submit(self, job: Any) -> None:
        if self._job is not None:
            raise RuntimeError("wait() for the chunk in flight first")
        # a copy made as the process writer gets it (pickled): what the resolving side does next
        # cannot reach the chunk in flight, and the pickling itself is tested
        payload = job.payload if isinstance(job, Packed) else Packed(job).payload
        self._job = pickle.loads(payload)  # noqa: S301 - our own bytes

    def wait(self) -> dict[str, float] | None:
        if self._job is None:
            return None
        job, self._job = self._job, None
        try:
            return self._store(job, self._memory)
        except Exception as exc:
            raise WriterFailed(f"{type(exc).__name__}: {exc}") from exc


class ProcessWriter:
    """Writes chunks in a child process with its own database connection.

    The child is forked after this process's connections are closed (a connection must never be
    shared across a fork), so it starts with the importer's code and settings and opens its own.
    It leaves with `os._exit`, so nothing inherited from the worker is torn down twice.
    """

    def __init__(self, store: Store, *, setup: Callable[[], None] | None = None,
                 after_each: Callable[[int], None] | None = None) -> None:
        self._store, self._setup, self._after_each = store, setup, after_each
        self._busy = False
        self._proc: Any = None

    @classmethod
    def start(cls, store: Store, **hooks: Callable[..., None] | None) -> ProcessWriter | None:
        """A started writer, or None when this process cannot start one (a daemonic process may
        not have children, say): the import then runs in one process."""
        writer = cls(store, **hooks)  # type: ignore[arg-type]
        try:
            writer._fork()
        except (OSError, AssertionError, ValueError) as exc:
            log.warning("import writer process not started (%s); importing in one process", exc)
            return None
        return writer

    def __enter__(self) -> ProcessWriter:
        if self._proc is None:
            self._fork()
        return self

    def _fork(self) -> None:
        connections.close_all()
        ctx = multiprocessing.get_context("fork")
        self._conn, child = ctx.Pipe()
        self._proc = ctx.Process(target=_serve, args=(child, self._store, self._setup, self._after_each),
                                 name="fusioncenter-import-writer", daemon=True)
        try:
            self._proc.start()
        except BaseException:
            self._conn.close()
            raise
        finally:
            child.close()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        try:
            if exc_type is None:
                self.wait()
        finally:
            # a chunk still in flight is finished and committed whole (it is consistent on its
            # own); the child then reads the stop and leaves
            with contextlib.suppress(OSError):
                self._conn.send(None)
            self._proc.join(timeout=120)
            if self._proc.is_alive():
                self._proc.terminate()
                self._proc.join()
            self._conn.close()

    def submit(self, job: Any) -> None:
        if self._busy:
            raise RuntimeError("wait() for the chunk in flight first")
        self._conn.send_bytes((job if isinstance(job, Packed) else Packed(job)).payload)
        self._busy = True

    def wait(self) -> dict[str, float] | None:
        if not self._busy:
            return None
        try:
            answer = self._conn.recv()
        except EOFError:
            raise WriterFailed(f"the import's writer process stopped (exit code {self._proc.exitcode})") from None
        finally:
            self._busy = False
        if answer[0] == "error":
            raise WriterFailed(answer[1])
        return answer[1]


def _serve(conn: Any, store: Store, setup: Callable[[], None] | None,
           after_each: Callable[[int], None] | None) -> None:
    """The child: store each chunk received, answer ("ok", counts) or ("error", why)."""
    status = 0
    try:
        if setup:
            setup()
        memory: dict[str, Any] = {}
        number = 0
        while True:
            job = conn.recv()
            if job is None:
                break
            number += 1
            try:
                stats = store(job, memory)
            except Exception as exc:
                log.exception("import writer: chunk failed")
                conn.send(("error", f"{type(exc).__name__}: {exc}"))
                status = 1
                break
            conn.send(("ok", stats))
            del job  # before the collector runs (`after_each`), or it would walk the whole chunk
            if after_each:
                after_each(number)
    except (EOFError, OSError):
        status = 1  # the worker went away
    except BaseException:
        log.exception("import writer: could not start")
        status = 1
    finally:
        try:
            connections.close_all()
        finally:
            os._exit(status)
