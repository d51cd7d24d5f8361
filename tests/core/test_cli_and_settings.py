"""The `fusioncenter` command and configuration rules."""

from __future__ import annotations

import contextlib
import os
import sqlite3
import subprocess
import sys

import pytest

from fusioncenter.cli import build_parser, main
from fusioncenter.core.models import ApiToken, User

SUBCOMMANDS = [
    "serve", "worker", "scheduler", "migrate", "check", "load-reference-data", "setup", "createuser", "token", "audit",
    "demo", "retention", "entities",
]


@pytest.mark.parametrize("name", SUBCOMMANDS)
def test_every_subcommand_has_help(name, capsys):
    with pytest.raises(SystemExit) as exit_info:
        build_parser().parse_args([name, "--help"])
    assert exit_info.value.code == 0
    assert "usage: fusioncenter " + name in capsys.readouterr().out


def test_createuser_prints_the_totp_uri(make_org, monkeypatch, capsys):
    org = make_org("Eau Claire Test PD", county="Eau Claire", acronym="ECPD")
    monkeypatch.setenv("FUSIONCENTER_PASSWORD", "a long enough passphrase 1")
    code = main(
        [
            "createuser",
            "det.smith",
            "--role",
            "partner_officer",
            "--organization",
            "ECPD",
            "--sworn",
            "--cfr23-trained",
            "2026-03-01",
        ]
    )
    assert code == 0
    out = capsys.readouterr().out
    assert "otpauth://totp/" in out
    user = User.objects.get(username="det.smith")
    assert user.sworn and str(user.cfr23_trained_on) == "2026-03-01" and user.organization == org


def test_createuser_reports_rule_errors(make_org, monkeypatch, capsys):
    make_org("Test PD", acronym="TPD")
    monkeypatch.setenv("FUSIONCENTER_PASSWORD", "a long enough passphrase 1")
    assert main(["createuser", "x", "--role", "wizard", "--organization", "TPD"]) == 2
    assert "Unknown role" in capsys.readouterr().err
    assert main(["createuser", "x", "--role", "analyst", "--organization", "Nope"]) == 2


def test_token_create_prints_a_working_token(make_user, capsys, client):
    user = make_user("partner_officer")
    assert main(["token", "create", user.username, "--name", "RMS"]) == 0
    raw = capsys.readouterr().out.strip()
    assert raw.startswith("fc_") and ApiToken.objects.filter(user=user).count() == 1
    assert raw not in {t.key_hash for t in ApiToken.objects.all()}, "only a hash is stored"
    assert client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 200


@pytest.mark.django_db(transaction=True)
def test_setup_is_idempotent_and_creates_one_administrator(capsys, settings):
    from fusioncenter.core.models import County

    assert main(["setup", "--demo", "0"]) == 0
    first = capsys.readouterr().out
    assert "First administrator created" in first and "otpauth://" in first
    assert main(["setup", "--demo", "0"]) == 0
    second = capsys.readouterr().out
    assert "First administrator" not in second
    assert User.objects.filter(role="administrator").count() == 1
    assert County.objects.count() == 72


def test_missing_secret_key_outside_embedded_mode_is_a_clear_error(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("SECRET_KEY", "FUSIONCENTER_TESTING")}
    env.update(DATABASE_URL="postgres://postgres@127.0.0.1:5432/test", FUSIONCENTER_DATA_DIR=str(tmp_path))
    result = subprocess.run(
        [sys.executable, "-m", "fusioncenter.cli", "migrate"], env=env, capture_output=True, text=True
    )
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr


def _embedded(tmp_path, **extra: str) -> subprocess.CompletedProcess:
    """Open the embedded database of a new data directory in a process of its own, as `make run` does."""
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "FUSIONCENTER_SQLITE_PATH")}
    env.update(FUSIONCENTER_DATA_DIR=str(tmp_path), DJANGO_SETTINGS_MODULE="fusioncenter.settings", **extra)
    code = "import django; django.setup(); from django.db import connection; connection.ensure_connection()"
    return subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)


def test_a_new_embedded_database_has_8_kb_pages_and_wal(tmp_path):
    """The page size only applies before the file is in WAL mode: a new database gets both, in that order."""
    assert _embedded(tmp_path).returncode == 0
    with contextlib.closing(sqlite3.connect(tmp_path / "fusioncenter.sqlite3")) as db:
        assert db.execute("PRAGMA page_size").fetchone()[0] == 8192
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_an_unusable_sqlite_page_size_is_a_clear_error(tmp_path):
    """SQLite would ignore 5000 without a word; the platform refuses to start instead."""
    result = _embedded(tmp_path, FUSIONCENTER_SQLITE_PAGE_SIZE="5000")
    assert result.returncode != 0
    assert "FUSIONCENTER_SQLITE_PAGE_SIZE='5000': a power of two from 512 to 65536" in result.stderr
    assert not (tmp_path / "fusioncenter.sqlite3").exists()


def test_debug_is_off_unless_asked(settings):
    from django.conf import settings as live

    assert live.DEBUG is False


@pytest.mark.parametrize(("threads", "connection_header"), [(1, "close"), (2, "keep-alive")])
def test_serve_runs_sync_workers_with_one_thread_and_threaded_ones_otherwise(tmp_path, threads, connection_header):
    """`--threads 1` is the measured fastest set-up for API intake (gunicorn's sync workers, which close
    each connection); more threads keep connections alive for pages (gthread)."""
    import http.client
    import socket
    import time

    env = {**os.environ, "FUSIONCENTER_DATA_DIR": str(tmp_path), "DATABASE_URL": "",
           "DJANGO_SETTINGS_MODULE": "fusioncenter.settings"}
    env.pop("FUSIONCENTER_TESTING", None)
    binary = os.path.join(os.path.dirname(sys.executable), "fusioncenter")
    subprocess.run([binary, "migrate"], env=env, check=True, capture_output=True, timeout=120)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = subprocess.Popen([binary, "serve", "--no-worker", "--workers", "1", "--threads", str(threads),
                               "--port", str(port)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
                conn.request("GET", "/healthz")
                response = conn.getresponse()
                break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise
                time.sleep(0.3)
        assert response.status == 200 and b'"status": "ok"' in response.read()
        assert response.getheader("Connection") == connection_header
    finally:
        server.terminate()
        server.wait(timeout=30)
