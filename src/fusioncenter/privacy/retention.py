"""Retention, review and purge (28 CFR 23.20(h); the policy template's retention/destruction section).

* `run(as_of)`: the daily task. Queues records whose review date falls within the notice period
  into the privacy officer's queue, and purges records whose retention date has passed without a
  validation. It is idempotent: running it twice on a day queues and purges nothing new.
* `revalidate(...)`: a validation: a new justification (and, for criminal intelligence, the
  reasonable suspicion and criminal predicate, and an attestation that the suspected activity is
  current), a reviewer, a new date; the history is kept. The retention clock moves only here:
  editing a record's identifiers never resets it.
* `purge(...)`: deletes the record everywhere (the app's purge function, every purge hook, the
  files), leaves a tombstone with no personal data, blanks the free text privacy kept about it,
  and audits the purge by type and id. On PostgreSQL the affected tables are vacuumed after commit,
  on SQLite (secure_delete on) the WAL is checkpointed and truncated, so no old page keeps a copy.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import FileSystemStorage
from django.db import connection, models, router, transaction
from django.db.models.deletion import Collector, ProtectedError, RestrictedError

from fusioncenter.core import access, audit, clock, uploads
from fusioncenter.core.models import NeedToKnow, Share
from fusioncenter.core.roles import Role

from . import conf, policies, registry
from .models import Dissemination, ImminentDangerRelease, RecordClassPolicy, ReviewHistory, ReviewItem, Tombstone

log = logging.getLogger(__name__)

REVIEW_ROLES = frozenset({Role.PRIVACY_OFFICER, Role.SUPERVISOR})
MIN_JUSTIFICATION = 20
RE_VACUUM_DAYS = 7
PURGED_STATEMENT = "(removed when the record was purged)"
_CODE = re.compile(r"^[A-Za-z0-9_.:+/ -]{0,64}$")


# --- the daily run ----------------------------------------------------------------------------------


@dataclass
class RunResult:
    as_of: dt.date
    queued: list[tuple[str, str]] = field(default_factory=list)
    purged: list[tuple[str, str]] = field(default_factory=list)
    undated: dict[str, int] = field(default_factory=dict)
    failed: list[tuple[str, str, str]] = field(default_factory=list)


def run(as_of: dt.date | None = None) -> RunResult:
    """Queue what is due for review within the notice period; purge what is past its retention date."""
    as_of = as_of or clock.today()
    result = RunResult(as_of=as_of)
    notice = dt.timedelta(days=conf.get("FUSIONCENTER_PRIVACY_REVIEW_NOTICE_DAYS"))
    tables: set[str] = set()
    for rt in registry.record_types():
        qs = rt.candidates()
        for record in qs.filter(**{f"{rt.retention_field}__lt": as_of}).order_by("pk"):
            oid = str(record.pk)
            try:
                purge_record("system", record, reason=Tombstone.Reason.RETENTION_EXPIRED, vacuum_tables=tables)
                result.purged.append((rt.label, oid))
            except ValidationError as exc:
                # Refused (a protected child row, a hook that failed): leave it queued for a person.
                result.failed.append((rt.label, oid, "; ".join(exc.messages)))
                log.warning("purge of %s %s refused: %s", rt.label, oid, exc.messages)
        due = qs.filter(**{f"{rt.review_date_field}__lte": as_of + notice})
        for record in due.order_by(rt.review_date_field, "pk"):
            if _enqueue(rt, record):
                result.queued.append((rt.label, str(record.pk)))
        undated = qs.filter(**{f"{rt.review_date_field}__isnull": True}).count()
        if undated:
            result.undated[rt.label] = undated
    _close_gone_items()
    if Tombstone.objects.filter(purged_at__gte=clock.now() - dt.timedelta(days=RE_VACUUM_DAYS)).exists():
        # A VACUUM cannot remove a row version an older open transaction may still see; the pages of
        # recent purges are vacuumed again on the following days' runs.
        for rt in registry.record_types():
            tables |= _model_tables(rt.model)
        tables |= {m._meta.db_table for m in (Dissemination, ImminentDangerRelease, ReviewHistory, Share, NeedToKnow)}
    vacuum(tables)
    with transaction.atomic():
        audit.record("system", "privacy_retention_run", object_type="privacy.run", object_id=as_of.isoformat(),
                     detail={"queued": len(result.queued), "purged": len(result.purged),
                             "failed": len(result.failed)})
    return result


def _enqueue(rt: registry.RecordType, record: Any) -> bool:
    oid = str(record.pk)
    if ReviewItem.objects.filter(record_type=rt.label, object_id=oid, status=ReviewItem.Status.OPEN).exists():
        return False
    code = rt.policy_code(record)
    with transaction.atomic():
        item = ReviewItem.objects.create(
            record_type=rt.label,
            object_id=oid,
            policy_code=code,
            access_class=getattr(record, "record_class", "") or "",
            due_on=rt.review_date(record),
            purge_on=rt.retention_date(record),
        )
        audit.record("system", "privacy_review_queued", object_type=rt.label, object_id=oid,
                     detail={"item": item.pk, "policy": code, "due": item.due_on})
    return True


def _close_gone_items() -> None:
    """Open items whose record was deleted by its own app (not by a purge) leave the queue."""
    for item in ReviewItem.objects.filter(status=ReviewItem.Status.OPEN):
        if registry.get(item.record_type) is not None and registry.load(item.record_type, item.object_id) is None:
            ReviewItem.objects.filter(pk=item.pk).update(status=ReviewItem.Status.GONE, resolved_at=clock.now())


# --- revalidation -----------------------------------------------------------------------------------


def _reviewer(actor: Any) -> None:
    if not access.is_signed_in(actor) or actor.role not in REVIEW_ROLES:
        raise PermissionDenied("Only the privacy officer or a supervisor reviews records for retention.")


def _record(label: str, object_id: Any) -> tuple[registry.RecordType, Any]:
    rt = registry.get(label)
    record = registry.load(label, object_id) if rt else None
    if rt is None or record is None:
        raise ValidationError({"record": ["No such record (it may have been purged already)."]}, code="not_found")
    return rt, record


def _norm(text: str) -> str:
    return " ".join(re.findall(r"[a-z0-9]+", text.lower()))


def revalidate(
    actor: Any,
    label: str,
    object_id: Any,
    *,
    justification: str,
    reasonable_suspicion: str = "",
    criminal_predicate: str = "",
    current_activity_confirmed: bool = False,
    lawfully_obtained: bool = False,
    new_date: dt.date | None = None,
    source_address: str | None = None,
) -> ReviewHistory:
    """Validate a record for another retention period, with the reviewer, the date and the reason."""
    _reviewer(actor)
    rt, record = _record(label, object_id)
    access.require(actor, access.VIEW, record, source_address=source_address)
    code = rt.policy_code(record)
    policy = policies.get(code)
    if policy is None:
        raise ValidationError({"record": [f"The record's class '{code}' has no policy."]}, code="no_policy")
    errors: dict[str, list[str]] = {}
    justification = (justification or "").strip()
    if not policy.revalidation_allowed:
        errors["justification"] = [f"{policy.name} may not be kept longer by validation: purge it or reclassify it."]
    if len(justification) < MIN_JUSTIFICATION:
        errors["justification"] = [f"State why the record still meets the policy (at least {MIN_JUSTIFICATION} "
                                   "characters)."]
    else:
        previous = ReviewHistory.objects.filter(record_type=rt.label, object_id=str(record.pk),
                                                action=ReviewHistory.Action.REVALIDATED).first()
        if previous is not None and _norm(previous.justification) == _norm(justification):
            errors["justification"] = ["This repeats the last validation word for word: a validation states why "
                                       "the record still meets the policy now."]
    if policy.requires_reasonable_suspicion:
        if len((reasonable_suspicion or "").strip()) < MIN_JUSTIFICATION:
            errors["reasonable_suspicion"] = ["Criminal intelligence: state the facts that still give reasonable "
                                              "suspicion (28 CFR 23.20(c))."]
        if not current_activity_confirmed:
            errors["current_activity_confirmed"] = [
                "Confirm that the subject is still suspected of current criminal activity: updating identifiers "
                "alone is not validation."]
        if not lawfully_obtained:
            errors["lawfully_obtained"] = [
                "Confirm that no information in the record was obtained in violation of law (28 CFR 23.20(d)); "
                "if some was, remove it before validating, or purge the record."]
    if policy.requires_criminal_predicate and not (criminal_predicate or "").strip():
        errors["criminal_predicate"] = ["Name the definable criminal activity or enterprise (the criminal predicate)."]
    today = clock.today()
    new_date = new_date or today + dt.timedelta(days=policy.retention_days)
    if new_date <= today:
        errors["new_date"] = ["The new review date must be after today."]
    elif new_date > today + dt.timedelta(days=policy.max_retention_days):
        errors["new_date"] = [f"{policy.name}: a validation extends the record by at most "
                              f"{policy.max_retention_days} days."]
    if errors:
        raise ValidationError(errors, code="invalid")
    with transaction.atomic():
        locked = rt.model._default_manager.select_for_update().get(pk=record.pk)
        history = ReviewHistory.objects.create(
            record_type=rt.label,
            object_id=str(record.pk),
            action=ReviewHistory.Action.REVALIDATED,
            policy_code=code,
            reviewer=actor,
            previous_review_date=rt.review_date(locked),
            new_review_date=new_date,
            previous_retention=rt.retention_date(locked),
            new_retention=new_date,
            justification=justification,
            reasonable_suspicion=(reasonable_suspicion or "").strip(),
            criminal_predicate=(criminal_predicate or "").strip()[:300],
            lawfully_obtained=True if policy.requires_reasonable_suspicion else None,
        )
        # A queryset update: the app's save() logic (and its own clock rules) does not run.
        rt.model._default_manager.filter(pk=record.pk).update(
            **{rt.review_date_field: new_date, rt.retention_field: new_date}
        )
        ReviewItem.objects.filter(record_type=rt.label, object_id=str(record.pk), status=ReviewItem.Status.OPEN
                                  ).update(status=ReviewItem.Status.REVALIDATED, resolved_at=clock.now(),
                                           resolved_by=actor)
        audit.record(actor, "privacy_revalidate", object_type=rt.label, object_id=record.pk,
                     source_address=source_address,
                     detail={"policy": code, "history": history.pk, "new_date": new_date})
    return history


# --- purge ------------------------------------------------------------------------------------------


def purge(actor: Any, label: str, object_id: Any, *, reason: str = Tombstone.Reason.REVIEW_DECISION,
          source_address: str | None = None) -> Tombstone:
    """A person's purge decision: the privacy officer, or a supervisor of the record's center."""
    _reviewer(actor)
    _, record = _record(label, object_id)
    access.require(actor, access.DELETE, record, source_address=source_address)
    return purge_record(actor, record, reason=reason, source_address=source_address)


def _check_summary(summary: dict) -> dict:
    """A tombstone keeps counts and codes: refuse anything that could be a name or a narrative."""
    clean: dict[str, Any] = {}
    for key, value in (summary or {}).items():
        if not _CODE.match(str(key)):
            raise ValidationError(f"Tombstone key {key!r} is not a code.")
        if value is None or isinstance(value, bool | int | float):
            clean[str(key)] = value
        elif isinstance(value, dt.date):
            clean[str(key)] = value.isoformat()
        elif isinstance(value, str) and _CODE.match(value):
            clean[str(key)] = value
        else:
            raise ValidationError(f"Tombstone value for {key!r} must be a number, a date or a short code.")
    return clean


def purge_record(actor: Any, record: Any, *, reason: str, source_address: str | None = None,
                 vacuum_tables: set[str] | None = None) -> Tombstone:
    """Delete the record everywhere, in one transaction, and leave a tombstone. Access is the caller's."""
    rt = registry.for_record(record)
    if rt is None:
        raise ValidationError({"record": ["This record type is not registered for purge."]}, code="unregistered")
    label, oid = rt.label, str(record.pk)
    user = actor if access.is_signed_in(actor) else None
    try:
        with transaction.atomic():
            summary = _check_summary(rt.tombstone(record) if rt.tombstone else {})
            code = rt.policy_code(record)
            access_class = getattr(record, "record_class", "") or ""
            tables = _tables_of(record)
            files = _files_of(record)
            if rt.purge is not None:
                rt.purge(record, actor)
            else:
                record.delete()
            if rt.model._default_manager.filter(pk=oid).exists():
                raise ValidationError({"record": ["The record's purge handler left the record in place."]})
            for hook in registry.purge_hooks():
                hook(label, oid)
            ct = ContentType.objects.get_for_model(rt.model)
            Share.objects.filter(content_type=ct, object_id=oid).delete()
            NeedToKnow.objects.filter(content_type=ct, object_id=oid).delete()
            Dissemination.objects.filter(record_type=label, object_id=oid).update(need_to_know=PURGED_STATEMENT)
            ImminentDangerRelease.objects.filter(dissemination__record_type=label,
                                                 dissemination__object_id=oid).update(danger=PURGED_STATEMENT,
                                                                                      disclosed="")
            ReviewHistory.objects.filter(record_type=label, object_id=oid).update(
                justification="", reasonable_suspicion="", criminal_predicate="")
            ReviewHistory.objects.create(record_type=label, object_id=oid, action=ReviewHistory.Action.PURGED,
                                         policy_code=code, reviewer=user)
            ReviewItem.objects.filter(record_type=label, object_id=oid, status=ReviewItem.Status.OPEN).update(
                status=ReviewItem.Status.PURGED, resolved_at=clock.now(), resolved_by=user)
            tombstone = Tombstone.objects.create(record_type=label, original_id=oid, access_class=access_class,
                                                 policy_code=code, reason=reason, purged_by=user, summary=summary)
            audit.record(actor, "privacy_purge", object_type=label, object_id=oid, source_address=source_address,
                         detail={"reason": reason, "policy": code, "tombstone": tombstone.pk,
                                 "files": len(files)})
            transaction.on_commit(lambda: _erase_files(files))
            tables |= {t._meta.db_table for t in (Dissemination, ImminentDangerRelease, ReviewHistory, Share,
                                                  NeedToKnow)}
            if vacuum_tables is None:
                transaction.on_commit(lambda: vacuum(tables))
            else:
                vacuum_tables |= tables
    except (ProtectedError, RestrictedError) as exc:
        raise ValidationError({"record": [f"Other records still depend on this one ({exc.__class__.__name__}): "
                                          "the owning application must purge them first."]},
                              code="protected") from None
    return tombstone


def _doomed(record: Any) -> dict[type[models.Model], list[Any]]:
    """Every row the deletion of `record` removes (its cascades included), by model."""
    collector = Collector(using=router.db_for_write(type(record)))
    try:
        collector.collect([record])
    except (ProtectedError, RestrictedError):
        return {type(record): [record]}
    out: dict[type[models.Model], list[Any]] = {m: list(objs) for m, objs in collector.data.items()}
    for qs in collector.fast_deletes:  # children Django deletes with one query: list them too
        out.setdefault(qs.model, []).extend(qs)
    return out


def _model_tables(model: type[models.Model]) -> set[str]:
    """The model's table and those of the rows that cascade from it (one level)."""
    tables = {model._meta.db_table}
    for rel in model._meta.related_objects:
        if rel.on_delete is models.CASCADE:
            tables.add(rel.related_model._meta.db_table)
    return tables


def _tables_of(record: Any) -> set[str]:
    return {model._meta.db_table for model in _doomed(record)}


def _files_of(record: Any) -> list[tuple[Any, str]]:
    """Every stored file of the record and of the rows its deletion cascades to."""
    out: list[tuple[Any, str]] = []
    for model, instances in _doomed(record).items():
        file_fields = [f for f in model._meta.concrete_fields if isinstance(f, models.FileField)]
        for instance in instances:
            for f in file_fields:
                value = getattr(instance, f.attname)
                if value:
                    out.append((f.storage, str(value)))
    return out


def _erase_files(files: Iterable[tuple[Any, str]]) -> None:
    """Overwrite (on the file system) and delete each file, after the purge committed."""
    for storage, name in files:
        try:
            if isinstance(storage, FileSystemStorage) and storage.exists(name):
                uploads.erase(storage.path(name))
            storage.delete(name)
        except OSError:
            log.exception("could not erase a purged file (storage name withheld)")


def vacuum(tables: Iterable[str]) -> list[str]:
    """Reclaim the pages that held purged rows; returns the statements run.

    PostgreSQL keeps deleted tuples in its pages until a VACUUM; VACUUM FULL (the default here)
    rewrites the table into a new file, so the old bytes are not left in the live table. It cannot
    run inside a transaction: callers run it after commit. SQLite with secure_delete overwrites
    freed pages at once; the write-ahead log still holds the old page images until a checkpoint,
    so the WAL is checkpointed and truncated.
    """
    tables = sorted(set(tables))
    if not tables or connection.in_atomic_block:
        return []
    statements: list[str] = []
    if connection.vendor == "postgresql":
        mode = conf.get_str("FUSIONCENTER_PRIVACY_VACUUM").lower()
        if mode == "off":
            return []
        verb = "VACUUM FULL" if mode == "full" else "VACUUM"
        with connection.cursor() as cursor:
            for table in tables:
                sql = f"{verb} {connection.ops.quote_name(table)}"
                cursor.execute(sql)
                statements.append(sql)
    elif connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            statements.append("PRAGMA wal_checkpoint(TRUNCATE)")
    return statements


# --- the queue, for the console ---------------------------------------------------------------------


@dataclass(frozen=True)
class QueueRow:
    item: ReviewItem
    record_type: registry.RecordType | None
    record: Any
    policy: RecordClassPolicy | None

    @property
    def title(self) -> str:
        if self.record is None or self.record_type is None:
            return f"{self.item.record_type} {self.item.object_id}"
        return self.record_type.title(self.record)

    @property
    def url(self) -> str:
        if self.record is None or self.record_type is None or self.record_type.url is None:
            return ""
        return self.record_type.url(self.record)

    @property
    def overdue(self) -> bool:
        return self.item.due_on < clock.today()


def open_queue() -> list[QueueRow]:
    rows = []
    policies_by_code = {p.code: p for p in RecordClassPolicy.objects.all()}
    for item in ReviewItem.objects.filter(status=ReviewItem.Status.OPEN).order_by("due_on", "id"):
        rt = registry.get(item.record_type)
        record = registry.load(item.record_type, item.object_id) if rt else None
        rows.append(QueueRow(item, rt, record, policies_by_code.get(item.policy_code)))
    return rows


def history(label: str, object_id: Any) -> models.QuerySet:
    return ReviewHistory.objects.filter(record_type=label, object_id=str(object_id)).select_related("reviewer")
