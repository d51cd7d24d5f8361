"""Recipient addresses: normalisation (so one person is one key) and idempotency keys."""

from __future__ import annotations

import hashlib

import phonenumbers
from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from . import conf
from .models import Channel


class InvalidAddress(ValueError):
    """The address cannot be used on its channel; the reason is a short code, never the address."""


def normalize(channel: str, address: str) -> str:
    """Return the canonical form of `address` on `channel`, or raise InvalidAddress.

    E-mail: trimmed and lower-cased (mail systems treat local parts case-insensitively in practice,
    and a subscriber listed twice in two spellings must get one message); ASCII only, because the
    fast sender does not negotiate SMTPUTF8. SMS: E.164. Portal: a user id.
    """
    value = (address or "").strip()
    if channel == Channel.EMAIL:
        if not value or len(value) > 254 or not value.isascii():
            raise InvalidAddress("invalid_email")
        try:
            validate_email(value)
        except ValidationError:
            raise InvalidAddress("invalid_email")
        return value.lower()
    if channel == Channel.SMS:
        try:
            number = phonenumbers.parse(value, conf.get("FUSIONCENTER_SMS_REGION"))
        except phonenumbers.NumberParseException:
            raise InvalidAddress("invalid_phone")
        if not phonenumbers.is_valid_number(number):
            raise InvalidAddress("invalid_phone")
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    if channel == Channel.PORTAL:
        if not value.isdigit():
            raise InvalidAddress("invalid_user")
        return str(int(value))
    raise InvalidAddress("unknown_channel")


def idempotency_key(message_scope: str, channel: str, normalized_address: str) -> str:
    """40 hex characters (160 bits) of SHA-256 over message scope, channel and address.

    `message_scope` is the message's own key when the sender gave one, else its id, so the same
    recipient of the same message always maps to the same key.
    """
    raw = f"{message_scope}\x1f{channel}\x1f{normalized_address}".encode()
    return hashlib.sha256(raw).hexdigest()[:40]


def sms_digits(e164: str) -> str:
    """The national number digits e-mail-to-SMS gateways use as the local part (US: ten digits)."""
    number = phonenumbers.parse(e164, None)
    return str(number.national_number)
