"""REST: `GET /api/v1/search?q=` (the search box for partner systems) and an entity's visible view."""

from __future__ import annotations

import datetime as dt

from django.http import Http404, HttpRequest
from ninja import Field, Query, Router, Schema
from pydantic import ValidationInfo, field_validator

from fusioncenter.core.requestinfo import source_address

from . import access as eaccess
from . import search as search_mod
from . import services

PREFIX = "/search"
# Results past this many are not paged to: the total is counted up to search.MAX_CANDIDATES, and a
# deeper offset only makes the database skip rows (an offset past 2**63 would overflow it).
MAX_OFFSET = 10_000
router = Router(tags=["search"])


class SearchParams(Schema):
    q: str
    type: list[str] = []
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    county: str = ""
    category: str = ""
    tlp: str = ""
    center: str = ""
    limit: int = 20
    offset: int = Field(0, ge=0, le=MAX_OFFSET)

    @field_validator("date_to")
    @classmethod
    def _range_can_match(cls, value: dt.date | None, info: ValidationInfo) -> dt.date | None:
        """A reversed range would answer "no results", which reads as "nothing there"."""
        start = info.data.get("date_from")
        if value and start and value < start:
            raise ValueError("date_to is before date_from")
        return value


class HitOut(Schema):
    type: str
    id: str
    title: str
    snippet: str
    date: dt.datetime | None
    tlp: str
    record_class: str
    center: str
    county_fips: str
    url: str


class SearchOut(Schema):
    total: int
    results: list[HitOut]


@router.get("", response=SearchOut, summary="Search every record you may see")
def search(request: HttpRequest, params: Query[SearchParams]):
    """Full text over every registered record type, filtered through the access rules; snippets mark hits
    with <mark>. A plate, phone or name is found however it was written."""
    filters = search_mod.Filters(types=params.type, date_from=params.date_from, date_to=params.date_to,
                                 county_fips=params.county, category=params.category, tlp=params.tlp,
                                 center=params.center)
    hits, total = search_mod.search(request.user, params.q, filters, limit=max(1, min(params.limit, 100)),
                                    offset=params.offset, source_address=source_address(request))
    return {"total": total, "results": [{
        "type": h.document.source_type, "id": h.document.source_id, "title": h.document.title,
        "snippet": str(h.snippet), "date": h.document.date, "tlp": h.document.tlp,
        "record_class": h.document.record_class, "center": h.document.center_code,
        "county_fips": h.document.county_fips, "url": h.url} for h in hits]}


class MentionOut(Schema):
    id: int
    source_type: str
    source_id: str
    field: str
    raw_value: str
    how: str
    match: dict


class EntityOut(Schema):
    id: int
    type: str
    display: str
    mentions: list[MentionOut]


@router.get("/entities/{entity_id}", response=EntityOut, summary="An entity, as far as your records show it")
def entity(request: HttpRequest, entity_id: int):
    try:
        found = services.get_entity(request.user, entity_id, source_address=source_address(request))
    except LookupError as exc:
        raise Http404 from exc
    mentions = list(eaccess.visible_mentions(request.user, found.mentions.all()))
    if not mentions:
        raise Http404
    return {"id": found.pk, "type": found.type, "display": found.display, "mentions": [
        {"id": m.pk, "source_type": m.source_type, "source_id": m.source_id, "field": m.field,
         "raw_value": m.raw_value, "how": m.how, "match": m.why} for m in mentions]}
