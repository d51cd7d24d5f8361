"""SAR API (/api/v1/sars): partner systems submit reports, and the center's staff vet, relate and export
them. Every operation calls `services`; schemas carry the constraints so errors name the field."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from ninja import Field, Query, Router, Schema, Status

from fusioncenter.core import access
from fusioncenter.core.models import Center
from fusioncenter.core.requestinfo import source_address

from . import categories, queries, services
from .models import Report, Source

PREFIX = "/sars"
router = Router(tags=["sar"])

CategoryCode = Literal[tuple(categories.codes())]  # type: ignore[valid-type]


class IdentifierIn(Schema):
    kind: Literal["dl", "ssn", "passport", "state_id", "phone", "email", "other"]
    value: str = Field(..., min_length=1, max_length=100)


class SubjectIn(Schema):
    name: str = Field("", max_length=200)
    aliases: list[str] = Field(default_factory=list, max_length=10)
    date_of_birth: dt.date | None = None
    age_min: int | None = Field(None, ge=0, le=120)
    age_max: int | None = Field(None, ge=0, le=120)
    sex: str = Field("", max_length=20)
    race: str = Field("", max_length=60)
    height_in: int | None = Field(None, ge=0, le=108, description="inches")
    weight_lb: int | None = Field(None, ge=0, le=1000, description="pounds")
    hair: str = Field("", max_length=40)
    eyes: str = Field("", max_length=40)
    description: str = Field("", max_length=500)
    identifiers: list[IdentifierIn] = Field(default_factory=list, max_length=10)


class VehicleIn(Schema):
    plate: str = Field("", max_length=12)
    plate_state: str = Field("", max_length=2, pattern=r"^([A-Za-z]{2})?$")
    vin: str = Field("", max_length=17)
    make: str = Field("", max_length=40)
    model: str = Field("", max_length=40)
    year: int | None = Field(None, ge=1900, le=2100)
    color: str = Field("", max_length=40)


class ReportIn(Schema):
    summary: str = Field(..., min_length=1, max_length=200, description="What happened, in a line")
    narrative: str = Field(..., min_length=10, max_length=20000)
    observed_at: dt.datetime
    observed_end: dt.datetime | None = None
    location_address: str = Field("", max_length=300)
    location_place: str = Field("", max_length=200)
    zip_code: str = Field("", max_length=10)
    county: str = Field("", max_length=80, description="County name or 5-digit FIPS code")
    latitude: float | None = Field(None, ge=-90, le=90)
    longitude: float | None = Field(None, ge=-180, le=180)
    categories: list[CategoryCode] = Field(..., min_length=1, max_length=16,  # type: ignore[valid-type]
                                           description="ISE-SAR behavior category codes (GET /sars/categories)")
    subjects: list[SubjectIn] = Field(default_factory=list, max_length=services.MAX_SUBJECTS)
    vehicles: list[VehicleIn] = Field(default_factory=list, max_length=services.MAX_VEHICLES)
    reporting_officer_name: str = Field("", max_length=200)
    grading_scheme: Literal["us4x4", "admiralty"] = "us4x4"
    source_reliability: str = Field("", max_length=24, description="e.g. reliable, usually_reliable")
    content_validity: str = Field("", max_length=24, description="e.g. confirmed, probable")


class CreatedOut(Schema):
    id: int
    receipt: str
    center: str
    state: str
    routing_flagged: bool
    routing_reason: str


class ReportOut(Schema):
    id: int
    receipt: str
    center: str | None
    state: str
    state_label: str
    source: str
    received_at: dt.datetime
    observed_at: dt.datetime | None
    summary: str
    narrative: str
    location: dict
    categories: list[str]
    record_class: str
    tlp: str
    ise_sar: bool
    routing_flagged: bool
    reporting_agency: str | None
    grading: dict
    subjects: list[dict]
    vehicles: list[dict]
    attachments: list[dict]
    vetting: dict | None = Field(None, description="Present for the staff of the report's center")
    allowed_actions: list[str]


class PageOut(Schema):
    count: int
    page: int
    pages: int
    results: list[dict]


class TransitionIn(Schema):
    action: Literal[tuple(services.RULES)]  # type: ignore[valid-type]
    reason: str = Field(..., min_length=services.MIN_REASON, max_length=2000)
    fields: dict = Field(default_factory=dict, description="Action-specific fields, e.g. justification")


class TransferIn(Schema):
    center: str = Field(..., max_length=16, description="Center code, e.g. STAC")
    reason: str = Field(..., min_length=services.MIN_REASON, max_length=500)


class LinkIn(Schema):
    other: int
    reason: str = Field(..., min_length=services.MIN_REASON, max_length=500)
    merge: bool = False


class ExportQuery(Schema):
    format: Literal["xml", "json"] = "json"
    privacy: Literal["summary", "detailed"] = "summary"
    recipient_organization: int | None = Field(None, description="The receiving agency (partner directory id)")
    recipient_user: str = Field("", max_length=150, description="Or the receiving person's user name")
    need_to_know: str = Field("", max_length=1000, description="The recipient's need to know (28 CFR 23.20(e))")


def _ntk(request: HttpRequest) -> str | None:
    return request.headers.get("X-Need-To-Know") or None


@router.get("/categories", auth=None, summary="The 16 ISE-SAR behavior categories with their definitions")
def list_categories(request: HttpRequest):
    return [c.__dict__ for c in categories.all_categories()]


@router.post("", response={201: CreatedOut}, summary="Submit a SAR (partner system or partner officer)")
def create(request: HttpRequest, payload: ReportIn):
    report = services.submit_partner(request.user, payload.dict(), source=Source.API,
                                     source_address=source_address(request))
    return Status(201, {"id": report.pk, "receipt": report.receipt, "center": report.center.code, "state": report.state,
                 "routing_flagged": report.routing_flagged, "routing_reason": report.routing_reason})


@router.get("", response=PageOut, summary="Reports the caller may see (filters: state, category, county, center)")
def list_reports(request: HttpRequest, state: str = "", category: str = "", county: str = "", center: str = "",
                 page: int = Query(1, ge=1)):
    qs = queries.queue(request.user, state=state, category=category, county=county, center=center)
    pages = Paginator(qs, 50)
    current = pages.get_page(page)
    return {"count": pages.count, "page": current.number, "pages": pages.num_pages,
            "results": [queries.row(r) for r in current]}


@router.get("/{report_id}", response=ReportOut, summary="One report: what the caller may see")
def get_report(request: HttpRequest, report_id: int):
    report = services.get_for(request.user, report_id, need_to_know=_ntk(request),
                              source_address=source_address(request))
    return queries.detail(request.user, report)


@router.post("/{report_id}/transitions", response=ReportOut, summary="Move a report through vetting")
def post_transition(request: HttpRequest, report_id: int, payload: TransitionIn):
    report = services.get_for(request.user, report_id, need_to_know=_ntk(request),
                              source_address=source_address(request))
    report = services.transition(request.user, report, payload.action, payload.reason, payload.fields,
                                 source_address=source_address(request))
    return queries.detail(request.user, Report.objects.get(pk=report.pk))


@router.post("/{report_id}/transfer", response=ReportOut, summary="Transfer to another center's queue")
def post_transfer(request: HttpRequest, report_id: int, payload: TransferIn):
    report = services.get_for(request.user, report_id, source_address=source_address(request))
    center = Center.objects.filter(code=payload.center.upper()).first()
    if center is None:
        raise ValidationError({"center": [ValidationError("Unknown center code.", code="choice")]})
    report = services.transfer(request.user, report, center, payload.reason, source_address=source_address(request))
    return queries.detail(request.user, Report.objects.get(pk=report.pk))


@router.get("/{report_id}/related", summary="Possible duplicates and related reports")
def get_related(request: HttpRequest, report_id: int):
    report = services.get_for(request.user, report_id, need_to_know=_ntk(request),
                              source_address=source_address(request))
    return [{"id": r.report.pk, "receipt": r.report.receipt, "state": r.report.state, "reasons": r.reasons,
             "possible_duplicate": r.duplicate, "linked": r.linked} for r in services.related(request.user, report)]


@router.post("/{report_id}/links", response=ReportOut, summary="Link a related report, or merge this one into it")
def post_link(request: HttpRequest, report_id: int, payload: LinkIn):
    report = services.get_for(request.user, report_id, source_address=source_address(request))
    if payload.merge:
        services.merge(request.user, report, payload.other, payload.reason, source_address=source_address(request))
    else:
        services.link(request.user, report, payload.other, payload.reason, source_address=source_address(request))
    return queries.detail(request.user, Report.objects.get(pk=report.pk))


class UnlinkIn(Schema):
    other: int
    reason: str = Field(..., min_length=services.MIN_REASON, max_length=500)


@router.post("/{report_id}/unlink", response=ReportOut, summary="Remove a link between two reports")
def post_unlink(request: HttpRequest, report_id: int, payload: UnlinkIn):
    report = services.get_for(request.user, report_id, source_address=source_address(request))
    services.unlink(request.user, report, payload.other, payload.reason, source_address=source_address(request))
    return queries.detail(request.user, Report.objects.get(pk=report.pk))


class UnmergeIn(Schema):
    reason: str = Field(..., min_length=services.MIN_REASON, max_length=500)


@router.post("/{report_id}/unmerge", response=ReportOut, summary="Undo a merge")
def post_unmerge(request: HttpRequest, report_id: int, payload: UnmergeIn):
    report = services.get_for(request.user, report_id, source_address=source_address(request))
    services.unmerge(request.user, report, payload.reason, source_address=source_address(request))
    return queries.detail(request.user, Report.objects.get(pk=report.pk))


@router.get("/{report_id}/suggestions", summary="Identifiers found in the narrative")
def get_suggestions(request: HttpRequest, report_id: int):
    report = services.get_for(request.user, report_id, need_to_know=_ntk(request),
                              source_address=source_address(request))
    if not report.extraction_done:
        services.run_extraction(report)
    return [{"id": s.pk, "kind": s.kind, "value": s.value, "normalized": s.normalized, "status": s.status}
            for s in report.suggestions.all()]


class DecisionIn(Schema):
    accept: bool


@router.post("/{report_id}/suggestions/{suggestion_id}", summary="Accept or reject a suggestion")
def post_suggestion(request: HttpRequest, report_id: int, suggestion_id: int, payload: DecisionIn):
    report = services.get_for(request.user, report_id, source_address=source_address(request))
    suggestion = report.suggestions.filter(pk=suggestion_id).first()
    if suggestion is None:
        raise access.AccessDenied(access.deny("No such suggestion."))
    s = services.decide_suggestion(request.user, suggestion, payload.accept, source_address=source_address(request))
    return {"id": s.pk, "kind": s.kind, "value": s.value, "status": s.status}


@router.get("/{report_id}/export", summary="Export through the dissemination log: XML or JSON, summary or detailed")
def get_export(request: HttpRequest, report_id: int, q: Query[ExportQuery]):
    report = services.get_for(request.user, report_id, need_to_know=_ntk(request) or q.need_to_know or None,
                              source_address=source_address(request))
    content_type, body = services.export(request.user, report, q.format, q.privacy,
                                         recipient_user=q.recipient_user,
                                         recipient_organization=q.recipient_organization,
                                         need_to_know=q.need_to_know, source_address=source_address(request))
    response = HttpResponse(body, content_type=f"{content_type}; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{report.receipt}-{q.privacy}.{q.format}"'
    return response
