"""Watchlists: a user watches an entity or a saved search (notices are sent by `notify`)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from fusioncenter.core import audit

from .models import Entity, Watch


def toggle_entity_watch(user: Any, entity: Entity, source_address: str | None = None) -> bool:
    """Watch the entity, or stop watching it; returns whether the user now watches it."""
    with transaction.atomic():
        watch = Watch.objects.filter(user=user, entity=entity).first()
        if watch is None:
            watch = Watch.objects.create(user=user, entity=entity)
        else:
            watch.active = not watch.active
            watch.save(update_fields=["active"])
        audit.record(user, "entities.watch" if watch.active else "entities.unwatch", watch,
                     source_address=source_address, detail={"entity": entity.pk})
    return watch.active


def watch_search(user: Any, query: str, source_address: str | None = None) -> Watch:
    query = (query or "").strip()
    if not query or len(query) > 200:
        raise ValidationError({"q": ["A saved search needs words to search for (at most 200 characters)."]},
                              code="invalid")
    with transaction.atomic():
        watch, _ = Watch.objects.get_or_create(user=user, entity=None, query=query)
        if not watch.active:
            watch.active = True
            watch.save(update_fields=["active"])
        audit.record(user, "entities.watch_search", watch, source_address=source_address)
    return watch
