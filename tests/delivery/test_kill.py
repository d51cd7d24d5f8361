"""A worker process killed with SIGKILL in the middle of a fan-out loses nothing and duplicates (almost)
nothing: checked at a real SMTP server.

The workers are real processes (`python -m django delivery_worker`) on a real database that the test
process does not hold open: a fresh SQLite file, or a fresh PostgreSQL database when DATABASE_URL
names a PostgreSQL server. (pytest-django's SQLite test database lives in memory, which another
process cannot see.)

The duplicate bound: a worker marks accepted messages `sent` every MARK_EVERY messages. When it is
killed, at most MARK_EVERY messages were accepted by the server and not yet marked (the unmarked
list holds at most MARK_EVERY - 1, plus one whose 250 the worker had not yet read), so at most
MARK_EVERY are sent again by the next worker, with the same Message-ID. Two kills: at most
2 × MARK_EVERY duplicates, and every one of them has the same Message-ID as the first copy.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
from aiosmtpd.controller import Controller

from .conftest import SinkHandler, free_port

REPO = Path(__file__).resolve().parents[2]
HELPER = Path(__file__).with_name("kill_helper.py")
N = 2000
MARK_EVERY = 20
LEASE = 3


@pytest.fixture
def worker_env(tmp_path):
    """Environment for child processes, pointing at a database made for this test alone."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("FUSIONCENTER_SQLITE")}
    env.update(DJANGO_SETTINGS_MODULE="fusioncenter.settings", FUSIONCENTER_DATA_DIR=str(tmp_path),
               FUSIONCENTER_TESTING="1", PYTHONPATH=f"{REPO}{os.pathsep}{env.get('PYTHONPATH', '')}",
               DEFAULT_FROM_EMAIL="alerts@wsic.example.test", SECRET_KEY=env.get("SECRET_KEY") or "kill-test")
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith(("postgres://", "postgresql://")):
        import psycopg

        name = f"fc_delivery_kill_{uuid.uuid4().hex[:8]}"
        parts = urlsplit(url)
        admin_url = urlunsplit(parts._replace(path="/postgres"))
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        env["DATABASE_URL"] = urlunsplit(parts._replace(path=f"/{name}"))
        yield env
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    else:
        env.pop("DATABASE_URL", None)
        env["FUSIONCENTER_SQLITE_PATH"] = str(tmp_path / "kill.sqlite3")
        yield env


def helper(env, *args) -> dict:
    out = subprocess.run([sys.executable, str(HELPER), *args], env=env, cwd=REPO, capture_output=True,
                         text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-3000:]
    return json.loads(out.stdout.strip().splitlines()[-1])


def start_worker(env, port: int) -> subprocess.Popen:
    argv = [sys.executable, "-m", "django", "delivery_worker", "--batch", "50", "--lease", str(LEASE),
            "--mark-every", str(MARK_EVERY)]
    return subprocess.Popen(argv, env={**env, "EMAIL_HOST": "127.0.0.1", "EMAIL_PORT": str(port),
                                       "FUSIONCENTER_DELIVERY_IDLE_SECONDS": "0.2"},
                            cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def wait_for(condition, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.02)


def test_killed_worker_loses_nothing_and_duplicates_at_most_its_unmarked_messages(worker_env):
    assert helper(worker_env, "setup", str(N)) == {"queued": N}
    sink = SinkHandler()
    port = free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    workers = []
    after_kill = []
    try:
        # Kill points in the middle of a 50-row batch, so a claimed batch is in hand when the kill lands.
        for kill_at in (N // 5 + 25, N // 2 + 25):
            proc = start_worker(worker_env, port)
            workers.append(proc)
            wait_for(lambda k=kill_at: len(sink.messages) >= k or proc.poll() is not None, 60, "messages")
            assert proc.poll() is None, proc.stderr.read()[-3000:]
            proc.send_signal(signal.SIGKILL)
            proc.wait(10)
            after_kill.append(helper(worker_env, "report")["statuses"])
        killed_at = len(sink.messages)
        final = start_worker(worker_env, port)
        workers.append(final)

        def done() -> bool:
            statuses = helper(worker_env, "report")["statuses"]
            return statuses.get("sent", 0) == N

        wait_for(done, 120, "all deliveries sent")
        final.send_signal(signal.SIGTERM)  # graceful stop: finishes or hands back its batch
        final.wait(20)
        assert final.returncode == 0, final.stderr.read()[-3000:]
    finally:
        for proc in workers:
            if proc.poll() is None:
                proc.kill()
                proc.wait(10)
        controller.stop()

    report = helper(worker_env, "report")
    assert report["statuses"] == {"sent": N}
    assert killed_at < N  # the kills really happened mid-run
    assert after_kill[0].get("sending", 0) > 0  # the first kill left leased rows behind
    received = sink.by_rcpt()
    keys = report["keys"]
    assert set(received) == set(keys)  # nobody lost
    duplicates = 0
    for address, items in received.items():
        message_ids = {item["message_id"] for item in items}
        # every copy of one recipient's message carries the same Message-ID, from its idempotency key
        assert message_ids == {f"<{keys[address]}@wsic.example.test>"}
        duplicates += len(items) - 1
    assert duplicates <= 2 * MARK_EVERY, duplicates
    assert report["reclaimed"] > 0  # the killed workers' leased rows were taken over
