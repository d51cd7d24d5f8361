"""Record classes and handling markings (TLP 2.0, LES, CUI) as the access rules use them."""

from __future__ import annotations

import re

from django.db import models


class RecordClass(models.TextChoices):
    PUBLIC = "public", "Public information"
    PARTNER = "partner", "Partner (any signed-in partner)"
    LAW_ENFORCEMENT = "law_enforcement", "Law enforcement only"
    CRIMINAL_INTELLIGENCE = "criminal_intelligence", "Criminal intelligence (28 CFR Part 23)"


class TLP(models.TextChoices):
    CLEAR = "CLEAR", "TLP:CLEAR"
    GREEN = "GREEN", "TLP:GREEN"
    AMBER = "AMBER", "TLP:AMBER"
    AMBER_STRICT = "AMBER+STRICT", "TLP:AMBER+STRICT"
    RED = "RED", "TLP:RED"


_CUI_BANNER = re.compile(r"^CUI(//(SP-)?[A-Z][A-Z0-9-]*(/(SP-)?[A-Z][A-Z0-9-]*)*)?(//[A-Z][A-Z0-9 ,/-]*)?$")


def validate_cui_banner(banner: str) -> str | None:
    """Return an error message if `banner` is not of the CUI banner form `CUI[//CAT[/CAT]][//LDC]`."""
    if not banner:
        return None
    if not _CUI_BANNER.match(banner):
        return "A CUI banner reads CUI, CUI//CATEGORY or CUI//SP-CATEGORY//DISSEMINATION (capitals)."
    return None


def banner_line(tlp: str, les: bool, cui: str) -> str:
    """The banner shown at the top and bottom of a record, page or PDF."""
    parts = [f"TLP:{tlp}"]
    if cui:
        parts.append(cui)
    if les:
        parts.append("LAW ENFORCEMENT SENSITIVE")
    return " | ".join(parts)
