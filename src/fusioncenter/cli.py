"""The `fusioncenter` command: serve, work, migrate, check the installation, load reference data,
manage accounts, verify the audit, load the demo.

Arguments are parsed before Django starts, so `--help` works anywhere; each sub-command then sets
Django up and calls the same services the pages and the API use.
"""

from __future__ import annotations

import argparse
import datetime as dt
import getpass
import importlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable

COMMANDS: dict[str, Callable[[argparse.Namespace], int]] = {}


def command(name: str):
    def wrap(fn: Callable[[argparse.Namespace], int]):
        COMMANDS[name] = fn
        return fn

    return wrap


def _setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fusioncenter.settings")
    import django

    django.setup()


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{value}' is not a date of the form YYYY-MM-DD") from None


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="fusioncenter", description="Run and manage a fusioncenter platform.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser(
        "serve",
        help="Serve the web pages and the API (gunicorn).",
        description="Serve the web pages and the API (gunicorn).",
    )
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8000)
    p.add_argument(
        "--workers",
        type=int,
        default=int(os.environ.get("FUSIONCENTER_WEB_WORKERS", 2)),
        help="web processes (default 2, or FUSIONCENTER_WEB_WORKERS)",
    )
    p.add_argument(
        "--threads",
        type=int,
        default=int(os.environ.get("FUSIONCENTER_WEB_THREADS", 4)),
        help="threads per web process (default 4, or FUSIONCENTER_WEB_THREADS); 1 runs gunicorn's sync "
        "workers, the fastest for API intake on few cores (docs/sar.md, Performance)",
    )
    p.add_argument("--no-worker", action="store_true", help="do not start the background worker alongside")

    p = sub.add_parser(
        "worker",
        help="Run background work: queued tasks and the delivery outbox.",
        description="Run background work: queued tasks and the delivery outbox.",
    )
    p.add_argument("--once", action="store_true", help="process what is due, then exit")

    p = sub.add_parser(
        "scheduler",
        help="Run the daily jobs (started by `worker`; safe to run on several machines).",
        description="Run the daily jobs (started by `worker`; safe to run on several machines).",
    )
    p.add_argument("--once", action="store_true", help="run what is due today, then exit")

    sub.add_parser(
        "migrate",
        help="Create or update the database schema.",
        description="Create or update the database schema.",
    )
    sub.add_parser(
        "check",
        help="Check the installation, the database servers' settings for bulk imports included.",
        description="Run the configuration checks, and read each PostgreSQL server's settings: warns where a "
        "large import of partner records would be slower than it needs to be (docs/configuration.md).",
    )
    sub.add_parser(
        "load-reference-data",
        help="Load centers, regions, counties and ZIP codes (idempotent).",
        description="Load centers, regions, counties and ZIP codes (idempotent).",
    )

    p = sub.add_parser(
        "setup",
        help="migrate, load reference data, create the first administrator, load the demo.",
        description="migrate, load reference data, create the first administrator, load the demo.",
    )
    p.add_argument("--demo", default="1", choices=["0", "1"], help="load the demo into an empty embedded database")

    p = sub.add_parser(
        "createuser",
        help="Create an account (password from FUSIONCENTER_PASSWORD or a prompt).",
        description="Create an account (password from FUSIONCENTER_PASSWORD or a prompt).",
    )
    p.add_argument("username")
    p.add_argument(
        "--role",
        required=True,
        help="administrator, analyst, supervisor, privacy_officer, "
        "alert_coordinator, partner_officer, partner_member or liaison_officer",
    )
    p.add_argument("--organization", required=True, help="organization name, acronym or id")
    p.add_argument("--sworn", action="store_true", help="sworn law enforcement")
    p.add_argument("--cfr23-trained", type=_date, metavar="YYYY-MM-DD", help="date of 28 CFR Part 23 training")
    p.add_argument("--email", default="")
    p.add_argument("--center", help="home center code (for the center's staff)")

    p = sub.add_parser(
        "token",
        help="Manage API tokens for partner systems.",
        description="Manage API tokens for partner systems.",
    )
    tsub = p.add_subparsers(dest="token_command", required=True, metavar="ACTION")
    tc = tsub.add_parser(
        "create",
        help="Create a bearer token for USERNAME and print it once.",
        description="Create a bearer token for USERNAME and print it once.",
    )
    tc.add_argument("username")
    tc.add_argument("--name", default="", help="what the token is for")

    p = sub.add_parser("audit", help="The audit trail.", description="The audit trail.")
    asub = p.add_subparsers(dest="audit_command", required=True, metavar="ACTION")
    asub.add_parser(
        "verify",
        help="Check the hash chain; exit 1 if any entry was changed, removed or inserted.",
        description="Check the hash chain; exit 1 if any entry was changed, removed or inserted.",
    )

    sub.add_parser(
        "demo",
        help="Load the clearly fictional demo data set.",
        description="Load the clearly fictional demo data set.",
    )

    p = sub.add_parser("retention", help="Retention and purge (28 CFR Part 23).",
                       description="Retention and purge (28 CFR Part 23).")
    rsub = p.add_subparsers(dest="retention_command", required=True, metavar="ACTION")
    rr = rsub.add_parser("run", help="Queue records due for review; purge those left unreviewed past their date.",
                         description="Queue records due for review; purge those left unreviewed past their date.")
    rr.add_argument("--as-of", type=_date, metavar="YYYY-MM-DD", help="run as of this date (default: today)")

    p = sub.add_parser("entities", help="The entity index.", description="The entity index.")
    esub = p.add_subparsers(dest="entities_command", required=True, metavar="ACTION")
    er = esub.add_parser("resolve-file", help="Resolve a CSV of person records on its own, without importing it.",
                         description="Resolve a CSV of person records on its own, without importing it, and write "
                         "each row's entity id.")
    er.add_argument("file", help="input CSV")
    er.add_argument("--id-column", required=True, help="the column that identifies each row")
    er.add_argument("--map", action="append", default=[], metavar="FIELD=COLUMN",
                    help="map a person field (first_name, last_name, full_name, dob, sex, phone, email, address,"
                    " plate, ...) to a column; repeat")
    er.add_argument("--out", required=True, help="output CSV (the id column and entity_id)")
    return parser


@command("serve")
def serve(args: argparse.Namespace) -> int:
    _setup()
    from gunicorn.app.base import BaseApplication

    from .wsgi import application

    worker: subprocess.Popen | None = None
    if not args.no_worker:
        worker = subprocess.Popen([sys.executable, "-m", "fusioncenter.cli", "worker"])

    class Server(BaseApplication):
        def load_config(self) -> None:
            self.cfg.set("bind", f"{args.host}:{args.port}")
            self.cfg.set("workers", args.workers)
            self.cfg.set("threads", max(1, args.threads))
            self.cfg.set("worker_class", "gthread" if args.threads > 1 else "sync")
            self.cfg.set("accesslog", None)
            self.cfg.set("timeout", 60)
            self.cfg.set("max_requests", 5000)
            self.cfg.set("max_requests_jitter", 500)

        def load(self):
            return application

    print(f"Serving on http://{args.host}:{args.port} (Ctrl-C to stop)", flush=True)
    try:
        Server().run()
    finally:
        if worker is not None:
            worker.terminate()
            worker.wait(timeout=10)
    return 0


@command("worker")
def worker(args: argparse.Namespace) -> int:
    """Run Django's task worker and, when the delivery app provides it, the delivery outbox loop,
    each in its own process; stop both on SIGTERM/SIGINT."""
    _setup()
    from django.core.management import call_command

    if args.once:
        from .core import schedule

        schedule.run_due()
        call_command("db_worker", "--batch", "--no-startup-delay")
        if _has_command("delivery_worker"):
            call_command("delivery_worker", "--once")
        return 0
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "django", "db_worker", "--no-startup-delay"],
            env={**os.environ, "DJANGO_SETTINGS_MODULE": "fusioncenter.settings"},
        )
    ]
    procs.append(subprocess.Popen([sys.executable, "-m", "fusioncenter.cli", "scheduler"]))
    if _has_command("delivery_worker"):
        procs.append(
            subprocess.Popen(
                [sys.executable, "-m", "django", "delivery_worker"],
                env={**os.environ, "DJANGO_SETTINGS_MODULE": "fusioncenter.settings"},
            )
        )

    def stop(*_):
        for proc in procs:
            if proc.poll() is None:
                proc.terminate()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    while all(proc.poll() is None for proc in procs):
        time.sleep(1)
    stop()
    for proc in procs:
        proc.wait(timeout=30)
    return max(proc.returncode or 0 for proc in procs)


@command("scheduler")
def scheduler(args: argparse.Namespace) -> int:
    _setup()
    from .core import schedule

    if args.once:
        ran = schedule.run_due()
        print("Ran: " + (", ".join(ran) if ran else "nothing was due"))
        return 0
    schedule.loop()
    return 0


def _has_command(name: str) -> bool:
    from django.core.management import get_commands

    return name in get_commands()


@command("migrate")
def migrate(args: argparse.Namespace) -> int:
    _setup()
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=1)
    return 0


@command("check")
def check(args: argparse.Namespace) -> int:
    _setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.core.management.base import SystemCheckError

    try:  # warnings are printed and leave the exit code 0; errors stop with 1
        call_command("check", databases=list(settings.DATABASES))
    except SystemCheckError as exc:
        print(exc, file=sys.stderr)
        return 1
    return 0


@command("load-reference-data")
def load_reference(args: argparse.Namespace) -> int:
    _setup()
    from .core.reference import load_reference_data

    counts = load_reference_data()
    print("Reference data: " + ", ".join(f"{v} {k}" for k, v in counts.items()))
    return 0


@command("setup")
def setup(args: argparse.Namespace) -> int:
    _setup()
    from django.conf import settings
    from django.core.management import call_command

    from .core.bootstrap import ensure_administrator
    from .core.models import Organization
    from .core.reference import load_reference_data

    call_command("migrate", interactive=False, verbosity=0)
    print("Database ready: all migrations applied.")
    call_command("collectstatic", interactive=False, verbosity=0)
    counts = load_reference_data()
    print("Reference data: " + ", ".join(f"{v} {k}" for k, v in counts.items()))
    ensure_administrator()
    if args.demo == "1":
        partners = Organization.objects.filter(is_fusion_center=False)
        if not settings.EMBEDDED:
            print("Demo data not loaded: it only loads into the embedded SQLite database.")
        elif partners.exists():
            print("Demo data not loaded: the database already holds partner data.")
        else:
            print("Loading the fictional demo data set into the empty embedded database (make run DEMO=0 skips it)...")
            load_demo()
    return 0


def load_demo() -> None:
    from django.apps import apps

    configs = [c for c in apps.get_app_configs() if c.name.startswith("fusioncenter.")]
    configs.sort(key=lambda c: (c.label != "core", c.label))
    for config in configs:
        try:
            module = importlib.import_module(f"{config.name}.demo")
        except ModuleNotFoundError as exc:
            if exc.name == f"{config.name}.demo":
                continue
            raise
        print(f"  demo: {config.label}", flush=True)
        module.load(sys.stdout)


@command("demo")
def demo(args: argparse.Namespace) -> int:
    _setup()
    load_demo()
    return 0


@command("createuser")
def createuser(args: argparse.Namespace) -> int:
    _setup()
    from django.core.exceptions import ValidationError
    from django.db.models import Q

    from .core import services
    from .core.models import Center, Organization

    query = Q(name__iexact=args.organization) | Q(acronym__iexact=args.organization)
    if args.organization.isdigit():
        query |= Q(pk=int(args.organization))
    org = Organization.objects.filter(query).first()
    if org is None:
        print(f"error: no organization '{args.organization}'", file=sys.stderr)
        return 2
    center = None
    if args.center:
        center = Center.objects.filter(code__iexact=args.center).first()
        if center is None:
            print(f"error: no center '{args.center}'", file=sys.stderr)
            return 2
    password = os.environ.get("FUSIONCENTER_PASSWORD")
    if not password:
        if not sys.stdin.isatty():
            print("error: set FUSIONCENTER_PASSWORD or run in a terminal to be prompted", file=sys.stderr)
            return 2
        password = getpass.getpass("Password: ")
        if password != getpass.getpass("Password (again): "):
            print("error: the passwords differ", file=sys.stderr)
            return 2
    try:
        created = services.create_user(
            "system",
            username=args.username,
            password=password,
            role=args.role,
            organization=org,
            email=args.email,
            sworn=args.sworn,
            cfr23_trained_on=args.cfr23_trained,
            home_center=center or (org.center if args.role in ("analyst", "supervisor", "privacy_officer") else None),
        )
    except ValidationError as exc:
        for field, messages in exc.message_dict.items():
            for message in messages:
                print(f"error: {field}: {message}", file=sys.stderr)
        return 2
    print(f"Created {created.user.username} ({created.user.get_role_display()}, {org.name}).")
    print(
        "MFA is required: add the account to an authenticator app with this URI (or scan the QR code at first sign-in):"
    )
    print(created.totp_uri)
    return 0


@command("token")
def token(args: argparse.Namespace) -> int:
    _setup()
    from .core import services
    from .core.models import User

    user = User.objects.filter(username=args.username).first()
    if user is None:
        print(f"error: no user '{args.username}'", file=sys.stderr)
        return 2
    print(services.create_token("system", user, name=args.name))
    return 0


@command("audit")
def audit_cmd(args: argparse.Namespace) -> int:
    _setup()
    from .core import audit

    result = audit.verify()
    if result.ok:
        print(f"Audit chain intact: {result.checked} entries verified.")
        return 0
    print(f"Audit chain BROKEN ({len(result.problems)} problem(s) in {result.checked} entries):")
    for problem in result.problems:
        print(f"  - {problem}")
    return 1


def _delegate(module: str, function: str, args: argparse.Namespace) -> int:
    _setup()
    mod = importlib.import_module(module)
    return int(getattr(mod, function)(args) or 0)


@command("retention")
def retention(args: argparse.Namespace) -> int:
    return _delegate("fusioncenter.privacy.cli", "retention", args)


@command("entities")
def entities(args: argparse.Namespace) -> int:
    return _delegate("fusioncenter.entities.cli", "entities", args)


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return COMMANDS[args.command](args)


if __name__ == "__main__":
    sys.exit(main())
