"""Search filters by the documents' copied markings, then re-checks the page against the records.

The property under test: for every user, the search results are exactly the records
`core.access.decide` lets them view: nothing more (no leak through a wrong or stale copy), and
nothing less (shares and need-to-know statements, which the copy cannot hold, still open records).
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.contenttypes.models import ContentType

from fusioncenter.core import access, clock
from fusioncenter.core.markings import RecordClass
from fusioncenter.core.models import NeedToKnow, Share
from fusioncenter.core.roles import Discipline, Role
from fusioncenter.entities import search
from fusioncenter.entities.models import SearchDocument

pytestmark = pytest.mark.django_db

MARKINGS = ["CLEAR", "GREEN", "AMBER", "AMBER+STRICT", "RED", "GREEN+LES", "GREEN+CUI"]


@pytest.fixture
def cast(make_org, make_user, centers):
    owner = make_org("Owner PD", Discipline.LE_LOCAL, county="Dane")
    center_org = make_org("Center Org", Discipline.LE_STATE, county="Dane", is_fusion_center=True)
    other_pd = make_org("Other PD", Discipline.LE_LOCAL, county="Sauk")
    private = make_org("Private Utility", Discipline.PRIVATE_SECTOR, county="Dane")
    fire = make_org("Fire District", Discipline.FIRE, county="Dane")
    users = {
        "author": make_user(Role.PARTNER_OFFICER, owner),
        "colleague": make_user(Role.PARTNER_OFFICER, owner),
        "administrator": make_user(Role.ADMINISTRATOR, center_org, trained=False),
        "analyst": make_user(Role.ANALYST, center_org, center=centers["WSIC"]),
        "supervisor": make_user(Role.SUPERVISOR, center_org, sworn=True, center=centers["WSIC"]),
        "privacy_officer": make_user(Role.PRIVACY_OFFICER, center_org, center=centers["WSIC"]),
        "alert_coordinator": make_user(Role.ALERT_COORDINATOR, center_org),
        "partner_officer": make_user(Role.PARTNER_OFFICER, other_pd),
        "officer_untrained": make_user(Role.PARTNER_OFFICER, other_pd, trained=False),
        "partner_member": make_user(Role.PARTNER_MEMBER, private, trained=False),
        "liaison_officer": make_user(Role.LIAISON_OFFICER, fire, trained=False),
    }
    return {"owner": owner, "users": users, "center": centers["WSIC"], "other_pd": other_pd}


def _dossier(dossier_source, cast, record_class: str, marking: str, word: str = "zephyrine"):
    tlp, _, caveat = marking.partition("+")
    if marking == "AMBER+STRICT":
        tlp, caveat = "AMBER+STRICT", ""
    return dossier_source.objects.create(
        title=f"note={word} {record_class} {marking}", record_class=record_class, tlp=tlp,
        les=caveat == "LES", cui="CUI//SP-INV" if caveat == "CUI" else "", center=cast["center"],
        owner_organization=cast["owner"], created_by=cast["users"]["author"])


def _found(user, q: str = "zephyrine") -> tuple[set[int], int]:
    hits, total = search.search(user, q, limit=search.MAX_RESULTS)
    return {int(h.document.source_id) for h in hits}, total


def test_results_are_exactly_what_decide_allows(dossier_source, cast):
    records = [_dossier(dossier_source, cast, c, m) for c in RecordClass.values for m in MARKINGS]
    ct = ContentType.objects.get_for_model(dossier_source)
    officer = cast["users"]["partner_officer"]
    strict = next(r for r in records if r.tlp == "AMBER+STRICT" and r.record_class == "law_enforcement")
    red = next(r for r in records if r.tlp == "RED" and r.record_class == "partner")
    intel = next(r for r in records if r.tlp == "GREEN" and r.record_class == "criminal_intelligence"
                 and not r.les and not r.cui)
    Share.objects.create(content_type=ct, object_id=str(strict.pk), organization=officer.organization, reason="case")
    Share.objects.create(content_type=ct, object_id=str(red.pk), user=officer, reason="named")
    NeedToKnow.objects.create(content_type=ct, object_id=str(intel.pk), user=officer, statement="case 26-1",
                              expires_at=clock.now() + dt.timedelta(days=1))
    for r in records:
        search.index_record(r)
    for name, user in cast["users"].items():
        expected = {r.pk for r in records if access.decide(user, access.VIEW, r).allowed}
        found, total = _found(user)
        assert found == expected, name
        assert total == len(expected), name
    # the officer's ties reached the results (the copy alone would have hidden them)
    assert {strict.pk, red.pk, intel.pk} <= _found(officer)[0]


def test_stale_copy_hides_and_never_leaks(dossier_source, cast):
    outsider = cast["users"]["partner_officer"]
    shown = _dossier(dossier_source, cast, "law_enforcement", "GREEN")
    hidden = _dossier(dossier_source, cast, "law_enforcement", "RED")
    search.index_record(shown)
    search.index_record(hidden)
    assert _found(outsider) == ({shown.pk}, 1)
    # the records are re-marked behind the index's back (no re-index)
    dossier_source.objects.filter(pk=shown.pk).update(tlp="RED")
    dossier_source.objects.filter(pk=hidden.pk).update(tlp="GREEN")
    assert _found(outsider) == (set(), 0)
    for pk in (shown.pk, hidden.pk):
        search.index_record(dossier_source.objects.get(pk=pk))
    assert _found(outsider) == ({hidden.pk}, 1)


def test_page_is_filled_past_refused_rows(dossier_source, cast):
    outsider = cast["users"]["partner_officer"]
    visible = [_dossier(dossier_source, cast, "partner", "GREEN") for _ in range(6)]
    stale = [_dossier(dossier_source, cast, "partner", "GREEN") for _ in range(25)]
    for r in visible + stale:
        search.index_record(r)
    dossier_source.objects.filter(pk__in=[r.pk for r in stale]).update(tlp="RED")
    hits, total = search.search(outsider, "zephyrine", limit=4)
    assert len(hits) == 4
    assert {int(h.document.source_id) for h in hits} <= {r.pk for r in visible}
    second, _ = search.search(outsider, "zephyrine", limit=4, offset=4)
    assert {int(h.document.source_id) for h in second} <= {r.pk for r in visible}


def test_documents_carry_the_record_markings(dossier_source, cast):
    record = _dossier(dossier_source, cast, "law_enforcement", "GREEN+CUI")
    doc = search.index_record(record)
    doc.refresh_from_db()
    assert (doc.record_class, doc.tlp, doc.les, doc.cui) == ("law_enforcement", "GREEN", False, "CUI//SP-INV")
    assert (doc.center_id, doc.owner_organization_id, doc.created_by_id) == (
        record.center_id, record.owner_organization_id, record.created_by_id)


def test_unindexed_defaults_hide(dossier_source, cast):
    record = _dossier(dossier_source, cast, "partner", "GREEN")
    search.index_record(record)
    # a document whose markings were never copied (blank class) is shown to nobody but the officer
    SearchDocument.objects.filter(source_id=str(record.pk)).update(record_class="", tlp="", les=True)
    assert _found(cast["users"]["analyst"]) == (set(), 0)
    assert _found(cast["users"]["privacy_officer"])[0] == {record.pk}


def test_migration_backfills_the_copies(dossier_source, cast):
    """Documents indexed before migration 0004 get their record's markings copied."""
    import importlib

    from django.apps import apps

    record = _dossier(dossier_source, cast, "law_enforcement", "AMBER")
    search.index_record(record)
    SearchDocument.objects.filter(source_id=str(record.pk)).update(
        record_class="", tlp="", les=True, center=None, owner_organization=None, created_by=None)
    migration = importlib.import_module("fusioncenter.entities.migrations.0004_search_access_columns")
    migration.backfill(apps, None)
    doc = SearchDocument.objects.get(source_id=str(record.pk))
    assert (doc.record_class, doc.tlp, doc.les, doc.owner_organization_id, doc.created_by_id) == (
        "law_enforcement", "AMBER", False, record.owner_organization_id, record.created_by_id)
    assert _found(cast["users"]["colleague"])[0] == {record.pk}


def test_common_words_read_newest_first_on_sqlite_give_the_same_results(dossier_source, cast, monkeypatch):
    """The plan for common words (walk the date index) returns what the usual plan returns."""
    records = [_dossier(dossier_source, cast, c, m) for c in RecordClass.values for m in MARKINGS]
    for r in records:
        search.index_record(r)
    officer = cast["users"]["partner_officer"]
    usual = search.search(officer, "zephyrine", limit=7)
    usual_ids = [h.document.pk for h in usual[0]]
    monkeypatch.setattr(search, "SQLITE_DATE_ORDER_AFTER", 1)
    from django.db import connection

    assert search._common_on_sqlite("zephyrine") == (connection.vendor == "sqlite")
    walked = search.search(officer, "zephyrine", limit=7)
    assert [h.document.pk for h in walked[0]] == usual_ids and walked[1] == usual[1]
    assert set(_found(officer)[0]) == {r.pk for r in records if access.decide(officer, access.VIEW, r).allowed}


def test_sqlite_snippet_is_cut_escaped_and_marked():
    body = "<b>x</b> " + " ".join(f"w{i}" for i in range(40)) + " seen Photographing the <script>alert(1)</script> gate"
    cut = search._cut_snippet("photograph gate", body)
    html = str(search._highlight(cut))
    assert "<mark>Photographing</mark>" in html and "<script>" not in html and "&lt;script&gt;" in html
    assert html.startswith("…") and "w0 " not in html
    assert search._cut_snippet("absent", body) == ""


@pytest.mark.parametrize("limit", [10, 2])
def test_page_is_filled_from_beyond_the_first_read(dossier_source, cast, monkeypatch, limit):
    """One read gives the page and the count; refused rows past it are made up by reading on."""
    monkeypatch.setattr(search, "MAX_CANDIDATES", 5)  # the first read: 5 rows
    outsider = cast["users"]["partner_officer"]
    visible = [_dossier(dossier_source, cast, "partner", "GREEN") for _ in range(6)]
    stale = [_dossier(dossier_source, cast, "partner", "GREEN") for _ in range(25)]
    for r in visible + stale:
        search.index_record(r)
    dossier_source.objects.filter(pk__in=[r.pk for r in stale]).update(tlp="RED")  # newest, all refused
    hits, total = search.search(outsider, "zephyrine", limit=limit)
    newest_first = [r.pk for r in sorted(visible, key=lambda r: r.pk, reverse=True)]
    assert [int(h.document.source_id) for h in hits] == newest_first[:limit]
    assert total == len(hits)
    # a page past the first read (the offset counts documents, refused ones included)
    deeper, _ = search.search(outsider, "zephyrine", limit=limit, offset=26)
    assert [int(h.document.source_id) for h in deeper] == newest_first[1:][:limit]


def test_each_search_is_planned_for_its_own_words_on_postgresql(dossier_source, cast):
    """Prepared after its second run, the search must not fall back to one plan for any words.

    A generic plan reads every full-text match and sorts it: 300 ms a common word at a million
    documents, against 25 ms planned for the word (docs/performance.md).
    """
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("prepared statements and their plans are PostgreSQL's")
    words = [f"zeph{chr(97 + i)}" for i in range(12)]
    for word in words:
        search.index_record(_dossier(dossier_source, cast, "partner", "GREEN", word=word))
    analyst = cast["users"]["analyst"]
    for word in words:
        assert len(search.search(analyst, word)[0]) == 1
    with connection.cursor() as cur:
        cur.execute("SELECT generic_plans, custom_plans FROM pg_prepared_statements "
                    "WHERE statement LIKE %s AND statement LIKE %s",
                    ['%FROM "entities_searchdocument"%', "%LIMIT $%"])
        plans = cur.fetchall()
    assert plans, "the search statement was not prepared"
    assert sum(g for g, _ in plans) == 0 and sum(c for _, c in plans) >= len(words) - 2
