"""Shared fixtures: the Wisconsin reference data, partner organizations and users of every role.

Tests run against SQLite by default and against PostgreSQL when DATABASE_URL says so; nothing of the
project's own code is mocked.
"""

from __future__ import annotations

import datetime as dt
import itertools
import os

os.environ.setdefault("FUSIONCENTER_TESTING", "1")

import pytest  # noqa: E402

_counter = itertools.count(1)


def pytest_collection_modifyitems(config, items):
    """Tests marked `postgres` run only against a real PostgreSQL server (DATABASE_URL=postgres://...).

    They are deselected, not skipped, on SQLite: CI fails a PostgreSQL or browser run that skipped anything.
    """
    if os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://")):
        return
    kept, dropped = [], []
    for item in items:
        (dropped if item.get_closest_marker("postgres") else kept).append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix, request, tmp_path_factory):
    """A run with browser tests puts the SQLite test database in a file, as the product does.

    The default in-memory test database is one connection that the live server's request threads
    share. Two requests at once (a form posted while the page's own fetch is in flight) then step on
    each other's transactions and fail with "database table is locked" or a 400 for a lost session,
    which no user of the file-backed product sees. A file gives each thread its own connection, with
    the product's WAL mode and busy timeout.
    """
    from django.conf import settings

    db = settings.DATABASES["default"]
    if not db["ENGINE"].endswith("sqlite3") or db.get("TEST", {}).get("NAME"):
        return
    if any(item.get_closest_marker("browser") for item in request.session.items):
        db.setdefault("TEST", {})["NAME"] = str(tmp_path_factory.mktemp("browser-db") / "test.sqlite3")


@pytest.fixture(autouse=True)
def _reset_clock():
    from fusioncenter.core import clock

    clock.reset()
    yield
    clock.reset()


@pytest.fixture(autouse=True)
def _shipped_data(request):
    """Data migrations load shipped tables (record-class policies, alert programs, product types); a
    transactional test's flush empties them, so such tests reload them first."""
    if "transactional_db" not in request.fixturenames and "live_server" not in request.fixturenames:
        return
    request.getfixturevalue("transactional_db")
    from fusioncenter.alerts.models import AlertProgram
    from fusioncenter.alerts.reference import load_reference
    from fusioncenter.privacy import policies
    from fusioncenter.privacy.models import RecordClassPolicy
    from fusioncenter.products.reference import ensure_types

    if not RecordClassPolicy.objects.exists():
        policies.load()
    if not AlertProgram.objects.exists():
        load_reference()
    ensure_types()


@pytest.fixture
def wisconsin(db):
    """The shipped reference data (centers, regions, 72 counties, ZIP codes), loaded once per database."""
    from fusioncenter.core.models import County
    from fusioncenter.core.reference import load_reference_data

    if not County.objects.exists():
        load_reference_data()
    return County.objects


@pytest.fixture
def centers(wisconsin):
    from fusioncenter.core.models import Center

    return {c.code: c for c in Center.objects.all()}


@pytest.fixture
def make_org(wisconsin):
    from fusioncenter.core.models import Center, County, Organization
    from fusioncenter.core.roles import Discipline

    def make(name: str | None = None, discipline: str = Discipline.LE_LOCAL, county: str = "Dane", **kw):
        county_obj = County.objects.get(name=county)
        return Organization.objects.create(
            name=name or f"Test Agency {next(_counter)}",
            discipline=discipline,
            county=county_obj,
            center=kw.pop("center", None) or county_obj.center or Center.objects.get(code="WSIC"),
            **kw,
        )

    return make


@pytest.fixture
def make_user(make_org):
    """make_user(role, org=None, sworn=None, trained=True, center=None) -> User with a confirmed TOTP device."""
    import pyotp

    from fusioncenter.core.models import TOTPDevice, User
    from fusioncenter.core.roles import CENTER_STAFF_ROLES, Role

    def make(
        role: str = Role.ANALYST,
        org=None,
        *,
        sworn: bool | None = None,
        trained: bool = True,
        center=None,
        username: str | None = None,
        password: str = "correct horse battery staple 9",
    ):
        org = org or make_org()
        user = User.objects.create_user(
            username=username or f"{role}{next(_counter)}",
            password=password,
            email=f"{role}{next(_counter)}@example.test",
            first_name="Test",
            last_name=role.title(),
            role=role,
            organization=org,
            sworn=(role == Role.PARTNER_OFFICER) if sworn is None else sworn,
            cfr23_trained_on=dt.date.today() - dt.timedelta(days=30) if trained else None,
            home_center=center or (org.center if role in CENTER_STAFF_ROLES else None),
        )
        TOTPDevice.objects.create(user=user, secret=pyotp.random_base32(), confirmed_at=dt.datetime.now(dt.UTC))
        return user

    return make


@pytest.fixture
def signed_in():
    """signed_in(client, user): a client with a completed sign-in (password and MFA done)."""
    import time

    def sign(client, user):
        client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
        session = client.session
        session["signed_in_at"] = time.time()
        session["last_seen"] = time.time()
        session["notice_acknowledged"] = True
        session.save()
        return client

    return sign


@pytest.fixture
def api_token():
    """api_token(user) -> raw bearer token."""
    from fusioncenter.core import services

    def make(user):
        return services.create_token("system", user, name="test")

    return make
