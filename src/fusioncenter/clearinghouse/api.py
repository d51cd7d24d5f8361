"""REST API of the clearinghouse: the PFIF 1.4 document (public listings without a token), cases, matching."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Query, Router, Schema
from ninja.errors import AuthenticationError

from fusioncenter.core import access
from fusioncenter.core.requestinfo import source_address
from fusioncenter.core.services import user_for_token

from . import exchange, matching, services

PREFIX = "/missing-persons"
router = Router(tags=["missing persons"])


def _caller(request: HttpRequest) -> Any:
    """The user behind a Bearer token or a signed-in session; None for the public. A bad token is refused,
    not silently treated as the public, so a partner system notices its token stopped working."""
    header = request.headers.get("Authorization", "")
    if header:
        scheme, _, raw = header.partition(" ")
        user = user_for_token(raw.strip()) if scheme.lower() == "bearer" else None
        if user is None:
            raise AuthenticationError()
        return user
    user = getattr(request, "user", None)
    return user if access.is_signed_in(user) else None


@router.get(
    "/pfif",
    auth=None,
    summary="PFIF 1.4 document of the cases the caller may see",
    description="Without a token: the cases released to the public. With a token: every case the caller "
    "may export (the document then carries its handling marking as a comment).",
)
def pfif(request: HttpRequest):
    data = exchange.export_pfif(_caller(request), source_address(request))
    return HttpResponse(data, content_type="application/xml; charset=utf-8")


class CaseOut(Schema):
    id: int
    reference: str
    status: str
    person_type: str
    ncic_category: str
    ncmec_category: str
    given_name: str
    family_name: str
    age_at_disappearance: int | None
    sex: str
    last_seen_at: dt.datetime
    last_seen_place: str
    county: str | None
    released_to_public: bool


def _out(case) -> CaseOut:
    return CaseOut(
        id=case.pk,
        reference=case.reference,
        status=case.status,
        person_type=case.person_type,
        ncic_category=case.ncic_category,
        ncmec_category=case.ncmec_category,
        given_name=case.given_name,
        family_name=case.family_name,
        age_at_disappearance=case.age_at_disappearance,
        sex=case.sex,
        last_seen_at=case.last_seen_at,
        last_seen_place=case.last_seen_place,
        county=case.last_seen_county.name if case.last_seen_county_id else None,
        released_to_public=case.released_to_public,
    )


@router.get("/cases", response=list[CaseOut], summary="Cases the caller may see")
def cases(request: HttpRequest, status: str = "missing"):
    qs = services.visible_cases(request.user).order_by("-opened_at")
    if status != "all":
        qs = qs.filter(status=status)
    return [_out(c) for c in qs[:500]]


@router.get("/cases/{case_id}", response=CaseOut, summary="One case")
def case(request: HttpRequest, case_id: int):
    return _out(services.get_case(request.user, case_id, source_address(request)))


class MatchIn(Schema):
    age_min: int | None = None
    age_max: int | None = None
    sex: str | None = None
    height_in: int | None = None
    weight_lb: int | None = None
    hair_color: str | None = None
    eye_color: str | None = None
    scars_marks_tattoos: str | None = None
    found_at: dt.datetime | None = None
    latitude: float | None = None
    longitude: float | None = None


class FactorOut(Schema):
    name: str
    points: float
    reason: str


class CandidateOut(Schema):
    case_id: int
    reference: str
    score: float
    factors: list[FactorOut]


@router.get("/match", response=list[CandidateOut], summary="Rank open cases against a found person's descriptors")
def match(request: HttpRequest, q: Query[MatchIn]):
    found = matching.rank(request.user, q.dict())
    return [
        CandidateOut(
            case_id=c.case.pk,
            reference=c.case.reference,
            score=c.score,
            factors=[FactorOut(name=f.name, points=f.points, reason=f.reason) for f in c.factors],
        )
        for c in found
    ]
