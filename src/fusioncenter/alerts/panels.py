"""Home-page panel for the alert coordinator: requests waiting and alerts active."""

from __future__ import annotations

from django.urls import reverse

from fusioncenter.core import access

from .models import Alert, AlertRequest, AlertStatus, RequestStatus
from .services import is_coordinator


def coordinator_panel(user) -> dict | None:
    if not is_coordinator(user):
        return None
    waiting = access.visible(user, AlertRequest.objects.filter(status=RequestStatus.REQUESTED)).count()
    active = access.visible(user, Alert.objects.filter(status=AlertStatus.ACTIVE)).count()
    return {
        "title": "Public alerts",
        "items": [
            {"label": "Requests waiting for a decision", "value": waiting, "url": reverse("alerts:queue")},
            {"label": "Active alerts", "value": active, "url": reverse("alerts:public_list")},
        ],
        "links": [{"label": "Crime alert network: send an alert", "url": reverse("alerts:crime_compose")}],
    }
