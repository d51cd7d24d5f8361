"""The import pipeline (a chunk resolved while the one before is written) makes exactly what the
one-process import makes, fails cleanly, and resumes."""

from __future__ import annotations

import array
import json
import os
import pickle
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.db import connection, transaction

from fusioncenter.entities import bulk, candidates, imports, pipeline
from fusioncenter.entities.models import ImportBatch, PartnerRecord

from .pipeline_probe import CHUNK, FIELDS, make_csv, signature

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]


class _Rollback(Exception):
    pass


def _rolled_back(make):
    """What `make()` returns, made in a transaction rolled back after (the index left as it was)."""
    out = None
    try:
        with transaction.atomic():
            out = make()
            raise _Rollback
    except _Rollback:
        pass
    return out


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


def test_the_import_memory_keeps_each_block_in_order_and_capped():
    """`bulk.Pending` keeps a block as `candidates.lookup` returns it: newest first for person keys
    (the entity made last at the front), oldest first for exact keys, never more than BLOCK_CAP;
    a stored entity that gains a key takes its place by id."""
    cap = candidates.BLOCK_CAP
    newest: dict[str, Any] = {}
    oldest: dict[str, Any] = {}
    for eid in range(-1, -cap - 6, -1):  # made in this order during an import, each the newest yet
        bulk._join(newest, {"k"}, eid, newest=True)
        bulk._join(oldest, {"k"}, eid, newest=False)
    # held as 64-bit machine integers (ids run past 2**31, and below zero during an import)
    assert isinstance(newest["k"], array.array) and newest["k"].typecode == "q"
    assert list(newest["k"]) == list(range(-cap - 5, -5))  # the last made, latest first
    assert list(oldest["k"]) == list(range(-1, -cap - 1, -1))  # the first made keep their places
    bulk._join(newest, {"k"}, 7, newest=True)  # a stored entity: older than any made during the import
    assert 7 not in newest["k"] and len(newest["k"]) == cap
    bulk._join(oldest, {"k"}, 7, newest=False)
    assert oldest["k"][0] == 7 and list(oldest["k"][1:]) == list(range(-1, -cap, -1))
    for some in ({"k": [-3, -1, 90, 40]}, {"k": array.array("q", [-3, -1, 90, 40])}):
        bulk._join(some, {"k"}, 60, newest=True)
        assert list(some["k"]) == [-3, -1, 90, 60, 40]
        bulk._join(some, {"k"}, 60, newest=True)
        assert list(some["k"]) == [-3, -1, 90, 60, 40]  # once
    big: dict[str, Any] = {}
    bulk._join(big, {"k"}, 2**40, newest=True)
    assert list(big["k"]) == [2**40]


def test_the_writer_notices_ids_someone_else_took():
    state = bulk.WriteState(last={"entity": 10})
    state.took("entity", [11, 12, 13])
    assert not state.foreign
    state.took("mention", [5, 6])  # a sequence seen for the first time: nothing to compare with
    assert not state.foreign
    state.took("entity", [15, 16])  # 14 went to someone else
    assert state.foreign
    state.foreign = False
    state.took("mention", [7, 9])  # someone took 8 while these were reserved
    assert state.foreign


def test_a_chunk_sends_its_writer_only_what_it_changed_as_plain_values():
    """An entity of the import's memory that a mention is compared with but not placed on stays
    where it is (no copy of it is sent to be written); it still counts as read."""
    first = bulk.resolve([PartnerRecord(row_number=2, partner_id="a", data={
        "first_name": "Maria", "last_name": "Lopez", "dob": "1980-02-03"})])
    made = first.placed[0][6]
    pending = first.pending(horizon=0)
    # another Maria Lopez, born thirty years earlier: the same name blocks, not the same person
    second = bulk.resolve([PartnerRecord(row_number=3, partner_id="b", data={
        "first_name": "Maria", "last_name": "Lopez", "dob": "1951-11-20"})],
        pending=pending, temp_ids=iter(range(-2, -10, -1)))
    placed = second.placed[0][6]
    assert second.compared == 1 and second.read == 1
    assert placed == -2 and made not in second.known
    sent = second.for_writer()
    assert [e[0] for e in sent.entities] == [placed]
    assert all(type(e) is tuple for e in sent.entities)
    wire = pickle.dumps(sent)
    assert b"_Pending" not in wire and b"_Entity" not in wire


def test_a_chunk_reads_the_import_memory_and_leaves_it_as_it_was():
    """A chunk reads the blocks of the import's memory in place and adds its own entities on top
    of them (`bulk.resolve` copies a block only when it adds to it): the memory itself changes
    only when the chunk is absorbed, as the writer will store it."""
    def record(row: int, **data: str) -> PartnerRecord:
        return PartnerRecord(row_number=row, partner_id=f"r{row}", data=data)

    first = bulk.resolve([record(2, first_name="Maria", last_name="Lopez", dob="1980-02-03", plate="ABC1234")])
    maria, car = first.placed[0][6], first.placed[1][6]
    pending = first.pending(horizon=0)
    before = {key: list(block) for key, block in pending.blocks.items()}
    second = bulk.resolve([
        # another Maria Lopez thirty years older (a new entity, in the same name blocks as the first),
        record(3, first_name="Maria", last_name="Lopez", dob="1951-11-20", plate="ABC-1234"),
        # then the same older Maria again, and the first Maria once more
        record(4, first_name="Maria", last_name="Lopez", dob="1951-11-20"),
        record(5, first_name="Maria", last_name="Lopez", dob="1980-02-03"),
    ], pending=pending, temp_ids=iter(range(-3, -10, -1)))
    placed = [(p[0], p[1], p[6]) for p in second.placed]
    older = placed[0][2]
    assert placed == [(0, "person", older), (0, "vehicle", car), (1, "person", older), (2, "person", maria)]
    assert older not in (maria, car)
    assert {key: list(block) for key, block in pending.blocks.items()} == before  # nothing changed in place
    pending.absorb(second)
    shared = [key for key in before if key.startswith("person|fl:")]
    assert shared and all(list(pending.blocks[key]) == [older, maria] for key in shared)  # newest first


def test_the_pipelined_order_makes_what_the_serial_import_makes(make_user, make_org, monkeypatch):
    """Chunk N+1 is resolved before chunk N is written (the writer is deferred, in this process);
    the result is the serial import's, mention for mention."""
    analyst, org = make_user("analyst"), make_org("Sheriff (pipeline)")
    serial = _rolled_back(lambda: signature(_import(analyst, org).pk))
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


def _twice(user, org, writer_of):
    """The file imported into an empty index, then again on top of it (every row meeting the
    entities the first import made), in one transaction rolled back after; the second import's
    signature."""
    def both():
        _import(user, org)
        return signature(_import(user, org, writer=writer_of()).pk)

    return _rolled_back(both)


def test_an_import_into_a_filled_index_makes_what_the_serial_import_makes(make_user, make_org):
    """What was in the index before the import is read from the database (up to the horizon),
    what the import made from memory; the two meet in the same blocks, as the serial import sees
    them."""
    analyst, org = make_user("analyst"), make_org("Sheriff (pipeline, filled)")
    serial = _twice(analyst, org, lambda: None)
    piped = _twice(analyst, org, lambda: pipeline.DeferredWriter(imports._store_chunk))
    assert piped == serial and piped["batch"][0] == "done"
    assert any("exact" in m or "probable" in m for g in piped["partition"] for m in g)


def test_a_write_by_someone_else_during_the_import_is_seen_as_the_serial_import_sees_it(
        make_user, make_org, monkeypatch, caplog):
    """Another writer indexes a record while the import's third chunk is written: the writer
    notices the gap it left in the sequences, the import reads the index again, and every later
    row meets what the other writer made, exactly as in the serial import."""
    from fusioncenter.entities import services

    analyst, org = make_user("analyst"), make_org("Sheriff (pipeline, concurrent)")
    real_write = imports._write_chunk

    def with_a_foreign_write(calls: list):
        def write(job, state):
            calls.append(job)
            if len(calls) == 3:  # someone else indexes a person who appears again further down the file
                later = make_csv().decode().splitlines()
                row = dict(zip(FIELDS, later[4 * CHUNK + 1].split(","), strict=False))
                other = imports.start_import(analyst, org, "other.csv", make_csv(), "csv",
                                             {f: f for f in FIELDS}, run=False)
                record = PartnerRecord.objects.create(batch=other, row_number=1, data=row, tlp="amber",
                                                      record_class="law_enforcement", owner_organization=org,
                                                      center_id=org.center_id)
                services.index_record(record, notify=False)
            return real_write(job, state)
        return write

    outcomes = []
    for writer_of in (lambda: None, lambda: pipeline.DeferredWriter(imports._store_chunk)):
        calls: list = []
        monkeypatch.setattr(imports, "_write_chunk", with_a_foreign_write(calls))
        outcomes.append(_rolled_back(lambda w=writer_of: signature(_import(analyst, org, writer=w()).pk)))
        assert len(calls) > 4
    serial, piped = outcomes
    assert piped == serial
    assert "the index changed under the import" in caplog.text


def test_an_import_whose_memory_is_full_starts_it_afresh_and_makes_the_same(make_user, make_org, monkeypatch):
    """Past `imports.MEMORY_ENTITIES` the import forgets what it made and reads it from the database
    from there on: the same result, with less memory."""
    analyst, org = make_user("analyst"), make_org("Sheriff (pipeline, memory)")
    serial = _rolled_back(lambda: signature(_import(analyst, org).pk))
    starts = []
    real = bulk.newest_entity_id
    monkeypatch.setattr(bulk, "newest_entity_id", lambda: starts.append(1) or real())
    monkeypatch.setattr(imports, "MEMORY_ENTITIES", 300)
    piped = signature(_import(analyst, org, writer=pipeline.DeferredWriter(imports._store_chunk)).pk)
    assert len(starts) > 2  # started afresh more than once
    assert piped == serial


def test_a_failed_chunk_is_reported_and_the_import_resumes(make_user, make_org):
    analyst, org = make_user("analyst"), make_org("Sheriff (pipeline failure)")
    calls = []

    def failing(job, memory):
        calls.append(job)
        if len(calls) == 3:  # the third chunk fails half-written: its transaction is rolled back
            with transaction.atomic():
                imports._write_chunk(job, memory["state"])
                raise OSError("disk full")
        return imports._store_chunk(job, memory)

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
