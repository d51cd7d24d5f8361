"""Home-page panel: open cases and unreviewed sightings the user may see."""

from __future__ import annotations

from django.urls import reverse

from fusioncenter.core import access

from .models import Sighting
from .services import STAFF_ROLES, visible_cases


def clearinghouse_panel(user) -> dict | None:
    if not access.is_signed_in(user) or not access.has_law_enforcement_access(user):
        return None
    if user.role not in STAFF_ROLES and user.role != "partner_officer":
        return None
    cases = visible_cases(user).filter(status="missing")
    unreviewed = Sighting.objects.filter(case__in=cases, reviewed_at__isnull=True).count()
    return {
        "title": "Missing persons clearinghouse",
        "items": [
            {"label": "Open cases", "value": cases.count(), "url": reverse("clearinghouse:case_list")},
            {"label": "Sightings to review", "value": unreviewed, "url": reverse("clearinghouse:case_list")},
        ],
        "links": [
            {"label": "Open a case", "url": reverse("clearinghouse:case_new")},
            {"label": "Public missing-persons page", "url": reverse("clearinghouse:public_list")},
        ],
    }
