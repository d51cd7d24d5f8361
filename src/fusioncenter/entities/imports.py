"""Bulk import of partner records (CSV or JSON) with a column mapping saved per partner.

`start_import` checks the file and the mapping up front (a bad mapping fails before anything is
written), stores the upload under the data directory and queues `run_import`; the worker imports in
chunks, updating the batch's progress after each, and reports every rejected row with its reason:
nothing is dropped silently. Each accepted row becomes a `PartnerRecord` (a `MarkedRecord` with the
batch's markings) and is resolved into the entity index and the search index. The upload file is
deleted when the import ends, so no copy outlives a later purge.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import gc
import io
import itertools
import json
import logging
import os
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.models.base import ModelState

from fusioncenter.core import audit, clock
from fusioncenter.core.markings import TLP, RecordClass
from fusioncenter.core.roles import CENTER_WORKER_ROLES

from . import bulk, fastinsert, pipeline, search
from . import normalize as nz
from .models import ImportBatch, ImportMapping, PartnerRecord
from .schema import MentionInput

log = logging.getLogger(__name__)

PERSON = ("first_name", "middle_name", "last_name", "full_name", "dob", "sex", "phone", "email", "address", "dl")
FIELDS = (*PERSON, "plate", "plate_state", "vin", "record_id", "date", "note")
CHUNK = 2000  # rows per transaction and per progress step, at first (then `_chunk_size`)
MAX_BYTES = 512 * 1024 * 1024
MAX_ERRORS_KEPT = 10_000
ANALYZE_FIRST = 4000  # rows imported before the first mid-import ANALYZE (then at each doubling)
# entities an import keeps in memory (`bulk.Pending`, about 500 bytes each) before it starts its
# memory afresh from the database: a million-row import makes two million
MEMORY_ENTITIES = 4_000_000


def _upload_dir() -> Path:
    path = Path(settings.DATA_DIR) / "imports"
    path.mkdir(parents=True, exist_ok=True)
    return path


def read_rows(content: bytes, fmt: str) -> tuple[list[str], list[dict[str, Any]]]:
    """(columns, rows) of a CSV or JSON (array of objects) upload; ValidationError when unreadable."""
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValidationError({"file": ["The file is not UTF-8 text."]}, code="encoding") from None
    if fmt == "csv":
        try:
            reader = csv.DictReader(io.StringIO(text))
            rows = list(reader)
        except csv.Error as exc:
            raise ValidationError({"file": [f"Not a readable CSV file: {exc}."]}, code="csv") from None
        return list(reader.fieldnames or []), rows
    if fmt == "json":
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ValidationError({"file": [f"Not JSON: {exc.msg} (line {exc.lineno})."]}, code="json") from None
        if not isinstance(data, list) or not all(isinstance(r, dict) for r in data):
            raise ValidationError({"file": ["The JSON must be an array of objects, one per record."]},
                                  code="json_shape")
        columns = sorted({k for r in data for k in r})
        return columns, [{k: "" if v is None else str(v) for k, v in r.items()} for r in data]
    raise ValidationError({"format": ["Choose CSV or JSON."]}, code="format")


def check_mapping(mapping: dict[str, str], columns: list[str]) -> dict[str, str]:
    errors = []
    clean = {}
    for fld, column in (mapping or {}).items():
        if not column:
            continue
        if fld not in FIELDS:
            errors.append(f"Unknown field '{fld}'.")
        elif column not in columns:
            errors.append(f"{fld}: the file has no column '{column}'.")
        else:
            clean[fld] = column
    if not errors and not ({"first_name", "last_name", "full_name", "plate", "vin", "phone", "email"} & set(clean)):
        errors.append("Map at least a name, a plate, a VIN, a phone or an e-mail column.")
    if errors:
        raise ValidationError({"mapping": errors}, code="mapping")
    return clean


def check_row(values: dict[str, str]) -> tuple[str, str] | None:
    """(field, reason) when a row cannot be imported as it stands."""
    if not any(values.get(k) for k in ("first_name", "last_name", "full_name", "plate", "vin", "phone", "email")):
        return "row", "Nothing to index: no name, plate, VIN, phone or e-mail."
    checks = (("dob", nz.date_of_birth, "not a date of birth (YYYY-MM-DD or MM/DD/YYYY, not in the future)"),
              ("phone", nz.phone, "not a possible phone number"),
              ("email", nz.email, "not an e-mail address"),
              ("plate", nz.plate, "not a licence plate (2 to 10 letters and digits)"),
              ("vin", nz.vin, "not a 17-character VIN"))
    for fld, fn, reason in checks:
        if values.get(fld) and fn(values[fld]) is None:
            return fld, reason
    if values.get("date") and nz.date_of_birth(values["date"]) is None:
        return "date", "not a date"
    return None


def start_import(user: Any, organization: Any, filename: str, content: bytes, fmt: str, mapping: dict[str, str],
                 *, save_as: str = "", tlp: str = TLP.AMBER, record_class: str = RecordClass.LAW_ENFORCEMENT,
                 run: bool = True, source_address: str | None = None) -> ImportBatch:
    if getattr(user, "role", None) not in CENTER_WORKER_ROLES:
        raise PermissionDenied("Only the center's analysts and supervisors import partner records.")
    if len(content) > MAX_BYTES:
        raise ValidationError({"file": ["The file is larger than 512 MB; split it."]}, code="too_large")
    if tlp not in TLP.values or record_class not in RecordClass.values:
        raise ValidationError({"marking": ["Unknown marking."]}, code="marking")
    columns, rows = read_rows(content, fmt)
    if not rows:
        raise ValidationError({"file": ["The file has no records."]}, code="empty")
    clean = check_mapping(mapping, columns)
    with transaction.atomic():
        batch = ImportBatch.objects.create(organization=organization, created_by=user, filename=filename[:200],
                                           format=fmt, mapping=clean, total=len(rows),
                                           marking={"tlp": tlp, "record_class": record_class})
        if save_as.strip():
            ImportMapping.objects.update_or_create(organization=organization, name=save_as.strip()[:100],
                                                   defaults={"mapping": clean})
        (_upload_dir() / f"batch-{batch.pk}.{fmt}").write_bytes(content)
        audit.record(user, "entities.import_start", batch, source_address=source_address,
                     detail={"rows": len(rows), "organization": organization.pk})
        if run:
            from .tasks import run_import_task

            transaction.on_commit(lambda: run_import_task.enqueue(batch.pk))
    return batch


def run_import(batch_id: int, *, writer: pipeline.DeferredWriter | pipeline.ProcessWriter | None = None
               ) -> ImportBatch:
    """Import a queued batch in chunks; safe to call again (it continues after the last committed chunk).
    `writer`: who writes the chunks (`_import_rows` chooses when not given)."""
    batch = ImportBatch.objects.get(pk=batch_id)
    path = _upload_dir() / f"batch-{batch.pk}.{batch.format}"
    if batch.status == ImportBatch.Status.DONE or not path.exists():
        return batch
    _, rows = read_rows(path.read_bytes(), batch.format)
    batch.status = ImportBatch.Status.RUNNING
    batch.save(update_fields=["status"])
    with _collector_between_chunks(), _large_page_cache():
        _import_rows(batch, rows, writer=writer)
    with transaction.atomic():
        batch.status = ImportBatch.Status.DONE
        batch.finished_at = clock.now()
        batch.save(update_fields=["status", "finished_at"])
        audit.record(batch.created_by or "system", "entities.import_done", batch,
                     detail={"imported": batch.imported, "rejected": batch.rejected})
    path.unlink(missing_ok=True)
    _analyze()
    return batch


@contextlib.contextmanager
def _collector_between_chunks() -> Iterator[None]:
    """Python's cycle collector runs between chunks instead of inside them.

    Left to itself it ran every few hundred allocations and walked the file's rows (a million dicts
    alive for the whole import) and each chunk's tens of thousands of objects again and again:
    about 40% of the import's time (measured at 100,000 rows on SQLite: 933 rows/s as it was,
    1,571 with collection off, 1,598 as here). The rows are frozen (never walked), automatic
    collection is off for the import, and `_tidy` freezes what each chunk left alive, without
    walking it: chunks leave no cyclic garbage (none found by collections every 5 chunks of a
    60,000-row import, in either process), while what they leave alive is the import's own
    memory (`bulk.Pending`), which a collection would walk again each time (collections every 5
    chunks, in full every 25, took 4.4 s of a 200,000-row import's 66 s). Whatever a chunk might
    leave in a cycle is collected when the import ends and the collector is given back.
    """
    was_enabled = gc.isenabled()
    gc.freeze()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
        gc.unfreeze()


def _tidy(chunk_number: int) -> None:
    """After each chunk (`_collector_between_chunks`); the number is the chunk's, for the writer's hook."""
    gc.freeze()


@contextlib.contextmanager
def _large_page_cache() -> Iterator[None]:
    """SQLite keeps 2 MB of pages per connection by default, while an import writes into indexes
    that grow to gigabytes and re-reads their pages from the operating system's cache. The
    importer's connection gets SQLITE_IMPORT_CACHE_MB for the import, then its own back. A modest
    gain, measured: a million rows in 845 s against 874 s with the default (921 against 846 rows/s
    over the last tenth); 4% at 100,000 rows."""
    if connection.vendor != "sqlite":
        yield
        return
    with connection.cursor() as cur:
        cur.execute("PRAGMA cache_size")
        before = int(cur.fetchone()[0])
    _import_page_cache()
    try:
        yield
    finally:
        with connection.cursor() as cur:
            cur.execute(f"PRAGMA cache_size = {before}")


def _import_page_cache() -> None:
    if connection.vendor == "sqlite":
        with connection.cursor() as cur:
            cur.execute(f"PRAGMA cache_size = {-1024 * int(settings.SQLITE_IMPORT_CACHE_MB)}")


@dataclass
class ChunkJob:
    """One chunk for the writer: its records, their resolution, and the batch's progress after it
    (stored in the chunk's transaction, so the progress bar never counts rows not committed)."""

    batch_id: int
    org_id: int
    rows: int
    records: list[PartnerRecord]
    resolved: bulk.ToWrite | None
    progress: dict[str, Any]
    analyze: bool = False
    common: dict[str, Any] = field(default_factory=dict)  # what every record of the batch has (`_record`)
    # sent with the first chunk resolved from a new `bulk.Pending`: the sequences' last ids then,
    # where the writer's reservations must continue unless someone else writes (`bulk.WriteState`)
    expect: dict[str, int] | None = None

    def __getstate__(self) -> dict[str, Any]:
        """Sent to the writer process with the records as plain values: a model instance costs
        several times more to pickle and unpickle than the four values that differ by row."""
        state = dict(self.__dict__)
        state["records"] = [tuple(getattr(r, name) for name in VARYING) for r in self.records]
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        state["records"] = [_record(state["common"], row) for row in state["records"]]
        self.__dict__.update(state)


VARYING = ("row_number", "partner_id", "data", "observed_at")  # a PartnerRecord's fields set row by row


def _record(common: dict[str, Any], values: tuple) -> PartnerRecord:
    """An unsaved PartnerRecord built as unpickling builds one, without `Model.__init__`: an import
    makes a million, and __init__, which goes through every field, cost the resolving process
    1.6 s per 50,000 records under the profiler. `common`: the attributes of a record built the
    usual way for the batch (`_common`); `values`: the VARYING ones."""
    record = PartnerRecord.__new__(PartnerRecord)
    record.__dict__.update(common)
    record.__dict__.update(zip(VARYING, values, strict=True))
    record._state = ModelState()
    return record


def _common(batch: ImportBatch) -> dict[str, Any]:
    """The attributes every record of the batch shares, from one record built the usual way."""
    sample = PartnerRecord(
        batch_id=batch.pk, record_class=batch.marking.get("record_class", RecordClass.LAW_ENFORCEMENT),
        tlp=batch.marking.get("tlp", TLP.AMBER), center_id=batch.organization.center_id,
        owner_organization_id=batch.organization_id, created_by_id=batch.created_by_id)
    return {k: v for k, v in sample.__dict__.items() if k != "_state" and k not in VARYING}


def _store_chunk(job: ChunkJob, memory: dict[str, Any]) -> dict[str, float]:
    """The writer's work for one chunk, in one transaction (`pipeline`: in the writer process).
    `memory`: the writer's own, kept over the import (`bulk.WriteState`)."""
    began = time.perf_counter()
    state = memory.setdefault("state", bulk.WriteState())
    if job.expect is not None:
        state.last.update(job.expect)
    with transaction.atomic():
        if connection.vendor == "postgresql":
            # The chunk commits with the batch's progress, so a crash can lose only whole chunks
            # at the end, which the import redoes when it is run again: it need not wait for each
            # commit to reach the disk. (The batch's end is committed as usual, and with it all of
            # these.)
            with connection.cursor() as cur:
                cur.execute("SET LOCAL synchronous_commit TO off")
        stats = _write_chunk(job, state)
    stats["write_seconds"] = round(time.perf_counter() - began, 3)  # how long SQLite's write lock was held
    if job.analyze:
        _analyze()
    return stats


def _write_chunk(job: ChunkJob, state: bulk.WriteState) -> dict[str, float]:
    records = job.records
    for record, pk in zip(records, fastinsert.reserve_ids(PartnerRecord, len(records)), strict=True):
        record.pk = record.id = pk
    names = [f.attname for f in PartnerRecord._meta.concrete_fields]
    fastinsert.insert(PartnerRecord, ([getattr(r, name) for name in names] for r in records), columns=names)
    stats: dict[str, float] = {"mentions": 0, "rejected": 0, "entities": 0, "entities_read": 0, "comparisons": 0}
    if job.resolved is not None:
        stats = bulk.write(job.resolved, records, job.org_id, state=state)
    search.index_records_bulk(records)
    ImportBatch.objects.filter(pk=job.batch_id).update(**job.progress)
    return stats


def _pipelined(rows: int) -> bool:
    """A second process writes when it can help and can work: more than one chunk, outside a
    transaction (its writes would not be the caller's), on a database it can open."""
    if not settings.IMPORT_PIPELINE or rows <= CHUNK or connection.in_atomic_block or not hasattr(os, "fork"):
        return False
    return not (connection.vendor == "sqlite" and connection.is_in_memory_db())


def _import_rows(batch: ImportBatch, rows: list[dict[str, Any]], *,
                 writer: pipeline.DeferredWriter | pipeline.ProcessWriter | None = None) -> None:
    """Import the rows chunk by chunk: in this process alone, or with `writer` writing each chunk
    while the next is resolved (a `ProcessWriter` when `_pipelined`)."""
    if writer is None and _pipelined(len(rows) - batch.processed):
        writer = pipeline.ProcessWriter.start(_store_chunk, setup=_import_page_cache, after_each=_tidy)
    if writer is None:
        _import_serially(batch, rows)
        return
    with writer:
        _import_page_cache()  # this process's connection is new: the writer's start closed the old one
        _import_pipelined(batch, rows, writer)


def _chunk_size(done: int, left: int) -> int:
    """Rows in the next chunk, given the rows of the batch done and those left: CHUNK, growing to
    IMPORT_LARGE_CHUNK (a twentieth of the rows done), and near the end half of what is left, down
    to CHUNK again. Why grow: once the index is large, a chunk's inserts land on pages of its
    indexes spread everywhere, and every page a transaction touches is written out at its commit;
    more rows per transaction share more pages. Measured on top of a million rows (60,000 more):
    6,000-row chunks took the writer 22.3 s against 26.2 s for 2,000, with 8.6 s in commits
    against 12.9; a million rows on SQLite with chunks growing to 12,000 took 308.5 s against
    323.6 s to 6,000. Why not from the start, nor to the end, nor larger: the first chunk is
    resolved and the last written with nothing alongside (a 12,000-row chunk at a million rows on
    PostgreSQL: about 3 s with one core idle), and SQLite's write lock is held as long as a chunk
    takes to write."""
    return max(CHUNK, min(settings.IMPORT_LARGE_CHUNK, done // 20, left // 2))


def _chunks(batch: ImportBatch, rows: list[dict[str, Any]]) -> Iterator[ChunkJob]:
    """Each chunk's checked rows as unsaved records; the batch's counters and errors advance as it goes."""
    errors = list(batch.errors)
    kept = len(errors)
    common = _common(batch)
    next_analyze = max(ANALYZE_FIRST, 2 * batch.imported)
    # a chunk's rows and the batch's progress commit together, so every row before `processed` was
    # imported or rejected already: a resumed import starts there (and counts no rejection twice)
    start = batch.processed
    while start < len(rows):
        chunk = rows[start:start + _chunk_size(start, len(rows) - start)]
        records = []
        for offset, row in enumerate(chunk):
            number = start + offset + 2 if batch.format == "csv" else start + offset + 1
            values = {fld: str(row.get(col) or "").strip() for fld, col in batch.mapping.items()}
            problem = check_row(values)
            if problem:
                batch.rejected += 1
                if len(errors) < MAX_ERRORS_KEPT:
                    errors.append({"row": number, "field": problem[0], "reason": problem[1]})
                continue
            observed = nz.date_of_birth(values.get("date")) if values.get("date") else None
            records.append(_record(common, (number, values.get("record_id", "")[:100], values,
                                            dt.datetime.combine(observed, dt.time(12), dt.UTC) if observed else None)))
        batch.imported += len(records)
        batch.processed = min(start + len(chunk), batch.total)
        batch.errors = errors
        progress = {"imported": batch.imported, "rejected": batch.rejected, "processed": batch.processed}
        if len(errors) != kept:  # the list is rewritten only when it grew
            progress["errors"], kept = list(errors), len(errors)
        analyze = batch.imported >= next_analyze
        if analyze:
            next_analyze = 2 * batch.imported
        yield ChunkJob(batch.pk, batch.organization_id, len(chunk), records, None, progress, analyze, common)
        start += len(chunk)


def _log_chunk(batch: ImportBatch, job: ChunkJob, seconds: float, stats: dict[str, float]) -> None:
    log.debug("import chunk", extra={"batch": batch.pk, "processed": job.progress["processed"], "rows": job.rows,
                                     "seconds": seconds, **stats})


def _import_serially(batch: ImportBatch, rows: list[dict[str, Any]]) -> None:
    """Each chunk resolved and written in one transaction, the next after it."""
    for number, job in enumerate(_chunks(batch, rows), start=1):
        began = time.perf_counter()
        with transaction.atomic():
            job.resolved = bulk.resolve(job.records).for_writer() if job.records else None
            stats = _write_chunk(job, bulk.WriteState())
        _log_chunk(batch, job, time.perf_counter() - began, stats)
        _tidy(number)
        if job.analyze:
            _analyze()


def _import_pipelined(batch: ImportBatch, rows: list[dict[str, Any]],
                      writer: pipeline.DeferredWriter | pipeline.ProcessWriter) -> None:
    """Chunk N+1 is resolved while the writer stores chunk N. What the import made since its
    first chunk is matched from memory (`bulk.Pending`), the rest of the index read from the
    database; when someone else writes to the index meanwhile, the writer's answer says so, and
    the chunk at hand is resolved again from the database alone once nothing is in flight, with a
    new `Pending` from there (`bulk.WriteState`).

    The chunk is made ready for the writer (absorbed into `pending`, reduced, pickled) before
    waiting for the chunk in flight, not after: the writer would be idle meanwhile, and this took
    about a seventh of the resolving process's time (py-spy, 200,000 rows on SQLite). Only when
    the answer says the index changed under the import is that work thrown away and done again."""
    temp_ids = itertools.count(-1, -1)  # new entities' ids until written, unique over the import
    pending: bulk.Pending | None = None
    sent: ChunkJob | None = None
    began = time.perf_counter()
    for number, job in enumerate(_chunks(batch, rows), start=1):
        resolved = bulk.resolve(job.records, pending=pending, temp_ids=temp_ids) if job.records else None
        packed = None
        if resolved is not None and pending is not None and len(pending.entities) <= MEMORY_ENTITIES:
            pending.absorb(resolved)
            job.resolved = resolved.for_writer()
            packed = pipeline.Packed(job)
        done = writer.wait()  # the chunk before is committed
        if done and sent:
            now = time.perf_counter()
            _log_chunk(batch, sent, now - began, done)
            began = now
        if done and done.get("foreign"):
            log.info("import: the index changed under the import; reading it again", extra={"batch": batch.pk})
            pending = packed = None
            resolved = bulk.resolve(job.records, temp_ids=temp_ids) if job.records else None
        if packed is None:
            if pending is not None and len(pending.entities) > MEMORY_ENTITIES:
                pending = None  # this chunk was resolved with it, and nothing is in flight: start afresh
            if resolved is not None:
                if pending is None:  # nothing in flight: the database holds all the import made so far
                    pending = resolved.pending(bulk.newest_entity_id())
                    job.expect = bulk.sequences()
                else:
                    pending.absorb(resolved)
            job.resolved = resolved.for_writer() if resolved else None
            packed = pipeline.Packed(job)
        writer.submit(packed)
        # only the counts are kept: the chunk's objects go before the collector runs, or it would walk them
        sent = ChunkJob(job.batch_id, job.org_id, job.rows, [], None, job.progress)
        del job, resolved
        _tidy(number)
    done = writer.wait()
    if done and sent:
        _log_chunk(batch, sent, time.perf_counter() - began, done)


def _analyze() -> None:
    """Fresh planner statistics, during the import too (at 4,000 rows, 8,000, 16,000...) and at the end.

    Without them PostgreSQL keeps the sizes it saw before the import (an empty key table, say) and
    looks each chunk's blocking keys up by scanning a table grown to millions of rows; SQLite,
    with no statistics at all, answers the incremental match from the entity-type index (every
    person) instead of the key index: measured at 100,000 rows, p50 180 ms before, 1.5 ms after.
    """
    # the decisions too: on PostgreSQL the review queue, planned for the few open ones it saw
    # before, joined and sorted every suggestion an import wrote (281 ms at 301,015 rows, 1 s at a
    # million) instead of reading the newest 500 off `(status, at)` (under 10 ms)
    tables = ("entities_blockingkey", "entities_entity", "entities_mention", "entities_searchdocument",
              "entities_matchdecision")
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            cur.execute(f"ANALYZE {', '.join(tables)}")
        elif connection.vendor == "sqlite":
            cur.execute("PRAGMA analysis_limit = 2000")  # sampled: a fraction of a second at any size
            for table in tables:
                cur.execute(f"ANALYZE {table}")


def partner_mentions(record: PartnerRecord) -> list[MentionInput]:
    """What an imported row names: the person, the vehicle, the phone, the e-mail, the address."""
    d = record.data
    out = []
    person = {k: d[k] for k in PERSON if d.get(k)}
    if any(d.get(k) for k in ("first_name", "last_name", "full_name")):
        name = d.get("full_name") or f"{d.get('first_name', '')} {d.get('last_name', '')}".strip()
        out.append(MentionInput("person", "person", name, person))
    if d.get("plate") or d.get("vin"):
        out.append(MentionInput("vehicle", "vehicle", d.get("plate") or d.get("vin"),
                                {"plate": d.get("plate", ""), "plate_state": d.get("plate_state", ""),
                                 "vin": d.get("vin", "")}))
    if d.get("phone"):
        out.append(MentionInput("phone", "phone", d["phone"]))
    if d.get("email"):
        out.append(MentionInput("email", "email", d["email"]))
    if d.get("address"):
        out.append(MentionInput("location", "address", d["address"]))
    return out


def partner_text(record: PartnerRecord) -> dict[str, Any]:
    d = record.data
    name = d.get("full_name") or f"{d.get('first_name', '')} {d.get('last_name', '')}".strip()
    return {"title": f"Imported record {record.partner_id or record.pk}",
            "body": " ".join(v for k, v in d.items() if k not in ("record_id",) and v),
            "keys": [v for v in (name, d.get("plate"), d.get("phone"), d.get("email"), d.get("vin")) if v]}


def register() -> None:
    """Entities' own record type registers like any other (from EntitiesConfig.ready)."""
    from django.urls import reverse

    from .registry import register_mention_source, register_search_source

    register_mention_source(PartnerRecord, partner_mentions, date=lambda r: r.observed_at,
                            describe=lambda r: f"Imported record {r.pk} (batch {r.batch_id}, row {r.row_number})",
                            url=lambda r: reverse("entities:import", args=[r.batch_id]))
    register_search_source(PartnerRecord, partner_text, lambda r: {"date": r.observed_at},
                           url=lambda r: reverse("entities:import", args=[r.batch_id]))
