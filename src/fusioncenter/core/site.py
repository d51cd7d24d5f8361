"""The site's own public address, for links that leave the portal (e-mails, feeds, posters, CAP, PFIF)."""

from __future__ import annotations

from django.conf import settings


def absolute_url(path: str) -> str:
    """A site path as the full address people follow from outside (FUSIONCENTER_BASE_URL + path)."""
    return settings.FUSIONCENTER_BASE_URL.rstrip("/") + path
