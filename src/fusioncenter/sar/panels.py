"""The SAR panel on the home page of the center's staff: their queue at a glance."""

from __future__ import annotations

from django.urls import reverse

from fusioncenter.core.roles import Role

from . import queries
from .models import State


def sar_panel(user) -> dict | None:
    if user.role not in (Role.ANALYST, Role.SUPERVISOR, Role.PRIVACY_OFFICER):
        return None
    center = queries.default_center(user)
    qs = queries.queue(user, center=center, state="open")
    base = reverse("sar:queue")
    return {
        "title": f"Suspicious activity reports{' · ' + center if center else ''}",
        "items": [
            {"label": "Awaiting initial review", "value": qs.filter(state=State.RECEIVED).count(),
             "url": f"{base}?state=received&center={center}"},
            {"label": "In analyst vetting", "value": qs.filter(state=State.VETTING).count(),
             "url": f"{base}?state=vetting&center={center}"},
            {"label": "Routing flagged", "value": qs.filter(routing_flagged=True).count(),
             "url": f"{base}?state=open&flagged=on&center={center}"},
        ],
        "links": [{"label": "SAR dashboard", "url": reverse("sar:dashboard")}],
    }
