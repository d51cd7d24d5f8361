"""The match review queue: open possible matches and automatic matches, a page at a time.

Why a module of its own: after a large import the queue holds hundreds of thousands of open rows
(157,526 possible matches and about a million automatic ones at a million imported rows), of which
an analyst may see only some. A page is therefore read newest first from a cursor (an id), not an
offset, in bounded batches; the query keeps only rows whose record's copied markings pass
(`search.prefilter`), and `entities.access` then decides on the records themselves. Each row names
the record and the value as written, so an analyst can tell twenty matches of one entity apart
without opening each.

Possible matches (suggestions: a stored row each) and automatic matches (derived from the mentions,
`services.open_automatic_matches`, with the rows an undo reopened) are two lists, not one: they are
two streams with their own order and cursor, and the first is what needs an analyst, the second
what an analyst may spot-check.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Exists, Max, OuterRef, QuerySet

from fusioncenter.core import audit
from fusioncenter.core.roles import CENTER_WORKER_ROLES, Role

from . import access as eaccess
from . import search, services
from .models import MatchDecision, Mention, SearchDocument

# who sees the queue: those who decide, and the privacy officer, who oversees the decisions
REVIEW_ROLES = CENTER_WORKER_ROLES | {Role.PRIVACY_OFFICER}
KINDS = {"suggestion": "Possible matches", "auto": "Automatic matches"}
PAGE_SIZE = 50
# A page reads rows in batches: at most BATCH rows, among the next WINDOW ids below the cursor, at
# most MAX_BATCHES times. For a reader who may see few of the rows, a page then stops after about
# 250,000 ids (measured: under a second; docs/entities.md) and offers the next ones from there.
BATCH = 200
WINDOW = 25_000
MAX_BATCHES = 10
_ID_LIMIT = 2**63  # ids are 64-bit: a larger number in a cursor is not one of ours


@dataclass(frozen=True)
class Item:
    """One open match as the queue shows it."""

    decision: MatchDecision  # stored, or an automatic match shown like one (`services.as_open_decision`)
    record_title: str
    record_url: str

    @property
    def mention(self) -> Mention:
        return self.decision.mention

    @property
    def weight(self) -> Any:
        """The match weight, or "exact" for a match by the same value (which has none)."""
        weight = self.decision.why.get("match_weight")
        return "exact" if weight is None else weight


@dataclass(frozen=True)
class Page:
    kind: str
    items: list[Item]
    older: str  # the cursor of the next page, "" at the end


def parse_cursor(value: str) -> int | None:
    """The cursor from the query string (the id below which the page starts: a decision's, or for
    automatic matches a mention's), or None (the newest page) when absent or malformed: a mangled
    link shows the first page rather than an error."""
    try:
        n = int(value)
    except (ValueError, OverflowError):
        return None
    return n if 0 < n < _ID_LIMIT else None


def _key(kind: str, decision: MatchDecision) -> int:
    """A row's place in its list. Both lists are newest first by id, which follows the time rows
    are written; automatic matches by their mention's (most have no row of their own)."""
    return decision.mention_id if kind == "auto" else decision.pk


def _on_records_maybe_visible(user: Any, qs: QuerySet, prefix: str = "") -> QuerySet:
    """Step 1 of the access filter, in the query: rows of `qs` whose record's search document
    `search.prefilter` passes (the record's markings, copied), or whose record has no document
    (a type that is not searched, or one not indexed yet), which step 2 alone decides.

    Why: step 2 (`entities.access.visible_records`, on the records themselves) sees only the rows
    read. An analyst of the other center, who may see none of another center's import, would
    otherwise page through its 157,526 possible matches 2,000 rows at a time, finding nothing, to
    reach their own."""
    same = {"source_type": OuterRef(f"{prefix}source_type"), "source_id": OuterRef(f"{prefix}source_id")}
    documents = search.prefilter(user, SearchDocument.objects.all())
    return qs.filter(Exists(documents.filter(**same)) | ~Exists(SearchDocument.objects.filter(**same)))


def _batch(user: Any, kind: str, cursor: int | None) -> tuple[list[MatchDecision], int | None]:
    """Up to BATCH open matches of `kind` among the WINDOW ids below `cursor` (all ids for None),
    newest first, and where the next batch starts (None: nothing is left below)."""
    model = Mention if kind == "auto" else MatchDecision
    top = cursor if cursor is not None else (model.objects.aggregate(top=Max("id"))["top"] or 0) + 1
    low = max(top - WINDOW, 1)
    if kind == "auto":
        mentions = _on_records_maybe_visible(user, Mention.objects.filter(id__lt=top, id__gte=low))
        rows = list(services.open_automatic_matches(mentions, reopened=True).select_related("entity")
                    .order_by("-id")[:BATCH])
        # a match whose confirmation or rejection was undone is shown with its reopened row
        stored = {d.mention_id: d for d in MatchDecision.objects.filter(
            mention_id__in=[m.pk for m in rows], kind=MatchDecision.Kind.AUTO, status=MatchDecision.Status.OPEN)
            .select_related("entity", "mention")}
        batch = [stored.get(m.pk) or services.as_open_decision(m) for m in rows]
    else:
        qs = MatchDecision.objects.filter(status=MatchDecision.Status.OPEN, kind=MatchDecision.Kind.SUGGESTION,
                                          mention__isnull=False, id__lt=top, id__gte=low)
        batch = list(_on_records_maybe_visible(user, qs, "mention__").select_related("entity", "mention")
                     .order_by("-id")[:BATCH])
    if len(batch) == BATCH:
        return batch, _key(kind, batch[-1])
    return batch, (low if low > 1 else None)


def open_matches(user: Any, kind: str = "suggestion", cursor: int | None = None, size: int = PAGE_SIZE) -> Page:
    """A page of the open matches of `kind` that `user` may see, newest first, below `cursor`
    (`parse_cursor`). The page's `older` is "" when nothing older is left. PermissionDenied for
    anyone but `REVIEW_ROLES`."""
    if getattr(user, "role", None) not in REVIEW_ROLES:
        raise PermissionDenied("Only analysts, supervisors and the privacy officer review matches.")
    kind = kind if kind in KINDS else "suggestion"
    shown: list[Item] = []
    older: int | None = None
    for _ in range(MAX_BATCHES):
        batch, below = _batch(user, kind, cursor)
        records = eaccess.visible_records(user, ((d.mention.source_type, d.mention.source_id) for d in batch))
        visible = [(d, records[key]) for d in batch if (key := (d.mention.source_type, d.mention.source_id)) in records]
        room = size - len(shown)
        shown.extend(Item(d, src.title(record), src.link(record)) for d, (record, src) in visible[:room])
        if len(visible) >= room:  # full: the next page starts below its last row
            last = visible[room - 1][0]
            older = below if last is batch[-1] else _key(kind, last)
            break
        older = cursor = below
        if cursor is None:
            break
    return Page(kind, shown, "" if older is None else str(older))


def audit_page(user: Any, page: Page, source_address: str | None = None) -> None:
    """Audit a page shown (`entities.review`, mention ids only): it shows values as written in
    records about people, and the privacy officer must see who read which."""
    audit.record(user, "entities.review", object_type="review", source_address=source_address,
                 detail={"kind": page.kind, "mentions": [item.decision.mention_id for item in page.items]})
