"""Template context every page gets: the center's name, the handling notice, navigation by role."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest

from . import navigation


def platform(request: HttpRequest) -> dict:
    user = getattr(request, "user", None)
    return {
        "platform_name": settings.FUSIONCENTER_NAME,
        "platform_short_name": settings.FUSIONCENTER_SHORT_NAME,
        "handling_notice": settings.FUSIONCENTER_HANDLING_NOTICE,
        "nav_items": navigation.for_user(user),
    }
