"""Audiences: who a product is meant for, as terms (discipline, organization, county, region, role,
liaison network, center, named person). The terms give *candidates*; `core.access` then decides, for
each candidate, whether they may receive the product (see `distribution.recipients`)."""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet

from fusioncenter.core.models import Center, County, Organization, Region
from fusioncenter.core.roles import Discipline, Role

from .models import AudienceKind

Term = tuple[str, str]


def _check(kind: str, value: str) -> str:
    """Validate one term; return its canonical value (or raise naming the audience field)."""
    value = str(value).strip()
    ok = False
    if kind == AudienceKind.DISCIPLINE:
        ok = value in Discipline.values
    elif kind == AudienceKind.ROLE:
        ok = value in Role.values
    elif kind == AudienceKind.LIAISON:
        value, ok = "liaison_officer", True
    elif kind == AudienceKind.CENTER:
        ok = Center.objects.filter(code=value).exists()
    elif kind == AudienceKind.COUNTY:
        ok = County.objects.filter(fips=value).exists()
    elif kind in (AudienceKind.ORGANIZATION, AudienceKind.REGION, AudienceKind.USER) and value.isdigit():
        model = {AudienceKind.ORGANIZATION: Organization, AudienceKind.REGION: Region,
                 AudienceKind.USER: get_user_model()}[kind]
        ok = model.objects.filter(pk=int(value)).exists()
    if not ok:
        raise ValidationError({"audience": [f"Unknown {kind} {value!r}."]}, code="invalid")
    return value


def clean_terms(terms: Iterable[Term]) -> list[Term]:
    out: list[Term] = []
    for kind, value in terms:
        if kind not in AudienceKind.values:
            raise ValidationError({"audience": [f"Unknown audience kind {kind!r}."]}, code="invalid")
        term = (kind, _check(kind, value))
        if term not in out:
            out.append(term)
    if len(out) > 200:
        raise ValidationError({"audience": ["At most 200 audience terms."]}, code="too_many")
    return out


def _q(kind: str, value: str) -> Q:
    if kind == AudienceKind.DISCIPLINE:
        return Q(organization__discipline=value)
    if kind == AudienceKind.ORGANIZATION:
        return Q(organization_id=int(value))
    if kind == AudienceKind.COUNTY:
        return Q(organization__county__fips=value)
    if kind == AudienceKind.REGION:
        return Q(organization__county__region_id=int(value))
    if kind == AudienceKind.ROLE:
        return Q(role=value)
    if kind == AudienceKind.LIAISON:
        return Q(role=Role.LIAISON_OFFICER)
    if kind == AudienceKind.CENTER:
        return Q(organization__center__code=value) | Q(home_center__code=value)
    return Q(pk=int(value))


def candidates(terms: Iterable[Term]) -> QuerySet:
    """Active users matching any term (the union), before any access decision."""
    query = Q(pk__in=[])
    for kind, value in terms:
        query |= _q(kind, value)
    return (get_user_model().objects.filter(query, is_active=True)
            .select_related("organization", "organization__county").order_by("last_name", "username"))


def describe(kind: str, value: str) -> str:
    """A reader's label for a term (for the product page and the preview)."""
    try:
        if kind == AudienceKind.DISCIPLINE:
            return f"Discipline: {Discipline(value).label}"
        if kind == AudienceKind.ROLE:
            return f"Role: {Role(value).label}"
        if kind == AudienceKind.LIAISON:
            return "Liaison officer network"
        if kind == AudienceKind.CENTER:
            return f"Center: {Center.objects.get(code=value).name}"
        if kind == AudienceKind.COUNTY:
            return f"County: {County.objects.get(fips=value).name}"
        if kind == AudienceKind.REGION:
            return f"Region: {Region.objects.get(pk=int(value)).name}"
        if kind == AudienceKind.ORGANIZATION:
            return f"Organization: {Organization.objects.get(pk=int(value)).name}"
        user = get_user_model().objects.get(pk=int(value))
        return f"Person: {user.get_full_name() or user.username}"
    except (ValueError, LookupError, Exception):  # noqa: BLE001 - a deleted org or user still gets a label
        return f"{kind} {value} (no longer exists)"


def choices() -> dict[str, list[tuple[str, str]]]:
    """Values a form may offer for each kind."""
    return {
        AudienceKind.DISCIPLINE: list(Discipline.choices),
        AudienceKind.ROLE: list(Role.choices),
        AudienceKind.CENTER: [(c.code, c.name) for c in Center.objects.all()],
        AudienceKind.REGION: [(str(r.pk), r.name) for r in Region.objects.all()],
        AudienceKind.COUNTY: [(c.fips, c.name) for c in County.objects.all()],
        AudienceKind.ORGANIZATION: [(str(o.pk), o.name) for o in Organization.objects.filter(active=True)],
    }
