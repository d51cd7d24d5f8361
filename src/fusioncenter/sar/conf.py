"""SAR settings: a Django setting of the same name wins, then the environment, then the default.

(The project's settings.py is shared; these live here so the SAR app can be configured without it.)
"""

from __future__ import annotations

import os

from django.conf import settings

DEFAULTS = {
    "FUSIONCENTER_SAR_TIP_RETENTION_DAYS": 730,  # tips and leads: purge within 2 years unless validated
    "FUSIONCENTER_SAR_TIP_MAX_RETENTION_DAYS": 1826,  # longest a tip/lead may be kept (5 years)
    "FUSIONCENTER_SAR_CI_RETENTION_DAYS": 1826,  # 28 CFR 23.20(h): validate or purge within 5 years
    "FUSIONCENTER_SAR_ISE_RETENTION_DAYS": 1826,  # ISE-SAR: 5 years (eGuardian practice)
    "FUSIONCENTER_SAR_CLOSED_RETENTION_DAYS": 365,  # unfounded or referred: the center's copy
    "FUSIONCENTER_SAR_VETTING_DAYS": 30,  # review_due of a new report
    "FUSIONCENTER_SAR_PUBLIC_RATE_COUNT": 5,  # public submissions per address ...
    "FUSIONCENTER_SAR_PUBLIC_RATE_SECONDS": 600,  # ... per this many seconds
}


def get(name: str) -> int:
    if hasattr(settings, name):
        return int(getattr(settings, name))
    return int(os.environ.get(name, DEFAULTS[name]))
