"""The privacy officer's home-page panel: what needs attention today."""

from __future__ import annotations

from django.urls import reverse

from fusioncenter.core import clock
from fusioncenter.core.roles import Role

from .models import RedressCase, ReviewItem


def privacy_panel(user) -> dict | None:
    if getattr(user, "role", None) != Role.PRIVACY_OFFICER:
        return None
    today = clock.today()
    open_items = ReviewItem.objects.filter(status=ReviewItem.Status.OPEN)
    cases = RedressCase.objects.exclude(status=RedressCase.Status.ANSWERED)
    return {
        "title": "Privacy oversight",
        "items": [
            {"label": "Records awaiting review", "value": open_items.count(), "url": reverse("privacy:reviews")},
            {"label": "Reviews past their date", "value": open_items.filter(due_on__lt=today).count(),
             "url": reverse("privacy:reviews")},
            {"label": "Open redress requests", "value": cases.count(), "url": reverse("privacy:cases")},
            {"label": "Overdue redress requests", "value": cases.filter(due_on__lt=today).count(),
             "url": reverse("privacy:cases")},
        ],
        "links": [{"label": "Privacy console", "url": reverse("privacy:console")}],
    }
