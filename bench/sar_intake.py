"""Benchmark: SAR intake through the API (POST /api/v1/sars) against PostgreSQL.

What it does, so the figures can be reproduced:

1. creates (or reuses) the database named by --database-url (default
   postgres://postgres@127.0.0.1:5432/fusioncenter_bench), migrates it and loads the reference data;
2. creates a partner organization, a sworn partner officer and an API token;
3. starts gunicorn (`fusioncenter.wsgi`, --workers processes, sync worker class) on 127.0.0.1:--port;
4. POSTs --count complete reports (categories, a subject, a vehicle, a narrative the extractor will
   parse) from --threads client threads, stopping early after --duration seconds;
5. prints reports per second, latency percentiles (p50/p95/p99), errors, the 1-minute load average
   before and after, the server settings, and the CPU seconds spent per report by the web processes,
   by the PostgreSQL backends serving them and by this client (read from /proc, so the figures can be
   compared between a busy and an idle machine), and the SQL statements one report costs (counted
   with Django's CaptureQueriesContext on a few reports sent in-process through the same API view
   before the server starts); with --json it writes them to a file.

Every request runs the whole intake: token check, schema validation, routing by county, the report
and its children, the audit chain entry and the queued extraction task, in one transaction.

    .venv/bin/python bench/sar_intake.py --count 3000 --threads 8 --workers 4
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import json
import os
import secrets
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
VENV_BIN = ROOT / ".venv" / "bin"
COUNTIES = ["Dane", "Milwaukee", "Waukesha", "Brown", "Racine", "Kenosha", "Outagamie", "Eau Claire", "Oneida",
            "La Crosse", "Marathon", "Rock"]
CODES = ["INTRSN", "SURVL", "PHOTO", "THREAT", "ELICIT", "TESTSEC", "MATRLS", "SABOT"]


TICK = os.sysconf("SC_CLK_TCK")


def _proc_cpu(pid: int) -> float:
    """CPU seconds (user + system) a process has used, from /proc; 0 if it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / TICK


def _children(pid: int) -> list[int]:
    out = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1]) == pid:
                    out.append(int(entry.name))
            except (OSError, IndexError, ValueError):
                continue
    return out


def web_cpu(server_pid: int) -> dict[int, float]:
    """CPU seconds of the gunicorn master and each of its workers, by process id."""
    return {p: _proc_cpu(p) for p in [server_pid, *_children(server_pid)]}


def database_cpu(url: str) -> dict[int, float]:
    """CPU seconds of each PostgreSQL backend connected to the bench database (same machine only)."""
    import psycopg

    name = url.rsplit("/", 1)[1]
    with psycopg.connect(url, autocommit=True) as conn:
        pids = [r[0] for r in conn.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()", (name,))]
    return {p: _proc_cpu(p) for p in pids}


def cpu_used(before: dict[int, float], after: dict[int, float]) -> float:
    """CPU seconds used between two readings by the processes alive at the second one (a process that
    started in between counts whole; one that ended in between is lost, so keep connections open)."""
    return sum(cpu - before.get(pid, 0.0) for pid, cpu in after.items())


def database_settings(url: str) -> dict[str, str]:
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        version = conn.execute("SHOW server_version").fetchone()[0]
        sync = conn.execute("SHOW synchronous_commit").fetchone()[0]
        fsync = conn.execute("SHOW fsync").fetchone()[0]
    return {"postgresql": version, "synchronous_commit": sync, "fsync": fsync}


def parse() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--database-url", default=os.environ.get(
        "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/fusioncenter_bench"))
    p.add_argument("--count", type=int, default=3000, help="reports to send (at most)")
    p.add_argument("--duration", type=float, default=120.0, help="stop sending after this many seconds")
    p.add_argument("--threads", type=int, default=16, help="client threads")
    p.add_argument("--workers", type=int, default=4, help="gunicorn worker processes")
    p.add_argument("--worker-class", default="sync", help="gunicorn worker class (sync, gthread)")
    p.add_argument("--worker-threads", type=int, default=1, help="threads per worker (gthread)")
    p.add_argument("--port", type=int, default=8765)
    p.add_argument("--warmup", type=int, default=50, help="requests sent first and not measured")
    p.add_argument("--json", type=Path, help="write the figures to this file")
    return p.parse_args()


def environment(args: argparse.Namespace, data_dir: str) -> dict[str, str]:
    return {**os.environ, "DATABASE_URL": args.database_url, "SECRET_KEY": "bench-" + secrets.token_hex(24),
            "FUSIONCENTER_DATA_DIR": data_dir, "DJANGO_SETTINGS_MODULE": "fusioncenter.settings",
            "LOG_LEVEL": "WARNING", "PYTHONPATH": str(ROOT / "src")}


def ensure_database(url: str) -> None:
    import psycopg

    base, name = url.rsplit("/", 1)
    with psycopg.connect(base + "/postgres", autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


def prepare(env: dict[str, str]) -> tuple[str, int]:
    """Migrate, load reference data, create the officer; return a fresh API token and the SQL statements
    one report costs (in a subprocess, so this process keeps no database connection open while the
    server runs)."""
    subprocess.run([str(VENV_BIN / "fusioncenter"), "migrate"], env=env, check=True, stdout=subprocess.DEVNULL)
    subprocess.run([str(VENV_BIN / "fusioncenter"), "load-reference-data"], env=env, check=True,
                   stdout=subprocess.DEVNULL)
    code = """
import django; django.setup()
from fusioncenter.core import services
from fusioncenter.core.models import County, Organization, User
county = County.objects.get(name="Dane")
org, _ = Organization.objects.get_or_create(name="Bench Police Department", defaults=dict(
    discipline="le_local", county=county, center=county.center))
user = User.objects.filter(username="bench.officer").first() or User.objects.create_user(
    username="bench.officer", password=None, role="partner_officer", organization=org, sworn=True)
token = services.create_token("system", user, name="bench")
# Statements per report, counted in-process through the same API view (after one warm-up report).
import sys
sys.path.insert(0, BENCH_DIR)
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from sar_intake import payload
client = Client(HTTP_AUTHORIZATION="Bearer " + token)
counts = []
for i in range(6):
    with CaptureQueriesContext(connection) as queries:
        assert client.post("/api/v1/sars", payload(i), content_type="application/json").status_code == 201
    counts.append(len(queries.captured_queries))
print(max(counts[1:]))
print(token)
"""
    code = code.replace("BENCH_DIR", repr(str(Path(__file__).resolve().parent)))
    out = subprocess.run([sys.executable, "-c", code], env=env, check=True, capture_output=True, text=True)
    lines = out.stdout.strip().splitlines()
    return lines[-1], int(lines[-2])


def start_server(args: argparse.Namespace, env: dict[str, str]) -> subprocess.Popen:
    proc = subprocess.Popen(
        [str(VENV_BIN / "gunicorn"), "fusioncenter.wsgi", "-w", str(args.workers), "-b", f"127.0.0.1:{args.port}",
         "--log-level", "warning", "--timeout", "60", "--worker-class", args.worker_class,
         "--threads", str(args.worker_threads)],
        env=env, cwd=str(ROOT),
    )
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", args.port, timeout=2)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                return proc
        except OSError:
            time.sleep(0.3)
    proc.terminate()
    raise SystemExit("gunicorn did not answer /healthz within 60 s")


def payload(i: int) -> bytes:
    code = CODES[i % len(CODES)]
    return json.dumps({
        "summary": f"Bench report {i}: person photographing the substation gate",
        "narrative": f"Bench report {i}. A man photographed the gate locks, measured the fence and called "
                     f"608-555-{i % 10000:04d}. He left in a gray van, WI plate BN{i % 100000:05d}.",
        "observed_at": (dt.datetime.now(dt.UTC) - dt.timedelta(hours=2)).isoformat(),
        "location_address": f"{100 + i % 900} Example Rd",
        "county": COUNTIES[i % len(COUNTIES)],
        "categories": sorted({code, "SURVL"}),
        "subjects": [{"name": f"Bench Subject {i % 500}", "sex": "male", "age_min": 30, "age_max": 40}],
        "vehicles": [{"plate": f"BN{i % 100000:05d}", "plate_state": "WI", "make": "Ford", "color": "gray"}],
        "source_reliability": "usually_reliable", "content_validity": "probable",
    }).encode()


class Client(threading.local):
    conn: http.client.HTTPConnection | None = None


def run(args: argparse.Namespace, token: str, server_pid: int) -> dict:
    local = Client()
    bodies = [payload(i) for i in range(args.warmup + args.count)]
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    latencies: list[float] = []
    failures: dict[str, int] = {}
    lock = threading.Lock()
    stop_at = [float("inf")]

    def one(i: int, measure: bool = True) -> None:
        if time.perf_counter() > stop_at[0]:
            return
        body = bodies[i]
        t0 = time.perf_counter()
        try:
            if local.conn is None:
                local.conn = http.client.HTTPConnection("127.0.0.1", args.port, timeout=30)
            local.conn.request("POST", "/api/v1/sars", body=body, headers=headers)
            response = local.conn.getresponse()
            response.read()
            status = response.status
            if response.getheader("Connection", "").lower() == "close":
                local.conn.close()
                local.conn = None
        except (OSError, http.client.HTTPException) as exc:
            status = type(exc).__name__
            local.conn = None
        elapsed = time.perf_counter() - t0
        if not measure:
            return
        with lock:
            if status == 201:
                latencies.append(elapsed)
            else:
                failures[str(status)] = failures.get(str(status), 0) + 1

    with ThreadPoolExecutor(args.threads) as pool:
        list(pool.map(lambda i: one(i, False), range(args.warmup)))
    load_before = os.getloadavg()[0]
    web_before, db_before, client_before = web_cpu(server_pid), database_cpu(args.database_url), time.process_time()
    started = time.perf_counter()
    stop_at[0] = started + args.duration
    with ThreadPoolExecutor(args.threads) as pool:
        list(pool.map(one, range(args.warmup, args.warmup + args.count)))
    wall = time.perf_counter() - started
    used = (cpu_used(web_before, web_cpu(server_pid)), cpu_used(db_before, database_cpu(args.database_url)),
            time.process_time() - client_before)
    load_after = os.getloadavg()[0]
    done = max(1, len(latencies) + sum(failures.values()))
    cpu_ms = {k: round(v / done * 1000, 2) for k, v in zip(("web", "database", "client"), used, strict=True)}
    latencies.sort()

    def pct(p: float) -> float:
        return round(latencies[min(len(latencies) - 1, int(len(latencies) * p))] * 1000, 1) if latencies else 0.0

    return {
        "reports": len(latencies), "failures": failures, "seconds": round(wall, 2),
        "reports_per_second": round(len(latencies) / wall, 1) if wall else 0.0,
        "latency_ms": {"p50": pct(0.50), "p95": pct(0.95), "p99": pct(0.99),
                       "mean": round(statistics.fmean(latencies) * 1000, 1) if latencies else 0.0,
                       "max": round(latencies[-1] * 1000, 1) if latencies else 0.0},
        "threads": args.threads, "workers": args.workers, "worker_class": args.worker_class,
        "cpus": os.cpu_count(), "cpu_ms_per_report": cpu_ms,
        "load_average_1min": {"before": round(load_before, 2), "after": round(load_after, 2)},
    }


def main() -> int:
    args = parse()
    ensure_database(args.database_url)
    with tempfile.TemporaryDirectory(prefix="fc-bench-") as data_dir:
        env = environment(args, data_dir)
        token, statements = prepare(env)
        server = start_server(args, env)
        try:
            figures = run(args, token, server.pid)
        finally:
            server.terminate()
            server.wait(timeout=30)
    figures["sql_statements_per_report"] = statements
    figures["server"] = {**database_settings(args.database_url), "gunicorn_workers": args.workers,
                         "worker_class": args.worker_class, "worker_threads": args.worker_threads,
                         "database": urllib.parse.urlsplit(args.database_url).hostname}
    print(f"SAR intake via POST /api/v1/sars, PostgreSQL {figures['server']['postgresql']} "
          f"(synchronous_commit={figures['server']['synchronous_commit']}, fsync={figures['server']['fsync']}), "
          f"gunicorn {args.workers} {args.worker_class} workers x {args.worker_threads} threads, "
          f"{figures['threads']} client threads, {figures['cpus']} CPUs")
    print(f"  reports: {figures['reports']} in {figures['seconds']} s = {figures['reports_per_second']} reports/s")
    lat = figures["latency_ms"]
    print(f"  latency ms: p50 {lat['p50']}  p95 {lat['p95']}  p99 {lat['p99']}  mean {lat['mean']}  max {lat['max']}")
    print(f"  errors: {sum(figures['failures'].values())} {figures['failures'] or ''}")
    cpu = figures["cpu_ms_per_report"]
    print(f"  CPU ms per report: web {cpu['web']}  database {cpu['database']}  client {cpu['client']}  "
          f"(total {round(sum(cpu.values()), 2)})")
    print(f"  SQL statements per report: {statements}")
    load = figures["load_average_1min"]
    print(f"  1-minute load average: {load['before']} before, {load['after']} after")
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2))
    return 0 if not figures["failures"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
