"""Channels that carry a claimed delivery to its recipient: e-mail (SMTP), SMS (pluggable gateway), portal.

A channel instance lives as long as its worker and keeps its connection open across batches (one
SMTP connection carries thousands of messages); the worker closes it when idle. `deliver()` reports
each job's outcome to the worker's `Outcome`, which marks rows in small batches.

E-mail content is rendered once per message (Django's e-mail classes build the MIME body and the
common headers); each recipient only adds its own `To` and `Message-ID`. The Message-ID is made from
the delivery's idempotency key, so a copy re-sent after a crash carries the same Message-ID.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import logging
import os
import smtplib
from dataclasses import dataclass
from email.utils import formataddr, parseaddr
from pathlib import Path
from typing import Any, Protocol

from django.conf import settings
from django.core.mail import EmailMessage, EmailMultiAlternatives, get_connection
from django.db import transaction
from django.utils.module_loading import import_string

from fusioncenter.core import clock

from . import attachments, conf, links
from .addresses import sms_digits
from .models import Channel, Message, PortalNotice

log = logging.getLogger(__name__)
SMTP_BACKEND = "django.core.mail.backends.smtp.EmailBackend"


class TemporaryFailure(Exception):
    """Try again later (SMTP 4xx, connection trouble). `code` is a short reason, never content."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


class PermanentFailure(Exception):
    """Do not try again (SMTP 5xx, unusable address)."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


@dataclass(frozen=True)
class Job:
    """A claimed delivery: just what a channel needs."""

    id: int
    message_id: int
    channel: str
    address: str
    idempotency_key: str
    attempts: int
    recipient_id: int | None


class Outcome(Protocol):
    def sent(self, job: Job, provider_id: str = "") -> None: ...
    def retry(self, job: Job, code: str) -> None: ...
    def failed(self, job: Job, code: str) -> None: ...
    def release(self, job: Job) -> None: ...
    def should_stop(self) -> bool: ...
    def mark_sent_in_transaction(self, ids: list[int]) -> None: ...


class BaseChannel:
    name = ""

    def send(self, job: Job, message: Message) -> str:
        """Send one job; return a provider message id or ""; raise Temporary/PermanentFailure."""
        raise NotImplementedError

    def deliver(self, jobs: list[Job], messages: dict[int, Message], outcome: Outcome) -> None:
        for job in jobs:
            if outcome.should_stop():
                outcome.release(job)
                continue
            try:
                provider_id = self.send(job, messages[job.message_id])
            except TemporaryFailure as exc:
                outcome.retry(job, exc.code)
            except PermanentFailure as exc:
                outcome.failed(job, exc.code)
            else:
                outcome.sent(job, provider_id)

    def close(self) -> None:
        """Release connections (the worker is idle or stopping)."""


# --- SMTP -----------------------------------------------------------------------------------------


def _classify(code: int, prefix: str = "smtp") -> Exception:
    if 500 <= code < 600:
        return PermanentFailure(f"{prefix}_{code}")
    return TemporaryFailure(f"{prefix}_{code}")


def message_id_for(key: str) -> str:
    domain = parseaddr(conf.from_address())[1].rpartition("@")[2] or "localhost"
    return f"<{key}@{domain}>"


def _reset(connection: smtplib.SMTP, code: int) -> None:
    """After a refused command: 421 means the server is closing; otherwise RSET for the next message."""
    if code == 421:
        connection.close()
        return
    with contextlib.suppress(smtplib.SMTPServerDisconnected):
        connection.rset()


def _send_one(connection: smtplib.SMTP, envelope_from: str, to: str, data: bytes) -> None:
    """One SMTP transaction (MAIL, RCPT, DATA) for one recipient, raising smtplib's exceptions.

    What smtplib's `sendmail` does for one recipient, minus its re-parsing of both addresses on every
    message (a fifth of the worker's CPU in a fan-out): ours were validated and normalised at enqueue.
    """
    connection.ehlo_or_helo_if_needed()
    code, reply = connection.docmd("MAIL", f"FROM:<{envelope_from}>")
    if code != 250:
        _reset(connection, code)
        raise smtplib.SMTPSenderRefused(code, reply, envelope_from)
    code, reply = connection.docmd("RCPT", f"TO:<{to}>")
    if code not in (250, 251):
        _reset(connection, code)
        raise smtplib.SMTPRecipientsRefused({to: (code, reply)})
    code, reply = connection.data(data)
    if code != 250:
        _reset(connection, code)
        raise smtplib.SMTPDataError(code, reply)


class SmtpSender:
    """One reused SMTP connection and the per-message rendered bytes.

    Uses Django's SMTP backend to open the connection (EMAIL_HOST, EMAIL_PORT, TLS, login), then
    hands pre-rendered bytes to it, because rendering MIME per recipient costs more than sending.
    """

    def __init__(self) -> None:
        self._backend: Any = None
        self._rendered: dict[tuple[str, int], bytes] = {}
        self.envelope_from = parseaddr(conf.from_address())[1]
        self.domain = self.envelope_from.rpartition("@")[2] or "localhost"

    def _connection(self) -> smtplib.SMTP:
        if self._backend is None or self._backend.connection is None:
            backend = get_connection(SMTP_BACKEND, fail_silently=False)
            try:
                backend.open()
            except (smtplib.SMTPException, OSError) as exc:
                raise TemporaryFailure(f"connect_{type(exc).__name__}")
            self._backend = backend
        return self._backend.connection

    def render(self, kind: str, message: Message, build) -> bytes:
        cache_key = (kind, message.pk)
        raw = self._rendered.get(cache_key)
        if raw is None:
            if len(self._rendered) > 64:
                self._rendered.clear()
            raw = self.render_one(message, build)
            self._rendered[cache_key] = raw
        return raw

    @staticmethod
    def render_one(message: Message, build) -> bytes:
        mime = build(message).message()
        del mime["Message-ID"]
        del mime["To"]
        return mime.as_bytes(linesep="\r\n")

    def sendmail(self, to: str, key: str, raw: bytes) -> str:
        """Send pre-rendered bytes to one address (normalised at enqueue: ASCII, no spaces or line breaks,
        so it goes into the To header as it is)."""
        header = f"To: {to}\r\nMessage-ID: <{key}@{self.domain}>\r\n".encode("ascii")
        for attempt in (1, 2):
            connection = self._connection()
            try:
                _send_one(connection, self.envelope_from, to, header + raw)
                return ""
            except smtplib.SMTPRecipientsRefused as exc:
                code = next(iter(exc.recipients.values()))[0]
                raise _classify(code)
            except smtplib.SMTPServerDisconnected:
                # An idle connection the server closed: reconnect once and try again at once.
                self.close()
                if attempt == 2:
                    raise TemporaryFailure("smtp_disconnected")
            except smtplib.SMTPResponseException as exc:
                if exc.smtp_code == 421:
                    self.close()
                raise _classify(exc.smtp_code)
            except (smtplib.SMTPException, OSError) as exc:
                self.close()
                raise TemporaryFailure(f"smtp_{type(exc).__name__}")
        raise TemporaryFailure("smtp_disconnected")  # pragma: no cover - loop always returns or raises

    def close(self) -> None:
        if self._backend is not None:
            try:
                self._backend.close()
            except Exception:  # noqa: BLE001 - closing a broken connection must not stop the worker
                log.debug("closing SMTP connection failed", exc_info=True)
            self._backend = None


def _from_header(message: Message) -> str:
    address = conf.from_address()
    if message.sender_label:
        return formataddr((message.sender_label, parseaddr(address)[1]))
    return address


def build_email(message: Message) -> EmailMessage:
    """The e-mail for a message, without recipients (added per delivery)."""
    email = EmailMultiAlternatives(
        subject=message.subject, body=message.text_body, from_email=_from_header(message),
        headers={"Message-ID": "<placeholder@localhost>", "Auto-Submitted": "auto-generated"},
    )
    if message.html_body:
        email.attach_alternative(message.html_body, "text/html")
    return email


def _attachment_for(job: Job, message: Message) -> attachments.File | None:
    """Render the message's attachment for this recipient now, or None when it has none.

    Refused by the provider (withdrawn, no access, too large): the row fails and is not retried.
    Any other error (a renderer fault, a provider missing from this process): retried later.
    """
    if not message.attachment_provider:
        return None
    try:
        return attachments.render(message.attachment_provider, message.attachment_ref, job.recipient_id)
    except attachments.Refused as exc:
        raise PermanentFailure(f"attachment_{exc.code}"[:200])
    except LookupError:
        raise TemporaryFailure("attachment_provider_missing")
    except Exception as exc:  # noqa: BLE001 - a provider fault is retried like a mail server fault
        log.exception("attachment provider %s failed for delivery %s", message.attachment_provider, job.id)
        raise TemporaryFailure(f"attachment_{type(exc).__name__}"[:200])


def _with_link(build, url: str | None):
    """Fill (or drop) the personal-link placeholder in the text and HTML bodies."""
    def with_link(message: Message) -> EmailMessage:
        email = build(message)
        email.body = links.fill_text(email.body, url)
        alternatives, email.alternatives = list(email.alternatives), []
        for content, mimetype in alternatives:
            email.attach_alternative(links.fill_html(content, url) if mimetype == "text/html" else content,
                                     mimetype)
        return email

    return with_link


def _with_attachment(item: attachments.File):
    def build(message: Message) -> EmailMessage:
        email = build_email(message)
        email.attach(item.filename, item.data, item.content_type)
        return email

    return build


class EmailChannel(BaseChannel):
    """E-mail over SMTP. With FUSIONCENTER_DELIVERY_EMAIL_BACKEND set to another Django backend
    (console, file for development), each message goes through that backend instead."""

    name = Channel.EMAIL

    def __init__(self) -> None:
        self.smtp = SmtpSender()
        self.backend_path = os.environ.get("FUSIONCENTER_DELIVERY_EMAIL_BACKEND") or getattr(
            settings, "FUSIONCENTER_DELIVERY_EMAIL_BACKEND", SMTP_BACKEND)

    def send(self, job: Job, message: Message) -> str:
        attachment = _attachment_for(job, message)
        build = build_email if attachment is None else _with_attachment(attachment)
        personal = bool(message.link_path) and job.recipient_id is not None
        build = _with_link(build, links.url_for(job.id) if personal else None)
        if personal and self.backend_path == SMTP_BACKEND:
            # One recipient's own link: rendered for this delivery alone, never cached for others.
            return self.smtp.sendmail(job.address, job.idempotency_key, self.smtp.render_one(message, build))
        if self.backend_path != SMTP_BACKEND:
            email = build(message)
            email.to = [job.address]
            email.extra_headers["Message-ID"] = message_id_for(job.idempotency_key)
            get_connection(self.backend_path).send_messages([email])
            return ""
        # With an attachment the bytes are cached per message *and* file, so recipients who get the
        # same file share one rendering, and nobody gets a file rendered for someone else.
        kind = "email" if attachment is None else "email:" + hashlib.sha256(attachment.data).hexdigest()
        raw = self.smtp.render(kind, message, build)
        return self.smtp.sendmail(job.address, job.idempotency_key, raw)

    def close(self) -> None:
        self.smtp.close()


# --- SMS ------------------------------------------------------------------------------------------


def sms_text(message: Message) -> str:
    """The SMS body: the sender's short text, else subject and body, squeezed to 480 characters."""
    text = message.sms_body or f"{message.subject}: {links.fill_text(message.text_body, None)}"
    text = " ".join(text.split())
    return text if len(text) <= 480 else text[:479] + "…"


class SmsGateway:
    """Interface of an SMS gateway. `send` returns the provider's message id (or "")."""

    def send(self, job: Job, text: str, message: Message) -> str:
        raise NotImplementedError

    def close(self) -> None:
        pass


class EmailToSmsGateway(SmsGateway):
    """Carrier e-mail-to-SMS: +16085550123 -> 6085550123@<FUSIONCENTER_SMS_EMAIL_DOMAIN>."""

    def __init__(self) -> None:
        self.smtp = SmtpSender()

    @staticmethod
    def address_for(e164: str) -> str:
        domain = conf.get("FUSIONCENTER_SMS_EMAIL_DOMAIN")
        if not domain:
            # A configuration fault, not the recipient's: keep the row and retry once it is fixed.
            raise TemporaryFailure("sms_gateway_not_configured")
        return f"{sms_digits(e164)}@{domain}"

    def send(self, job: Job, text: str, message: Message) -> str:
        def build(msg: Message) -> EmailMessage:
            return EmailMessage(subject="", body=sms_text(msg), from_email=parseaddr(conf.from_address())[1],
                                headers={"Message-ID": "<placeholder@localhost>"})

        raw = self.smtp.render("sms", message, build)
        return self.smtp.sendmail(self.address_for(job.address), job.idempotency_key, raw)

    def close(self) -> None:
        self.smtp.close()


class LoggingSmsGateway(SmsGateway):
    """Development and test gateway: appends each text to `<data dir>/sms-outbox.log` (JSON lines).

    That file holds message text and numbers, like a real gateway's records would; the general
    application log gets only the delivery id. Do not use it in production.
    """

    def __init__(self) -> None:
        self.path = Path(settings.DATA_DIR) / "sms-outbox.log"

    def send(self, job: Job, text: str, message: Message) -> str:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        line = json.dumps({"at": clock.now().isoformat(), "delivery": job.id, "to": job.address,
                           "key": job.idempotency_key, "text": text})
        fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)  # retention prunes the file in place under the same lock
            os.write(fd, (line + "\n").encode())
        finally:
            os.close(fd)
        log.info("sms delivery %s written to the logging gateway", job.id)
        return f"log-{job.idempotency_key[:16]}"


class SmsChannel(BaseChannel):
    name = Channel.SMS

    def __init__(self) -> None:
        self.gateway: SmsGateway = import_string(conf.get("FUSIONCENTER_SMS_GATEWAY"))()

    def send(self, job: Job, message: Message) -> str:
        return self.gateway.send(job, sms_text(message), message)

    def close(self) -> None:
        self.gateway.close()


# --- portal ---------------------------------------------------------------------------------------


class PortalChannel(BaseChannel):
    """The inbox entry and the `sent` mark commit in one transaction: exactly once, no window."""

    name = Channel.PORTAL

    def deliver(self, jobs: list[Job], messages: dict[int, Message], outcome: Outcome) -> None:
        from django.contrib.auth import get_user_model

        wanted = {job.recipient_id or int(job.address) for job in jobs}
        existing = set(get_user_model().objects.filter(pk__in=wanted, is_active=True)
                       .values_list("pk", flat=True))
        ok = [job for job in jobs if (job.recipient_id or int(job.address)) in existing]
        for job in jobs:
            if job not in ok:
                outcome.failed(job, "unknown_user")
        if not ok:
            return
        now = clock.now()
        with transaction.atomic():
            PortalNotice.objects.bulk_create(
                [PortalNotice(delivery_id=job.id, message_id=job.message_id,
                              user_id=job.recipient_id or int(job.address), created_at=now) for job in ok],
                ignore_conflicts=True,
            )
            outcome.mark_sent_in_transaction([job.id for job in ok])


# --- registry -------------------------------------------------------------------------------------

_registry: dict[str, type[BaseChannel]] = {
    Channel.EMAIL: EmailChannel,
    Channel.SMS: SmsChannel,
    Channel.PORTAL: PortalChannel,
}


def register(name: str, channel_class: type[BaseChannel]) -> None:
    """Replace or add a channel implementation (e.g. a vendor SMS API channel)."""
    _registry[name] = channel_class


def create_all() -> dict[str, BaseChannel]:
    """Fresh channel instances for one worker."""
    return {name: cls() for name, cls in _registry.items()}
