"""Registries through which capability apps hand their records to the entity index and search.

Entities must not import sar, products or any app above it (dependencies point down), so each app
registers its record types in its AppConfig.ready():

    from fusioncenter.entities.registry import register_mention_source, register_search_source
    from fusioncenter.entities.schema import MentionInput

    register_mention_source(Report, extract=lambda r: [MentionInput("vehicle", "plate", v.plate,
                            {"plate_state": v.plate_state}) for v in r.vehicles.all()],
                            date=lambda r: r.observed_at, url=lambda r: reverse("sar:detail", args=[r.pk]))
    register_search_source(Report, text_fn, filters_fn)

and calls `entities.services.index_record(record)` after it creates or changes one (or the
`auto=True` option does it on commit of every save). The model must inherit `MarkedRecord`, so that
`core.access.visible` can decide which mentions a user may see.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import models, transaction
from django.db.models.signals import post_delete, post_save

from .schema import MentionInput


@dataclass(frozen=True)
class MentionSource:
    model: type[models.Model]
    label: str
    extract: Callable[[Any], list[MentionInput]]
    date: Callable[[Any], Any] | None
    url: Callable[[Any], str] | None
    describe: Callable[[Any], str] | None
    owners: Callable[[Any], list[Any]] | None
    county_fips: Callable[[Any], str] | None
    point: Callable[[Any], tuple[float, float] | None] | None
    organization: Callable[[Any], Any] | None

    def title(self, record: Any) -> str:
        """A non-personal line naming the record (receipt, number), for lists and notices."""
        if self.describe is not None:
            return self.describe(record)
        return f"{self.model._meta.verbose_name} {record.pk}"

    def link(self, record: Any) -> str:
        return self.url(record) if self.url is not None else ""

    def where(self, record: Any) -> tuple[float, float] | None:
        """The record's own coordinates (latitude, longitude) for the map, or None.

        `point` when the source gave one; otherwise the record's `latitude` and `longitude` fields if
        it has them (a SAR report does), so a source gets its points without writing a function.
        Values that are not a place on Earth are ignored rather than drawn.
        """
        if self.point is not None:
            value = self.point(record)
        else:
            value = (getattr(record, "latitude", None), getattr(record, "longitude", None))
        try:
            lat, lon = (float(v) for v in value)  # type: ignore[union-attr]
        except (TypeError, ValueError):
            return None
        if not (-90 <= lat <= 90 and -180 <= lon <= 180):
            return None
        return lat, lon

    def owners_of(self, record: Any) -> list[Any]:
        if self.owners is not None:
            return [u for u in self.owners(record) if u is not None]
        creator = getattr(record, "created_by", None)
        return [creator] if creator is not None else []


@dataclass(frozen=True)
class SearchSource:
    model: type[models.Model]
    label: str
    text_fn: Callable[[Any], dict[str, Any]]
    filters_fn: Callable[[Any], dict[str, Any]] | None
    url: Callable[[Any], str] | None


_mention_sources: dict[str, MentionSource] = {}
_search_sources: dict[str, SearchSource] = {}


def register_mention_source(
    model: type[models.Model],
    extract: Callable[[Any], list[MentionInput]],
    *,
    date: Callable[[Any], Any] | None = None,
    url: Callable[[Any], str] | None = None,
    describe: Callable[[Any], str] | None = None,
    owners: Callable[[Any], list[Any]] | None = None,
    county_fips: Callable[[Any], str] | None = None,
    point: Callable[[Any], tuple[float, float] | None] | None = None,
    organization: Callable[[Any], Any] | None = None,
    label: str | None = None,
) -> MentionSource:
    """Register a record type whose records mention entities.

    extract(record) -> [MentionInput]: the entities the record names (persons, vehicles, phones...).
    date(record): when it happened (timeline, link dates). url/describe: a link and a non-personal
    title. owners(record) -> [User]: who is told of a correlation (default: created_by).
    county_fips / point: where (map). organization: the source organization (default
    owner_organization).
    """
    if not hasattr(model, "record_class"):
        raise TypeError(f"{model._meta.label} must inherit MarkedRecord: access is decided on its records.")
    src = MentionSource(model, label or model._meta.label_lower, extract, date, url, describe, owners, county_fips,
                        point, organization)
    _mention_sources[src.label] = src
    return src


def register_search_source(
    model: type[models.Model],
    text_fn: Callable[[Any], dict[str, Any]],
    filters_fn: Callable[[Any], dict[str, Any]] | None = None,
    *,
    url: Callable[[Any], str] | None = None,
    label: str | None = None,
) -> SearchSource:
    """Register a record type for the search box.

    text_fn(record) -> {"title": str, "body": str, "keys": [plates, phones, names...]} and
    filters_fn(record) -> {"date": datetime, "county_fips": str, "category": str}.
    """
    if not hasattr(model, "record_class"):
        raise TypeError(f"{model._meta.label} must inherit MarkedRecord: access is decided on its records.")
    src = SearchSource(model, label or model._meta.label_lower, text_fn, filters_fn, url)
    _search_sources[src.label] = src
    return src


def unregister(label: str) -> None:
    """For tests that register a test-only type."""
    _mention_sources.pop(label, None)
    _search_sources.pop(label, None)


def mention_sources() -> dict[str, MentionSource]:
    return dict(_mention_sources)


def mention_source(label: str) -> MentionSource | None:
    return _mention_sources.get(label)


def search_sources() -> dict[str, SearchSource]:
    return dict(_search_sources)


def search_source(label: str) -> SearchSource | None:
    return _search_sources.get(label)


def label_of(record: Any) -> str:
    return record._meta.label_lower


def follow_saves(model: type[models.Model], enqueue: Callable[[Any], Any]) -> None:
    """Keep a source's records in the index as they change: after every committed save `enqueue(pk)`
    (the app's indexing task), and a deleted record's mentions, links and search document go at once.
    For apps whose services should not each remember to re-index (products, cases)."""
    label = model._meta.label_lower

    def saved(sender: Any, instance: Any, raw: bool = False, **kwargs: Any) -> None:
        if raw:  # fixtures loading
            return
        pk = instance.pk
        transaction.on_commit(lambda: enqueue(pk), robust=True)

    def deleted(sender: Any, instance: Any, **kwargs: Any) -> None:
        from .services import forget_if_indexed

        forget_if_indexed(label, instance.pk)

    post_save.connect(saved, sender=model, weak=False, dispatch_uid=f"{label}.index.saved")
    post_delete.connect(deleted, sender=model, weak=False, dispatch_uid=f"{label}.index.deleted")
