"""Benchmark: a product released to N partners with its PDF attached to every e-mail.

    .venv/bin/python bench/product_pdf_email.py [--count 300] [--no-cache] [--pages 4]

Uses the database the environment names (DATABASE_URL, else a SQLite file under
FUSIONCENTER_DATA_DIR, default /tmp/fc-bench-products); it must be dedicated to benchmarks (the name
must contain "bench"). Creates N partner members in one organization, writes an open-marking
situational awareness report of about `--pages` pages, publishes it (timed: recipient check, shares,
one outbox message, N portal and N e-mail rows), then runs one delivery worker in this process
against an aiosmtpd server on loopback (a thread of this process, so the CPU figure includes the
server) and times the delivery of all e-mails, each with its PDF rendered at send time.
`--no-cache` turns off the provider's rendering cache, so every recipient's PDF is rendered anew.
"""

from __future__ import annotations

import argparse
import os
import socket
import sys
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PARAGRAPH = ("Crews reported the substation fire at 09:10; the outage reaches the downtown grid, two "
             "hospitals on generator power and the traffic signals along East Washington Avenue. ")


class Sink:
    def __init__(self) -> None:
        self.count = 0
        self.bytes = 0
        self.with_pdf = 0
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        with self.lock:
            self.count += 1
            self.bytes += len(envelope.content)
            self.with_pdf += b"application/pdf" in envelope.content
        return "250 Message accepted"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--count", type=int, default=300)
    parser.add_argument("--pages", type=int, default=4)
    parser.add_argument("--no-cache", action="store_true")
    args = parser.parse_args()

    data_dir = Path(os.environ.setdefault("FUSIONCENTER_DATA_DIR", "/tmp/fc-bench-products"))
    data_dir.mkdir(parents=True, exist_ok=True)
    if not os.environ.get("DATABASE_URL"):
        os.environ.setdefault("FUSIONCENTER_SQLITE_PATH", str(data_dir / "bench_products.sqlite3"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fusioncenter.settings")
    os.environ.setdefault("DEFAULT_FROM_EMAIL", "products@wsic.example.test")
    sys.path.insert(0, str(REPO / "src"))
    import logging

    import django
    from aiosmtpd.controller import Controller

    logging.getLogger("mail.log").setLevel(logging.WARNING)
    logging.getLogger("weasyprint").setLevel(logging.WARNING)
    logging.getLogger("fontTools").setLevel(logging.WARNING)
    sink = Sink()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    os.environ["EMAIL_HOST"], os.environ["EMAIL_PORT"] = "127.0.0.1", str(port)
    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from fusioncenter.core.models import Center, County, Organization, User
    from fusioncenter.core.reference import load_reference_data
    from fusioncenter.delivery import worker
    from fusioncenter.products import distribution, email_pdf, services

    name = str(connection.settings_dict["NAME"])
    if "bench" not in name:
        sys.exit(f"refusing to write benchmark data into {name!r}: use a database named *bench*")
    call_command("migrate", verbosity=0)
    if not County.objects.exists():
        load_reference_data()
    if args.no_cache:
        email_pdf.CACHE_SIZE = 0
    run = str(int(time.time()))
    dane = County.objects.get(name="Dane")
    wsic = Center.objects.get(code="WSIC")
    center_org = Organization.objects.create(name=f"WSIC bench {run}", discipline="le_state", county=dane,
                                             center=wsic, is_fusion_center=True)
    partner = Organization.objects.create(name=f"Bench partner {run}", discipline="le_local", county=dane,
                                          center=wsic)
    analyst = User.objects.create(username=f"bench-analyst-{run}", email=f"analyst-{run}@example.test",
                                  role="analyst", organization=center_org, home_center=wsic)
    User.objects.bulk_create([
        User(username=f"bench-{run}-{i}", email=f"member{i}-{run}@example.test", role="partner_member",
             organization=partner, password="!") for i in range(args.count)])

    text = "\n\n".join(PARAGRAPH * 6 for _ in range(args.pages * 2))
    product = services.create(analyst, "situational_awareness", {
        "title": f"Bench outage {run}", "sections": {"what": text, "impact": text[: len(text) // 3]},
        "audience": [("organization", str(partner.pk))]})
    product = services.submit(analyst, product)
    from fusioncenter.products import pdf

    started = time.perf_counter()
    sample = pdf.product_pdf(product)
    render_s = time.perf_counter() - started
    from weasyprint import HTML

    pages = len(HTML(string=pdf.product_html(product)).render().pages)
    started = time.perf_counter()
    distribution.publish(analyst, product)
    publish_s = time.perf_counter() - started

    cpu0, wall0 = time.process_time(), time.perf_counter()
    stats = worker.run(once=True, batch_size=500)
    send_s, cpu_s = time.perf_counter() - wall0, time.process_time() - cpu0
    controller.stop()
    print(f"database: {connection.vendor}; recipients: {args.count}; cache: {'off' if args.no_cache else 'on'}")
    print(f"one PDF: {pages} pages, {len(sample) / 1024:.0f} KiB, rendered in {render_s:.2f} s")
    print(f"publish (recipient check, shares, outbox rows): {publish_s:.2f} s")
    print(f"worker: {stats.sent} sent ({stats.failed} failed) in {send_s:.2f} s, CPU {cpu_s:.2f} s "
          f"(worker and aiosmtpd together)")
    print(f"e-mails at the server: {sink.count}, with a PDF: {sink.with_pdf}, "
          f"mean size {sink.bytes / max(sink.count, 1) / 1024:.0f} KiB; "
          f"{sink.count / send_s:.1f} e-mails/s")


if __name__ == "__main__":
    main()
