"""Sign-in under the CJIS Security Policy: password, then TOTP; lockout after repeated failures.

A sign-in is two steps. `check_password` verifies the password and says what comes next (enrol an
authenticator, or enter a code); only `check_second_factor` / `confirm_enrolment` complete it.
Five failures (password or code) within fifteen minutes lock the account until an administrator
releases it (AC-7). Every outcome is audited.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass

import pyotp
import segno
from django.conf import settings
from django.contrib.auth import authenticate
from django.db import transaction

from . import audit, clock
from .models import FailedSignIn, RecoveryCode, TOTPDevice, User

RECOVERY_CODE_COUNT = 10
ISSUER = "fusioncenter"


@dataclass(frozen=True)
class PasswordResult:
    user: User | None
    next_step: str  # "enrol", "verify" or "refused"
    message: str = ""


GENERIC_REFUSAL = "The username or password is not correct."
LOCKED_MESSAGE = "This account is locked after repeated failed sign-ins. Ask an administrator to release it."


def _register_failure(user: User, source: str, step: str) -> bool:
    """Record a failure; lock the account at the limit. Returns True if the account is now locked."""
    FailedSignIn.objects.create(user=user, source_address=source or None)
    audit.record(user, "sign_in_failed", user, outcome="failure", source_address=source, detail={"step": step})
    window_start = clock.now() - dt.timedelta(seconds=settings.FUSIONCENTER_LOCKOUT_WINDOW_SECONDS)
    recent = FailedSignIn.objects.filter(user=user, at__gte=window_start).count()
    if recent >= settings.FUSIONCENTER_LOCKOUT_ATTEMPTS and user.locked_at is None:
        user.locked_at = clock.now()
        user.save(update_fields=["locked_at"])
        audit.record("system", "account_locked", user, source_address=source, detail={"failures": recent})
        return True
    return False


@transaction.atomic
def check_password(username: str, password: str, source: str = "") -> PasswordResult:
    user = User.objects.select_for_update().filter(username=username).first()
    if user is None:
        audit.record(
            None,
            "sign_in_failed",
            object_type="core.user",
            outcome="failure",
            source_address=source,
            detail={"step": "password", "reason": "unknown account"},
        )
        return PasswordResult(None, "refused", GENERIC_REFUSAL)
    if user.locked_at is not None:
        audit.record(
            user, "sign_in_refused", user, outcome="denied", source_address=source, detail={"reason": "locked"}
        )
        return PasswordResult(None, "refused", LOCKED_MESSAGE)
    if not user.is_active:
        audit.record(
            user, "sign_in_refused", user, outcome="denied", source_address=source, detail={"reason": "disabled"}
        )
        return PasswordResult(None, "refused", GENERIC_REFUSAL)
    if authenticate(username=username, password=password) is None:
        locked = _register_failure(user, source, "password")
        return PasswordResult(None, "refused", LOCKED_MESSAGE if locked else GENERIC_REFUSAL)
    device = TOTPDevice.objects.filter(user=user, confirmed_at__isnull=False).first()
    return PasswordResult(user, "verify" if device else "enrol")


def _step(at: dt.datetime) -> int:
    return int(at.timestamp()) // 30


def _hash_code(code: str) -> str:
    return hashlib.sha256(("fc-recovery:" + code.replace("-", "").strip().lower()).encode()).hexdigest()


@transaction.atomic
def check_second_factor(user: User, code: str, source: str = "") -> tuple[bool, str]:
    """Verify a TOTP code (once only: a replayed code is refused) or an unused recovery code."""
    user = User.objects.select_for_update().get(pk=user.pk)
    if user.locked_at is not None:
        return False, LOCKED_MESSAGE
    code = (code or "").strip().replace(" ", "")
    device = TOTPDevice.objects.filter(user=user, confirmed_at__isnull=False).first()
    if device and code.isdigit() and len(code) == 6:
        totp = pyotp.TOTP(device.secret)
        now = clock.now()
        for offset in (-1, 0, 1):
            step = _step(now) + offset
            if step > device.last_step and secrets.compare_digest(totp.at(step * 30), code):
                device.last_step = step
                device.save(update_fields=["last_step"])
                _signed_in(user, source, "totp")
                return True, ""
    elif code:
        hashed = _hash_code(code)
        recovery = RecoveryCode.objects.filter(user=user, code_hash=hashed, used_at__isnull=True).first()
        if recovery:
            recovery.used_at = clock.now()
            recovery.save(update_fields=["used_at"])
            _signed_in(user, source, "recovery_code")
            return True, ""
    locked = _register_failure(user, source, "second_factor")
    return False, LOCKED_MESSAGE if locked else "The code is not correct or was already used."


def _signed_in(user: User, source: str, factor: str) -> None:
    FailedSignIn.objects.filter(user=user).delete()
    audit.record(user, "sign_in", user, source_address=source, detail={"factor": factor})


def start_enrolment(user: User) -> TOTPDevice:
    """Create (or reuse) an unconfirmed authenticator secret for the user."""
    device, created = TOTPDevice.objects.get_or_create(user=user, defaults={"secret": pyotp.random_base32()})
    if device.confirmed_at is None and not created and not device.secret:
        device.secret = pyotp.random_base32()
        device.save(update_fields=["secret"])
    return device


def provisioning_uri(user: User, device: TOTPDevice) -> str:
    issuer = f"{settings.FUSIONCENTER_SHORT_NAME or ISSUER} fusioncenter"
    return pyotp.TOTP(device.secret).provisioning_uri(name=user.username, issuer_name=issuer)


def qr_svg(uri: str) -> str:
    """The provisioning URI as an inline SVG QR code (no image request, no third-party service)."""
    return segno.make(uri, error="m").svg_inline(scale=5, title="QR code for your authenticator app")


@transaction.atomic
def confirm_enrolment(user: User, code: str, source: str = "") -> tuple[list[str] | None, str]:
    """Confirm the authenticator with a first code; returns fresh recovery codes (shown once)."""
    device = TOTPDevice.objects.select_for_update().filter(user=user).first()
    if device is None:
        return None, "Start enrolment first."
    code = (code or "").strip().replace(" ", "")
    totp = pyotp.TOTP(device.secret)
    now = clock.now()
    for offset in (-1, 0, 1):
        step = _step(now) + offset
        if code.isdigit() and secrets.compare_digest(totp.at(step * 30), code):
            device.confirmed_at = now
            device.last_step = step
            device.save(update_fields=["confirmed_at", "last_step"])
            codes = new_recovery_codes(user)
            audit.record(user, "mfa_enrolled", user, source_address=source)
            _signed_in(user, source, "totp_enrolment")
            return codes, ""
    locked = _register_failure(user, source, "enrolment")
    return None, LOCKED_MESSAGE if locked else "The code is not correct. Check the time on your device and try again."


def new_recovery_codes(user: User) -> list[str]:
    RecoveryCode.objects.filter(user=user).delete()
    codes = []
    for _ in range(RECOVERY_CODE_COUNT):
        raw = secrets.token_hex(5)
        code = f"{raw[:5]}-{raw[5:]}"
        codes.append(code)
        RecoveryCode.objects.create(user=user, code_hash=_hash_code(code))
    return codes
