"""Demo data: two clearly fictional redress requests (one overdue), so the console has work to show."""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from fusioncenter.core import clock

from .models import RedressCase, RedressEvent

DEMO = [
    ("PR-DEMO-0001", "Demo Requester One", "requester.one@example.test", 5,
     "DEMO: I believe a report says my car was at the harbor on a date I was away."),
    ("PR-DEMO-0002", "Demo Requester Two", "requester.two@example.test", 40,
     "DEMO: I was told my name is in a tip about a fence cut; I had nothing to do with it."),
]


def load(stdout) -> None:
    if RedressCase.objects.filter(reference__startswith="PR-DEMO-").exists():
        stdout.write("privacy demo: already loaded\n")
        return
    today = clock.today()
    with transaction.atomic():
        for reference, name, email, age_days, text in DEMO:
            received = clock.now() - dt.timedelta(days=age_days)
            case = RedressCase.objects.create(reference=reference, name=name, email=email, description=text,
                                              received_at=received, due_on=today - dt.timedelta(days=age_days - 30))
            RedressEvent.objects.create(case=case, to_status=RedressCase.Status.RECEIVED, at=received,
                                        note="Demo request.")
    stdout.write(f"privacy demo: {len(DEMO)} redress requests\n")
