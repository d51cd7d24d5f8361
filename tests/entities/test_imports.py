"""Bulk import: mapping checked first, rejected rows reported with reasons, rows resolved and searchable."""

import json

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from fusioncenter.entities import imports, search
from fusioncenter.entities.models import ImportBatch, ImportMapping, Mention, PartnerRecord

pytestmark = pytest.mark.django_db

CSV = (b"ID,Given,Surname,DOB,Tel,Plate\n"
       b"1,William,Schmidt,1980-05-03,(608) 555-0134,ABC-1234\n"
       b"2,Bill,Schmidt,03/05/1980,608.555.0134,\n"
       b"3,Mary,Vang,not a date,,\n"
       b"4,,,,,\n"
       b"5,Ann,Lor,1990-01-01,12,\n"
       b"6,,,,,abc 1234\n")
MAP = {"record_id": "ID", "first_name": "Given", "last_name": "Surname", "dob": "DOB", "phone": "Tel",
       "plate": "Plate"}


def test_csv_import_reports_rejected_rows_and_resolves(make_user, make_org, django_capture_on_commit_callbacks):
    analyst = make_user("analyst")
    partner = make_org("Sheriff (import test)")
    with django_capture_on_commit_callbacks(execute=True):
        batch = imports.start_import(analyst, partner, "list.csv", CSV, "csv", MAP, save_as="sheriff list")
    batch.refresh_from_db()
    assert (batch.status, batch.total, batch.imported, batch.rejected) == ("done", 6, 3, 3)
    assert {(e["row"], e["field"]) for e in batch.errors} == {(4, "dob"), (5, "row"), (6, "phone")}
    assert PartnerRecord.objects.filter(batch=batch).count() == 3
    persons = {m.entity_id for m in Mention.objects.filter(entity_type="person")}
    assert len(persons) == 1  # William and Bill Schmidt, same day and month swapped
    vehicles = {m.entity_id for m in Mention.objects.filter(entity_type="vehicle")}
    assert len(vehicles) == 1
    assert ImportMapping.objects.get(organization=partner, name="sheriff list").mapping == MAP
    hits, total = search.search(analyst, "abc1234")
    assert total == 2
    assert not list((imports._upload_dir()).glob(f"batch-{batch.pk}.*"))


def test_json_import_and_bad_inputs(make_user, make_org, django_capture_on_commit_callbacks):
    analyst = make_user("analyst")
    partner = make_org()
    data = json.dumps([{"name": "Jo Example", "plate": "XYZ 9"}, {"name": None, "plate": ""}]).encode()
    with django_capture_on_commit_callbacks(execute=True):
        batch = imports.start_import(analyst, partner, "x.json", data, "json", {"full_name": "name", "plate": "plate"})
    batch.refresh_from_db()
    assert (batch.imported, batch.rejected) == (1, 1)
    with pytest.raises(ValidationError) as err:
        imports.start_import(analyst, partner, "x.csv", CSV, "csv", {"last_name": "Nope"})
    assert "no column 'Nope'" in str(err.value)
    with pytest.raises(ValidationError):
        imports.start_import(analyst, partner, "x.json", b"{not json", "json", MAP)
    with pytest.raises(ValidationError):
        imports.start_import(analyst, partner, "x.json", b'{"a": 1}', "json", MAP)
    with pytest.raises(ValidationError):
        imports.start_import(analyst, partner, "x.csv", b"\xff\xfe", "csv", MAP)
    with pytest.raises(PermissionDenied):
        imports.start_import(make_user("partner_officer"), partner, "x.csv", CSV, "csv", MAP)
    assert ImportBatch.objects.count() == 1  # nothing half-written by the refused ones


def test_import_pages(make_user, make_org, client, signed_in, django_capture_on_commit_callbacks):
    from django.core.files.uploadedfile import SimpleUploadedFile

    analyst = make_user("analyst")
    partner = make_org("Police (page test)")
    c = signed_in(client, analyst)
    assert c.get("/entities/imports/").status_code == 200
    post = {"organization": partner.pk, "file": SimpleUploadedFile("l.csv", CSV, "text/csv"),
            **{f"map_{k}": v for k, v in MAP.items()}}
    with django_capture_on_commit_callbacks(execute=True):
        resp = c.post("/entities/imports/", post)
    assert resp.status_code == 302
    page = c.get(resp["Location"]).content.decode()
    assert "3 imported, 3 rejected" in page and "not a date of birth" in page
    bad = c.post("/entities/imports/", {"organization": partner.pk,
                                        "file": SimpleUploadedFile("l.csv", CSV, "text/csv"), "map_last_name": "X"})
    assert "no column" in bad.content.decode()
    assert signed_in(client, make_user("partner_officer")).get("/entities/imports/").status_code == 404


def test_bulk_resolution_quality_matches_the_matcher(make_user, make_org, tmp_path):
    """The in-memory bulk path resolves a generated list about as well as the batch matcher."""
    import csv
    import io

    from fusioncenter.entities import synthetic

    records = synthetic.generate(400, seed=21)
    buf = io.StringIO()
    fields = ["record_id", "first_name", "last_name", "dob", "sex", "phone", "email", "address"]
    w = csv.DictWriter(buf, fieldnames=fields, extrasaction="ignore")
    w.writeheader()
    w.writerows(records)
    analyst = make_user("analyst")
    batch = imports.start_import(analyst, make_org(), "gen.csv", buf.getvalue().encode(), "csv",
                                 {f: f for f in fields}, run=False)
    imports.CHUNK, old = 150, imports.CHUNK  # several chunks: matches across chunk boundaries too
    try:
        batch = imports.run_import(batch.pk)
    finally:
        imports.CHUNK = old
    assert batch.imported == len(records)
    entity_of = {}
    for m in Mention.objects.filter(entity_type="person").select_related(None):
        entity_of[PartnerRecord.objects.get(pk=m.source_id).partner_id] = m.entity_id
    scores = synthetic.pairwise_scores(records, [entity_of[r["record_id"]] for r in records])
    assert scores["precision"] > 0.97 and scores["recall"] > 0.9


def test_an_import_leaves_the_process_as_it_found_it(make_user, make_org):
    """The collector is off and the rows frozen during an import, and SQLite's page cache enlarged;
    afterwards (also after a failure) the worker process has its collector and its cache back."""
    import gc

    from django.db import connection

    def cache_size():
        with connection.cursor() as cur:
            cur.execute("PRAGMA cache_size")
            return cur.fetchone()[0]

    analyst = make_user("analyst")
    before = cache_size() if connection.vendor == "sqlite" else None
    seen = {}
    real = imports._import_rows

    def spy(batch, rows, **kw):
        seen["collector"] = gc.isenabled()
        seen["frozen"] = gc.get_freeze_count()
        seen["cache"] = cache_size() if connection.vendor == "sqlite" else None
        return real(batch, rows, **kw)

    batch = imports.start_import(analyst, make_org(), "list.csv", CSV, "csv", MAP, run=False)
    imports._import_rows = spy
    try:
        batch = imports.run_import(batch.pk)
    finally:
        imports._import_rows = real
    assert batch.status == "done" and batch.imported == 3
    assert seen["collector"] is False and seen["frozen"] > 0
    assert gc.isenabled() and gc.get_freeze_count() == 0
    if connection.vendor == "sqlite":
        assert seen["cache"] == -1024 * 512 and cache_size() == before

    def boom(batch, rows, **kw):
        raise RuntimeError("disk full")

    again = imports.start_import(analyst, make_org(), "list.csv", CSV, "csv", MAP, run=False)
    imports._import_rows = boom
    try:
        with pytest.raises(RuntimeError):
            imports.run_import(again.pk)
    finally:
        imports._import_rows = real
    assert gc.isenabled() and gc.get_freeze_count() == 0
    if connection.vendor == "sqlite":
        assert cache_size() == before


def test_an_automatic_match_shows_its_mentions_explanation_stored_once(make_user, make_org,
                                                                       django_capture_on_commit_callbacks):
    from fusioncenter.entities.models import MatchDecision

    analyst = make_user("analyst")
    with django_capture_on_commit_callbacks(execute=True):
        imports.start_import(analyst, make_org("Sheriff (explanations)"), "list.csv", CSV, "csv", MAP)
    from fusioncenter.entities import services
    from fusioncenter.entities.models import Mention

    assert not MatchDecision.objects.filter(kind="auto").exists()  # derived from the mentions until decided
    mention = services.open_automatic_matches(Mention.objects.filter(entity_type="person")).get()
    assert set(mention.match) == {"w", "p", "c"}  # kept short (`explanations`), shown in full
    auto = MatchDecision.objects.get(pk=services.automatic_match(analyst, mention.pk))  # an analyst opens it
    assert (auto.kind, auto.status, auto.mention_id, auto.entity_id) == ("auto", "open", mention.pk, mention.entity_id)
    assert auto.explanation == {}  # not copied
    assert auto.why == mention.why
    assert {p["comparison"] for p in auto.why["comparisons"]} >= {"first_name", "date_of_birth"}
    assert auto.why["match_weight"] >= 6


def test_chunks_grow_with_the_import_up_to_a_bound(settings):
    """Small imports keep small transactions; a large one writes more rows per commit, up to the
    setting (a deployment on SQLite with many writers may want shorter write locks), and its last
    chunks shrink again, so the last write, which nothing runs alongside, is short."""
    total = 300_000
    for bound in (settings.IMPORT_LARGE_CHUNK, 5000):
        settings.IMPORT_LARGE_CHUNK = bound
        sizes, done = [], 0
        while done < total:
            sizes.append(min(imports._chunk_size(done, total - done), total - done))
            done += sizes[-1]
        largest = sizes.index(max(sizes))
        assert sizes[0] == imports.CHUNK and max(sizes) == bound and sizes[-1] <= imports.CHUNK
        assert sizes[:largest] == sorted(sizes[:largest]) and sizes[largest:] == sorted(sizes[largest:], reverse=True)
        assert sum(1 for before, size in zip(sizes, sizes[1:]) if size < before) <= 5  # only the last few shrink
        assert imports._chunk_size(10 * imports.CHUNK, total) == imports.CHUNK
        assert imports._chunk_size(total // 2, imports.CHUNK + 1) == imports.CHUNK


def test_an_import_leaves_planner_statistics_on_the_tables_it_fills(make_user, make_org,
                                                                     django_capture_on_commit_callbacks):
    """Without them PostgreSQL plans the next reads for the tables as they were before the import
    (the review queue: 1 s at a million rows instead of under 10 ms, docs/entities.md)."""
    from django.db import connection

    with django_capture_on_commit_callbacks(execute=True):
        imports.start_import(make_user("analyst"), make_org("Sheriff (statistics)"), "list.csv", CSV, "csv", MAP)
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            cur.execute("SELECT relname, reltuples FROM pg_class WHERE relname LIKE 'entities_%%' AND relkind = 'r'")
            counted = {name for name, tuples in cur.fetchall() if tuples >= 0}  # -1: never analyzed
        else:  # SQLite keeps no statistics for an empty table (this list makes no suggestion)
            cur.execute("SELECT DISTINCT tbl FROM sqlite_stat1")
            counted = {row[0] for row in cur.fetchall()} | {"entities_matchdecision"}
    assert {"entities_blockingkey", "entities_entity", "entities_mention", "entities_searchdocument",
            "entities_matchdecision"} <= counted
