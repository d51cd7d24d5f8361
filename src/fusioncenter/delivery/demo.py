"""Demo data: a welcome notice in every demo user's portal inbox (fictional; loaded once)."""

from __future__ import annotations

from django.contrib.auth import get_user_model

from . import services, worker
from .models import Message

DEMO_KEY = "delivery.demo:welcome"


def load(stdout) -> None:
    if Message.objects.filter(key=DEMO_KEY).exists():
        return
    users = list(get_user_model().objects.filter(is_active=True))
    if not users:
        return
    services.send(
        {"subject": "Welcome to the fusion center portal",
         "text_body": ("This is a demonstration notice. Alerts, products and requests addressed to you "
                       "appear in this inbox, and the sender can see when you have read them."),
         "sender_label": "Demo administrator"},
        [("portal", "", user) for user in users], key=DEMO_KEY, actor="system",
    )
    # Portal notices need no mail server: deliver them now so the demo inbox is not empty.
    stats = worker.run(once=True)
    stdout.write(f"delivery: {stats.sent} demo inbox notices\n")
