"""Registries through which the capability apps hand their records to the privacy app.

Privacy must not import sar, products, alerts or clearinghouse (dependencies point down), yet its
retention task must find their records, and a purge must reach every place a person's data lives.
So each app registers, in its AppConfig.ready():

* `register_record_type(Model, ...)`: how to read the record's policy class, review date and
  retention date, how to purge it and what non-personal summary its tombstone keeps;
* `register_purge_hook(fn)`: a subsystem that keeps copies of records (the search index, entity
  links, caches) is called with (record_type_label, record_id) inside the purge transaction.

A model that inherits `core.models.MarkedRecord` and has `review_due` and `retention_until` date
fields needs only `register_record_type(Model)`: its class is read from `record_class` through the
default policy of that access class, its FileFields are deleted from storage, and the row (with its
cascading children) is deleted.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import models

PurgeFn = Callable[[Any, Any], None]
TombstoneFn = Callable[[Any], dict]
PurgeHook = Callable[[str, str], None]


@dataclass(frozen=True)
class RecordType:
    model: type[models.Model]
    label: str
    verbose_name: str
    class_field: str | None
    class_of: Callable[[Any], str] | None
    review_date_field: str
    retention_field: str
    purge: PurgeFn | None
    tombstone: TombstoneFn | None
    eligible: Callable[[models.QuerySet], models.QuerySet] | None
    url: Callable[[Any], str] | None
    describe: Callable[[Any], str] | None
    label_fields: tuple[str, ...] = ()

    def missing_labels(self) -> dict[str, int]:
        """How many records leave each required label (source, reliability, validity...) empty."""
        qs = self.candidates()
        out = {}
        for name in self.label_fields:
            out[name] = qs.filter(models.Q(**{f"{name}__isnull": True}) | models.Q(**{name: ""})).count()
        return out

    def policy_code(self, record: Any) -> str:
        """The record's policy class code (RecordClassPolicy.code)."""
        from . import policies

        if self.class_of is not None:
            return self.class_of(record)
        if self.class_field is not None:
            value = getattr(record, self.class_field)
            if value:
                return str(value)
        policy = policies.default_for(getattr(record, "record_class", ""))
        return policy.code if policy else ""

    def candidates(self) -> models.QuerySet:
        qs = self.model._default_manager.all()
        return self.eligible(qs) if self.eligible is not None else qs

    def review_date(self, record: Any):
        return getattr(record, self.review_date_field)

    def retention_date(self, record: Any):
        return getattr(record, self.retention_field)

    def title(self, record: Any) -> str:
        """A non-personal line naming the record (a receipt, a number): never its content."""
        if self.describe is not None:
            return self.describe(record)
        return f"{self.verbose_name} {record.pk}"


_types: dict[str, RecordType] = {}
_hooks: list[PurgeHook] = []


def register_record_type(
    model: type[models.Model],
    *,
    class_field: str | None = None,
    class_of: Callable[[Any], str] | None = None,
    review_date_field: str = "review_due",
    retention_field: str = "retention_until",
    purge: PurgeFn | None = None,
    tombstone: TombstoneFn | None = None,
    eligible: Callable[[models.QuerySet], models.QuerySet] | None = None,
    url: Callable[[Any], str] | None = None,
    describe: Callable[[Any], str] | None = None,
    label: str | None = None,
    label_fields: tuple[str, ...] = (),
) -> RecordType:
    """Register a record type for retention, review, purge and the dissemination log.

    class_field / class_of: where the policy code comes from (a field holding a
      RecordClassPolicy code, or a function of the record); neither: the default policy of the
      record's core access class (`record_class`).
    review_date_field: the date the record must be reviewed by (queued ahead of it).
    retention_field: the date after which an unreviewed record is purged automatically.
    purge(record, actor): delete the content everywhere the app keeps it (files, child rows, the
      row). Default: delete every FileField's file, then the row (children cascade).
    tombstone(record) -> dict: non-personal summary kept after the purge (counts, codes).
    eligible(queryset) -> queryset: the records retention applies to (e.g. not those still in
      vetting, whose review date means something else).
    url(record) -> str and describe(record) -> str: a link and a non-personal title for the console.
    label_fields: the labels every record must carry (the policy template's "label at intake": source,
      source reliability, content validity); the compliance report counts records that lack them.
    """
    for name in (review_date_field, retention_field):
        field = model._meta.get_field(name)
        if not isinstance(field, models.DateField) or isinstance(field, models.DateTimeField):
            raise TypeError(f"{model._meta.label}.{name} must be a DateField.")
    if class_field is None and class_of is None and not hasattr(model, "record_class"):
        raise TypeError(f"{model._meta.label}: give class_field or class_of (it has no record_class).")
    rt = RecordType(
        model=model,
        label=label or model._meta.label_lower,
        verbose_name=str(model._meta.verbose_name),
        class_field=class_field,
        class_of=class_of,
        review_date_field=review_date_field,
        retention_field=retention_field,
        purge=purge,
        tombstone=tombstone,
        eligible=eligible,
        url=url,
        describe=describe,
        label_fields=tuple(label_fields),
    )
    for name in rt.label_fields:
        model._meta.get_field(name)  # fail at start-up, not in the annual report
    _types[rt.label] = rt
    return rt


def unregister_record_type(label: str) -> None:
    """For tests that register a test-only type."""
    _types.pop(label, None)


def register_purge_hook(hook: PurgeHook) -> None:
    if hook not in _hooks:
        _hooks.append(hook)


def unregister_purge_hook(hook: PurgeHook) -> None:
    if hook in _hooks:
        _hooks.remove(hook)


def record_types() -> list[RecordType]:
    return list(_types.values())


def get(label: str) -> RecordType | None:
    return _types.get(label)


def for_record(record: Any) -> RecordType | None:
    return _types.get(record._meta.label_lower)


def purge_hooks() -> list[PurgeHook]:
    return list(_hooks)


def load(label: str, object_id: Any):
    """The registered record, or None when the type is unknown or the record is gone."""
    from django.core.exceptions import ValidationError

    rt = get(label)
    if rt is None:
        return None
    try:
        return rt.model._default_manager.filter(pk=object_id).first()
    except (ValueError, TypeError, ValidationError):  # not a valid key for this model: no such record
        return None
