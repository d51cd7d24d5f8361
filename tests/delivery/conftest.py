"""A real SMTP server (aiosmtpd) on loopback for the delivery tests, and settings that point at it."""

from __future__ import annotations

import email
import email.policy
import logging
import socket
import threading
from collections.abc import Callable

import pytest
from aiosmtpd.controller import Controller

# aiosmtpd logs every SMTP command at INFO; thousands of lines would bury a failing test's output.
logging.getLogger("mail.log").setLevel(logging.WARNING)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class SinkHandler:
    """Collects every accepted message; `rcpt_reply(address) -> "451 ..." | None` can refuse recipients."""

    def __init__(self) -> None:
        self.messages: list[dict] = []
        self.lock = threading.Lock()
        self.rcpt_reply: Callable[[str], str | None] | None = None
        self.rcpt_calls: list[str] = []

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        self.rcpt_calls.append(address)
        if self.rcpt_reply is not None:
            reply = self.rcpt_reply(address)
            if reply:
                return reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        parsed = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self.lock:
            self.messages.append({
                "rcpt": list(envelope.rcpt_tos), "mail_from": envelope.mail_from,
                "message_id": parsed["Message-ID"], "to": parsed["To"], "subject": parsed["Subject"],
                "parsed": parsed,
            })
        return "250 Message accepted"

    def by_rcpt(self) -> dict[str, list[dict]]:
        out: dict[str, list[dict]] = {}
        for item in self.messages:
            for rcpt in item["rcpt"]:
                out.setdefault(rcpt, []).append(item)
        return out


@pytest.fixture
def smtp_sink(settings):
    """A running aiosmtpd server on 127.0.0.1:<free port>; EMAIL_HOST/EMAIL_PORT point at it."""
    handler = SinkHandler()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    settings.DEFAULT_FROM_EMAIL = "alerts@wsic.example.test"
    handler.port = port
    try:
        yield handler
    finally:
        controller.stop()


@pytest.fixture
def data_dir(settings, tmp_path):
    settings.DATA_DIR = tmp_path
    return tmp_path
