"""Attachments rendered at send time through a registered provider, sent to a real SMTP server
(aiosmtpd on loopback): the outbox keeps only the reference; a refusal stops that recipient's
e-mail for good; a provider fault is retried; a file over the cap is refused."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from fusioncenter.core import clock
from fusioncenter.delivery import attachments, services, worker
from fusioncenter.delivery.models import Delivery, Message, Status

pytestmark = pytest.mark.django_db

FIELDS = {"subject": "Report ready", "text_body": "Your report is attached.", "sender_label": "WSIC"}
CONTENT = b"%PDF-1.4\nQuill-and-lantern distinctive bytes\n%%EOF\n"


class Provider:
    """A test-only provider: what it hands out, and whom it refuses, is set by each test."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, int | None]] = []
        self.refuse: set[int | None] = set()
        self.fail = False
        self.data = CONTENT

    def __call__(self, ref: str, recipient_id: int | None) -> attachments.File:
        self.calls.append((ref, recipient_id))
        if self.fail:
            raise RuntimeError("renderer crashed")
        if recipient_id in self.refuse:
            raise attachments.Refused("withdrawn")
        return attachments.File(f"report-{ref}.pdf", "application/pdf", self.data)


@pytest.fixture
def provider():
    item = Provider()
    attachments.register("test.report", item)
    yield item
    attachments.unregister("test.report")


def _attachment_parts(parsed) -> list:
    return list(parsed.iter_attachments())


def test_attachment_is_rendered_per_recipient_and_never_stored(make_user, provider, smtp_sink):
    pat, lee = make_user("partner_officer", username="pat"), make_user("partner_officer", username="lee")
    message = services.send(FIELDS, [("email", pat.email, pat), ("email", lee.email, lee)],
                            source=("test.report", "7"), attachment=("test.report", "7"))
    stored = Message.objects.get(pk=message.pk)
    assert (stored.attachment_provider, stored.attachment_ref) == ("test.report", "7")
    assert b"Quill-and-lantern" not in repr(Message.objects.filter(pk=message.pk).values().first()).encode()

    stats = worker.run(once=True)

    assert stats.sent == 2
    assert sorted(provider.calls) == sorted([("7", pat.pk), ("7", lee.pk)])
    for user in (pat, lee):
        [mail] = smtp_sink.by_rcpt()[user.email]
        [part] = _attachment_parts(mail["parsed"])
        assert part.get_content_type() == "application/pdf"
        assert part.get_filename() == "report-7.pdf"
        assert part.get_content() == CONTENT
        assert "Your report is attached." in mail["parsed"].get_body(("plain",)).get_content()


def test_refused_recipient_gets_nothing_and_is_not_retried(make_user, provider, smtp_sink):
    pat, lee = make_user("partner_officer", username="pat"), make_user("partner_officer", username="lee")
    provider.refuse = {lee.pk}
    message = services.send(FIELDS, [("email", pat.email, pat), ("email", lee.email, lee)],
                            attachment=("test.report", "8"))
    worker.run(once=True)
    assert pat.email in smtp_sink.by_rcpt() and lee.email not in smtp_sink.by_rcpt()
    row = Delivery.objects.get(message=message, address=lee.email)
    assert (row.status, row.last_error) == (Status.FAILED, "attachment_withdrawn")
    assert services.status_for(message=message)["by_status"]["failed"] == 1


def test_provider_fault_is_retried_later(make_user, provider, smtp_sink):
    pat = make_user("partner_officer", username="pat")
    message = services.send(FIELDS, [("email", pat.email, pat)], attachment=("test.report", "9"))
    provider.fail = True
    worker.run(once=True)
    row = Delivery.objects.get(message=message)
    assert (row.status, row.attempts, row.last_error) == (Status.PENDING, 1, "attachment_RuntimeError")
    assert smtp_sink.messages == []

    provider.fail = False
    clock.advance(dt.timedelta(hours=1))
    worker.run(once=True)
    row.refresh_from_db()
    assert row.status == Status.SENT
    [mail] = smtp_sink.by_rcpt()[pat.email]
    assert _attachment_parts(mail["parsed"])[0].get_content() == CONTENT


def test_file_over_the_cap_is_refused(make_user, provider, smtp_sink, settings):
    settings.FUSIONCENTER_DELIVERY_ATTACHMENT_MAX_BYTES = 1000
    provider.data = b"%PDF-" + b"x" * 2000
    pat = make_user("partner_officer", username="pat")
    message = services.send(FIELDS, [("email", pat.email, pat)], attachment=("test.report", "10"))
    worker.run(once=True)
    row = Delivery.objects.get(message=message)
    assert (row.status, row.last_error) == (Status.FAILED, "attachment_too_large")
    assert smtp_sink.messages == []


def test_unknown_provider_or_bad_reference_writes_nothing(make_user):
    pat = make_user("partner_officer", username="pat")
    before = Message.objects.count()
    with pytest.raises(ValidationError) as exc:
        services.send(FIELDS, [("email", pat.email, pat)], attachment=("no.such", "1"))
    assert "attachment" in exc.value.error_dict
    attachments.register("test.other", lambda ref, rid: attachments.File("a.pdf", "application/pdf", b"%PDF-"))
    try:
        with pytest.raises(ValidationError):
            services.send(FIELDS, [("email", pat.email, pat)], attachment=("test.other", "x" * 65))
    finally:
        attachments.unregister("test.other")
    assert Message.objects.count() == before
    with pytest.raises(ValueError):
        attachments.register("Bad Name", lambda ref, rid: None)


@pytest.mark.parametrize("filename, content_type", [
    ("evil\r\nBcc: x@example.test.pdf", "application/pdf"),
    ("report.pdf\n", "application/pdf"),
    ("report.pdf", "application/pdf\n"),
    ("../report.pdf", "application/pdf"),
])
def test_unsafe_file_name_or_type_from_a_provider_is_refused(make_user, smtp_sink, filename, content_type):
    attachments.register("test.bad", lambda ref, rid: attachments.File(filename, content_type, b"%PDF-"))
    try:
        pat = make_user("partner_officer", username="pat")
        message = services.send(FIELDS, [("email", pat.email, pat)], attachment=("test.bad", "1"))
        worker.run(once=True)
    finally:
        attachments.unregister("test.bad")
    row = Delivery.objects.get(message=message)
    assert (row.status, row.last_error) == (Status.FAILED, "attachment_invalid")
    assert smtp_sink.messages == []


def test_sms_and_portal_ignore_the_attachment(make_user, provider, data_dir):
    pat = make_user("partner_officer", username="pat")
    message = services.send(FIELDS, [("sms", "608-555-0100", pat), ("portal", "", pat)],
                            attachment=("test.report", "11"))
    stats = worker.run(once=True)
    assert stats.sent == 2 and provider.calls == []
    assert services.status_for(message=message)["by_status"]["sent"] == 2
