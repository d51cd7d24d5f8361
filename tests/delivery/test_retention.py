"""Outbox retention with the clock moved forward: after the period the daily scheduler blanks finished
rows' addresses and the messages' text and prunes the SMS log; newer and unfinished rows keep theirs.
A record's purge removes every outbox message about it."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from fusioncenter.core import clock, schedule
from fusioncenter.core.models import AuditEntry
from fusioncenter.delivery import retention, services, worker
from fusioncenter.delivery.models import Delivery, Message, PortalNotice, Status

pytestmark = pytest.mark.django_db

OLD = "Heron-Vasquez-Abernathy missing near the locks"
NEW = "Tamsin-Okonkwo-Lindqvist seen at the depot"


def _fields(text: str) -> dict:
    return {"subject": f"Alert: {text}", "text_body": f"Details: {text}.", "html_body": f"<p>{text}</p>",
            "sms_body": text}


def _log_lines(data_dir) -> list[dict]:
    path = data_dir / "sms-outbox.log"
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def test_daily_job_blanks_old_addresses_and_bodies_and_prunes_the_sms_log(make_user, smtp_sink, data_dir,
                                                                           settings):
    settings.FUSIONCENTER_DELIVERY_RETENTION_DAYS = 30
    pat = make_user("partner_officer", username="pat")
    clock.freeze(dt.datetime(2026, 3, 1, 12, tzinfo=dt.UTC))
    old = services.send(_fields(OLD), [("email", pat.email, pat), ("sms", "608-555-0100", pat),
                                       ("portal", "", pat)], source=("alerts.alert", "1"))
    worker.run(once=True)
    assert any(OLD in line["text"] for line in _log_lines(data_dir))

    clock.advance(dt.timedelta(days=29))
    new = services.send(_fields(NEW), [("email", pat.email, pat), ("sms", "608-555-0100", pat)])
    worker.run(once=True)
    # A message still waiting (its row is pending) keeps everything, however old.
    clock.advance(dt.timedelta(days=-29))
    waiting = services.send(_fields("still waiting"), [("email", "later@example.test", None)])
    Delivery.objects.filter(message=waiting).update(next_attempt_at=clock.now() + dt.timedelta(days=365))

    clock.advance(dt.timedelta(days=31))  # 2026-04-01: the first message is older than 30 days
    assert "delivery.retention" in schedule.jobs()
    ran = schedule.run_due()
    assert "delivery.retention" in ran

    expired = Delivery.objects.filter(message=old).exclude(channel="portal")
    assert expired.count() == 2
    for row in expired:
        assert row.address == "" and row.idempotency_key == f"expired:{row.pk}"
        assert row.status == Status.SENT
    portal = Delivery.objects.get(message=old, channel="portal")
    assert portal.address == str(pat.pk)  # the inbox entry still belongs to its user
    old.refresh_from_db()
    assert OLD not in old.subject + old.text_body + old.html_body + old.sms_body
    assert old.expired_at is not None
    notice = PortalNotice.objects.get(message=old)
    assert notice.user_id == pat.pk  # the inbox keeps the entry and its read receipt
    assert services.status_for(message=old)["by_status"]["sent"] == 3

    new.refresh_from_db()
    assert NEW in new.text_body and new.expired_at is None
    assert set(Delivery.objects.filter(message=new).values_list("address", flat=True)) == {pat.email,
                                                                                          "+16085550100"}
    assert Delivery.objects.get(message=waiting).address == "later@example.test"
    waiting.refresh_from_db()
    assert waiting.expired_at is None

    lines = _log_lines(data_dir)
    assert not any(OLD in line["text"] for line in lines)
    assert any(NEW in line["text"] for line in lines)
    entry = AuditEntry.objects.filter(action="delivery.retention").latest("seq")
    assert entry.detail["addresses"] == 2 and entry.detail["messages"] == 1

    # Idempotent: the same day's run changes nothing more.
    assert retention.expire(clock.today()) == {"addresses": 0, "messages": 0, "sms_log_lines": 0}


def test_purge_source_removes_the_record_s_messages_and_sms_lines(make_user, data_dir,
                                                                   django_capture_on_commit_callbacks):
    pat = make_user("partner_officer", username="pat")
    gone = services.send(_fields(OLD), [("sms", "608-555-0100", pat), ("portal", "", pat)],
                         source=("alerts.alert", "41"))
    kept = services.send(_fields(NEW), [("sms", "608-555-0100", pat)], source=("alerts.alert", "42"))
    worker.run(once=True)
    assert len(_log_lines(data_dir)) == 2
    with django_capture_on_commit_callbacks(execute=True):
        assert retention.purge_source("alerts.alert", "41") == 1
    assert not Message.objects.filter(pk=gone.pk).exists()
    assert not Delivery.objects.filter(message_id=gone.pk).exists()
    assert not PortalNotice.objects.filter(message_id=gone.pk).exists()
    assert Message.objects.filter(pk=kept.pk).exists()
    lines = _log_lines(data_dir)
    assert [NEW in line["text"] for line in lines] == [True]


def test_retention_days_default_and_setting(settings):
    assert retention.retention_days() == 90
    settings.FUSIONCENTER_DELIVERY_RETENTION_DAYS = 7
    assert retention.cutoff_for(dt.date(2026, 5, 8)) == dt.datetime(2026, 5, 1, tzinfo=dt.UTC)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_postgres_purge_leaves_no_bytes_in_the_outbox_pages(make_user):
    """PostgreSQL keeps a deleted row's bytes in its page until VACUUM; the purge hook vacuums."""
    import time

    from django.db import transaction

    from tests.pg_pages import raw_pages as pages_of

    distinctive = "Wendeline Qorvath-Iskander"

    def raw_pages() -> bytes:
        return pages_of("delivery_message")

    pat = make_user("partner_officer", username="pat")
    services.send(_fields(distinctive), [("portal", "", pat)], source=("alerts.alert", "77"))
    assert distinctive.encode() in raw_pages()
    retention._last_vacuum[0] = -retention.VACUUM_EVERY_SECONDS  # a fresh process: no vacuum ran yet
    with transaction.atomic():
        assert retention.purge_source("alerts.alert", "77") == 1
    pages = raw_pages()
    for _ in range(20):
        # An older snapshot held by another session can keep VACUUM from removing the row for a
        # moment; the daily job vacuums again (forced) while purges are recent.
        if distinctive.encode() not in pages:
            break
        time.sleep(0.5)
        retention._vacuum(force=True)
        pages = raw_pages()
    assert distinctive.encode() not in pages
