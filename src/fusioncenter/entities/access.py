"""What a user may see of the index: the mentions whose source records `core.access` lets them see.

Nothing here decides on its own: each registered source model's records are filtered with
`core.access.visible`, in the database, and the mentions (links, search documents) are kept when
their source record passed. A mention from a type nobody registered is hidden (deny by default).

Two steps, not one subquery: the rows at hand (an entity's mentions, a page of search candidates)
name their source records; those ids are checked with `access.visible(user, Model.objects.filter(
pk__in=ids))`, which uses the records' primary key. A single `source_id IN (SELECT CAST(id AS
text) ...)` looks the same but SQLite runs it as a scan of the whole record table per row
(measured: 70 s for one search over 20,000 documents; the two-step form takes milliseconds).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable, Iterator
from typing import Any

from django.db.models import QuerySet

from fusioncenter.core import access

from . import links, registry
from .models import Entity, Mention

CHUNK = 900  # ids per IN (...), under SQLite's parameter limit


def _source(label: str):
    return registry.mention_source(label) or registry.search_source(label)


def _visible_by_type(user: Any, pairs: Iterable[tuple[str, str]]) -> Iterator[tuple[str, Any, QuerySet]]:
    """(record type, its source, the queryset of its records among `pairs` the user may see),
    `CHUNK` ids at a time: the one place the index asks `core.access` about records."""
    by_type: dict[str, set[str]] = defaultdict(set)
    for label, sid in pairs:
        by_type[label].add(str(sid))
    for label, ids in by_type.items():
        src = _source(label)
        if src is None:
            continue
        pk_field = src.model._meta.pk
        clean = []
        for sid in ids:
            try:
                clean.append(pk_field.to_python(sid))
            except Exception:  # noqa: BLE001, S112 - an id that is not a key of this table is simply not visible
                continue
        ordered = sorted(clean, key=str)
        for i in range(0, len(ordered), CHUNK):
            yield label, src, access.visible(user, src.model._default_manager.filter(pk__in=ordered[i:i + CHUNK]))


def visible_pairs(user: Any, pairs: Iterable[tuple[str, str]]) -> set[tuple[str, str]]:
    """The (record type, record id) pairs whose record the user may see."""
    return {(label, str(pk)) for label, _, qs in _visible_by_type(user, pairs)
            for pk in qs.values_list("pk", flat=True)}


def visible_records(user: Any, pairs: Iterable[tuple[str, str]]) -> dict[tuple[str, str], tuple[Any, Any]]:
    """The records of `pairs` the user may see, as (record, its registered source) by (type, id):
    for a page that shows them (their title and link) as well as deciding on them."""
    return {(label, str(record.pk)): (record, src) for label, src, qs in _visible_by_type(user, pairs)
            for record in qs}


def _filter(user: Any, qs: QuerySet, type_field: str = "source_type", id_field: str = "source_id") -> QuerySet:
    rows = list(qs.values_list("pk", type_field, id_field))
    ok = visible_pairs(user, ((t, i) for _, t, i in rows))
    keep = [pk for pk, t, i in rows if (t, i) in ok]
    return qs.model._default_manager.filter(pk__in=keep)


def visible_mentions(user: Any, queryset: QuerySet) -> QuerySet:
    """Mentions of `queryset` (keep it small: one entity's, one page's) whose record the user may see."""
    return _filter(user, queryset)


def visible_links(user: Any, ids: Collection[int], **filters: Any) -> list[links.Row]:
    """The links touching entities `ids` (`links.touching`) whose record the user may see."""
    rows = links.touching(ids, **filters)
    ok = visible_pairs(user, ((label, sid) for _a, _b, _t, label, sid, _d in rows))
    return [row for row in rows if (row[3], row[4]) in ok]


def visible_entities(user: Any, queryset: QuerySet) -> QuerySet:
    """Entities of `queryset` (small) that at least one visible mention supports (merged-away excluded)."""
    ids = list(queryset.filter(merged_into__isnull=True).values_list("pk", flat=True)[:500])
    mentions = Mention.objects.filter(entity_id__in=ids)
    seen = set(visible_mentions(user, mentions).values_list("entity_id", flat=True))
    return Entity.objects.filter(pk__in=sorted(seen))


def can_see_entity(user: Any, entity: Entity) -> bool:
    return visible_mentions(user, Mention.objects.filter(entity=entity)).exists()


def can_see_record(user: Any, label: str, source_id: str) -> bool:
    """A single record: the decision itself (not audited; callers that show it use `require`)."""
    return (label, str(source_id)) in visible_pairs(user, [(label, str(source_id))])
