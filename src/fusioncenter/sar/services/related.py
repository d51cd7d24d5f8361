"""Related reports, links and (reversible) merges."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db import transaction

from fusioncenter.core import access, audit
from fusioncenter.core.models import User

from .. import extraction
from ..models import (
    Link,
    Report,
    State,
    Transition,
)
from .common import (
    _error,
    _reason,
    _require_worker,
)

# --- related reports, links and merges -----------------------------------------------------------------


@dataclass
class Related:
    report: Report
    reasons: list[str]
    duplicate: bool
    linked: bool


def related(user: Any, report: Report, *, window_hours: int = 72, limit: int = 25) -> list[Related]:
    """Reports the user may see that share a plate, VIN, phone, e-mail or name with this one, or the
    same place in the same time window. Two or more shared facts, or the same place, time and
    category, suggest a duplicate."""
    pool = access.visible(user, Report.objects.exclude(pk=report.pk))
    reasons: dict[int, list[str]] = {}

    def add(ids: Iterable[int], why: str) -> None:
        for rid in ids:
            reasons.setdefault(rid, [])
            if why not in reasons[rid]:
                reasons[rid].append(why)

    plates = [k for k in report.vehicles.values_list("plate_key", flat=True) if k]
    if plates:
        add(pool.filter(vehicles__plate_key__in=plates).values_list("pk", flat=True), "same plate")
    vins = [v for v in report.vehicles.values_list("vin", flat=True) if v]
    if vins:
        add(pool.filter(vehicles__vin__in=vins).values_list("pk", flat=True), "same VIN")
    for kind, label in (("phone", "same phone"), ("email", "same e-mail")):
        keys = list(report.identifiers.filter(kind=kind).values_list("key", flat=True))
        if keys:
            add(pool.filter(identifiers__kind=kind, identifiers__key__in=keys).values_list("pk", flat=True), label)
    names = [n for n in report.subjects.values_list("name_key", flat=True) if len(n) >= 4]
    if names:
        add(pool.filter(subjects__name_key__in=names).values_list("pk", flat=True), "same name")
    when = report.observed_at or report.received_at
    near = pool.filter(county=report.county) if report.county_id else pool.none()
    near = near.filter(observed_at__gte=when - dt.timedelta(hours=window_hours),
                       observed_at__lte=when + dt.timedelta(hours=window_hours))
    place_ids = set()
    for other in near.only("pk", "location_address", "location_place", "latitude", "longitude"):
        if _same_place(report, other):
            place_ids.add(other.pk)
    add(place_ids, "same place and time window")

    linked_ids = set(Link.objects.filter(from_report=report).values_list("to_report_id", flat=True)) | set(
        Link.objects.filter(to_report=report).values_list("from_report_id", flat=True))
    mine = set(report.category_codes)
    found = {r.pk: r for r in pool.filter(pk__in=list(reasons) + list(linked_ids)).prefetch_related("categories")}
    out = []
    for rid, r in found.items():
        why = reasons.get(rid, [])
        same_cat = bool(mine & set(r.category_codes))
        duplicate = len(why) >= 2 or ("same place and time window" in why and same_cat)
        out.append(Related(r, why, duplicate, rid in linked_ids))
    out.sort(key=lambda x: (not x.duplicate, -len(x.reasons), -x.report.pk))
    return out[:limit]


def _same_place(a: Report, b: Report) -> bool:
    if a.location_address and b.location_address and (
        extraction.normalize_address(a.location_address) == extraction.normalize_address(b.location_address)
    ):
        return True
    if a.location_place and b.location_place and a.location_place.lower() == b.location_place.lower():
        return True
    if None not in (a.latitude, a.longitude, b.latitude, b.longitude):
        return abs(a.latitude - b.latitude) < 0.01 and abs(a.longitude - b.longitude) < 0.013  # about 1 km
    return False


def _other(user: User, other_id: Any, source_address: str) -> Report:
    try:
        other = Report.objects.filter(pk=int(other_id)).first()
    except (TypeError, ValueError):
        other = None
    if other is None:
        raise _error("other", "No such report.", "not_found")
    try:
        access.require(user, access.VIEW, other, source_address=source_address)
    except access.AccessDenied:
        raise _error("other", "No such report.", "not_found") from None
    return other


def link(user: User, report: Report, other_id: Any, reason: str, *, source_address: str = "") -> Link:
    with transaction.atomic():
        _require_worker(user, report, "link it", source_address)
        other = _other(user, other_id, source_address)
        if other.pk == report.pk:
            raise _error("other", "A report cannot be linked to itself.", "self")
        why = _reason(reason)
        if Link.objects.filter(from_report=report, to_report=other).exists() or Link.objects.filter(
                from_report=other, to_report=report).exists():
            raise _error("other", "The reports are already linked.", "exists")
        made = Link.objects.create(from_report=report, to_report=other, by=user, reason=why[:500])
        Transition.objects.create(report=report, action="link", from_state=report.state, to_state=report.state,
                                  by=user, reason=why, detail={"other": other.pk})
        audit.record(user, "sar_link", report, source_address=source_address, detail={"other": other.pk})
    return made


def unlink(user: User, report: Report, other_id: Any, reason: str, *, source_address: str = "") -> None:
    with transaction.atomic():
        _require_worker(user, report, "unlink it", source_address)
        other = _other(user, other_id, source_address)
        why = _reason(reason)
        gone = Link.objects.filter(from_report=report, to_report=other).delete()[0] + Link.objects.filter(
            from_report=other, to_report=report).delete()[0]
        if not gone:
            raise _error("other", "The reports are not linked.", "not_linked")
        Transition.objects.create(report=report, action="unlink", from_state=report.state, to_state=report.state,
                                  by=user, reason=why, detail={"other": other.pk})
        audit.record(user, "sar_unlink", report, source_address=source_address, detail={"other": other.pk})


def merge(user: User, duplicate: Report, into_id: Any, reason: str, *, source_address: str = "") -> Report:
    """Mark `duplicate` as merged into another report of the same center.

    Reversible by design: nothing is moved or deleted; the duplicate keeps its own content and its
    state before the merge, leaves the queue, and points to the surviving report.
    """
    with transaction.atomic():
        duplicate = Report.objects.select_for_update().get(pk=duplicate.pk)
        _require_worker(user, duplicate, "merge it", source_address)
        into = _other(user, into_id, source_address)
        if into.pk == duplicate.pk:
            raise _error("other", "A report cannot be merged into itself.", "self")
        if duplicate.state == State.MERGED:
            raise _error("other", "The report is already merged.", "transition")
        if into.state == State.MERGED:
            raise _error("other", "That report is itself merged; merge into the report it points to.", "transition")
        if into.center_id != duplicate.center_id:
            raise _error("other", "Transfer the reports to the same center before merging them.", "same_center")
        if duplicate.state not in (State.RECEIVED, State.VETTING):
            raise _error("other", "Only a report still in the queue can be merged into another.", "transition")
        why = _reason(reason)
        before = duplicate.state
        duplicate.state_before_merge = before
        duplicate.state = State.MERGED
        duplicate.merged_into = into
        duplicate.save()
        Transition.objects.create(report=duplicate, action="merge", from_state=before, to_state=State.MERGED, by=user,
                                  reason=why, detail={"into": into.pk})
        Transition.objects.create(report=into, action="merged_from", from_state=into.state, to_state=into.state,
                                  by=user, reason=why, detail={"from": duplicate.pk})
        audit.record(user, "sar_merge", duplicate, source_address=source_address, detail={"into": into.pk})
    return duplicate


def unmerge(user: User, duplicate: Report, reason: str, *, source_address: str = "") -> Report:
    with transaction.atomic():
        duplicate = Report.objects.select_for_update().get(pk=duplicate.pk)
        _require_worker(user, duplicate, "undo the merge", source_address)
        if duplicate.state != State.MERGED or duplicate.merged_into_id is None:
            raise _error("action", "The report is not merged.", "transition")
        why = _reason(reason)
        into_id = duplicate.merged_into_id
        duplicate.state = duplicate.state_before_merge or State.VETTING
        duplicate.state_before_merge = ""
        duplicate.merged_into = None
        duplicate.save()
        Transition.objects.create(report=duplicate, action="unmerge", from_state=State.MERGED,
                                  to_state=duplicate.state, by=user, reason=why, detail={"from": into_id})
        audit.record(user, "sar_unmerge", duplicate, source_address=source_address, detail={"from": into_id})
    return duplicate
