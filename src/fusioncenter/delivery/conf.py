"""Delivery settings: a Django setting wins, then an environment variable, then the default.

Reading the environment as a fallback lets a worker process (or a test's subprocess) be tuned
without a settings change.
"""

from __future__ import annotations

import os
from typing import Any

from django.conf import settings

DEFAULTS: dict[str, Any] = {
    "FUSIONCENTER_DELIVERY_BATCH": 200,
    "FUSIONCENTER_DELIVERY_LEASE_SECONDS": 120,
    "FUSIONCENTER_DELIVERY_MARK_EVERY": 20,
    "FUSIONCENTER_DELIVERY_MAX_ATTEMPTS": 8,
    "FUSIONCENTER_DELIVERY_RETRY_BASE_SECONDS": 30,
    "FUSIONCENTER_DELIVERY_RETRY_CAP_SECONDS": 3600,
    "FUSIONCENTER_DELIVERY_IDLE_SECONDS": 1.0,
    "FUSIONCENTER_DELIVERY_FROM": "",
    "FUSIONCENTER_SMS_GATEWAY": "fusioncenter.delivery.channels.LoggingSmsGateway",
    "FUSIONCENTER_SMS_EMAIL_DOMAIN": "",
    "FUSIONCENTER_SMS_REGION": "US",
    "FUSIONCENTER_DELIVERY_ATTACHMENT_MAX_BYTES": 10 * 1024 * 1024,
    "FUSIONCENTER_DELIVERY_RETENTION_DAYS": 90,
}


def get(name: str) -> Any:
    default = DEFAULTS[name]
    if hasattr(settings, name):
        return getattr(settings, name)
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    if isinstance(default, bool):
        return raw.strip().lower() in {"1", "true", "yes", "on"}
    if isinstance(default, int):
        return int(raw)
    if isinstance(default, float):
        return float(raw)
    return raw


def from_address() -> str:
    return get("FUSIONCENTER_DELIVERY_FROM") or settings.DEFAULT_FROM_EMAIL
