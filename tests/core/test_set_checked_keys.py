"""The import's foreign keys, checked once per statement on PostgreSQL, still refuse what the
constraints refused: a reference to a missing row, a delete that would leave references, and both
races between an import and a purge (two real connections)."""

from __future__ import annotations

import threading
import time

import psycopg
import pytest
from django.db import IntegrityError, connection, transaction

from fusioncenter.core import set_checked_keys
from fusioncenter.entities.models import BlockingKey, Entity, MatchDecision, Mention, PartnerRecord

pytestmark = pytest.mark.postgres

KEYS = [(Mention, "entity"), (Mention, "source_organization"), (BlockingKey, "entity"), (MatchDecision, "entity"),
        (MatchDecision, "other"), (MatchDecision, "mention"), (PartnerRecord, "batch"), (PartnerRecord, "center"),
        (PartnerRecord, "owner_organization"), (PartnerRecord, "created_by")]


def _mention(entity_id: int, source_id: str = "1") -> Mention:
    return Mention(entity_id=entity_id, entity_type="phone", source_type="test.record", source_id=source_id,
                   field="phone", raw_value="608-555-0100", normalized="+16085550100")


@pytest.mark.django_db
def test_every_listed_key_is_checked_per_statement_and_has_no_row_by_row_constraint():
    for model, field in KEYS:
        assert set_checked_keys.installed(connection, model, field), (model.__name__, field)
        column = model._meta.get_field(field).column
        with connection.cursor() as cur:
            cur.execute("SELECT count(*) FROM pg_constraint c JOIN pg_attribute a ON a.attrelid = c.conrelid "
                        "AND a.attnum = ANY(c.conkey) WHERE c.contype = 'f' AND c.conrelid = %s::regclass "
                        "AND a.attname = %s", [model._meta.db_table, column])
            assert cur.fetchone()[0] == 0, (model.__name__, field)


@pytest.mark.django_db
def test_a_reference_to_a_missing_row_is_refused_and_nothing_of_the_statement_is_written():
    entity = Entity.objects.create(type="phone", display="608-555-0100")
    with pytest.raises(IntegrityError, match="entities_mention_entity_id") as caught, transaction.atomic():
        Mention.objects.bulk_create([_mention(entity.pk, "1"), _mention(entity.pk + 1000, "2"),
                                     _mention(entity.pk, "3")])
    assert f"Key (entity_id)=({entity.pk + 1000}) is not present" in str(caught.value.__cause__.diag.message_detail)
    assert Mention.objects.count() == 0
    Mention.objects.bulk_create([_mention(entity.pk, "1"), _mention(entity.pk, "2")])
    assert Mention.objects.filter(entity=entity).count() == 2


@pytest.mark.django_db
def test_an_update_may_not_point_at_a_missing_row_but_other_columns_change_freely():
    entity = Entity.objects.create(type="phone", display="608-555-0100")
    mention = _mention(entity.pk)
    mention.save()
    with pytest.raises(IntegrityError), transaction.atomic():
        Mention.objects.filter(pk=mention.pk).update(entity_id=entity.pk + 1000)
    assert Mention.objects.filter(pk=mention.pk).update(raw_value="(608) 555-0100") == 1
    other = Entity.objects.create(type="phone", display="other")
    Mention.objects.filter(pk=mention.pk).update(entity_id=other.pk)
    assert Mention.objects.get(pk=mention.pk).entity_id == other.pk


@pytest.mark.django_db
def test_a_delete_or_a_new_key_that_would_leave_references_is_refused():
    entity = Entity.objects.create(type="phone", display="608-555-0100")
    _mention(entity.pk).save()
    with connection.cursor() as cur:
        with pytest.raises(IntegrityError, match="still referenced"), transaction.atomic():
            cur.execute("DELETE FROM entities_entity WHERE id = %s", [entity.pk])
            connection.check_constraints()  # checked at the commit, as the constraint was: the commit's check now
        with pytest.raises(IntegrityError), transaction.atomic():
            cur.execute("UPDATE entities_entity SET id = id + 1000 WHERE id = %s", [entity.pk])
    assert Entity.objects.filter(pk=entity.pk).exists()
    lone = Entity.objects.create(type="phone", display="nobody names it")
    lone.delete()  # an entity no one names goes as before
    assert not Entity.objects.filter(pk=lone.pk).exists()


def _connect() -> psycopg.Connection:
    """Another session on the test database, from Django's own connection parameters (as
    `delivery.wake` opens its listener), with psycopg's plain cursors."""
    params = connection.get_connection_params()
    for django_only in ("cursor_factory", "context", "prepare_threshold"):
        params.pop(django_only, None)
    return psycopg.connect(**params)


def _in_thread(fn) -> tuple[threading.Thread, list]:
    """Run `fn` in a thread; its exception (or None) lands in the returned list."""
    outcome: list = []

    def run() -> None:
        try:
            fn()
            outcome.append(None)
        except Exception as exc:  # noqa: BLE001 - the test inspects it
            outcome.append(exc)

    thread = threading.Thread(target=run)
    thread.start()
    return thread, outcome


def _waiting_on_a_lock(conn: psycopg.Connection, other_pid: int) -> bool:
    for _ in range(200):
        row = conn.execute("SELECT wait_event_type FROM pg_stat_activity WHERE pid = %s", [other_pid]).fetchone()
        if row and row[0] == "Lock":
            return True
        time.sleep(0.02)
    return False


INSERT = ("INSERT INTO entities_mention (entity_id, entity_type, source_type, source_id, field, raw_value, "
          "normalized, attributes, how, match, created_at) VALUES (%s, 'phone', 'test.record', '1', 'phone', "
          "'x', 'x', '{}', 'new', '{}', now())")


@pytest.mark.django_db(transaction=True)
def test_a_purge_waiting_for_an_import_fails_once_the_import_commits():
    entity = Entity.objects.create(type="phone", display="608-555-0100")
    with _connect() as importer, _connect() as purger, _connect() as watcher:
        importer.execute(INSERT, [entity.pk])  # checked and locked; not committed
        pid = purger.info.backend_pid

        def purge() -> None:
            purger.execute("DELETE FROM entities_entity WHERE id = %s", [entity.pk])
            purger.commit()

        thread, outcome = _in_thread(purge)
        assert _waiting_on_a_lock(watcher, pid)
        importer.commit()
        thread.join(10)
        assert isinstance(outcome[0], psycopg.errors.ForeignKeyViolation)
        purger.rollback()
    assert Entity.objects.filter(pk=entity.pk).exists()
    assert Mention.objects.filter(entity_id=entity.pk).count() == 1


@pytest.mark.django_db(transaction=True)
def test_an_import_waiting_for_a_purge_fails_once_the_purge_commits():
    entity = Entity.objects.create(type="phone", display="608-555-0100")
    with _connect() as importer, _connect() as purger, _connect() as watcher:
        purger.execute("DELETE FROM entities_entity WHERE id = %s", [entity.pk])  # not committed
        pid = importer.info.backend_pid
        thread, outcome = _in_thread(lambda: importer.execute(INSERT, [entity.pk]))
        assert _waiting_on_a_lock(watcher, pid)
        purger.commit()
        thread.join(10)
        assert isinstance(outcome[0], psycopg.errors.ForeignKeyViolation)
        importer.rollback()
    assert not Entity.objects.filter(pk=entity.pk).exists()
    assert not Mention.objects.filter(entity_id=entity.pk).exists()
