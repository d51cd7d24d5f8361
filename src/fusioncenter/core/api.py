"""Core API: who am I, partners, jurisdictions and routing, audit verification."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from . import audit, jurisdictions
from .models import County, Organization
from .roles import Role

PREFIX = "/"
router = Router(tags=["core"])


class OrganizationOut(Schema):
    id: int
    name: str
    acronym: str
    discipline: str
    county: str | None
    center: str


class MeOut(Schema):
    id: int
    username: str
    role: str
    organization: OrganizationOut | None
    sworn: bool
    cfr23_trained_on: str | None
    center: str | None


class CountyOut(Schema):
    fips: str
    name: str
    same_code: str
    center: str
    region: str | None


class RouteIn(Schema):
    county: str | None = Field(None, max_length=80, description="County name or 5-digit FIPS code")
    zip_code: str | None = Field(None, pattern=r"^\d{5}$")
    latitude: float | None = Field(None, ge=-90, le=90)
    longitude: float | None = Field(None, ge=-180, le=180)


class RouteOut(Schema):
    center: str
    county: CountyOut | None
    flagged: bool
    reason: str


class AuditVerifyOut(Schema):
    ok: bool
    checked: int
    problems: list[str]


def _org(org: Organization | None) -> dict | None:
    if org is None:
        return None
    return {
        "id": org.pk,
        "name": org.name,
        "acronym": org.acronym,
        "discipline": org.discipline,
        "county": org.county.name if org.county_id else None,
        "center": org.center.code,
    }


def _county(c: County | None) -> dict | None:
    if c is None:
        return None
    return {
        "fips": c.fips,
        "name": c.name,
        "same_code": c.same_code,
        "center": c.center.code,
        "region": c.region.name if c.region_id else None,
    }


@router.get("/me", response=MeOut, summary="The caller's account")
def me(request: HttpRequest):
    user = request.user
    return {
        "id": user.pk,
        "username": user.username,
        "role": user.role,
        "organization": _org(user.organization),
        "sworn": user.sworn,
        "cfr23_trained_on": user.cfr23_trained_on.isoformat() if user.cfr23_trained_on else None,
        "center": user.center.code if user.center else None,
    }


@router.get("/organizations", response=list[OrganizationOut], summary="Partner directory")
def organizations(request: HttpRequest):
    return [_org(o) for o in Organization.objects.filter(active=True).select_related("county", "center")]


@router.get("/counties", response=list[CountyOut], summary="Counties with their center and region", auth=None)
def counties(request: HttpRequest):
    return [_county(c) for c in County.objects.select_related("center", "region")]


@router.get("/route", response=RouteOut, summary="Which center covers a place", auth=None)
def route(request: HttpRequest, place: Query[RouteIn]):
    routing = jurisdictions.route(
        county=place.county, zip_code=place.zip_code, latitude=place.latitude, longitude=place.longitude
    )
    return {
        "center": routing.center.code,
        "county": _county(routing.county),
        "flagged": routing.flagged,
        "reason": routing.reason,
    }


@router.get("/audit/verify", response=AuditVerifyOut, summary="Verify the audit chain")
def audit_verify(request: HttpRequest):
    if request.user.role not in (Role.ADMINISTRATOR, Role.PRIVACY_OFFICER):
        raise PermissionDenied("Administrators and the privacy officer only.")
    result = audit.verify()
    audit.record(
        request.user,
        "audit_verified",
        object_type="core.auditentry",
        detail={"ok": result.ok, "checked": result.checked},
    )
    return {"ok": result.ok, "checked": result.checked, "problems": result.problems}
