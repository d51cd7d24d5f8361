"""Links between entities, read off the mentions: two entities are linked by every record that
names both (co-mentioned), dated by the record's date.

Why no table of links: a link said nothing its mentions do not, and keeping a copy cost every
imported row four more rows and three more index entries each (measured on a million rows:
docs/entities.md, Bulk import), while merges, splits, undos and purges had to keep the copy in
step with the mentions by hand. Now they move or remove mentions, and the links follow. A link
type an analyst asserts, not read off a record, would be a table of its own.

The two queries use the mention indexes a record's and an entity's mentions are read by already:
(entity, source type, source id), then (source type, source id).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Collection
from typing import Any

from .models import Mention

CO_MENTIONED = "co_mentioned"
TYPES = (CO_MENTIONED,)
CHUNK = 900  # ids per IN (...), under SQLite's parameter limit

# (entity a, entity b, link type, record type, record id, record date), with a < b
Row = tuple[int, int, str, str, str, Any]


def touching(ids: Collection[int], *, link_type: str = "", date_from: dt.date | None = None,
             date_to: dt.date | None = None) -> list[Row]:
    """Every link with an end in `ids`: one row per record naming both ends, whoever may see it
    (`access.visible_links` keeps what a user may)."""
    if link_type and link_type not in TYPES:
        return []
    records: set[tuple[str, str]] = set()
    ordered = sorted(ids)
    for i in range(0, len(ordered), CHUNK):
        mine = Mention.objects.filter(entity_id__in=ordered[i:i + CHUNK])
        if date_from:
            mine = mine.filter(observed_at__date__gte=date_from)
        if date_to:
            mine = mine.filter(observed_at__date__lte=date_to)
        records.update(mine.values_list("source_type", "source_id"))
    by_type: dict[str, list[str]] = defaultdict(list)
    for label, sid in records:
        by_type[label].append(sid)
    named: dict[tuple[str, str], set[int]] = defaultdict(set)
    dated: dict[tuple[str, str], Any] = {}
    for label, sids in by_type.items():
        sids.sort()
        for i in range(0, len(sids), CHUNK):
            for eid, sid, observed in Mention.objects.filter(source_type=label, source_id__in=sids[i:i + CHUNK]) \
                    .values_list("entity_id", "source_id", "observed_at"):
                named[(label, sid)].add(eid)
                if observed is not None:
                    dated.setdefault((label, sid), observed)
    wanted = set(ids)
    return [(a, b, CO_MENTIONED, label, sid, dated.get((label, sid)))
            for (label, sid), entities in sorted(named.items()) for a, b in _pairs(entities)
            if a in wanted or b in wanted]


def of_record(label: str, source_id: Any) -> list[tuple[int, int]]:
    """The entity pairs (a < b) one record links."""
    return _pairs(Mention.objects.filter(source_type=label, source_id=str(source_id))
                  .values_list("entity_id", flat=True))


def _pairs(entities: Collection[int]) -> list[tuple[int, int]]:
    ordered = sorted(set(entities))
    return [(a, b) for n, a in enumerate(ordered) for b in ordered[n + 1:]]
