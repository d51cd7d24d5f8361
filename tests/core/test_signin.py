"""Sign-in under the CJIS controls, through the real pages: use notice, password, TOTP, lockout,
session limits, security headers."""

from __future__ import annotations

import datetime as dt

import pyotp
import pytest
from django.urls import reverse

from fusioncenter.core import clock, signin
from fusioncenter.core.models import AuditEntry, RecoveryCode, TOTPDevice, User

PASSWORD = "correct horse battery staple 9"


def _acknowledge(client):
    page = client.get(reverse("core:login"))
    assert b"Authorized use only" in page.content
    assert b"monitored, recorded and audited" in page.content
    refused = client.post(reverse("core:login"), {})
    assert b"must acknowledge" in refused.content
    client.post(reverse("core:login"), {"acknowledge": "on"})


def _password(client, username, password=PASSWORD):
    return client.post(reverse("core:login"), {"username": username, "password": password})


def _code(user, offset_steps=0):
    device = TOTPDevice.objects.get(user=user)
    return pyotp.TOTP(device.secret).at(int(clock.now().timestamp()) + 30 * offset_steps)


def test_full_sign_in_with_totp(client, make_user):
    user = make_user("analyst")
    _acknowledge(client)
    response = _password(client, user.username)
    assert response.status_code == 302 and response.url == reverse("core:verify")
    # not signed in yet: the password alone opens nothing
    assert client.get(reverse("core:home")).status_code == 302
    response = client.post(reverse("core:verify"), {"code": _code(user)})
    assert response.status_code == 302 and response.url == reverse("core:home")
    home = client.get(reverse("core:home"))
    assert home.status_code == 200 and b"Welcome" in home.content
    assert AuditEntry.objects.filter(action="sign_in", actor_id=user.pk).exists()


def test_replayed_code_is_refused(client, make_user):
    user = make_user("analyst")
    code = _code(user)
    ok, _ = signin.check_second_factor(user, code)
    assert ok
    again, message = signin.check_second_factor(user, code)
    assert not again and "already used" in message


def test_first_sign_in_enrols_by_qr_code_and_gives_recovery_codes(client, make_user):
    user = make_user("partner_officer")
    TOTPDevice.objects.filter(user=user).delete()
    _acknowledge(client)
    response = _password(client, user.username)
    assert response.url == reverse("core:enrol")
    page = client.get(reverse("core:enrol"))
    assert b"<svg" in page.content and b"QR code" in page.content
    wrong = client.post(reverse("core:enrol"), {"code": "000000"})
    assert b"not correct" in wrong.content
    done = client.post(reverse("core:enrol"), {"code": _code(user)})
    assert done.status_code == 200 and b"Save your recovery codes" in done.content
    import re

    listing = done.content.decode().split('class="recovery-codes"')[1].split("</ul>")[0]
    codes = re.findall(r"<li>([0-9a-f]{5}-[0-9a-f]{5})</li>", listing)
    assert len(codes) == 10
    assert RecoveryCode.objects.filter(user=user, used_at__isnull=True).count() == 10
    client.post(reverse("core:logout"))
    # a recovery code works once
    code = codes[0]
    _acknowledge(client)
    _password(client, user.username)
    assert client.post(reverse("core:verify"), {"code": code}).url == reverse("core:home")
    assert RecoveryCode.objects.filter(user=user, used_at__isnull=False).count() == 1


def test_five_failures_lock_the_account_until_an_administrator_releases_it(client, make_user, signed_in):
    user = make_user("partner_officer")
    _acknowledge(client)
    for _ in range(4):
        assert b"not correct" in _password(client, user.username, "wrong password").content
    locked = _password(client, user.username, "wrong password")
    assert b"locked" in locked.content
    user.refresh_from_db()
    assert user.locked_at is not None
    # even the right password is refused now
    assert b"locked" in _password(client, user.username).content
    assert AuditEntry.objects.filter(action="account_locked", object_id=str(user.pk)).exists()
    admin = make_user("administrator")
    admin_client = signed_in(client.__class__(), admin)
    admin_client.post(reverse("core:user_unlock", args=[user.pk]))
    user.refresh_from_db()
    assert user.locked_at is None
    assert _password(client, user.username).url == reverse("core:verify")


def test_failures_outside_the_window_do_not_lock(make_user):
    user = make_user("analyst")
    for _ in range(4):
        signin.check_password(user.username, "nope")
    clock.advance(dt.timedelta(minutes=16))
    signin.check_password(user.username, "nope")
    user.refresh_from_db()
    assert user.locked_at is None


def test_wrong_codes_count_towards_lockout(make_user):
    user = make_user("analyst")
    for _ in range(5):
        signin.check_second_factor(user, "123456" if _code(user) != "123456" else "654321")
    user.refresh_from_db()
    assert user.locked_at is not None


def test_unknown_user_gets_the_same_answer_and_is_audited(client, db, wisconsin):
    _acknowledge(client)
    response = _password(client, "nobody-here")
    assert b"username or password is not correct" in response.content
    entry = AuditEntry.objects.get(action="sign_in_failed")
    assert entry.actor == "anonymous" and "nobody-here" not in str(entry.detail)


def test_session_ends_after_30_minutes_idle(client, make_user, signed_in):
    user = make_user("analyst")
    signed_in(client, user)
    assert client.get(reverse("core:home")).status_code == 200
    clock.advance(dt.timedelta(minutes=29))
    assert client.get(reverse("core:home")).status_code == 200
    clock.advance(dt.timedelta(minutes=31))
    response = client.get(reverse("core:home"))
    assert response.status_code == 302 and reverse("core:login") in response.url
    assert AuditEntry.objects.filter(action="session_ended", detail__reason="idle").exists()


def test_session_ends_after_12_hours_even_when_active(client, make_user, signed_in):
    user = make_user("analyst")
    signed_in(client, user)
    for _ in range(26):
        clock.advance(dt.timedelta(minutes=28))
        response = client.get(reverse("core:home"))
    assert response.status_code == 302


def test_sign_out_is_audited_and_needs_post(client, make_user, signed_in):
    user = make_user("analyst")
    signed_in(client, user)
    assert client.get(reverse("core:logout")).status_code == 405
    client.post(reverse("core:logout"))
    assert AuditEntry.objects.filter(action="sign_out", actor_id=user.pk).exists()
    assert client.get(reverse("core:home")).status_code == 302


def test_security_headers(client, db):
    response = client.get(reverse("core:login"))
    csp = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp and "script-src 'self';" in csp
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_hsts_behind_tls(client, db, settings):
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    response = client.get(reverse("core:login"), HTTP_X_FORWARDED_PROTO="https")
    assert response.headers["Strict-Transport-Security"].startswith("max-age=31536000")


def test_csrf_is_enforced_on_forms(db, wisconsin):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    assert strict.post(reverse("core:login"), {"acknowledge": "on"}).status_code == 403


def test_passwords_are_hashed_with_argon2_outside_tests(make_user, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.Argon2PasswordHasher"]
    user = make_user("analyst")
    user.set_password("another long passphrase 42")
    assert user.password.startswith("argon2")


@pytest.mark.parametrize("password", ["short", "password123456", "12345678901234"])
def test_password_policy_refuses_weak_passwords(make_org, password, db):
    from django.core.exceptions import ValidationError

    from fusioncenter.core import services

    with pytest.raises(ValidationError) as err:
        services.create_user("system", username="weak", password=password, role="analyst", organization=make_org())
    assert "password" in err.value.message_dict
    assert not User.objects.filter(username="weak").exists()
