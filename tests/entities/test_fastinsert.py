"""The import's write path without the ORM: reserved ids, defaults, conversions, skipped conflicts."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import DataError, connection, transaction

from fusioncenter.entities import fastinsert
from fusioncenter.entities.candidates import digest
from fusioncenter.entities.models import BlockingKey, Entity, MatchDecision, Mention

pytestmark = pytest.mark.django_db(transaction=True)


def test_reserved_ids_are_never_handed_out_again():
    before = Entity.objects.create(type="phone", display="before")
    with transaction.atomic():
        ids = fastinsert.reserve_ids(Entity, 3)
        assert len(set(ids)) == 3 and min(ids) > before.pk
        fastinsert.insert(Entity, [{"id": i, "type": "phone", "display": f"n{i}"} for i in ids])
    after = Entity.objects.create(type="phone", display="after")
    assert after.pk > max(ids)
    rows = {e.pk: e for e in Entity.objects.filter(pk__in=ids)}
    # defaults the raw insert filled in: JSON fields, timestamps, nullable keys
    assert all(rows[i].keys == {} and rows[i].profile == [] and rows[i].merged_into_id is None for i in ids)
    assert all(isinstance(rows[i].created_at, dt.datetime) for i in ids)


def test_json_and_datetimes_round_trip():
    when = dt.datetime(2026, 3, 4, 5, 6, 7, tzinfo=dt.UTC)
    with transaction.atomic():
        [eid] = fastinsert.reserve_ids(Entity, 1)
        fastinsert.insert(Entity, [{"id": eid, "type": "person", "display": "Ann Lee",
                                    "keys": {"email": "ann@example.test"}, "profile": [["ann", "lee"]]}])
        fastinsert.insert(Mention, [{"entity_id": eid, "entity_type": "person", "source_type": "x.y",
                                     "source_id": "7", "field": "subject", "raw_value": "Ann Lee",
                                     "normalized": "ann lee", "attributes": {"dob": "1980-01-02"},
                                     "observed_at": when, "how": "new", "match": {"match_weight": 7.5}}])
    e = Entity.objects.get(pk=eid)
    assert e.keys == {"email": "ann@example.test"} and e.profile == [["ann", "lee"]]
    m = Mention.objects.get(entity_id=eid)
    assert m.observed_at == when and m.attributes == {"dob": "1980-01-02"} and m.match["match_weight"] == 7.5


def test_conflicts_skipped_only_when_asked():
    e = Entity.objects.create(type="phone", display="x")
    BlockingKey.objects.create(entity=e, key="phone:+16085550134")
    with transaction.atomic():
        fastinsert.insert(BlockingKey, [{"entity_id": e.pk, "key": k, "digest": digest(k)}
                                        for k in ("phone:+16085550134", "phone:+16085550135")], skip_conflicts=True)
    assert sorted(BlockingKey.objects.filter(entity=e).values_list("key", flat=True)) == [
        "phone:+16085550134", "phone:+16085550135"]
    with pytest.raises(Exception), transaction.atomic():  # noqa: B017, PT011 - the database's own error type
        fastinsert.insert(BlockingKey, [{"entity_id": e.pk, "key": "phone:+16085550134",
                                         "digest": digest("phone:+16085550134")}])
    assert BlockingKey.objects.filter(entity=e).count() == 2


def test_reserving_needs_a_transaction_on_sqlite():
    from django.db import connection

    if connection.vendor != "sqlite":
        assert fastinsert.reserve_ids(Entity, 2)[1] > 0  # a sequence needs no lock
        return
    with pytest.raises(RuntimeError):
        fastinsert.reserve_ids(Entity, 2)


def test_rows_as_tuples_with_columns_and_json_encoded_beforehand():
    """The import's own form: tuples in a stated column order, the rest defaulted, and JSON encoded
    by the process that resolved the chunk written as it is (not encoded twice)."""
    with transaction.atomic():
        [eid] = fastinsert.reserve_ids(Entity, 1)
        fastinsert.insert(Entity, [(eid, "person", "Ann Lee")], columns=("id", "type", "display"))
        fastinsert.insert(Mention, [(eid, "person", "x.y", "8", "subject", "Ann Lee", "lee ann",
                                     fastinsert.encode({"dob": "1980-01-02"}), "new",
                                     fastinsert.encode({"match_weight": 7.5, "comparisons": []}))],
                          columns=("entity_id", "entity_type", "source_type", "source_id", "field", "raw_value",
                                   "normalized", "attributes", "how", "match"), encoded=("attributes", "match"))
    e = Entity.objects.get(pk=eid)
    assert e.display == "Ann Lee" and e.keys == {} and e.profile == []
    m = Mention.objects.get(entity_id=eid)
    assert m.attributes == {"dob": "1980-01-02"} and m.match == {"match_weight": 7.5, "comparisons": []}
    assert m.observed_at is None and isinstance(m.created_at, dt.datetime)


def test_dict_rows_may_leave_out_different_fields():
    with transaction.atomic():
        ids = fastinsert.reserve_ids(Entity, 2)
        fastinsert.insert(Entity, [{"id": ids[0], "type": "phone", "display": "a", "keys": {"phone": "1"}},
                                   {"id": ids[1], "type": "phone", "display": "b"}])
    a, b = Entity.objects.get(pk=ids[0]), Entity.objects.get(pk=ids[1])
    assert a.keys == {"phone": "1"} and b.keys == {} and b.display == "b"


def test_json_updates_reach_exactly_the_rows_named():
    a, b, c = (Entity.objects.create(type="person", display=n, profile=[[n]]) for n in ("a", "b", "c"))
    stamp = Entity.objects.get(pk=c.pk).updated_at
    tricky = [["o'brien", "zoë"], {"quote": 'say "hi"', "slash": "a\\b", "line": "1\n2"}]
    with transaction.atomic():
        fastinsert.update_json(Entity, "profile", {a.pk: tricky, b.pk: []})
        fastinsert.update_json(Entity, "profile", {c.pk: fastinsert.encode([["c", "2"]])}, encoded=True)
    rows = {e.pk: e for e in Entity.objects.filter(pk__in=[a.pk, b.pk, c.pk])}
    assert rows[a.pk].profile == tricky and rows[b.pk].profile == [] and rows[c.pk].profile == [["c", "2"]]
    assert rows[c.pk].updated_at > stamp
    fastinsert.update_json(Entity, "profile", {})  # nothing to do, no statement
    assert Entity.objects.get(pk=a.pk).profile == tricky


def test_values_reach_their_columns_as_given_whatever_the_copy_format():
    """On PostgreSQL the rows go in COPY's binary format (each value in its column's own form), on
    SQLite through executemany: a datetime without a time zone is UTC on both, as before; JSON keys
    that are not strings, a choice (a str subclass) and empty references arrive as they were given."""
    naive = dt.datetime(2026, 3, 4, 5, 6, 7)
    with transaction.atomic():
        [eid] = fastinsert.reserve_ids(Entity, 1)
        fastinsert.insert(Entity, [(eid, "person", "Ann Lee", {1: "x"}, [["ann", "lee"]], naive, naive)],
                          columns=("id", "type", "display", "keys", "profile", "created_at", "updated_at"))
        fastinsert.insert(MatchDecision, [(MatchDecision.Kind.AUTO, eid, None, None, MatchDecision.Status.OPEN)],
                          columns=("kind", "entity_id", "other_id", "mention_id", "status"))
    e = Entity.objects.get(pk=eid)
    assert e.created_at == naive.replace(tzinfo=dt.UTC) and e.updated_at == e.created_at
    assert e.keys == {"1": "x"} and e.profile == [["ann", "lee"]]
    d = MatchDecision.objects.get(entity_id=eid)
    assert (d.kind, d.status, d.other_id, d.mention_id, d.explanation) == ("auto", "open", None, None, {})


@pytest.mark.postgres
def test_binary_copy_keeps_the_columns_checks_and_falls_back_to_text_where_it_must():
    e = Entity.objects.create(type="phone", display="x")
    with pytest.raises(DataError), transaction.atomic():  # varchar(64): checked as in the text format
        fastinsert.insert(Mention, [(e.pk, "phone", "x.y", "1", "f" * 65, "608", "+1608", "new")],
                          columns=("entity_id", "entity_type", "source_type", "source_id", "field", "raw_value",
                                   "normalized", "how"))
    assert not Mention.objects.filter(entity=e).exists()
    assert fastinsert._binary_types("entities_mention", ["id", "attributes", "observed_at"]) is not None
    with transaction.atomic(), connection.cursor() as cur:  # a type psycopg has no binary form for
        cur.execute("CREATE TEMPORARY TABLE fastinsert_probe (id bigint, words tsvector) ON COMMIT DROP")
        assert fastinsert._binary_types("fastinsert_probe", ["id", "words"]) is None
