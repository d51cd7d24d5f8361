"""`fusioncenter check` reads the PostgreSQL server's settings and warns, with what to set, where a
bulk import would be slower than it needs to be; it never fails on them."""

from __future__ import annotations

import pytest
from django.db import DatabaseError, connection, transaction

from fusioncenter.cli import main
from fusioncenter.core import server_settings

GiB = 1024**3


def test_a_setting_below_its_minimum_is_warned_with_what_to_set():
    messages = server_settings.advice({"shared_buffers": 128 * 1024**2, "max_wal_size": 16 * GiB})
    assert [m.id for m in messages] == ["core.W001"]
    assert "shared_buffers = 128 MB" in messages[0].msg
    assert "a quarter of the server's memory" in messages[0].hint
    messages = server_settings.advice({"shared_buffers": 4 * GiB, "max_wal_size": 1 * GiB})
    assert [m.id for m in messages] == ["core.W002"]
    assert "max_wal_size = 1 GB" in messages[0].msg and "8 GB" in messages[0].hint


def test_settings_at_their_minimum_or_unknown_are_not_warned():
    assert server_settings.advice(dict(server_settings.MINIMUM)) == []
    assert server_settings.advice({}) == []


@pytest.mark.django_db
def test_only_postgresql_servers_are_read(capsys):
    messages = server_settings.check_server(databases=["default"])
    assert main(["check"]) == 0
    err = capsys.readouterr().err
    if connection.vendor == "postgresql":
        assert [m.id for m in messages] == [m.id for m in server_settings.advice(server_settings.current(connection))]
    else:  # the embedded database has no server to size
        assert messages == [] and "core.W00" not in err


def _settings_in_bytes() -> dict[str, int]:
    """Read independently of the module: pg_settings gives each value in its own unit."""
    units = {"8kB": 8192, "MB": 1024**2}
    with connection.cursor() as cur:
        cur.execute("SELECT name, setting::bigint, unit FROM pg_settings "
                    "WHERE name IN ('shared_buffers', 'max_wal_size')")
        return {name: value * units[unit] for name, value, unit in cur.fetchall()}


@pytest.mark.postgres
@pytest.mark.django_db
def test_the_server_settings_are_read_in_bytes_and_warned_as_they_are(capsys):
    actual = _settings_in_bytes()
    assert server_settings.current(connection) == actual
    expected = [code for name, (code, _hint) in server_settings.ADVICE.items()
                if actual[name] < server_settings.MINIMUM[name]]
    assert [m.id for m in server_settings.check_server(databases=["default"])] == expected
    assert main(["check"]) == 0  # warnings only: the exit code stays 0
    err = capsys.readouterr().err
    for code in ("core.W001", "core.W002"):
        assert (code in err) == (code in expected)


@pytest.mark.postgres
@pytest.mark.django_db
def test_a_server_that_cannot_be_read_gets_a_warning_not_an_exception():
    with transaction.atomic():
        with pytest.raises(DatabaseError), connection.cursor() as cur:
            cur.execute("SELECT 1 / 0")  # the transaction is aborted: the next query fails
        messages = server_settings.check_server(databases=["default"])
        transaction.set_rollback(True)
    assert [m.id for m in messages] == ["core.W003"]
