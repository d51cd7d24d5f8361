"""Browser tests: real headless Chromium (Debian's `chromium`) driven by Playwright, against the
live Django server, with axe-core run on every page a test visits."""

from __future__ import annotations

import os
import shutil

import pyotp
import pytest

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API runs an event loop

CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
SERIOUS = {"serious", "critical"}


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "/e2e/" in str(item.fspath) and not item.get_closest_marker("browser"):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def _browser():
    from playwright.sync_api import sync_playwright

    if not os.path.exists(CHROMIUM):
        pytest.fail(f"Chromium not found at {CHROMIUM}: install Debian's chromium (apt-get install chromium)")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(_browser, live_server, transactional_db):
    context = _browser.new_context(viewport={"width": 1280, "height": 900}, base_url=live_server.url)
    pg = context.new_page()
    pg.set_default_timeout(30000)
    yield pg
    context.close()


@pytest.fixture
def phone_page(_browser, live_server, transactional_db):
    """A phone-sized page (iPhone-class viewport, touch) for the public pages."""
    context = _browser.new_context(
        viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True, base_url=live_server.url
    )
    pg = context.new_page()
    pg.set_default_timeout(30000)
    yield pg
    context.close()


@pytest.fixture(scope="session")
def _axe():
    from axe_playwright_python.sync_playwright import Axe

    return Axe()


@pytest.fixture
def check_a11y(_axe):
    """check_a11y(page): fail on any serious or critical axe-core violation (WCAG 2.1 A and AA rules)."""

    def check(pg) -> None:
        results = _axe.run(
            pg,
            options={
                "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]}
            },
        )
        bad = [v for v in results.response["violations"] if v.get("impact") in SERIOUS]
        assert not bad, f"axe-core on {pg.url}:\n" + "\n".join(
            f"- {v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}" for v in bad
        )

    return check


@pytest.fixture
def browser_sign_in(check_a11y):
    """browser_sign_in(page, live_server, user, password): the use notice, the password, the TOTP code."""
    from fusioncenter.core import clock
    from fusioncenter.core.models import TOTPDevice

    def sign_in(pg, live_server, user, password="correct horse battery staple 9"):
        pg.goto(live_server.url + "/accounts/sign-in/")
        check_a11y(pg)
        pg.get_by_label("I have read and understand this notice.").check()
        pg.get_by_role("button", name="Continue to sign in").click()
        pg.get_by_label("Username").fill(user.username)
        pg.get_by_label("Password").fill(password)
        check_a11y(pg)
        pg.get_by_role("button", name="Sign in").click()
        device = TOTPDevice.objects.get(user=user)
        # a fresh step each time, so two sign-ins in one test never replay a code
        step = max(int(clock.now().timestamp()) // 30, device.last_step + 1)
        pg.get_by_label("Code").fill(pyotp.TOTP(device.secret).at(step * 30))
        check_a11y(pg)
        pg.get_by_role("button", name="Verify").click()
        pg.wait_for_url("**/")

    return sign_in
