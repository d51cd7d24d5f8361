"""The privacy officer's oversight: who viewed a record, unusual access, the annual compliance report.

Everything here reads the core audit (entries name objects by type and id) and the privacy tables;
nothing here changes a record.

Unusual access, precisely (thresholds in `privacy.conf`):

* **burst**: one user viewed more than FUSIONCENTER_PRIVACY_BURST_RECORDS distinct records within
  any FUSIONCENTER_PRIVACY_BURST_MINUTES window. Reported once per user with the largest window.
* **off hours**: a view at a local time (America/Chicago) outside FUSIONCENTER_PRIVACY_WORK_START_HOUR
  to FUSIONCENTER_PRIVACY_WORK_END_HOUR on a weekday, or on a Saturday or Sunday.
* **no link**: a view of a registered record type by a user with no recorded tie to that record:
  not its author, not an analyst or supervisor of the record's center, no share to them or their
  organization, no need-to-know statement ever recorded, and no dissemination of it to them or their
  organization. The privacy officer's own views are oversight and are not flagged (they remain in
  "who viewed").

* **unlinked person search**: a search that showed records mentioning a person entity about whom the
  searcher has no linked record. The entities app decides this at search time (see
  `entities/oversight.py` for the exact definition of a linked record) and writes an audit entry with
  action UNLINKED_SEARCH_ACTION naming the entity ids; reported per user with the searches and the
  distinct people.

A "view" is an audit entry with action `view` (written by `core.access.require` for every view of a
law-enforcement-only, criminal-intelligence or LES record) by a signed-in user.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import statistics
from collections import defaultdict
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, Q, QuerySet
from django.template.loader import render_to_string
from django.utils import timezone

from fusioncenter.core import audit, clock
from fusioncenter.core.models import AuditEntry, NeedToKnow, Share, User
from fusioncenter.core.roles import CENTER_WORKER_ROLES, Role

from . import conf, registry
from .models import Dissemination, RedressCase, ReviewHistory, ReviewItem, Tombstone

LOCAL = ZoneInfo("America/Chicago")
VIEW_ACTIONS = ("view",)
# Written by the entity search (entities/oversight.py); read here by name so privacy imports nothing above it.
UNLINKED_SEARCH_ACTION = "entities.search_unlinked_person"
KINDS = ("burst", "off_hours", "no_link", "unlinked_search")


def who_viewed(label: str, object_id: Any) -> QuerySet:
    """Every audited access to the record (views, refusals, changes), oldest first."""
    return AuditEntry.objects.filter(object_type=label, object_id=str(object_id)).order_by("seq")


def _views(since: dt.datetime, until: dt.datetime) -> QuerySet:
    return AuditEntry.objects.filter(action__in=VIEW_ACTIONS, actor_id__isnull=False, at__gte=since,
                                     at__lt=until).exclude(object_type="").order_by("at", "seq")


@dataclass(frozen=True)
class Finding:
    kind: str  # burst | off_hours | no_link | unlinked_search
    user_id: int
    username: str
    count: int
    first: dt.datetime
    last: dt.datetime
    detail: str


def _burst(entries: list[AuditEntry]) -> list[Finding]:
    limit = conf.get("FUSIONCENTER_PRIVACY_BURST_RECORDS")
    window = dt.timedelta(minutes=conf.get("FUSIONCENTER_PRIVACY_BURST_MINUTES"))
    by_user: dict[int, list[AuditEntry]] = defaultdict(list)
    for e in entries:
        by_user[e.actor_id].append(e)
    out = []
    for uid, rows in by_user.items():
        best = (0, None, None)
        start = 0
        counts: dict[tuple[str, str], int] = defaultdict(int)
        for e in rows:
            counts[(e.object_type, e.object_id)] += 1
            while e.at - rows[start].at > window:
                key = (rows[start].object_type, rows[start].object_id)
                counts[key] -= 1
                if not counts[key]:
                    del counts[key]
                start += 1
            if len(counts) > best[0]:
                best = (len(counts), rows[start].at, e.at)
        if best[0] > limit:
            out.append(Finding("burst", uid, rows[0].actor, best[0], best[1], best[2],
                               f"{best[0]} distinct records within {int(window.total_seconds() // 60)} minutes "
                               f"(limit {limit})."))
    return out


def is_off_hours(moment: dt.datetime) -> bool:
    local = timezone.localtime(moment, LOCAL)
    start, end = conf.get("FUSIONCENTER_PRIVACY_WORK_START_HOUR"), conf.get("FUSIONCENTER_PRIVACY_WORK_END_HOUR")
    return local.weekday() >= 5 or not (start <= local.hour < end)


def _grouped(kind: str, entries: list[AuditEntry], detail: str) -> list[Finding]:
    by_user: dict[int, list[AuditEntry]] = defaultdict(list)
    for e in entries:
        by_user[e.actor_id].append(e)
    return [Finding(kind, uid, rows[0].actor, len(rows), rows[0].at, rows[-1].at, detail)
            for uid, rows in by_user.items()]


def _linked(user: User, label: str, object_id: str) -> bool:
    rt = registry.get(label)
    record = registry.load(label, object_id) if rt else None
    if record is None:
        return True  # unknown or purged: nothing to judge against
    if getattr(record, "created_by_id", None) == user.pk:
        return True
    center_id = getattr(record, "center_id", None)
    if user.role in CENTER_WORKER_ROLES and center_id and center_id == (user.home_center_id or (
            user.organization.center_id if user.organization_id else None)):
        return True
    ct = ContentType.objects.get_for_model(rt.model)
    tie = Q(user=user) | (Q(organization_id=user.organization_id) if user.organization_id else Q(pk__in=[]))
    if Share.objects.filter(tie, content_type=ct, object_id=object_id).exists():
        return True
    if NeedToKnow.objects.filter(content_type=ct, object_id=object_id, user=user).exists():
        return True
    got = Q(recipient_user=user) | (Q(recipient_organization_id=user.organization_id, recipient_user__isnull=True)
                                    if user.organization_id else Q(pk__in=[]))
    return Dissemination.objects.filter(got, record_type=label, object_id=object_id).exists()


def unlinked_searches(since: dt.datetime, until: dt.datetime) -> list[Finding]:
    """Per user: searches that reached people with no linked record, and how many distinct people."""
    entries = AuditEntry.objects.filter(action=UNLINKED_SEARCH_ACTION, actor_id__isnull=False, at__gte=since,
                                        at__lt=until).order_by("at", "seq")
    by_user: dict[int, list[AuditEntry]] = defaultdict(list)
    for e in entries[:50000]:
        by_user[e.actor_id].append(e)
    out = []
    for uid, rows in by_user.items():
        people = sorted({int(i) for e in rows for i in (e.detail or {}).get("entities", []) if str(i).isdigit()})
        shown = ", ".join(str(i) for i in people[:20]) + (" …" if len(people) > 20 else "")
        out.append(Finding("unlinked_search", uid, rows[0].actor, len(rows), rows[0].at, rows[-1].at,
                           f"{len(rows)} search{'es' if len(rows) != 1 else ''} reached {len(people)} "
                           f"{'person' if len(people) == 1 else 'people'} with no linked record "
                           f"(entity {shown})."))
    return out


def unusual_access(since: dt.datetime | None = None, until: dt.datetime | None = None) -> list[Finding]:
    until = until or clock.now()
    since = since or until - dt.timedelta(days=30)
    entries = list(_views(since, until)[:50000])
    findings = _burst(entries)
    findings += _grouped("off_hours", [e for e in entries if is_off_hours(e.at)], "Views outside working hours.")
    users = {u.pk: u for u in User.objects.filter(pk__in={e.actor_id for e in entries}).select_related(
        "organization")}
    unlinked = []
    cache: dict[tuple[int, str, str], bool] = {}
    for e in entries:
        user = users.get(e.actor_id)
        if user is None or user.role == Role.PRIVACY_OFFICER or registry.get(e.object_type) is None:
            continue
        key = (user.pk, e.object_type, e.object_id)
        if key not in cache:
            cache[key] = _linked(user, e.object_type, e.object_id)
        if not cache[key]:
            unlinked.append(e)
    findings += _grouped("no_link", unlinked, "Views of records with no linked case, share, statement or "
                                              "dissemination.")
    findings += unlinked_searches(since, until)
    return sorted(findings, key=lambda f: (f.kind, -f.count, f.username))


# --- the annual compliance report ------------------------------------------------------------------------


def annual_report(year: int) -> list[tuple[str, str, Any]]:
    """(section, measure, value) rows for one calendar year (local time), for the PDF and the CSV."""
    start = dt.datetime(year, 1, 1, tzinfo=LOCAL)
    end = dt.datetime(year + 1, 1, 1, tzinfo=LOCAL)
    rows: list[tuple[str, str, Any]] = []
    for rt in registry.record_types():
        qs = rt.candidates()
        rows.append(("Records held", f"{rt.verbose_name}: total now", qs.count()))
        rows.append(("Records held", f"{rt.verbose_name}: with no review date", qs.filter(
            **{f"{rt.review_date_field}__isnull": True}).count()))
        rows.append(("Records held", f"{rt.verbose_name}: review date passed", qs.filter(
            **{f"{rt.review_date_field}__lt": clock.today()}).count()))
        for name, missing in rt.missing_labels().items():
            rows.append(("Records held", f"{rt.verbose_name}: without {name.replace('_', ' ')}", missing))
    reviews = ReviewHistory.objects.filter(at__gte=start, at__lt=end)
    rows.append(("Review and validation", "Records queued for review",
                 ReviewItem.objects.filter(queued_at__gte=start, queued_at__lt=end).count()))
    rows.append(("Review and validation", "Validations", reviews.filter(action="revalidated").count()))
    rows.append(("Review and validation", "Open review items now",
                 ReviewItem.objects.filter(status=ReviewItem.Status.OPEN).count()))
    tomb = Tombstone.objects.filter(purged_at__gte=start, purged_at__lt=end)
    for reason, label in Tombstone.Reason.choices:
        rows.append(("Purges", label, tomb.filter(reason=reason).count()))
    dis = Dissemination.objects.filter(at__gte=start, at__lt=end)
    rows.append(("Dissemination", "Releases logged", dis.count()))
    for item in dis.values("channel").annotate(n=Count("id")).order_by("channel"):
        rows.append(("Dissemination", f"By channel: {item['channel']}", item["n"]))
    for item in dis.values("access_class").annotate(n=Count("id")).order_by("access_class"):
        rows.append(("Dissemination", f"By class: {item['access_class']}", item["n"]))
    rows.append(("Dissemination", "Releases refused", AuditEntry.objects.filter(
        action="privacy_dissemination_refused", at__gte=start, at__lt=end).count()))
    cases = RedressCase.objects.filter(received_at__gte=start, received_at__lt=end)
    rows.append(("Redress", "Requests received", cases.count()))
    rows.append(("Redress", "Corrected", cases.filter(events__to_status="corrected").distinct().count()))
    rows.append(("Redress", "No change", cases.filter(events__to_status="no_change").distinct().count()))
    answered = list(cases.filter(answered_at__isnull=False))
    rows.append(("Redress", "Answered", len(answered)))
    rows.append(("Redress", "Answered after the due date",
                 sum(1 for c in answered if timezone.localdate(c.answered_at, LOCAL) > c.due_on)))
    days = [(c.answered_at - c.received_at).days for c in answered]
    rows.append(("Redress", "Median days to answer", statistics.median(days) if days else "n/a"))
    rows.append(("Redress", "Open and overdue now",
                 RedressCase.objects.exclude(status="answered").filter(due_on__lt=clock.today()).count()))
    year_end = min(end, clock.now())
    findings = unusual_access(start, year_end) if year_end > start else []
    for kind in KINDS:
        rows.append(("Unusual access", kind.replace("_", " "), sum(1 for f in findings if f.kind == kind)))
    rows.append(("Access", "Refused accesses", AuditEntry.objects.filter(
        outcome="denied", at__gte=start, at__lt=end).count()))
    active = User.objects.filter(is_active=True)
    rows.append(("Training", "Active users", active.count()))
    rows.append(("Training", "Active users without current 28 CFR Part 23 training",
                 sum(1 for u in active if not u.cfr23_training_current())))
    check = audit.verify()
    rows.append(("Audit", "Audit chain entries verified", check.checked))
    rows.append(("Audit", "Audit chain intact", "yes" if check.ok else "NO"))
    return rows


def report_csv(year: int) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["section", "measure", "value"])
    for row in annual_report(year):
        writer.writerow(row)
    return out.getvalue()


def report_pdf(year: int, generated_by: str) -> bytes:
    from weasyprint import HTML
    from weasyprint.urls import URLFetcher

    rows = annual_report(year)
    sections: dict[str, list[tuple[str, Any]]] = {}
    for section, measure, value in rows:
        sections.setdefault(section, []).append((measure, value))
    html = render_to_string("privacy/report_pdf.html", {
        "year": year, "sections": sections, "generated_at": clock.now(), "generated_by": generated_by,
    })
    return HTML(string=html, url_fetcher=URLFetcher(allowed_protocols={"data"})).write_pdf()
