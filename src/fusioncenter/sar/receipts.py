"""Receipt numbers for reporters: unguessable, easy to read aloud, not the database id.

`WI-2026-7K3F-Q9PZ`: state, year, then 8 characters from Crockford's base-32 alphabet (no I, L, O
or U, so nothing is misread over the phone): 40 random bits from `secrets`.
"""

from __future__ import annotations

import re
import secrets

from django.conf import settings

from fusioncenter.core import clock

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
PATTERN = re.compile(r"^[A-Z]{2}-\d{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}$")


def new_receipt() -> str:
    chars = "".join(secrets.choice(ALPHABET) for _ in range(8))
    state = getattr(settings, "FUSIONCENTER_STATE", "WI")[:2].upper()
    return f"{state}-{clock.now().year}-{chars[:4]}-{chars[4:]}"


def is_well_formed(value: str) -> bool:
    return bool(PATTERN.match(value or ""))
