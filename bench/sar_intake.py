"""Benchmark: SAR intake through the API (POST /api/v1/sars) against PostgreSQL.

What it does, so the figures can be reproduced:

1. creates (or reuses) the database named by --database-url (default
   postgres://postgres@127.0.0.1:5432/fusioncenter_bench), migrates it and loads the reference data;
2. creates a partner organization, a sworn partner officer and an API token;
3. starts gunicorn (`fusioncenter.wsgi`, --workers processes, sync worker class) on 127.0.0.1:--port;
4. POSTs --count complete reports (categories, a subject, a vehicle, a narrative the extractor will
   parse) from --threads client threads, stopping early after --duration seconds;
5. prints reports per second and latency percentiles, and (with --json) writes them to a file.

Every request runs the whole intake: token check, schema validation, routing by county, the report
and its children, the audit chain entry and the queued extraction task, in one transaction.

    .venv/bin/python bench/sar_intake.py --count 3000 --threads 16 --workers 4
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
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
VENV_BIN = ROOT / ".venv" / "bin"
COUNTIES = ["Dane", "Milwaukee", "Waukesha", "Brown", "Racine", "Kenosha", "Outagamie", "Eau Claire", "Oneida",
            "La Crosse", "Marathon", "Rock"]
CODES = ["INTRSN", "SURVL", "PHOTO", "THREAT", "ELICIT", "TESTSEC", "MATRLS", "SABOT"]


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


def prepare(env: dict[str, str]) -> str:
    """Migrate, load reference data, create the officer and return a fresh API token (in a subprocess,
    so this process keeps no database connection open while the server runs)."""
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
print(services.create_token("system", user, name="bench"))
"""
    out = subprocess.run([sys.executable, "-c", code], env=env, check=True, capture_output=True, text=True)
    return out.stdout.strip().splitlines()[-1]


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


def run(args: argparse.Namespace, token: str) -> dict:
    local = Client()
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    latencies: list[float] = []
    failures: dict[str, int] = {}
    lock = threading.Lock()
    stop_at = [float("inf")]

    def one(i: int, measure: bool = True) -> None:
        if time.perf_counter() > stop_at[0]:
            return
        body = payload(i)
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
    started = time.perf_counter()
    stop_at[0] = started + args.duration
    with ThreadPoolExecutor(args.threads) as pool:
        list(pool.map(one, range(args.warmup, args.warmup + args.count)))
    wall = time.perf_counter() - started
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
        "cpus": os.cpu_count(),
    }


def main() -> int:
    args = parse()
    ensure_database(args.database_url)
    with tempfile.TemporaryDirectory(prefix="fc-bench-") as data_dir:
        env = environment(args, data_dir)
        token = prepare(env)
        server = start_server(args, env)
        try:
            figures = run(args, token)
        finally:
            server.terminate()
            server.wait(timeout=30)
    print(f"SAR intake via POST /api/v1/sars, PostgreSQL, gunicorn {figures['workers']} "
          f"{figures['worker_class']} workers, "
          f"{figures['threads']} client threads, {figures['cpus']} CPUs")
    print(f"  reports: {figures['reports']} in {figures['seconds']} s = {figures['reports_per_second']} reports/s")
    lat = figures["latency_ms"]
    print(f"  latency ms: p50 {lat['p50']}  p95 {lat['p95']}  p99 {lat['p99']}  mean {lat['mean']}  max {lat['max']}")
    if figures["failures"]:
        print(f"  failures: {figures['failures']}")
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2))
    return 0 if not figures["failures"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
