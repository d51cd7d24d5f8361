"""Benchmark: one crime alert fanned out to 100,000 e-mail subscribers through a local SMTP server.

    .venv/bin/python bench/fanout_smtp.py [--count 100000] [--processes 2] [--sink aiosmtpd|fast]

Uses the database the environment names (DATABASE_URL, else a SQLite file under
FUSIONCENTER_DATA_DIR, default /tmp/fc-bench). The database must be dedicated to benchmarks: the
delivery tables are emptied first (the name must contain "bench", or pass --force).

Order of events, as in production: N delivery workers start and idle; the alert's `send()` writes
100,000 rows in one transaction and wakes them on commit; the clock starts at that commit. Figures:
time to the first message at the SMTP server, time until the server has accepted all of them, time
until all rows are marked sent, messages per second, and duplicates seen (by Message-ID).

Sinks (run in their own processes, on 127.0.0.1): `aiosmtpd` (the reference Python server the tests
use; one process costs ~0.7 ms of CPU per message, so `--sink-processes` can run several on one
port with SO_REUSEPORT) and `fast` (a minimal SMTP receiver written for this benchmark, standing in
for a real MTA such as Postfix, which accepts mail at a small fraction of aiosmtpd's CPU cost).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


# --- SMTP sinks (run with --serve-sink) -----------------------------------------------------------


class Counter:
    def __init__(self, stats_path: str) -> None:
        self.stats_path = stats_path
        self.count = 0
        self.first = 0.0
        self.last = 0.0
        self.ids: set[bytes] = set()
        self.duplicates = 0

    def got(self, data: bytes) -> None:
        now = time.time()
        if not self.count:
            self.first = now
        self.count += 1
        self.last = now
        start = data.find(b"Message-ID: ")
        if start < 0:
            start = data.find(b"Message-Id: ")
        if start >= 0:
            mid = data[start + 12:data.find(b"\r\n", start)]
            if mid in self.ids:
                self.duplicates += 1
            self.ids.add(mid)

    async def report(self) -> None:
        while True:
            tmp = self.stats_path + ".tmp"
            with open(tmp, "w") as fh:
                json.dump({"count": self.count, "first": self.first, "last": self.last,
                           "duplicates": self.duplicates}, fh)
            os.replace(tmp, self.stats_path)
            await asyncio.sleep(0.1)


class FastSmtp(asyncio.Protocol):
    """Just enough SMTP for smtplib: greeting, EHLO/HELO, MAIL, RCPT, DATA, RSET, NOOP, QUIT."""

    def __init__(self, counter: Counter) -> None:
        self.counter = counter
        self.buf = b""
        self.in_data = False

    def connection_made(self, transport) -> None:
        self.transport = transport
        transport.write(b"220 bench-sink ESMTP\r\n")

    def data_received(self, data: bytes) -> None:
        self.buf += data
        while True:
            if self.in_data:
                end = self.buf.find(b"\r\n.\r\n")
                if end < 0:
                    return
                self.counter.got(self.buf[:end])
                self.buf = self.buf[end + 5:]
                self.in_data = False
                self.transport.write(b"250 2.0.0 accepted\r\n")
                continue
            end = self.buf.find(b"\r\n")
            if end < 0:
                return
            line, self.buf = self.buf[:end], self.buf[end + 2:]
            verb = line[:4].upper()
            if verb == b"EHLO":
                self.transport.write(b"250-bench-sink\r\n250-8BITMIME\r\n250 SIZE 10485760\r\n")
            elif verb == b"DATA":
                self.in_data = True
                self.buf = b"\r\n" + self.buf  # so a body that is only "." still ends at "\r\n.\r\n"
                self.transport.write(b"354 go ahead\r\n")
            elif verb == b"QUIT":
                self.transport.write(b"221 bye\r\n")
                self.transport.close()
                return
            else:  # HELO, MAIL, RCPT, RSET, NOOP
                self.transport.write(b"250 OK\r\n")


class AiosmtpdHandler:
    def __init__(self, counter: Counter) -> None:
        self.counter = counter

    async def handle_DATA(self, server, session, envelope):
        self.counter.got(envelope.content)
        return "250 OK"


def serve_sink(kind: str, port: int, stats_path: str) -> None:
    import logging

    logging.getLogger("mail.log").setLevel(logging.WARNING)
    counter = Counter(stats_path)

    async def main() -> None:
        loop = asyncio.get_running_loop()
        sock = socket.socket()
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        sock.bind(("127.0.0.1", port))
        if kind == "fast":
            server = await loop.create_server(lambda: FastSmtp(counter), sock=sock)
        else:
            from aiosmtpd.smtp import SMTP

            handler = AiosmtpdHandler(counter)
            server = await loop.create_server(lambda: SMTP(handler, hostname="bench-sink"), sock=sock)
        asyncio.ensure_future(counter.report())
        await server.serve_forever()

    asyncio.run(main())


# --- the benchmark ----------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def read_stats(paths: list[Path]) -> dict:
    total = {"count": 0, "first": 0.0, "last": 0.0, "duplicates": 0}
    for path in paths:
        try:
            stats = json.loads(path.read_text())
        except (OSError, ValueError):
            continue
        total["count"] += stats["count"]
        total["duplicates"] += stats["duplicates"]
        if stats["first"] and (not total["first"] or stats["first"] < total["first"]):
            total["first"] = stats["first"]
        total["last"] = max(total["last"], stats["last"])
    return total


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a running child, from /proc (Linux)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--processes", type=int, default=2, help="delivery worker processes")
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument("--mark-every", type=int, default=20)
    parser.add_argument("--sink", choices=("aiosmtpd", "fast"), default="aiosmtpd")
    parser.add_argument("--sink-processes", type=int, default=1)
    parser.add_argument("--timeout", type=float, default=600)
    parser.add_argument("--force", action="store_true", help="allow a database whose name lacks 'bench'")
    parser.add_argument("--serve-sink", nargs=3, metavar=("KIND", "PORT", "STATS"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve_sink:
        serve_sink(args.serve_sink[0], int(args.serve_sink[1]), args.serve_sink[2])
        return

    data_dir = Path(os.environ.setdefault("FUSIONCENTER_DATA_DIR", "/tmp/fc-bench"))
    data_dir.mkdir(parents=True, exist_ok=True)
    if not os.environ.get("DATABASE_URL"):
        os.environ.setdefault("FUSIONCENTER_SQLITE_PATH", str(data_dir / "bench_delivery.sqlite3"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fusioncenter.settings")
    os.environ.setdefault("DEFAULT_FROM_EMAIL", "alerts@wsic.example.test")
    port = free_port()
    os.environ["EMAIL_HOST"], os.environ["EMAIL_PORT"] = "127.0.0.1", str(port)
    sys.path.insert(0, str(REPO / "src"))
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.db.models import Count

    from fusioncenter.delivery import services
    from fusioncenter.delivery.models import Delivery, Status

    name = str(connection.settings_dict["NAME"])
    if "bench" not in name and not args.force:
        sys.exit(f"refusing to empty the delivery tables of {name!r}: use a database named *bench*")
    call_command("migrate", verbosity=0)
    with connection.cursor() as cursor:
        for table in ("delivery_portalnotice", "delivery_delivery", "delivery_message"):
            cursor.execute(f"DELETE FROM {table}")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE delivery_delivery")
    connection.close()

    stats_paths = [data_dir / f"sink-{port}-{i}.json" for i in range(args.sink_processes)]
    for path in stats_paths:
        path.unlink(missing_ok=True)
    procs = [subprocess.Popen([sys.executable, __file__, "--serve-sink", args.sink, str(port), str(path)])
             for path in stats_paths]
    time.sleep(1.0)
    env = {**os.environ, "FUSIONCENTER_DELIVERY_IDLE_SECONDS": "1"}
    worker_argv = [sys.executable, "-m", "django", "delivery_worker", "--batch", str(args.batch),
                   "--mark-every", str(args.mark_every)]
    workers = [subprocess.Popen(worker_argv, env=env, cwd=REPO) for _ in range(args.processes)]
    time.sleep(2.0)  # workers are up and idle, as in production

    load_at_start = [round(x, 1) for x in os.getloadavg()]
    try:
        started = time.time()
        with transaction.atomic():
            services.send(
                {"subject": "Crime alert: vehicle burglaries, Madison east side",
                 "text_body": ("Madison Police ask residents to lock vehicles and report suspicious activity.\n"
                               "This is a fictional benchmark alert.\n") * 6,
                 "html_body": "<p>Madison Police ask residents to lock vehicles.</p>",
                 "sender_label": "WSIC Crime Alert Network"},
                (("email", f"subscriber{i}@example.test", None) for i in range(args.count)),
                source=("bench.fanout", 1), actor="system",
            )
            committed = time.time()  # the commit starts now; workers may see the rows a moment later
        commit_seconds = time.time() - committed
        print(f"enqueue: {args.count} rows in {committed - started:.1f} s "
              f"({args.count / (committed - started):.0f} rows/s)", flush=True)
        all_accepted = None
        while time.time() - committed < args.timeout:
            stats = read_stats(stats_paths)
            if stats["count"] >= args.count and all_accepted is None:
                all_accepted = stats["last"]
            if all_accepted is not None and Delivery.objects.filter(status=Status.SENT).count() >= args.count:
                break
            time.sleep(0.2)
        marked = time.time()
        stats = read_stats(stats_paths)
        cpu = {"workers": round(sum(cpu_seconds(p.pid) for p in workers), 1),
               "sinks": round(sum(cpu_seconds(p.pid) for p in procs), 1)}
    finally:
        for proc in workers:
            proc.send_signal(signal.SIGTERM)
        for proc in workers:
            proc.wait(30)
        for proc in procs:
            proc.terminate()
            proc.wait(10)

    by_status = dict(Delivery.objects.values_list("status").annotate(n=Count("id")))
    result = {
        "load_average_at_start": load_at_start,
        "database": connection.vendor, "count": args.count, "workers": args.processes, "batch": args.batch,
        "mark_every": args.mark_every, "sink": args.sink, "sink_processes": args.sink_processes,
        "enqueue_seconds": round(committed - started, 2), "commit_seconds": round(commit_seconds, 2),
        "time_to_first_message_s": round(stats["first"] - committed, 3) if stats["first"] else None,
        "all_handed_to_smtp_s": round(all_accepted - committed, 2) if all_accepted else None,
        "all_marked_sent_s": round(marked - committed, 2),
        "messages_per_second": round(stats["count"] / (all_accepted - committed)) if all_accepted else None,
        "cpu_seconds": cpu, "accepted_by_smtp": stats["count"], "duplicates": stats["duplicates"],
        "statuses": by_status,
    }
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
