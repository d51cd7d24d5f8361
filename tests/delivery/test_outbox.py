"""The outbox: enqueue in the caller's transaction, idempotency, workers, retries, channels, inbox."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import transaction
from django.template.loader import render_to_string

from fusioncenter.core import clock
from fusioncenter.core.models import AuditEntry
from fusioncenter.delivery import services, worker
from fusioncenter.delivery.models import Delivery, Message, PortalNotice, Status

FIELDS = {"subject": "Crime alert: burglary series", "text_body": "Be aware of a series of burglaries.",
          "sender_label": "WSIC Crime Alert Network"}


def emails(n: int, domain: str = "example.test") -> list[tuple[str, str, None]]:
    return [("email", f"subscriber{i}@{domain}", None) for i in range(n)]


# --- enqueue ----------------------------------------------------------------------------------------


def test_send_creates_one_row_per_recipient_and_channel(make_user):
    analyst = make_user("analyst")
    users = [make_user("partner_member") for _ in range(3)]
    recipients = []
    for user in users:
        phone = f"608-555-01{user.pk % 100:02d}"
        recipients += [("email", user.email, user), ("sms", phone, user), ("portal", "", user)]
    message = services.send(FIELDS, recipients, source=("alerts.alert", 12), actor=analyst)
    assert message.deliveries.count() == 9
    assert set(message.deliveries.values_list("channel", flat=True)) == {"email", "sms", "portal"}
    assert message.deliveries.filter(status=Status.PENDING).count() == 9
    assert message.created_by == analyst and (message.source_type, message.source_id) == ("alerts.alert", "12")
    sms = message.deliveries.filter(channel="sms").first()
    assert sms.address.startswith("+1608555")
    entry = AuditEntry.objects.filter(action="delivery.send").latest("seq")
    assert entry.object_id == str(message.pk)
    assert "Crime alert" not in json.dumps(entry.detail)  # ids and counts only


def test_rollback_of_callers_transaction_queues_nothing(db):
    with pytest.raises(RuntimeError), transaction.atomic():
        services.send(FIELDS, emails(5), source=("alerts.alert", 1))
        assert Delivery.objects.count() == 5
        raise RuntimeError("the alert failed to save")
    assert Delivery.objects.count() == 0
    assert Message.objects.count() == 0


def test_workers_are_woken_only_on_commit(db, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        services.send(FIELDS, emails(2))
    assert len(callbacks) == 1


def test_same_send_twice_is_one_row_per_recipient(db):
    first = services.send(FIELDS, emails(4), key="alerts.alert:7:issue")
    again = services.send(FIELDS, [*emails(4), ("email", "late@example.test", None)], key="alerts.alert:7:issue")
    assert first.pk == again.pk
    assert Delivery.objects.count() == 5
    assert Message.objects.count() == 1


def test_same_recipient_twice_in_one_send_is_one_row(db):
    message = services.send(FIELDS, [("email", "Pat@Example.test", None), ("email", " pat@example.test ", None),
                                     ("sms", "(608) 555-0100", None), ("sms", "+16085550100", None)])
    assert message.deliveries.count() == 2


def test_unusable_address_is_a_failed_row_not_a_failed_send(db):
    message = services.send(FIELDS, [("email", "not an address", None), ("sms", "12", None),
                                     ("email", "ok@example.test", None)])
    failed = {d.channel: d.last_error for d in message.deliveries.filter(status=Status.FAILED)}
    assert failed == {"email": "invalid_email", "sms": "invalid_phone"}
    assert services.status_for(message=message)["by_status"] == {
        "pending": 1, "sending": 0, "sent": 0, "failed": 2, "cancelled": 0}


@pytest.mark.parametrize("fields, field", [
    ({"subject": "Line one\nBcc: someone@example.test", "text_body": "x"}, "subject"),
    ({"subject": "", "text_body": "x"}, "subject"),
    ({"subject": "ok", "text_body": "  "}, "text_body"),
    ({"subject": "ok", "text_body": "x", "sms_body": "y" * 481}, "sms_body"),
])
def test_bad_message_fields_are_refused_and_nothing_written(db, fields, field):
    with pytest.raises(ValidationError) as excinfo:
        services.send(fields, emails(1))
    assert field in excinfo.value.message_dict
    assert Message.objects.count() == 0 and Delivery.objects.count() == 0


def test_unknown_channel_and_unknown_portal_user_are_refused(db):
    with pytest.raises(ValidationError):
        services.send(FIELDS, [("fax", "123", None)])
    with pytest.raises(ValidationError):
        services.send(FIELDS, [("portal", "999999", None)])
    assert Delivery.objects.count() == 0


def test_html_body_is_sanitised(db):
    message = services.send({**FIELDS, "html_body": "<p>Hi</p><script>alert(1)</script>"}, emails(1))
    assert "<script>" not in message.html_body and "<p>Hi</p>" in message.html_body


# --- worker and SMTP ----------------------------------------------------------------------------------


def test_worker_sends_over_smtp_and_marks_sent(db, smtp_sink):
    message = services.send({**FIELDS, "html_body": "<p>Be aware.</p>"}, emails(25))
    stats = worker.run(once=True, batch_size=10)
    assert stats.sent == 25
    assert message.deliveries.filter(status=Status.SENT, sent_at__isnull=False).count() == 25
    assert len(smtp_sink.messages) == 25
    delivered = smtp_sink.by_rcpt()
    for delivery in message.deliveries.all():
        [item] = delivered[delivery.address]
        assert item["message_id"] == f"<{delivery.idempotency_key}@wsic.example.test>"
        assert item["to"] == delivery.address
        assert item["subject"] == FIELDS["subject"]
        assert item["mail_from"] == "alerts@wsic.example.test"
    parsed = smtp_sink.messages[0]["parsed"]
    assert parsed.is_multipart()
    assert parsed.get_body(("plain",)).get_content().strip() == FIELDS["text_body"]
    assert "Be aware." in parsed.get_body(("html",)).get_content()
    assert "WSIC Crime Alert Network" in parsed["From"]
    status = services.status_for(message=message)
    assert status["by_status"]["sent"] == 25 and status["by_channel"]["email"]["total"] == 25


def test_temporary_smtp_failure_retries_with_backoff(db, smtp_sink):
    refused = set()

    def reply(address):
        if address not in refused:
            refused.add(address)
            return "451 4.3.0 Try again later"
        return None

    smtp_sink.rcpt_reply = reply
    clock.freeze(dt.datetime(2026, 5, 1, 12, 0, tzinfo=dt.UTC))
    message = services.send(FIELDS, emails(3))
    stats = worker.run(once=True)
    assert stats.retried == 3 and stats.sent == 0
    for delivery in message.deliveries.all():
        assert delivery.status == Status.PENDING and delivery.attempts == 1
        assert delivery.last_error == "smtp_451"
        wait = (delivery.next_attempt_at - clock.now()).total_seconds()
        assert 24 <= wait <= 36  # 30 s ± 20 % jitter
    assert worker.run(once=True).claimed == 0  # not due yet
    clock.advance(dt.timedelta(seconds=40))
    assert worker.run(once=True).sent == 3
    assert message.deliveries.filter(status=Status.SENT, attempts=2).count() == 3
    assert len(smtp_sink.messages) == 3


def test_backoff_grows_exponentially_and_is_capped():
    seconds = [worker.retry_delay(n).total_seconds() for n in (1, 2, 3, 12)]
    assert 24 <= seconds[0] <= 36 and 48 <= seconds[1] <= 72 and 96 <= seconds[2] <= 144
    assert 2880 <= seconds[3] <= 4320


def test_permanent_smtp_failure_fails_at_once(db, smtp_sink):
    smtp_sink.rcpt_reply = lambda address: "550 5.1.1 No such user" if address.startswith("subscriber0") else None
    message = services.send(FIELDS, emails(3))
    stats = worker.run(once=True)
    assert stats.failed == 1 and stats.sent == 2
    failed = message.deliveries.get(status=Status.FAILED)
    assert failed.last_error == "smtp_550" and failed.attempts == 1
    clock.advance(dt.timedelta(hours=2))
    assert worker.run(once=True).claimed == 0


def test_gives_up_after_max_attempts(db, smtp_sink, settings):
    settings.FUSIONCENTER_DELIVERY_MAX_ATTEMPTS = 2
    smtp_sink.rcpt_reply = lambda address: "452 4.2.2 Mailbox full"
    message = services.send(FIELDS, emails(1))
    worker.run(once=True)
    clock.advance(dt.timedelta(minutes=5))
    worker.run(once=True)
    delivery = message.deliveries.get()
    assert delivery.status == Status.FAILED and delivery.attempts == 2
    assert delivery.last_error.startswith("smtp_452; gave up")


def test_unreachable_mail_server_is_a_temporary_failure(db, settings):
    from .conftest import free_port

    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", free_port()
    message = services.send(FIELDS, emails(2))
    stats = worker.run(once=True)
    assert stats.retried == 2
    assert all(d.status == Status.PENDING and d.last_error.startswith("connect_")
               for d in message.deliveries.all())


def test_rows_of_a_dead_worker_are_reclaimed_after_the_lease(db, smtp_sink):
    message = services.send(FIELDS, emails(5))
    # A worker claims and dies before sending anything.
    jobs = worker.claim("dead-worker", batch_size=100, lease_seconds=60)
    assert len(jobs) == 5
    assert message.deliveries.filter(status=Status.SENDING, claimed_by="dead-worker").count() == 5
    assert worker.run(once=True).claimed == 0  # the lease still holds
    clock.advance(dt.timedelta(seconds=61))
    assert worker.run(once=True).sent == 5
    assert message.deliveries.filter(status=Status.SENT, attempts=2).count() == 5
    assert len(smtp_sink.messages) == 5


def test_two_claims_never_take_the_same_row(db):
    services.send(FIELDS, emails(30))
    first = {job.id for job in worker.claim("w1", 20, 60)}
    second = {job.id for job in worker.claim("w2", 20, 60)}
    assert len(first) == 20 and len(second) == 10 and not first & second


def test_cancel_stops_pending_rows(db, smtp_sink):
    message = services.send(FIELDS, emails(4))
    assert services.cancel(message, actor="system") == 4
    assert worker.run(once=True).claimed == 0
    assert smtp_sink.messages == []
    assert services.status_for(message=message)["by_status"]["cancelled"] == 4


def test_retry_failed_requeues(db, smtp_sink):
    smtp_sink.rcpt_reply = lambda address: "554 5.7.1 Rejected"
    message = services.send(FIELDS, emails(2))
    worker.run(once=True)
    smtp_sink.rcpt_reply = None
    assert services.retry_failed(message) == 2
    assert worker.run(once=True).sent == 2


def test_management_command_runs_once(db, smtp_sink):
    services.send(FIELDS, emails(3))
    call_command("delivery_worker", "--once", "--batch", "2")
    assert Delivery.objects.filter(status=Status.SENT).count() == 3


def test_status_by_source_and_per_recipient(db, smtp_sink):
    services.send(FIELDS, emails(3), source=("alerts.alert", 5))
    services.send({**FIELDS, "subject": "Update"}, emails(2), source=("alerts.alert", 5))
    services.send(FIELDS, emails(4), source=("alerts.alert", 6))
    worker.run(once=True)
    status = services.status_for(("alerts.alert", 5))
    assert status["total"] == 5 and status["by_status"]["sent"] == 5
    rows = services.deliveries_for(("alerts.alert", 5))
    assert rows.count() == 5
    html = render_to_string("delivery/status_table.html", {"delivery_status": status})
    assert '<th scope="row">E-mail</th>' in html and "<td>5</td>" in html


# --- SMS ------------------------------------------------------------------------------------------


def test_email_to_sms_gateway(db, smtp_sink, settings):
    settings.FUSIONCENTER_SMS_GATEWAY = "fusioncenter.delivery.channels.EmailToSmsGateway"
    settings.FUSIONCENTER_SMS_EMAIL_DOMAIN = "sms.example.test"
    message = services.send({**FIELDS, "sms_body": "WSIC: burglary series in Dane County."},
                            [("sms", "(608) 555-0123", None)])
    assert worker.run(once=True).sent == 1
    [item] = smtp_sink.messages
    assert item["rcpt"] == ["6085550123@sms.example.test"]
    assert item["parsed"].get_content().strip() == "WSIC: burglary series in Dane County."
    assert message.deliveries.get().status == Status.SENT


def test_email_to_sms_gateway_without_domain_keeps_the_row(db, smtp_sink, settings):
    settings.FUSIONCENTER_SMS_GATEWAY = "fusioncenter.delivery.channels.EmailToSmsGateway"
    settings.FUSIONCENTER_SMS_EMAIL_DOMAIN = ""
    message = services.send(FIELDS, [("sms", "6085550123", None)])
    worker.run(once=True)
    delivery = message.deliveries.get()
    assert delivery.status == Status.PENDING and delivery.last_error == "sms_gateway_not_configured"


def test_logging_sms_gateway_writes_its_own_file_only(db, settings, data_dir, caplog):
    settings.FUSIONCENTER_SMS_GATEWAY = "fusioncenter.delivery.channels.LoggingSmsGateway"
    message = services.send({**FIELDS, "sms_body": "Secret-ish text 42"}, [("sms", "608-555-0199", None)])
    with caplog.at_level("DEBUG"):
        assert worker.run(once=True).sent == 1
    [line] = (data_dir / "sms-outbox.log").read_text().splitlines()
    record = json.loads(line)
    assert record["to"] == "+16085550199" and record["text"] == "Secret-ish text 42"
    assert "Secret-ish" not in caplog.text and "555-0199" not in caplog.text
    delivery = message.deliveries.get()
    assert delivery.status == Status.SENT and delivery.provider_message_id.startswith("log-")


# --- portal inbox -----------------------------------------------------------------------------------


def test_portal_inbox_and_read_receipts(make_user, client, signed_in):
    reader, other = make_user("partner_member"), make_user("partner_member")
    message = services.send(FIELDS, [("portal", "", reader), ("portal", str(other.pk), None)],
                            source=("alerts.alert", 3))
    assert worker.run(once=True).sent == 2
    assert worker.run(once=True).claimed == 0
    assert PortalNotice.objects.count() == 2
    notice = PortalNotice.objects.get(user=reader)
    signed_in(client, reader)
    page = client.get("/inbox/")
    assert page.status_code == 200 and FIELDS["subject"] in page.content.decode()
    assert "1 unread notice" in page.content.decode()
    other_notice = PortalNotice.objects.get(user=other)
    assert client.get(f"/inbox/{other_notice.pk}/").status_code == 404
    assert PortalNotice.objects.get(pk=other_notice.pk).read_at is None
    detail = client.get(f"/inbox/{notice.pk}/")
    assert detail.status_code == 200 and FIELDS["text_body"] in detail.content.decode()
    notice.refresh_from_db()
    assert notice.read_at is not None
    assert services.status_for(("alerts.alert", 3))["read"] == 1
    assert services.status_for(message=message)["by_channel"]["portal"]["sent"] == 2
    assert AuditEntry.objects.filter(action="delivery.notice_read", object_id=str(notice.pk)).exists()


def test_mark_read_and_mark_all_read(make_user, client, signed_in):
    user = make_user("analyst")
    for n in range(3):
        services.send({**FIELDS, "subject": f"Notice {n}"}, [("portal", "", user)])
    worker.run(once=True)
    signed_in(client, user)
    first = PortalNotice.objects.filter(user=user).first()
    assert client.post(f"/inbox/{first.pk}/read/").status_code == 302
    assert services.unread_count(user) == 2
    assert client.get("/inbox/?show=unread").content.decode().count("Mark read:") == 2
    assert client.post("/inbox/read-all/").status_code == 302
    assert services.unread_count(user) == 0
    assert client.get(f"/inbox/{first.pk}/read/").status_code == 405


def test_inbox_needs_sign_in_and_is_in_navigation(make_user, client):
    from fusioncenter.core import navigation

    assert client.get("/inbox/").status_code == 302
    for role in ("analyst", "partner_member", "administrator"):
        labels = [item["label"] for item in navigation.for_user(make_user(role))]
        assert "Inbox" in labels


def test_demo_loads_inbox_notices_once(make_user):
    import io

    from fusioncenter.delivery import demo

    make_user("analyst")
    make_user("partner_member")
    out = io.StringIO()
    demo.load(out)
    demo.load(out)
    assert PortalNotice.objects.count() == 2
    assert Message.objects.filter(key=demo.DEMO_KEY).count() == 1


def test_server_closing_with_421_is_retried_and_the_worker_reconnects(db, smtp_sink):
    calls = []

    def reply(address):
        calls.append(address)
        return "421 4.3.2 Service shutting down" if len(calls) == 1 else None

    smtp_sink.rcpt_reply = reply
    message = services.send(FIELDS, emails(4))
    stats = worker.run(once=True)
    assert stats.retried == 1 and stats.sent == 3
    retried = message.deliveries.get(status=Status.PENDING)
    assert retried.last_error == "smtp_421" and retried.address == calls[0]
    assert len(smtp_sink.messages) == 3


def test_a_batch_outliving_its_lease_hands_unsent_rows_back(db, smtp_sink):
    services.send(FIELDS, emails(50))
    slow = worker.Worker(batch_size=50, lease_seconds=0.01)
    stats = slow.run_batch()
    assert stats.claimed == 50 and stats.sent + stats.released == 50 and stats.released > 0
    # released rows are due again at once, with their attempt not counted
    assert Delivery.objects.filter(status=Status.PENDING, attempts=0).count() == stats.released
    assert worker.run(once=True).sent == stats.released
    assert len(smtp_sink.messages) == 50
