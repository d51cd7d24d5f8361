"""What the audit needs to know about a request."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest


def source_address(request: HttpRequest | None) -> str:
    """The client's address; X-Forwarded-For is trusted only behind the configured TLS proxy."""
    if request is None:
        return ""
    if getattr(settings, "BEHIND_TLS", False):
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded:
            return forwarded.split(",")[0].strip()[:64]
    return request.META.get("REMOTE_ADDR", "")[:64]
