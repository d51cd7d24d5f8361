"""How suspicious activity reports feed the entity index and the search box (registered in SarConfig.ready).

The entity index resolves the report's vehicles, subjects, phones, e-mails and addresses into shared
entities, so the same plate in a Dane County and a Brown County report meet; search indexes its
summary, narrative and the normalized plates. Indexing runs in the background task after the report is
saved (intake waits for neither). What a user may see of either is decided by core.access on the report.
"""

from __future__ import annotations

from typing import Any

from django.urls import reverse

IDENTIFIER_TYPES = {"phone": "phone", "email": "email", "address": "location"}


def mentions(report: Any) -> list:
    from fusioncenter.entities.schema import MentionInput

    out = []
    for v in report.vehicles.all():
        if v.plate or v.vin:
            out.append(MentionInput("vehicle", "vehicle", v.plate or v.vin, {
                "plate": v.plate, "plate_state": v.plate_state, "vin": v.vin, "make": v.make, "model": v.model,
                "color": v.color}))
    for s in report.subjects.all():
        if s.name:
            out.append(MentionInput("person", "subject", s.name, {
                "full_name": s.name, "dob": s.date_of_birth.isoformat() if s.date_of_birth else "", "sex": s.sex}))
    for i in report.identifiers.all():
        if i.kind in IDENTIFIER_TYPES:
            out.append(MentionInput(IDENTIFIER_TYPES[i.kind], i.kind, i.value))
    return out


def _county_fips(report: Any) -> str:
    return report.county.fips if report.county_id else ""


def _url(report: Any) -> str:
    return reverse("sar:detail", args=[report.pk])


def register() -> None:
    from fusioncenter.entities import registry

    from .models import Report

    registry.register_mention_source(
        Report, mentions, date=lambda r: r.observed_at, url=_url, describe=lambda r: f"SAR {r.receipt}",
        county_fips=_county_fips)
    registry.register_search_source(
        Report,
        lambda r: {"title": f"SAR {r.receipt}: {r.summary}", "body": r.narrative,
                   "keys": [v.plate for v in r.vehicles.all() if v.plate]},
        lambda r: {"date": r.observed_at, "county_fips": _county_fips(r)},
        url=_url)


def index(report: Any) -> None:
    """(Re)index one report in the entity index and the search index (both idempotent)."""
    from fusioncenter.entities import search, services

    services.index_record(report)
    search.index_record(report)
