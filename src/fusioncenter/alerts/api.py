"""REST API of the alert programs: active public alerts (no sign-in), programs and a criteria check."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import Http404, HttpRequest
from django.urls import reverse
from ninja import Body, Router, Schema

from . import content, criteria, services
from .models import AlertProgram

PREFIX = "/alerts"
router = Router(tags=["alerts"])


class PublicAlertOut(Schema):
    id: int
    program: str
    headline: str
    issued_at: dt.datetime
    expires_at: dt.datetime
    public_contact: str
    page_url: str
    cap_url: str


class CriterionOut(Schema):
    id: str
    text: str
    kind: str
    status: str
    reason: str


class EvaluationOut(Schema):
    program: str
    all_met: bool
    results: list[CriterionOut]


@router.get("/active", response=list[PublicAlertOut], auth=None, summary="Active public alerts")
def active(request: HttpRequest):
    return [
        PublicAlertOut(
            id=a.pk,
            program=a.program.code,
            headline=a.headline,
            issued_at=a.issued_at,
            expires_at=a.expires_at,
            public_contact=a.public_contact,
            page_url=content.absolute(reverse("alerts:public_detail", args=[a.pk])),
            cap_url=content.absolute(reverse("alerts:cap_latest", args=[a.pk])),
        )
        for a in services.public_alerts().order_by("-issued_at")
    ]


@router.post("/programs/{code}/evaluate", response=EvaluationOut, summary="Check request fields against a program")
def evaluate(request: HttpRequest, code: str, fields: dict[str, Any] = Body(...)):  # noqa: B008
    """The pure criteria check, for partner systems and the clearinghouse: nothing is stored."""
    program = AlertProgram.objects.filter(code=code.upper(), active=True).first()
    if program is None:
        raise Http404
    if not services.may_request(request.user):
        from django.core.exceptions import PermissionDenied

        raise PermissionDenied("Law enforcement only.")
    for name in ("disappeared_at", "requested_at"):
        if isinstance(fields.get(name), str):
            try:
                fields[name] = dt.datetime.fromisoformat(fields[name])
            except ValueError:
                from django.core.exceptions import ValidationError

                raise ValidationError({name: ["Use an ISO 8601 date-time with offset."]}, code="invalid") from None
    result = criteria.evaluate(program.spec(), fields, now=services.clock.now())
    return EvaluationOut(
        program=program.code,
        all_met=result.all_met,
        results=[
            CriterionOut(id=r.id, text=r.text, kind=r.kind, status=r.status, reason=r.reason) for r in result.results
        ],
    )
