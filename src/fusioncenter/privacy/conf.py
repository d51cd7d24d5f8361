"""Privacy settings: a Django setting of the same name wins, then the environment, then the default.

(The project's settings.py is shared; these live here so the privacy app is configured on its own.)
"""

from __future__ import annotations

import os

from django.conf import settings

DEFAULTS: dict[str, int | str] = {
    # Records whose review date falls within this many days go to the privacy officer's queue.
    "FUSIONCENTER_PRIVACY_REVIEW_NOTICE_DAYS": 30,
    # A redress request is answered within this many days (the policy template's "deadline").
    "FUSIONCENTER_PRIVACY_REDRESS_DUE_DAYS": 30,
    # Public redress requests per address per window.
    "FUSIONCENTER_PRIVACY_REDRESS_RATE_COUNT": 3,
    "FUSIONCENTER_PRIVACY_REDRESS_RATE_SECONDS": 3600,
    # Unusual access: more than this many distinct records viewed by one user within the window.
    "FUSIONCENTER_PRIVACY_BURST_RECORDS": 25,
    "FUSIONCENTER_PRIVACY_BURST_MINUTES": 60,
    # Working hours (local time, America/Chicago), Monday to Friday; views outside are flagged.
    "FUSIONCENTER_PRIVACY_WORK_START_HOUR": 6,
    "FUSIONCENTER_PRIVACY_WORK_END_HOUR": 19,
    # After a purge on PostgreSQL: "plain" (VACUUM), "full" (VACUUM FULL: rewrites the table file),
    # or "off" (the operator's scheduled maintenance does it).
    "FUSIONCENTER_PRIVACY_VACUUM": "full",
}


def get(name: str) -> int:
    if hasattr(settings, name):
        return int(getattr(settings, name))
    return int(os.environ.get(name, DEFAULTS[name]))


def get_str(name: str) -> str:
    if hasattr(settings, name):
        return str(getattr(settings, name))
    return str(os.environ.get(name, DEFAULTS[name]))
