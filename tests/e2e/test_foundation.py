"""The foundation in a real browser: sign in with a TOTP code and land on the role's home page;
enrol an authenticator at first sign-in; a locked-out user cannot sign in."""

from __future__ import annotations

import pyotp
import pytest

from fusioncenter.core import clock

pytestmark = pytest.mark.browser


def test_sign_in_with_totp_lands_on_the_role_home_page(page, live_server, make_user, browser_sign_in, check_a11y):
    analyst = make_user("analyst", username="avery")
    browser_sign_in(page, live_server, analyst)
    assert page.get_by_role("heading", name="Welcome, Test").is_visible()
    assert page.get_by_text("Intelligence analyst").first.is_visible()
    nav = page.get_by_role("navigation", name="Primary")
    assert nav.get_by_role("link", name="Partner directory").is_visible()
    assert nav.get_by_role("link", name="Accounts").count() == 0
    check_a11y(page)
    nav.get_by_role("link", name="Partner directory").click()
    page.get_by_role("heading", name="Partner directory").wait_for()
    check_a11y(page)
    page.get_by_role("button", name="Sign out").click()
    page.get_by_text("You are signed out.").wait_for()


def test_administrator_home_and_user_administration(page, live_server, make_user, browser_sign_in, check_a11y):
    admin = make_user("administrator", username="root.admin")
    browser_sign_in(page, live_server, admin)
    page.get_by_role("navigation", name="Primary").get_by_role("link", name="Accounts").click()
    page.get_by_role("heading", name="Accounts").wait_for()
    check_a11y(page)
    page.get_by_role("link", name="New account").click()
    check_a11y(page)
    page.get_by_role("button", name="Save").click()
    page.get_by_text("Please correct").wait_for()
    check_a11y(page)


def test_first_sign_in_enrols_mfa_by_qr_code(page, live_server, make_user, check_a11y):
    from fusioncenter.core.models import TOTPDevice

    officer = make_user("partner_officer", username="new.officer")
    TOTPDevice.objects.filter(user=officer).delete()
    page.goto(live_server.url + "/accounts/sign-in/")
    page.get_by_label("I have read and understand this notice.").check()
    page.get_by_role("button", name="Continue to sign in").click()
    page.get_by_label("Username").fill("new.officer")
    page.get_by_label("Password").fill("correct horse battery staple 9")
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("heading", name="Set up multi-factor authentication").wait_for()
    assert page.locator(".qr svg").is_visible()
    check_a11y(page)
    secret = page.locator("#totp-secret").inner_text()
    page.get_by_label("Code").fill(pyotp.TOTP(secret).at(int(clock.now().timestamp())))
    page.get_by_role("button", name="Confirm and continue").click()
    page.get_by_role("heading", name="Save your recovery codes").wait_for()
    check_a11y(page)
    assert page.locator(".recovery-codes li").count() == 10
    page.get_by_role("link", name="I saved them, continue").click()
    page.get_by_role("heading", name="Welcome, Test").wait_for()


def test_locked_out_user_cannot_sign_in(page, live_server, make_user, check_a11y):
    officer = make_user("partner_officer", username="locked.officer")
    page.goto(live_server.url + "/accounts/sign-in/")
    page.get_by_label("I have read and understand this notice.").check()
    page.get_by_role("button", name="Continue to sign in").click()
    for _ in range(5):
        page.get_by_label("Username").fill("locked.officer")
        page.get_by_label("Password").fill("not the password")
        page.get_by_role("button", name="Sign in").click()
    page.get_by_text("This account is locked").wait_for()
    check_a11y(page)
    # the right password does not help now
    page.get_by_label("Username").fill("locked.officer")
    page.get_by_label("Password").fill("correct horse battery staple 9")
    page.get_by_role("button", name="Sign in").click()
    page.get_by_text("This account is locked").wait_for()
    officer.refresh_from_db()
    assert officer.locked_at is not None
    assert "/accounts/sign-in/" in page.url


def test_sign_in_pages_work_on_a_phone(phone_page, live_server, db, check_a11y):
    phone_page.goto(live_server.url + "/accounts/sign-in/")
    check_a11y(phone_page)
    width = phone_page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, "no sideways scrolling on a phone"
