"""Retention, review and purge: the clock moved years forward, real tables, real files."""

from __future__ import annotations

import datetime as dt
import json
import time

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection

from fusioncenter.core import access, audit, clock
from fusioncenter.core.markings import RecordClass
from fusioncenter.core.models import AuditEntry
from fusioncenter.privacy import policies, registry, retention
from fusioncenter.privacy.models import RecordClassPolicy, ReviewHistory, ReviewItem, Tombstone
from tests.access_app.models import Dossier, RetainedDossier, RetainedDossierFile

from .conftest import DISTINCTIVE
from .helpers import tables_containing

YEAR = dt.timedelta(days=365)


def test_policies_are_loaded_from_the_shipped_data_file(db):
    shipped = {c["code"]: c for c in policies.read()}
    held = {p.code: p for p in RecordClassPolicy.objects.all()}
    assert set(held) == set(shipped) >= {"public_information", "tip_lead", "criminal_intelligence", "ise_sar",
                                         "case_support"}
    ci = held["criminal_intelligence"]
    assert ci.access_class == RecordClass.CRIMINAL_INTELLIGENCE
    assert ci.requires_reasonable_suspicion and ci.requires_criminal_predicate
    assert ci.max_retention_days <= 5 * 365 + 2  # 28 CFR 23.20(h): five years
    assert held["tip_lead"].temporary and held["tip_lead"].retention_days == 730
    for p in held.values():
        assert p.access_class in RecordClass.values


def test_a_policy_file_with_an_unknown_access_class_is_refused(db, tmp_path):
    bad = {"classes": [{"code": "x", "name": "X", "access_class": "secret", "retention_days": 1,
                        "max_retention_days": 1}]}
    path = tmp_path / "classes.json"
    path.write_text(json.dumps(bad))
    with pytest.raises(ValidationError, match="unknown access class"):
        policies.load(path)
    assert not RecordClassPolicy.objects.filter(code="x").exists()


def test_policy_retention_is_configurable_by_loading_another_file(db, tmp_path):
    data = json.loads(policies.DATA_FILE.read_text())
    for item in data["classes"]:
        if item["code"] == "tip_lead":
            item["retention_days"] = 365
    path = tmp_path / "classes.json"
    path.write_text(json.dumps(data))
    policies.load(path)
    assert RecordClassPolicy.objects.get(code="tip_lead").retention_days == 365


def test_registration_needs_date_fields_and_a_class(db):
    with pytest.raises(Exception, match="review_due"):
        registry.register_record_type(Dossier)
    assert registry.get("access_app.dossier") is None


def test_a_marked_record_registers_with_defaults(retained, make_dossier):
    le = make_dossier(record_class=RecordClass.LAW_ENFORCEMENT, with_files=False)
    ci = make_dossier(record_class=RecordClass.CRIMINAL_INTELLIGENCE, with_files=False)
    assert retained.policy_code(le) == "tip_lead"
    assert retained.policy_code(ci) == "criminal_intelligence"
    assert registry.for_record(le) is retained


def test_records_due_within_the_notice_period_are_queued_once(make_dossier):
    soon = make_dossier(days_to_review=20, days_to_retention=20, with_files=False)
    later = make_dossier(days_to_review=40, with_files=False)
    first = retention.run()
    assert ("access_app.retaineddossier", str(soon.pk)) in first.queued
    assert ("access_app.retaineddossier", str(later.pk)) not in first.queued
    again = retention.run()
    assert again.queued == [] and again.purged == []
    item = ReviewItem.objects.get(object_id=str(soon.pk))
    assert item.status == ReviewItem.Status.OPEN and item.policy_code == "tip_lead"
    assert item.due_on == soon.review_due
    assert AuditEntry.objects.filter(action="privacy_review_queued", object_id=str(soon.pk)).exists()


def test_an_unreviewed_record_is_purged_everywhere_when_its_date_passes(make_dossier, media, hook_calls,
                                                                        django_capture_on_commit_callbacks):
    d = make_dossier(record_class=RecordClass.CRIMINAL_INTELLIGENCE, days_to_review=5 * 365)
    files = [media / d.attachment.name, media / d.files.get().upload.name]
    assert all(f.exists() for f in files)
    assert "access_app_retaineddossier" in tables_containing(DISTINCTIVE)
    clock.advance(4 * YEAR + dt.timedelta(days=350))
    assert ("access_app.retaineddossier", str(d.pk)) in retention.run().queued
    clock.advance(YEAR)
    with django_capture_on_commit_callbacks(execute=True):
        result = retention.run()
    assert result.purged == [("access_app.retaineddossier", str(d.pk))]
    assert not RetainedDossier.objects.filter(pk=d.pk).exists()
    assert not RetainedDossierFile.objects.filter(dossier_id=d.pk).exists()
    assert not any(f.exists() for f in files)
    assert hook_calls == [("access_app.retaineddossier", str(d.pk))]
    tomb = Tombstone.objects.get(original_id=str(d.pk))
    assert tomb.reason == Tombstone.Reason.RETENTION_EXPIRED and tomb.purged_by is None
    assert tomb.policy_code == "criminal_intelligence" and tomb.summary == {"files": 2, "center": "WSIC"}
    entry = AuditEntry.objects.get(action="privacy_purge", object_id=str(d.pk))
    assert entry.actor == "system" and entry.object_type == "access_app.retaineddossier"
    assert ReviewItem.objects.get(object_id=str(d.pk)).status == ReviewItem.Status.PURGED
    assert tables_containing(DISTINCTIVE) == []
    assert audit.verify().ok


def test_revalidation_needs_reasonable_suspicion_and_keeps_history(make_dossier, make_user):
    officer = make_user("privacy_officer")
    d = make_dossier(record_class=RecordClass.CRIMINAL_INTELLIGENCE, days_to_review=10, with_files=False)
    retention.run()
    label = "access_app.retaineddossier"
    with pytest.raises(ValidationError) as exc:
        retention.revalidate(officer, label, d.pk, justification="Still relevant to the ongoing case.")
    assert {"reasonable_suspicion", "criminal_predicate", "current_activity_confirmed", "lawfully_obtained"} <= set(
        exc.value.error_dict)
    d.refresh_from_db()
    assert d.retention_until == clock.today() + dt.timedelta(days=10)

    h = retention.revalidate(officer, label, d.pk, justification="Subject named in two new burglary reports.",
                             reasonable_suspicion="Two fresh witness statements place the subject at the scenes.",
                             criminal_predicate="Burglary ring (Wis. Stat. 943.10)", current_activity_confirmed=True,
                             lawfully_obtained=True)
    assert h.lawfully_obtained is True  # 28 CFR 23.20(d), confirmed at each validation
    d.refresh_from_db()
    new = clock.today() + dt.timedelta(days=1826)
    assert d.retention_until == new and d.review_due == new
    assert h.reviewer == officer and h.previous_retention == clock.today() + dt.timedelta(days=10)
    assert ReviewItem.objects.get(object_id=str(d.pk)).status == ReviewItem.Status.REVALIDATED
    assert AuditEntry.objects.filter(action="privacy_revalidate", object_id=str(d.pk), actor_id=officer.pk).exists()
    clock.advance(3 * YEAR)
    assert retention.run().purged == []
    clock.advance(2 * YEAR + dt.timedelta(days=5))
    assert retention.run().purged == [(label, str(d.pk))]
    # the justification (which may describe the person) is blanked by the purge; who and when remain
    rows = list(ReviewHistory.objects.filter(object_id=str(d.pk)).order_by("at", "id"))
    assert [r.action for r in rows] == ["revalidated", "purged"]
    assert rows[0].justification == "" and rows[0].reasonable_suspicion == "" and rows[0].reviewer == officer


def test_identifier_edits_do_not_reset_the_clock(make_dossier, make_user):
    officer = make_user("privacy_officer")
    d = make_dossier(days_to_review=10, with_files=False)
    label = "access_app.retaineddossier"
    retention.revalidate(officer, label, d.pk, justification="New tip corroborates the original report.",
                         new_date=clock.today() + dt.timedelta(days=20))
    d.refresh_from_db()
    d.subject_name = "A. N. Other"  # an identifier update
    d.notes = "Updated address."
    d.save()
    with pytest.raises(ValidationError, match="repeats the last validation"):
        retention.revalidate(officer, label, d.pk, justification="New tip corroborates the original report!")
    clock.advance(dt.timedelta(days=21))
    assert retention.run().purged == [(label, str(d.pk))]


def test_revalidation_limits_and_reviewers(make_dossier, make_user):
    officer = make_user("privacy_officer")
    analyst = make_user("analyst")
    d = make_dossier(days_to_review=10, with_files=False)
    label = "access_app.retaineddossier"
    with pytest.raises(PermissionDenied):
        retention.revalidate(analyst, label, d.pk, justification="x" * 30)
    with pytest.raises(ValidationError) as exc:
        retention.revalidate(officer, label, d.pk, justification="Too short")
    assert "justification" in exc.value.error_dict
    with pytest.raises(ValidationError) as exc:
        retention.revalidate(officer, label, d.pk, justification="Long enough justification here.",
                             new_date=clock.today() + dt.timedelta(days=1827))
    assert "new_date" in exc.value.error_dict
    with pytest.raises(ValidationError) as exc:
        retention.revalidate(officer, label, d.pk, justification="Long enough justification here.",
                             new_date=clock.today())
    assert "new_date" in exc.value.error_dict
    assert not ReviewHistory.objects.exists()


def test_purge_by_a_person_needs_purge_authority(make_dossier, make_user, centers, media,
                                                 django_capture_on_commit_callbacks):
    d = make_dossier()
    label = "access_app.retaineddossier"
    analyst = make_user("analyst")
    other_supervisor = make_user("supervisor", center=centers["STAC"])
    with pytest.raises(PermissionDenied):
        retention.purge(analyst, label, d.pk)
    with pytest.raises(access.AccessDenied):
        retention.purge(other_supervisor, label, d.pk)
    assert RetainedDossier.objects.filter(pk=d.pk).exists()
    officer = make_user("privacy_officer")
    path = media / d.attachment.name
    with django_capture_on_commit_callbacks(execute=True):
        tomb = retention.purge(officer, label, d.pk)
    assert tomb.purged_by == officer and tomb.reason == Tombstone.Reason.REVIEW_DECISION
    assert not path.exists()
    with pytest.raises(ValidationError, match="No such record"):
        retention.purge(officer, label, d.pk)


def test_a_tombstone_summary_with_personal_text_is_refused_and_nothing_is_purged(make_dossier, make_user,
                                                                                retained):
    rt = registry.register_record_type(RetainedDossier, tombstone=lambda r: {"subject": r.subject_name + " (x)!"})
    try:
        d = make_dossier(with_files=False)
        with pytest.raises(ValidationError, match="short code"):
            retention.purge(make_user("privacy_officer"), rt.label, d.pk)
        assert RetainedDossier.objects.filter(pk=d.pk).exists()
        assert not Tombstone.objects.exists()
    finally:
        registry.unregister_record_type(rt.label)


def test_cli_runs_as_of_a_date(make_dossier, capsys):
    from fusioncenter import cli

    d = make_dossier(days_to_review=100, with_files=False)
    later = (clock.today() + dt.timedelta(days=101)).isoformat()
    assert cli.main(["retention", "run", "--as-of", later]) == 0
    out = capsys.readouterr().out
    assert f"purged  access_app.retaineddossier {d.pk}" in out
    assert "1 purged" in out
    assert DISTINCTIVE not in out
    assert not RetainedDossier.objects.filter(pk=d.pk).exists()


def test_the_daily_task_runs_the_same_service(make_dossier):
    from fusioncenter.privacy.tasks import retention_run

    d = make_dossier(days_to_review=15, with_files=False)
    result = retention_run.enqueue()
    assert result.return_value["queued"] == 1
    assert ReviewItem.objects.filter(object_id=str(d.pk), status="open").exists()


def test_undated_records_are_reported(make_dossier):
    d = make_dossier(with_files=False)
    RetainedDossier.objects.filter(pk=d.pk).update(review_due=None, retention_until=None)
    assert retention.run().undated == {"access_app.retaineddossier": 1}


def test_the_database_overwrites_or_vacuums_deleted_content(db):
    """SQLite: secure_delete is on for every connection. PostgreSQL: a purge runs VACUUM FULL by default."""
    from fusioncenter.privacy import conf

    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA secure_delete")
            assert cursor.fetchone()[0] == 1
    else:
        assert conf.get_str("FUSIONCENTER_PRIVACY_VACUUM") == "full"
    assert retention.vacuum(["access_app_retaineddossier"]) == []  # never inside a transaction


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_postgres_vacuum_removes_purged_bytes_from_the_table_pages(make_dossier, make_user, settings):
    """Without a vacuum the deleted tuple's bytes stay in the heap page; after the purge they are gone."""
    from tests.pg_pages import raw_pages as pages_of

    label = "access_app.retaineddossier"

    def raw_pages() -> bytes:
        return pages_of("access_app_retaineddossier")

    officer = make_user("privacy_officer")
    settings.FUSIONCENTER_PRIVACY_VACUUM = "off"
    control = make_dossier(with_files=False, subject_name="Control Person Xyloquist")
    retention.purge(officer, label, control.pk)
    assert b"Control Person Xyloquist" in raw_pages()  # the danger is real: deleted bytes linger

    settings.FUSIONCENTER_PRIVACY_VACUUM = "full"
    d = make_dossier(with_files=False)
    retention.purge(officer, label, d.pk)
    pages = raw_pages()
    for _ in range(20):
        # VACUUM cannot remove a row an older snapshot may still see: another session on the same
        # server (a backend starting up) can hold one for a moment. The daily run vacuums again.
        if DISTINCTIVE.encode() not in pages:
            break
        time.sleep(0.5)
        retention.run()
        pages = raw_pages()
    assert DISTINCTIVE.encode() not in pages
    assert b"Control Person Xyloquist" not in pages
