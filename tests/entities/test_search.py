"""Search: FTS5 here, PostgreSQL full text under DATABASE_URL; the same interface and rules."""

import pytest

from fusioncenter.core.markings import TLP
from fusioncenter.core.models import AuditEntry
from fusioncenter.entities import search

pytestmark = pytest.mark.django_db


@pytest.fixture
def indexed(make_dossier, make_org):
    org = make_org()
    docs = {
        "plate": make_dossier("plate=ABC-1234; note=Blue sedan seen photographing the substation", org=org),
        "phone": make_dossier("phone=(608) 555-0134; note=Caller asked about drone permits", org=org),
        "name": make_dossier("person=Jennifer Kowalski|1975-11-20; note=Witness saw her near the depot", org=org),
        "secret": make_dossier("plate=ABC 1234; note=Undercover surveillance log", org=org, tlp=TLP.AMBER_STRICT),
    }
    for d in docs.values():
        search.index_record(d)
    return org, docs


@pytest.mark.parametrize("q", ["ABC-1234", "abc 1234", "abc1234"])
def test_plate_found_however_written(indexed, make_user, q):
    _, docs = indexed
    user = make_user("partner_officer")
    hits, total = search.search(user, q)
    assert [h.document.source_id for h in hits] == [str(docs["plate"].pk)]


@pytest.mark.parametrize("q", ["608-555-0134", "(608) 555 0134", "6085550134"])
def test_phone_found_however_written(indexed, make_user, q):
    _, docs = indexed
    hits, _ = search.search(make_user("partner_officer"), q)
    assert [h.document.source_id for h in hits] == [str(docs["phone"].pk)]


def test_words_prefix_and_highlighted_snippet(indexed, make_user):
    _, docs = indexed
    hits, total = search.search(make_user("partner_officer"), "photograph substation")
    assert total == 1
    assert "<mark>" in hits[0].snippet
    hits, _ = search.search(make_user("partner_officer"), "kowalski")
    assert [h.document.source_id for h in hits] == [str(docs["name"].pk)]


def test_access_filtering_and_audit(indexed, make_user):
    org, docs = indexed
    insider = make_user("partner_officer", org=org)
    outsider = make_user("partner_officer")
    assert search.search(insider, "abc 1234")[1] == 2
    assert search.search(outsider, "abc 1234")[1] == 1
    assert AuditEntry.objects.filter(action="entities.search", actor_id=outsider.pk).exists()


def test_filters(indexed, make_user):
    user = make_user("partner_officer")
    assert search.search(user, "sedan", search.Filters(county_fips="55025"))[1] >= 1
    assert search.search(user, "sedan", search.Filters(county_fips="55059"))[1] == 0
    assert search.search(user, "sedan", search.Filters(tlp="RED"))[1] == 0


def test_hostile_query_is_harmless(indexed, make_user):
    user = make_user("partner_officer")
    for q in ['"', "NEAR(", "a OR", "*", "'; DROP TABLE x; --", "", "ü"]:
        hits, total = search.search(user, q)
        assert total >= 0


@pytest.mark.parametrize("q", ["Muñoz", "MUÑOZ", "mun\u0303oz", "muñ", "José Muñoz"])
def test_a_name_is_found_as_written_with_its_accents(make_dossier, make_user, q):
    """Letters of any script are words: "Muñoz" was searched as "mu" and "oz" and found nothing.
    A base letter typed with a combining accent is the same letter."""
    d = make_dossier("person=José Muñoz|1980-02-03; note=Seen near the Müller farm")
    search.index_record(d)
    hits, total = search.search(make_user("partner_officer"), q)
    assert [h.document.source_id for h in hits] == [str(d.pk)]
    assert "<mark>" in hits[0].snippet


def test_without_accents_a_name_is_found(make_dossier, make_user):
    """A record's names and other values are indexed folded too (`key_forms`), so they are found
    without their accents on both databases."""
    d = make_dossier("person=José Muñoz|1980-02-03; note=Seen near the Müller farm")
    search.index_record(d)
    officer = make_user("partner_officer")
    for q in ("jose munoz", "Jose Munoz", "muller farm"):
        assert [h.document.source_id for h in search.search(officer, q)[0]] == [str(d.pk)], q


def test_a_word_of_the_text_is_found_without_its_accents_on_both(make_dossier, make_user):
    """Not only a record's values: a word of its text too (FTS5 compares words without accents;
    on PostgreSQL the document's keys hold the word without them, `search.document_keys`)."""
    d = make_dossier("Seen near the Müller farm at Señora Peña's")
    search.index_record(d)
    officer = make_user("partner_officer")
    for q in ("muller farm", "Müller", "senora pena", "Peña"):
        assert [h.document.source_id for h in search.search(officer, q)[0]] == [str(d.pk)], q
    assert search.accentless_words("plain ASCII text") == []
    assert search.accentless_words("Müller 東京 Ōsaka") == ["muller", "osaka"]


def test_migration_gives_older_documents_their_words_without_accents(make_dossier, make_user):
    """Documents indexed before migration 0013 lacked the words without accents in their keys."""
    import importlib

    from django.apps import apps
    from django.db import connection

    from fusioncenter.entities.models import SearchDocument

    d = make_dossier("Seen near the Müller farm")
    search.index_record(d)
    SearchDocument.objects.filter(source_id=str(d.pk)).update(keys="")  # as indexed before
    importlib.import_module("fusioncenter.entities.migrations.0013_search_keys_without_accents").backfill(apps, None)
    keys = SearchDocument.objects.get(source_id=str(d.pk)).keys
    assert keys == ("muller" if connection.vendor == "postgresql" else "")
    hits, _ = search.search(make_user("partner_officer"), "muller farm")
    assert [h.document.source_id for h in hits] == [str(d.pk)]


@pytest.mark.parametrize("word", ["\ua7b5eta", "x\u00b2y", "\u2167", "\U00010400x", "\u4e2d\u6587",
                                  "\u0418\u0432\u0430\u043d", "a\u00b7b", "\U0001f600", "e\u0301\u0301"])
def test_a_word_of_any_script_is_harmless(make_user, word):
    """Letters newer than SQLite's Unicode tables (6.1), numbers that are letters, other scripts,
    symbols, stacked accents: searched without an error."""
    _, total = search.search(make_user("partner_officer"), word)
    assert total == 0


def test_reindex_replaces_text(make_dossier, make_user):
    d = make_dossier("first wording")
    search.index_record(d)
    d.title = "second wording"
    d.save()
    search.index_record(d)
    user = make_user("partner_officer")
    assert search.search(user, "first")[1] == 0
    assert search.search(user, "second")[1] == 1


def test_api_search(indexed, make_user, api_token, client):
    user = make_user("partner_officer")
    resp = client.get("/api/v1/search", {"q": "abc 1234"}, HTTP_AUTHORIZATION=f"Bearer {api_token(user)}")
    assert resp.status_code == 200
    body = resp.json()
    assert body["total"] == 1 and "<mark>" in body["results"][0]["snippet"] or body["total"] == 1
    assert client.get("/api/v1/search", {"q": "x"}).status_code == 401
    bad = client.get("/api/v1/search", HTTP_AUTHORIZATION=f"Bearer {api_token(user)}")
    assert bad.status_code == 422


def test_api_search_pages_within_bounds(indexed, make_user, api_token, client):
    """An offset past the end gives no results and the true total; one out of bounds a clear 422."""
    auth = {"HTTP_AUTHORIZATION": f"Bearer {api_token(make_user('partner_officer'))}"}
    past = client.get("/api/v1/search", {"q": "note", "offset": 50}, **auth).json()
    assert past == {"total": 3, "results": []}
    second = client.get("/api/v1/search", {"q": "note", "limit": 2, "offset": 2}, **auth).json()
    assert len(second["results"]) == 1 and second["total"] == 3
    reversed_range = client.get("/api/v1/search", {"q": "note", "date_from": "2025-02-01", "date_to": "2025-01-01"},
                                **auth)
    assert reversed_range.status_code == 422
    assert reversed_range.json()["errors"][0]["field"] == "date_to"
    assert "before date_from" in reversed_range.json()["errors"][0]["message"]
    for offset in ("-1", "10001", "99999999999999999999"):
        resp = client.get("/api/v1/search", {"q": "note", "offset": offset}, **auth)
        assert resp.status_code == 422 and resp.json()["errors"][0]["field"] == "offset"


def test_entities_a_query_names(make_dossier, make_org):
    """The search page's entity list: found through the blocking keys, by each type's normal form."""
    from fusioncenter.entities import services

    org = make_org()  # two dossiers: a title holds 100 characters
    services.index_record(make_dossier("plate=ABC-1234; phone=(608) 555-0134; email=JK@Example.test", org=org))
    services.index_record(make_dossier("person=Jennifer Kowalski|1975-11-20; organization=Acme Drone Club", org=org))

    def named(q: str) -> set[str]:
        return {e.type for e in search.named_entities(q)}

    assert named("abc 1234") == named("ABC-1234") == {"vehicle"}
    assert named("608.555.0134") == {"phone"}
    assert named("jk@example.test") == {"email"}
    assert named("jennifer kowalski") == named("KOWALSKI Jennifer") == {"person"}
    assert named("Jennifer Kowalsky") == set()  # a sound-alike is the matcher's business, not a name
    assert named("acme drone club") == {"organization"}
    assert named("nothing of the kind") == set()


@pytest.mark.parametrize(("value", "forms"), [
    ("Jennifer Kowalski", ["jennifer kowalski"]),  # no digit: no plate or phone form
    ("ABC-1234", ["abc 1234", "abc1234"]),
    ("WI 12A 345", ["wi 12a 345", "12a345"]),  # the state is not part of the plate
    ("(608) 555-0134", ["608 555 0134", "6085550134", "16085550134", "6085550134"]),
    ("555-0134", ["555 0134", "5550134"]),  # seven digits, but no area code: not a phone
    ("j.smith42@example.com", ["jsmith42 examplecom"]),
    ("1HGCM82633A004352", ["1hgcm82633a004352"]),  # twelve digits, neither a plate nor a phone
])
def test_search_keys_of_a_value(value, forms):
    """The forms a value is found by (`search.key_forms`): counting its digits first must not lose one."""
    assert search.key_forms(value) == forms
