"""Correlation notices and watchlists: who is told when a new record shares an entity.

Correlation (the beginning of deconfliction): when a new record's mention resolves to an entity
other records already mention, the owners of the new record and of each earlier record get a portal
notice. Each notice names only records its recipient may see; for the others it says that a record
they may not see exists and the center can put them in touch. Notices carry entity ids and links,
never the plate, phone or name itself, so a purge does not have to chase copies through inboxes.

Over-correlation guard (MISP's lesson, anchors §8.1): an entity already in more than
`CORRELATION_LIMIT` records stops producing notices (a common value is noise, not a lead).
"""

from __future__ import annotations

import logging
from typing import Any

from django.urls import reverse

from fusioncenter.core import access

from . import registry
from .models import Mention, Watch
from .schema import label as type_label

log = logging.getLogger(__name__)
CORRELATION_LIMIT = 20


def _send(subject: str, body: str, users: list[Any], source: tuple[str, str]) -> int:
    try:
        from fusioncenter.delivery.services import send
    except ImportError:  # delivery not installed: nothing to send through
        return 0
    users = [u for u in {u.pk: u for u in users}.values() if u is not None and u.is_active]
    if not users:
        return 0
    send({"subject": subject, "text_body": body, "sender_label": "Entity index"},
         [("portal", "", u) for u in users], source=source, actor="system")
    return len(users)


def _record(label: str, source_id: str) -> Any:
    src = registry.mention_source(label)
    if src is None:
        return None, None
    return src, src.model._default_manager.filter(pk=source_id).first()


def _describe_for(user: Any, src: Any, record: Any) -> str:
    if access.decide(user, access.VIEW, record).allowed:
        link = src.link(record)
        return f"{src.title(record)}" + (f" ({link})" if link else "")
    return "a record you may not see (ask the fusion center to put you in touch with its owner)"


def after_index(label: str, source_id: str, mention_ids: list[int]) -> dict[str, int]:
    """Run after a record's new mentions commit: correlation notices and watch notices."""
    counts = {"correlation": 0, "watch": 0}
    src, record = _record(label, source_id)
    if record is None:
        return counts
    for mention in Mention.objects.filter(pk__in=mention_ids).select_related("entity"):
        entity = mention.entity
        # only records that were there first: two records indexed together are told once
        others = list(entity.mentions.filter(pk__lt=mention.pk).exclude(source_type=label, source_id=source_id)
                      .values_list("source_type", "source_id").distinct()[:CORRELATION_LIMIT + 1])
        others = sorted(set(others))
        entity_url = reverse("entities:entity", args=[entity.pk])
        kind = type_label(entity.type).lower()
        if others and len(others) <= CORRELATION_LIMIT:
            counts["correlation"] += _correlate(src, record, others, kind, entity_url)
        counts["watch"] += _watchers(entity, src, record, kind, entity_url)
    return counts


def _correlate(src: Any, record: Any, others: list[tuple[str, str]], kind: str, entity_url: str) -> int:
    sent = 0
    new_owners = src.owners_of(record)
    loaded = [(o_src, o_rec) for o_src, o_rec in (_record(t, i) for t, i in others) if o_rec is not None]
    for owner in new_owners:
        lines = [f"- {_describe_for(owner, o_src, o_rec)}" for o_src, o_rec in loaded]
        body = (f"Your record {src.title(record)} shares a {kind} with {len(loaded)} other record(s):\n"
                + "\n".join(lines) + f"\n\nEntity: {entity_url}")
        sent += _send(f"Shared {kind}: {src.title(record)}", body, [owner], (src.label, str(record.pk)))
    for o_src, o_rec in loaded:
        for owner in o_src.owners_of(o_rec):
            if owner in new_owners:
                continue
            body = (f"A new record shares a {kind} with your record {o_src.title(o_rec)}:\n"
                    f"- {_describe_for(owner, src, record)}\n\nEntity: {entity_url}")
            sent += _send(f"Shared {kind}: {o_src.title(o_rec)}", body, [owner], (o_src.label, str(o_rec.pk)))
    return sent


def _watchers(entity: Any, src: Any, record: Any, kind: str, entity_url: str) -> int:
    sent = 0
    for watch in Watch.objects.filter(entity=entity, active=True).select_related("user"):
        if not access.decide(watch.user, access.VIEW, record).allowed:
            continue  # only of records the watcher may see
        link = src.link(record)
        body = (f"A new record mentions the {kind} you watch: {src.title(record)}"
                + (f" ({link})" if link else "") + f"\n\nEntity: {entity_url}")
        sent += _send(f"Watched {kind}: new record", body, [watch.user], (src.label, str(record.pk)))
    return sent


def watch_search_hit(watch: Watch, label: str, source_id: str) -> int:
    """A saved-search watch matched a newly indexed document: tell the watcher if they may see it."""
    src = registry.search_source(label) or registry.mention_source(label)
    record = src.model._default_manager.filter(pk=source_id).first() if src else None
    if record is None or not access.decide(watch.user, access.VIEW, record).allowed:
        return 0
    link = src.url(record) if src.url else ""
    title = getattr(src, "title", None)
    name = title(record) if callable(title) else f"{src.model._meta.verbose_name} {record.pk}"
    body = f"A new record matches your saved search: {name}" + (f" ({link})" if link else "")
    return _send("Saved search: new match", body, [watch.user], (label, str(source_id)))
