"""The import pipeline (a chunk resolved while the one before is written) makes exactly what the
one-process import makes, fails cleanly, and resumes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection, transaction

from fusioncenter.entities import bulk, candidates, imports, pipeline
from fusioncenter.entities.models import ImportBatch, PartnerRecord

from .pipeline_probe import CHUNK, FIELDS, make_csv, signature

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]


class _Rollback(Exception):
    pass


def _import(user, org, *, writer=None, chunk: int = CHUNK) -> ImportBatch:
    batch = imports.start_import(user, org, "gen.csv", make_csv(), "csv", {f: f for f in FIELDS}, run=False)
    imports.CHUNK, old = chunk, imports.CHUNK
    try:
        return imports.run_import(batch.pk, writer=writer)
    finally:
        imports.CHUNK = old


def test_pending_keys_join_a_block_as_the_database_will_hold_them():
    blocks = {"person|a": [90, 80, 70], "plate:X": [5]}
    pending = {"person|a": [-1, -2, 75], "plate:X": [-3], "person|b": [-4]}
    candidates.add_pending(blocks, pending, ["person|a", "person|b"], newest=True)
    candidates.add_pending(blocks, pending, ["plate:X"], newest=False)
    # newest first: made during the import (the latest made first), then stored ids, largest first
    assert blocks["person|a"] == [-2, -1, 90, 80, 75, 70]
    assert blocks["person|b"] == [-4]
    assert blocks["plate:X"] == [5, -3]  # oldest first: the stored entity keeps the exact match
    many = {"person|c": list(range(1000, 1000 - candidates.BLOCK_CAP, -1))}
    candidates.add_pending(many, {"person|c": [-9]}, ["person|c"], newest=True)
    assert len(many["person|c"]) == candidates.BLOCK_CAP and many["person|c"][0] == -9
    assert 1000 - candidates.BLOCK_CAP + 1 not in many["person|c"]  # the oldest falls off the cap


def test_the_pipelined_order_makes_what_the_serial_import_makes(make_user, make_org, monkeypatch):
    """Chunk N+1 is resolved before chunk N is written (the writer is deferred, in this process);
    the result is the serial import's, mention for mention."""
    analyst, org = make_user("analyst"), make_org("Sheriff (pipeline)")
    try:
        with transaction.atomic():
            serial = signature(_import(analyst, org).pk)
            raise _Rollback
    except _Rollback:
        pass
    seen = []
    real = bulk.resolve

    def spy(records, **kw):
        pending = kw.get("pending")
        seen.append(len(pending.entities) if pending else 0)
        return real(records, **kw)

    monkeypatch.setattr(bulk, "resolve", spy)
    batch = _import(analyst, org, writer=pipeline.DeferredWriter(imports._store_chunk))
    piped = signature(batch.pk)
    assert seen[0] == 0 and all(n > 0 for n in seen[1:])  # each later chunk saw the one before from memory
    assert len(seen) > 5
    assert piped["batch"] == serial["batch"] and piped["batch"][0] == "done"
    assert piped == serial
    # the file's duplicates were found across chunks, not only within them
    rows_of = [{int(m.split(":")[0]) for m in g} for g in piped["partition"]]
    assert any(max(r) - min(r) > CHUNK for r in rows_of)


def test_a_failed_chunk_is_reported_and_the_import_resumes(make_user, make_org):
    analyst, org = make_user("analyst"), make_org("Sheriff (pipeline failure)")
    calls = []

    def failing(job, earlier):
        calls.append(job)
        if len(calls) == 3:  # the third chunk fails half-written: its transaction is rolled back
            with transaction.atomic():
                imports._write_chunk(job, earlier)
                raise OSError("disk full")
        return imports._store_chunk(job, earlier)

    with pytest.raises(pipeline.WriterFailed, match="disk full"):
        _import(analyst, org, writer=pipeline.DeferredWriter(failing))
    batch = ImportBatch.objects.get()
    assert batch.status == "running"
    stored = PartnerRecord.objects.filter(batch=batch).count()
    # two whole chunks, no part of the third
    assert stored == batch.imported == sum(len(j.records) for j in calls[:2]) > 0
    imports.CHUNK, old = CHUNK, imports.CHUNK
    try:
        batch = imports.run_import(batch.pk, writer=pipeline.DeferredWriter(imports._store_chunk))
    finally:
        imports.CHUNK = old
    rows = PartnerRecord.objects.filter(batch=batch).values_list("row_number", flat=True)
    assert batch.status == "done" and len(rows) == len(set(rows)) == batch.total - batch.rejected


def _probe(tmp_path: Path, pipelined: str) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "FUSIONCENTER_SQLITE_PATH")}
    out = subprocess.run([sys.executable, str(ROOT / "tests" / "entities" / "pipeline_probe.py"),
                          str(tmp_path / f"data-{pipelined}"), pipelined],
                         env=env, capture_output=True, text=True, timeout=300, check=False)
    assert out.returncode == 0, out.stderr[-3000:]
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_two_processes_make_what_one_makes_on_a_sqlite_file(tmp_path):
    """The real pipeline: a forked writer process with its own connection to an SQLite file."""
    piped, serial = _probe(tmp_path, "1"), _probe(tmp_path, "0")
    assert piped.pop("process_writer") is True and serial.pop("process_writer") is False
    assert piped["batch"][0] == "done" and piped["entities"] > 0
    assert piped == serial


@pytest.mark.django_db(transaction=True)
def test_two_processes_make_what_one_makes_on_the_server(make_user, make_org, settings, monkeypatch):
    """The real pipeline on this run's database server (PostgreSQL): the writer process commits
    each chunk; the result equals a serial import of the same file into an empty index."""
    if connection.vendor == "sqlite" and connection.is_in_memory_db():
        pytest.skip("the suite's SQLite database is in memory; the SQLite file case is the test above")
    from fusioncenter.entities.models import Entity, Mention, SearchDocument

    used = []
    enter = pipeline.ProcessWriter.__enter__

    def noted(self):
        used.append(True)
        return enter(self)

    monkeypatch.setattr(pipeline.ProcessWriter, "__enter__", noted)
    analyst, org = make_user("analyst"), make_org("Sheriff (pipeline, server)")
    first = signature(_import(analyst, org).pk)
    assert used == [True]
    assert first["batch"][0] == "done" and first["entities"] > 0
    Mention.objects.all().delete()
    Entity.objects.all().delete()
    PartnerRecord.objects.all().delete()
    SearchDocument.objects.all().delete()
    settings.IMPORT_PIPELINE = False  # the same file again, in this process alone
    assert signature(_import(analyst, org).pk) == first
    assert used == [True]


def test_a_writer_that_cannot_start_leaves_the_import_to_one_process(monkeypatch, caplog):
    import multiprocessing

    real = multiprocessing.get_context

    class Refusing:
        def __init__(self, ctx):
            self._ctx = ctx

        def Pipe(self):  # noqa: N802 (multiprocessing's name)
            return self._ctx.Pipe()

        def Process(self, **kw):  # noqa: N802
            class Child:
                def start(self):
                    raise AssertionError("daemonic processes are not allowed to have children")

            return Child()

    monkeypatch.setattr(pipeline.multiprocessing, "get_context", lambda method: Refusing(real(method)))
    assert pipeline.ProcessWriter.start(imports._store_chunk) is None
    assert "importing in one process" in caplog.text
