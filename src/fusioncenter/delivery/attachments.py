"""Attachments rendered at send time from a reference, through providers the apps register.

The outbox stores only `(provider, ref)` on the message, never the file: an intelligence product's
PDF exists in the outbox only while a worker is handing it to the mail server. The provider is asked
once per recipient, so it re-checks that recipient's access and the record's state at the moment of
sending: a product withdrawn (or a recipient's access revoked) after the message was queued is not
sent. Delivery depends on core only; the apps register their providers in `AppConfig.ready()`:

    from fusioncenter.delivery import attachments
    attachments.register("products.pdf", render_product_pdf)   # fn(ref, recipient_id) -> File

A provider raises `Refused(code)` when this recipient must not get the message at all (the row fails
with `attachment_<code>` and is not retried) and any other exception for a passing fault (the row is
retried like any other temporary failure). Files larger than
`FUSIONCENTER_DELIVERY_ATTACHMENT_MAX_BYTES` are refused (`attachment_too_large`): a mail relay would
reject them anyway, and the recipient still has the portal notice.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass

from . import conf

log = logging.getLogger(__name__)
_NAME = re.compile(r"^[a-z0-9_.-]{1,60}$")
_FILENAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,119}$")
_TYPE = re.compile(r"^[a-z]+/[a-z0-9.+-]+$")


@dataclass(frozen=True)
class File:
    """One rendered attachment: a safe file name, a MIME type and the bytes."""

    filename: str
    content_type: str
    data: bytes


class Refused(Exception):
    """This recipient must not receive the message (record withdrawn, access gone). Not retried."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


Provider = Callable[[str, "int | None"], File]
_providers: dict[str, Provider] = {}


def register(name: str, provider: Provider) -> None:
    if not _NAME.fullmatch(name):
        raise ValueError(f"Attachment provider name {name!r}: lower-case letters, digits, '._-' only.")
    _providers[name] = provider


def unregister(name: str) -> None:
    """For tests that register a test-only provider."""
    _providers.pop(name, None)


def is_registered(name: str) -> bool:
    return name in _providers


def max_bytes() -> int:
    return int(conf.get("FUSIONCENTER_DELIVERY_ATTACHMENT_MAX_BYTES"))


def render(provider_name: str, ref: str, recipient_id: int | None) -> File:
    """The attachment for one recipient, checked; raises Refused, LookupError or the provider's error.

    The file name and type are checked here, not trusted, because they go into MIME headers.
    """
    provider = _providers.get(provider_name)
    if provider is None:
        raise LookupError(provider_name)
    item = provider(ref, recipient_id)
    if not isinstance(item, File) or not _FILENAME.fullmatch(item.filename) or not _TYPE.fullmatch(item.content_type):
        raise Refused("invalid")
    if len(item.data) > max_bytes():
        raise Refused("too_large")
    return item
