"""Run delivery workers: `python -m django delivery_worker [--batch N] [--once] [--processes N]`."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser


class Command(BaseCommand):
    help = "Send queued deliveries (e-mail, SMS, portal). SIGTERM finishes the batch in hand and stops."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--batch", type=int, default=None, help="Rows claimed per batch (default 200).")
        parser.add_argument("--once", action="store_true", help="Stop when nothing is due.")
        parser.add_argument("--processes", type=int, default=1, help="Worker processes to run.")
        parser.add_argument("--lease", type=float, default=None, help="Lease seconds on claimed rows.")
        parser.add_argument("--mark-every", type=int, default=None,
                            help="Mark sent rows after this many accepted messages (duplicate window).")
        parser.add_argument("--stop-after", type=float, default=None, help="Stop after this many seconds.")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["processes"] > 1:
            self._supervise(options)
            return
        from fusioncenter.delivery import worker

        kw = {"lease_seconds": options["lease"], "mark_every": options["mark_every"]}
        if options["once"] or options["stop_after"]:
            stats = worker.run(options["batch"], once=options["once"], stop_after=options["stop_after"], **kw)
        else:
            stats = worker.run_forever(options["batch"], **kw)
        self.stdout.write(f"delivery worker {os.getpid()}: sent {stats.sent}, retried {stats.retried}, "
                          f"failed {stats.failed}, released {stats.released}")

    def _supervise(self, options: dict[str, Any]) -> None:
        """Start N single-process workers (separate interpreters: no shared GIL or connections)."""
        argv = [sys.executable, "-m", "django", "delivery_worker", "--processes", "1"]
        for name in ("batch", "lease", "mark_every", "stop_after"):
            if options[name] is not None:
                argv += [f"--{name.replace('_', '-')}", str(options[name])]
        if options["once"]:
            argv.append("--once")
        env = {**os.environ, "DJANGO_SETTINGS_MODULE": os.environ.get("DJANGO_SETTINGS_MODULE",
                                                                       "fusioncenter.settings")}
        children = [subprocess.Popen(argv, env=env) for _ in range(options["processes"])]

        def forward(signum: int, _frame: Any) -> None:
            for child in children:
                if child.poll() is None:
                    child.send_signal(signum)

        signal.signal(signal.SIGTERM, forward)
        signal.signal(signal.SIGINT, forward)
        while any(child.poll() is None for child in children):
            time.sleep(0.2)
        failed = [child.returncode for child in children if child.returncode]
        if failed:
            sys.exit(1)
