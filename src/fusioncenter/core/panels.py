"""Home-page panels of the core app."""

from __future__ import annotations

from django.urls import reverse

from .models import TOTPDevice, User
from .roles import Role


def administration_panel(user: User) -> dict | None:
    if user.role != Role.ADMINISTRATOR:
        return None
    users = User.objects.all()
    enrolled = TOTPDevice.objects.filter(confirmed_at__isnull=False).count()
    return {
        "title": "Accounts",
        "items": [
            {"label": "Active accounts", "value": users.filter(is_active=True).count(), "url": reverse("core:users")},
            {"label": "Locked accounts", "value": users.filter(locked_at__isnull=False).count(), "url": ""},
            {"label": "Accounts without MFA yet", "value": max(users.count() - enrolled, 0), "url": ""},
        ],
        "links": [
            {"label": "New account", "url": reverse("core:user_create")},
            {"label": "Reference data (admin)", "url": "/admin/"},
        ],
    }


def account_panel(user: User) -> dict:
    training = user.cfr23_trained_on.isoformat() if user.cfr23_trained_on else "not recorded"
    return {
        "title": "Your account",
        "items": [
            {"label": "28 CFR Part 23 training", "value": training, "url": ""},
            {"label": "Sworn law enforcement", "value": "yes" if user.sworn else "no", "url": ""},
        ],
        "links": [
            {"label": "Change password", "url": reverse("core:password")},
            {"label": "API documentation", "url": "/api/v1/docs"},
        ],
    }
