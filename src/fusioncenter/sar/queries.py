"""Read-side helpers shared by the pages and the API: the queue, a report as data, dashboard counts.

Every queryset starts from `core.access.visible`; nothing here changes data.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.db.models.functions import TruncWeek

from fusioncenter.core import access, clock
from fusioncenter.core.models import Center

from . import categories, grading, services
from .models import OPEN_STATES, Report, State

AGE_BUCKETS = ((0, 2, "under 2 days"), (2, 7, "2–6 days"), (7, 30, "7–29 days"), (30, None, "30 days or more"))


def visible_reports(user: Any) -> QuerySet[Report]:
    return access.visible(user, Report.objects.all())


def default_center(user: Any) -> str:
    """The queue a user sees first: their own center's."""
    center_id = access.user_center_id(user) if access.is_signed_in(user) else None
    center = Center.objects.filter(pk=center_id).first() if center_id else None
    return center.code if center else ""


def queue(user: Any, *, state: str = "", category: str = "", county: str = "", center: str = "",
          flagged: bool = False, q: str = "") -> QuerySet[Report]:
    qs = visible_reports(user).select_related("center", "county")
    if state == "open":
        qs = qs.filter(state__in=OPEN_STATES)
    elif state:
        qs = qs.filter(state=state)
    else:
        qs = qs.exclude(state=State.MERGED)
    if category:
        qs = qs.filter(categories__code=category)
    if county:
        qs = qs.filter(Q(county__fips=county) | Q(county__name__iexact=county))
    if center:
        qs = qs.filter(center__code=center)
    if flagged:
        qs = qs.filter(routing_flagged=True)
    if q:
        qs = qs.filter(Q(receipt__iexact=q.strip()) | Q(summary__icontains=q.strip()))
    return qs.prefetch_related("categories").order_by("-received_at", "-id").distinct()


def row(report: Report) -> dict[str, Any]:
    return {
        "id": report.pk, "receipt": report.receipt, "center": report.center.code if report.center_id else None,
        "state": report.state, "received_at": report.received_at, "summary": report.summary,
        "county": report.county.name if report.county_id else None, "categories": report.category_codes,
        "routing_flagged": report.routing_flagged, "record_class": report.record_class,
    }


def detail(user: Any, report: Report) -> dict[str, Any]:
    """A report as the caller may see it: the staff of its center also get vetting and reporter contact."""
    worker = services.is_worker(user, report) or getattr(user, "role", "") == "privacy_officer"
    out = {
        **row(report),
        "state_label": report.get_state_display(),
        "source": report.source,
        "observed_at": report.observed_at,
        "narrative": report.narrative,
        "location": {"address": report.location_address, "place": report.location_place,
                     "zip_code": report.zip_code, "county": report.county.name if report.county_id else None,
                     "latitude": report.latitude, "longitude": report.longitude,
                     "routing_reason": report.routing_reason},
        "tlp": report.tlp,
        "ise_sar": report.ise_sar,
        "reporting_agency": report.reporting_agency.name if report.reporting_agency_id else None,
        "grading": {"scheme": report.grading_scheme, "source_reliability": report.source_reliability,
                    "content_validity": report.content_validity},
        "subjects": [
            {"name": s.name, "aliases": s.aliases, "date_of_birth": s.date_of_birth, "age_min": s.age_min,
             "age_max": s.age_max, "sex": s.sex, "race": s.race, "height_in": s.height_in, "weight_lb": s.weight_lb,
             "hair": s.hair, "eyes": s.eyes, "description": s.description, "identifiers": s.identifiers}
            for s in report.subjects.all()
        ],
        "vehicles": [{"plate": v.plate, "plate_state": v.plate_state, "vin": v.vin, "make": v.make, "model": v.model,
                      "year": v.year, "color": v.color} for v in report.vehicles.all()],
        "attachments": [{"id": str(a.uuid), "filename": a.filename, "content_type": a.content_type, "size": a.size}
                        for a in report.attachments.all()],
        "vetting": None,
        "allowed_actions": services.allowed_actions(user, report),
    }
    if worker:
        transitions = list(report.transitions.select_related("by"))
        out["vetting"] = {
            "reporter": {"anonymous": report.anonymous, "name": report.reporter_name,
                         "phone": report.reporter_phone, "email": report.reporter_email},
            "initial_review_at": report.initial_review_at, "solely_protected_attested":
                report.solely_protected_attested,
            "nexus_justification": report.nexus_justification, "criminal_predicate": report.criminal_predicate,
            "criminal_activity": report.criminal_activity, "additional_facts": report.additional_facts,
            "referred_to": report.referred_to_name, "retention_until": report.retention_until,
            "review_due": report.review_due, "merged_into": report.merged_into_id,
            "history": [{"action": t.action, "from": t.from_state, "to": t.to_state,
                         "by": t.by.username if t.by_id else None, "at": t.at, "reason": t.reason}
                        for t in transitions],
            "lawful_acquisition": lawful_acquisition_of(transitions),
        }
    return out


def lawful_acquisition_of(transitions: list) -> dict[str, Any] | None:
    """The 28 CFR 23.20(d) attestation of the latest move to criminal intelligence: who, when, what, source."""
    for t in sorted(transitions, key=lambda t: (t.at, t.pk), reverse=True):
        attestation = (t.detail or {}).get("lawful_acquisition") if t.action == "criminal_intelligence" else None
        if attestation:
            return {"by": t.by.username if t.by_id else None, "at": t.at, "statement": attestation["statement"],
                    "source_of_information": attestation["source_of_information"]}
    return None


# --- dashboard -----------------------------------------------------------------------------------------


def dashboard(user: Any, center: str = "", weeks: int = 12) -> dict[str, Any]:
    qs = visible_reports(user).exclude(state=State.MERGED)
    if center:
        qs = qs.filter(center__code=center)
    now = clock.now()
    by_state = {s: 0 for s in State.values if s != State.MERGED}
    for item in qs.values("state").annotate(n=Count("id")):
        by_state[item["state"]] = item["n"]
    open_qs = qs.filter(state__in=OPEN_STATES)
    ages = []
    for low, high, label in AGE_BUCKETS:
        f = Q(received_at__lte=now - dt.timedelta(days=low))
        if high is not None:
            f &= Q(received_at__gt=now - dt.timedelta(days=high))
        ages.append({"label": label, "received": open_qs.filter(f, state=State.RECEIVED).count(),
                     "vetting": open_qs.filter(f, state=State.VETTING).count()})
    cat_counts = dict(qs.values_list("categories__code").annotate(n=Count("id")).values_list("categories__code", "n"))
    by_category = [{"code": c.code, "label": c.label, "group": c.group, "count": cat_counts.get(c.code, 0)}
                   for c in categories.all_categories()]
    by_county = dict(qs.filter(county__isnull=False).values_list("county__fips").annotate(n=Count("id"))
                     .values_list("county__fips", "n"))
    start = (now - dt.timedelta(weeks=weeks)).date()
    start = start - dt.timedelta(days=start.weekday())
    trend_rows = dict(qs.filter(received_at__date__gte=start).annotate(week=TruncWeek("received_at"))
                      .values_list("week").annotate(n=Count("id")).values_list("week", "n"))
    trend_by_date = {(k.date() if isinstance(k, dt.datetime) else k): v for k, v in trend_rows.items()}
    trend = []
    for i in range(weeks + 1):
        week = start + dt.timedelta(weeks=i)
        trend.append({"week": week, "count": trend_by_date.get(week, 0)})
    return {"by_state": [{"state": s, "label": State(s).label, "count": n} for s, n in by_state.items()],
            "ages": ages, "by_category": by_category, "by_county": by_county, "trend": trend,
            "total": qs.count(), "open": open_qs.count(), "flagged": open_qs.filter(routing_flagged=True).count()}


def grading_label(report: Report) -> str:
    return (f"{grading.label(report.grading_scheme, 'reliability', report.source_reliability)} source, "
            f"{grading.label(report.grading_scheme, 'validity', report.content_validity).lower()} content")
