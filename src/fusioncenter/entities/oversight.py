"""Searches that reach a person the searcher has no linked record about (the privacy officer's third
unusual-access rule).

A search is about people: a user who finds, through the index, a person none of whose records they
work on may be looking someone up for a reason unrelated to any case. `note_person_hits` runs after
each search on the records shown, and writes one audit entry (action `PERSON_HITS_ACTION`, ids only,
never names or query text) listing the person entities the user has no linked record about. The
privacy app reads those entries; it never imports this module.

Precisely, for a user U and a person entity P reached by a search (P is mentioned, as a `person`
mention, in a record shown as a hit):

* the records of P are every record with a mention of P (across all registered record types);
* U has a linked record about P when, for at least one of them, U is its author (`created_by`) or
  one of the owners its app registered with the entity index (`MentionSource.owners`: the people
  working the record), or a core `Share` names U or U's organization, or U recorded a need-to-know
  statement for it (`NeedToKnow`, in force or not);
* otherwise the hit is unlinked. The privacy officer's searches are oversight and are not noted.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db.models import Q

from fusioncenter.core import access, audit
from fusioncenter.core.models import NeedToKnow, Share
from fusioncenter.core.roles import Role

from . import registry
from .models import Mention

PERSON = "person"
PERSON_HITS_ACTION = "entities.search_unlinked_person"
MAX_MENTIONS = 5000  # a very common person: judge on the first few thousand records


def _pairs_q(pairs: Iterable[tuple[str, str]]) -> Q:
    by_type: dict[str, set[str]] = defaultdict(set)
    for label, oid in pairs:
        by_type[label].add(oid)
    q = Q(pk__in=[])
    for label, ids in by_type.items():
        q |= Q(source_type=label, source_id__in=sorted(ids))
    return q


def linked_records(user: Any, records: set[tuple[str, str]]) -> set[tuple[str, str]]:
    """The (record type, id) pairs among `records` that `user` is tied to (author, owner, share, statement)."""
    by_type: dict[str, set[str]] = defaultdict(set)
    for label, oid in records:
        by_type[label].add(oid)
    out: set[tuple[str, str]] = set()
    for label, ids in by_type.items():
        src = registry.mention_source(label)
        if src is None:
            continue
        ct = ContentType.objects.get_for_model(src.model)
        to_user = Q(user=user) | (Q(organization_id=user.organization_id) if user.organization_id else Q(pk__in=[]))
        out |= {(label, oid) for oid in Share.objects.filter(to_user, content_type=ct, object_id__in=ids)
                .values_list("object_id", flat=True)}
        out |= {(label, oid) for oid in NeedToKnow.objects.filter(user=user, content_type=ct, object_id__in=ids)
                .values_list("object_id", flat=True)}
        rest = [oid for oid in ids if (label, oid) not in out]
        for record in src.model._default_manager.filter(pk__in=rest):
            if getattr(record, "created_by_id", None) == user.pk or (src.owners is not None and any(
                    getattr(owner, "pk", None) == user.pk for owner in src.owners_of(record))):
                out.add((label, str(record.pk)))
    return out


def unlinked_persons(user: Any, shown: Iterable[tuple[str, str]]) -> list[int]:
    """Person entities mentioned in the `shown` records about whom `user` has no linked record."""
    shown = set(shown)
    if not shown:
        return []
    persons = set(Mention.objects.filter(_pairs_q(shown), entity_type=PERSON).values_list("entity_id", flat=True))
    if not persons:
        return []
    records_of: dict[int, set[tuple[str, str]]] = defaultdict(set)
    for eid, label, oid in Mention.objects.filter(entity_id__in=persons).values_list(
            "entity_id", "source_type", "source_id")[:MAX_MENTIONS]:
        records_of[eid].add((label, oid))
    linked = linked_records(user, set().union(*records_of.values()))
    return sorted(eid for eid in persons if not (records_of.get(eid, set()) & linked))


def note_person_hits(user: Any, shown: Iterable[tuple[Any, Any]], *, source_address: str | None = None) -> list[int]:
    """Called by `search.search` with the (document id, record) pairs it shows; audits unlinked person hits."""
    if not access.is_signed_in(user) or user.role == Role.PRIVACY_OFFICER:
        return []
    pairs = {(record._meta.label_lower, str(record.pk)) for _, record in shown if record is not None}
    unlinked = unlinked_persons(user, pairs)
    if unlinked:
        audit.record(user, PERSON_HITS_ACTION, object_type="search", source_address=source_address,
                     detail={"entities": unlinked, "records_shown": len(pairs)})
    return unlinked
