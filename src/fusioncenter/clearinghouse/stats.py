"""Statistics of the cases a user may see: open cases by category, age group and county; time to resolution."""

from __future__ import annotations

import statistics
from collections import Counter
from typing import Any

from fusioncenter.core import clock, jurisdictions

from .models import RESOLVED_STATUSES, CaseStatus, NcicCategory, NcmecCategory
from .services import visible_cases

AGE_GROUPS = (
    (0, 9, "0–9"),
    (10, 13, "10–13"),
    (14, 17, "14–17"),
    (18, 20, "18–20"),
    (21, 59, "21–59"),
    (60, 200, "60 and over"),
)


def age_group(age: int | None) -> str:
    if age is None:
        return "Unknown"
    return next(label for low, high, label in AGE_GROUPS if low <= age <= high)


def compute(user: Any) -> dict[str, Any]:
    cases = list(visible_cases(user))
    today = clock.today()
    open_cases = [c for c in cases if c.status == CaseStatus.MISSING]
    ncic = Counter(c.ncic_category for c in open_cases)
    ncmec = Counter(c.ncmec_category for c in open_cases)
    ages = Counter(age_group(c.age_on(today)) for c in open_cases)
    counties = Counter(c.last_seen_county.fips for c in open_cases if c.last_seen_county_id)
    names = {c.last_seen_county.fips: c.last_seen_county.name for c in open_cases if c.last_seen_county_id}
    values, legend = jurisdictions.count_categories(dict(counties), breaks=(1, 2, 4, 8))
    legend = {k: f"{v} open cases" for k, v in legend.items()}
    days = [
        (c.resolved_at - c.opened_at).total_seconds() / 86400
        for c in cases
        if c.status in RESOLVED_STATUSES and c.resolved_at
    ]
    by_outcome: dict[str, list[float]] = {}
    for c in cases:
        if c.status in RESOLVED_STATUSES and c.resolved_at:
            by_outcome.setdefault(c.get_status_display(), []).append(
                (c.resolved_at - c.opened_at).total_seconds() / 86400
            )
    return {
        "open_total": len(open_cases),
        "resolved_total": len(days),
        "by_ncic": [(label, ncic.get(code, 0)) for code, label in NcicCategory.choices],
        "by_ncmec": [(label, ncmec.get(code, 0)) for code, label in NcmecCategory.choices]
        + [("Not given", ncmec.get("", 0))],
        "by_age": [(label, ages.get(label, 0)) for *_, label in AGE_GROUPS] + [("Unknown", ages.get("Unknown", 0))],
        "by_county": sorted(((names[f], n) for f, n in counties.items()), key=lambda x: (-x[1], x[0])),
        "map_svg": jurisdictions.county_map_svg(values, "Open missing-person cases by county", legend),
        "resolution": {
            "median_days": round(statistics.median(days), 1) if days else None,
            "mean_days": round(statistics.fmean(days), 1) if days else None,
            "by_outcome": [(k, len(v), round(statistics.median(v), 1)) for k, v in sorted(by_outcome.items())],
        },
    }
