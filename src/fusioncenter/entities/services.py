"""Entity index services: index a record's mentions, resolve them, and the analysts' decisions.

* `resolve_mention(type, value, attributes)` matches one mention against the index (read-only):
  exact types through their normalized keys, persons by Fellegi–Sunter over the candidates that
  share a DB-indexed blocking key. Milliseconds: one indexed lookup plus a few dozen comparisons.
* `index_record(record)` extracts a registered record's mentions, resolves and stores them with
  provenance (the mentions link the entities a record names: `links`), and (on commit) tells the
  owners of other records that share an entity, and the watchers.
* `confirm`, `reject`, `merge`, `split`, `undo`: analyst decisions, each audited and reversible
  (a merge keeps the merged entity's row and remembers which mentions moved).

Matching never writes a record of a capability app, only the index (Aleph's xref junk, anchor 9).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef, QuerySet

from fusioncenter.core import audit, clock
from fusioncenter.core.roles import CENTER_WORKER_ROLES

from . import access as eaccess
from . import candidates, explanations, matching, person_scorer, registry
from .models import BlockingKey, Entity, MatchDecision, Mention
from .schema import MentionInput, Normalized, is_probabilistic, normalize_mention, thaw

log = logging.getLogger(__name__)

MATCH_THRESHOLD = matching.DEFAULT_THRESHOLD  # at or above: attached automatically (reviewable)
REVIEW_THRESHOLD = 0.0  # between this and MATCH_THRESHOLD: a new entity plus a suggestion to review
PROFILE_SIZE = 10


@dataclass
class Resolution:
    """The index's answer for one mention."""

    normalized: Normalized
    entity: Entity | None
    how: str
    # as the index keeps them (`explanations`: `full` gives them as shown)
    explanation: dict[str, Any] = field(default_factory=dict)
    suggestions: list[tuple[Entity, dict[str, Any]]] = field(default_factory=list)


_model: matching.PersonModel | None = None


def person_model() -> matching.PersonModel:
    global _model
    if _model is None:
        _model = matching.PersonModel()
    return _model


# --- resolution -----------------------------------------------------------------------------------


def _live(entity: Entity) -> Entity:
    """Follow merges to the entity that now stands for this one."""
    seen = set()
    while entity.merged_into_id and entity.pk not in seen:
        seen.add(entity.pk)
        entity = entity.merged_into
    return entity


def get_entity(user: Any, pk: int, *, source_address: str | None = None, audited: bool = True,
               detail: dict[str, Any] | None = None) -> Entity:
    """The entity `pk` stands for now (merges followed), for a user who may see at least one record
    that mentions it; LookupError otherwise, whether it does not exist or is out of reach, so both
    answer alike. A view is audited (entity id only): the page and the API show values taken from
    the records behind it, and the privacy officer must be able to see who looked at a person."""
    from . import access as entity_access

    entity = Entity.objects.filter(pk=pk).first()
    if entity is None:
        raise LookupError(pk)
    live = _live(entity)
    if not entity_access.can_see_entity(user, live):
        raise LookupError(pk)
    if audited:
        audit.record(user, "entities.view", live, source_address=source_address, detail=detail or {})
    return live


def resolve_mention(entity_type: str, value: str, attributes: dict[str, Any] | None = None,
                    *, exclude: set[int] | None = None) -> Resolution:
    """Match a mention against the index without changing it. Raises ValueError on an unusable value."""
    norm = normalize_mention(MentionInput(entity_type, "", value, attributes or {}))
    exclude = exclude or set()
    if not is_probabilistic(entity_type):
        hit = (BlockingKey.objects.holding(norm.keys).filter(entity__type=entity_type)
               .exclude(entity_id__in=exclude).select_related("entity").order_by("entity_id").first())
        if hit is None:
            return Resolution(norm, None, Mention.How.NEW)
        entity = _live(hit.entity)
        which = hit.key.split(":", 1)[0]
        return Resolution(norm, entity, Mention.How.EXACT, explanations.same_value(which))
    # The candidates sharing the most blocking keys first: with common names a block holds hundreds
    # of entities, and comparing against all of them made the match grow with the index.
    ids = candidates.rank(norm.keys, candidates.lookup(norm.keys, newest=True), exclude=exclude)
    model = person_model()
    me = thaw(norm.prepared or {})
    scored: list[tuple[float, Entity, dict[str, Any]]] = []
    best_of = person_scorer.matcher(model)(me)
    for entity in Entity.objects.filter(pk__in=ids, type=entity_type, merged_into__isnull=True):
        if entity.profile:
            weight, best = best_of([thaw(p) for p in entity.profile])
            scored.append((weight, entity, best))
    scored.sort(key=lambda t: (-t[0], t[1].pk))
    if scored and scored[0][0] >= MATCH_THRESHOLD:
        return Resolution(norm, scored[0][1], Mention.How.PROBABLE, explanations.stored(model, me, scored[0][2]))
    suggestions = [(e, explanations.stored(model, me, p)) for w, e, p in scored if w >= REVIEW_THRESHOLD][:5]
    return Resolution(norm, None, Mention.How.NEW, {}, suggestions)


def entity_keys(norm: Normalized) -> dict[str, Any]:
    """The identifying keys a new entity keeps from its first mention (one value per kind); person
    blocking keys are matching aids, not identifiers, so they are left out."""
    keys: dict[str, Any] = {}
    for k in norm.keys:
        kind, _, val = k.partition(":")
        if not kind.startswith("person|"):
            keys.setdefault(kind, val)
    return keys


def _new_entity(entity_type: str, norm: Normalized) -> Entity:
    return Entity.objects.create(type=entity_type, display=norm.display[:300], keys=entity_keys(norm),
                                 profile=[norm.prepared] if norm.prepared else [])


def _add_keys(entity: Entity, norm: Normalized) -> None:
    existing = set(entity.blocking_keys.values_list("key", flat=True))
    BlockingKey.objects.bulk_create([BlockingKey(entity=entity, key=k[:200]) for k in set(norm.keys) - existing],
                                    ignore_conflicts=True)
    changed = False
    if norm.prepared and norm.prepared not in entity.profile and len(entity.profile) < PROFILE_SIZE:
        entity.profile = [*entity.profile, norm.prepared]
        changed = True
    for k in norm.keys:
        kind, _, val = k.partition(":")
        if not kind.startswith("person|") and kind not in entity.keys:
            entity.keys = {**entity.keys, kind: val}
            changed = True
    if changed:
        entity.updated_at = clock.now()
        entity.save(update_fields=["profile", "keys", "updated_at"])


def _rebuild(entity: Entity) -> None:
    """Recompute an entity's keys and profile from the mentions it still has (after a split or undo)."""
    entity.blocking_keys.all().delete()
    entity.profile, entity.keys = [], {}
    entity.save(update_fields=["profile", "keys"])
    for m in entity.mentions.all():
        try:
            norm = normalize_mention(MentionInput(m.entity_type, m.field, m.raw_value, m.attributes))
        except ValueError:
            continue
        _add_keys(entity, norm)


# --- indexing records -----------------------------------------------------------------------------


def _source_org_id(src: registry.MentionSource, record: Any) -> int | None:
    if src.organization is not None:
        org = src.organization(record)
        return getattr(org, "pk", org)
    return getattr(record, "owner_organization_id", None)


@dataclass
class IndexReport:
    created: list[Mention] = field(default_factory=list)
    kept: int = 0
    removed: int = 0
    rejected: list[tuple[MentionInput, str]] = field(default_factory=list)


def index_record(record: Any, actor: Any = "system", *, notify: bool = True, audit_entry: bool = True
                 ) -> IndexReport:
    """(Re)index a registered record's mentions. Idempotent: unchanged mentions are kept as they are.

    `audit_entry=False` is for bulk imports, which audit once per batch instead of once per row.
    """
    label = registry.label_of(record)
    src = registry.mention_source(label)
    if src is None:
        raise ValueError(f"{label} is not a registered mention source.")
    inputs = list(src.extract(record) or [])
    observed = src.date(record) if src.date else None
    org_id = _source_org_id(src, record)
    report = IndexReport()
    with transaction.atomic():
        existing = {(m.entity_type, m.field, m.normalized): m
                    for m in Mention.objects.filter(source_type=label, source_id=str(record.pk))}
        wanted: dict[tuple[str, str, str], tuple[MentionInput, Normalized]] = {}
        for item in inputs:
            try:
                norm = normalize_mention(item)
            except ValueError as exc:
                report.rejected.append((item, str(exc)))
                continue
            wanted.setdefault((item.type, item.field, norm.normalized[:300]), (item, norm))
        stale = [m for key, m in existing.items() if key not in wanted]
        for m in stale:
            _drop_mention(m)
        report.removed = len(stale)
        mentions: list[Mention] = [m for key, m in existing.items() if key in wanted]
        report.kept = len(mentions)
        for key, (item, norm) in wanted.items():
            if key in existing:
                continue
            mention = _attach(item, norm, label, str(record.pk), org_id, observed)
            report.created.append(mention)
            mentions.append(mention)
        # the record's date dates its links (`links`): kept mentions take a changed one
        Mention.objects.filter(pk__in=[m.pk for m in mentions if m.observed_at != observed]).update(
            observed_at=observed)
        if audit_entry:
            audit.record(actor, "entities.index", object_type=label, object_id=record.pk, detail={
                "created": len(report.created), "kept": report.kept, "removed": report.removed,
                "rejected": len(report.rejected)})
        if notify and report.created:
            from . import notify as notify_mod

            ids = [m.pk for m in report.created]
            transaction.on_commit(lambda: notify_mod.after_index(label, str(record.pk), ids))
    return report


def _attach(item: MentionInput, norm: Normalized, label: str, source_id: str, org_id: int | None,
            observed: Any) -> Mention:
    res = resolve_mention(item.type, item.value, item.attributes)
    entity = res.entity or _new_entity(item.type, norm)
    _add_keys(entity, norm)
    mention = Mention.objects.create(
        entity=entity, entity_type=item.type, source_type=label, source_id=source_id, field=item.field[:64],
        raw_value=str(item.value or norm.display)[:500], normalized=norm.normalized[:300],
        attributes=norm.attributes, source_organization_id=org_id, observed_at=observed, how=res.how,
        match=res.explanation)
    # an automatic match needs no row of its own until an analyst decides it (`open_automatic_matches`)
    for candidate, explanation in res.suggestions:
        MatchDecision.objects.create(kind=MatchDecision.Kind.SUGGESTION, status=MatchDecision.Status.OPEN,
                                     entity=candidate, other=entity, mention=mention, explanation=explanation)
    return mention


def _drop_mention(mention: Mention) -> None:
    entity = mention.entity
    mention.delete()
    if not entity.mentions.exists() and not entity.merged.exists():
        entity.delete()
    else:
        _rebuild(entity)


def forget_if_indexed(label: str, source_id: Any) -> None:
    """`remove_record`, only when the record left something in the index or search (so a record that
    was never indexed, such as a draft, costs no audit entry); idempotent."""
    from .models import SearchDocument

    sid = str(source_id)
    if (Mention.objects.filter(source_type=label, source_id=sid).exists()
            or SearchDocument.objects.filter(source_type=label, source_id=sid).exists()):
        remove_record(label, sid)


def remove_record(label: str, source_id: Any, actor: Any = "system") -> int:
    """Forget a record (purge hook): its mentions (and so its links), search document; entities left
    empty go too."""
    from .models import SearchDocument

    with transaction.atomic():
        mentions = list(Mention.objects.filter(source_type=label, source_id=str(source_id)).select_related("entity"))
        MatchDecision.objects.filter(mention__in=mentions).delete()
        for m in mentions:
            _drop_mention(m)
        SearchDocument.objects.filter(source_type=label, source_id=str(source_id)).delete()
        from . import search

        search.remove_fts(label, str(source_id))
        audit.record(actor, "entities.forget", object_type=label, object_id=source_id,
                     detail={"mentions": len(mentions)})
    return len(mentions)


# --- analysts' decisions ----------------------------------------------------------------------------


def _require_analyst(user: Any, *entities: Entity) -> None:
    if getattr(user, "role", None) not in CENTER_WORKER_ROLES:
        raise PermissionDenied("Only analysts and supervisors decide matches.")
    for entity in entities:
        if not eaccess.can_see_entity(user, entity):
            from fusioncenter.core.access import AccessDenied, deny

            raise AccessDenied(deny("No record you may see mentions this entity."))


AUTOMATIC = (Mention.How.EXACT, Mention.How.PROBABLE)  # how a mention is placed by the matcher itself


def open_automatic_matches(mentions: QuerySet, *, reopened: bool = False) -> QuerySet:
    """Those of `mentions` that are automatic matches still to review: placed by the matcher on an
    entity that another record mentions too, with no decision on them yet. `reopened`: also those
    whose `auto` row is open again (an undone confirmation or rejection reopens it), which the
    review queue lists with that row, in the same order.

    Derived from the mentions, not stored: an import used to write a decision row for every such
    mention (1.3 a row), which most analysts never open, and those rows cost a PostgreSQL import 6%
    of its time (docs/entities.md). The row is written when an analyst decides (`automatic_match`),
    so confirming, rejecting and undoing work on it as on any other decision."""
    elsewhere = Mention.objects.filter(entity=OuterRef("entity")).exclude(
        source_type=OuterRef("source_type"), source_id=OuterRef("source_id"))
    decided = MatchDecision.objects.filter(mention=OuterRef("pk"), kind=MatchDecision.Kind.AUTO)
    undecided = Exists(elsewhere) & ~Exists(decided)
    if reopened:
        undecided |= Exists(decided.filter(status=MatchDecision.Status.OPEN))
    return mentions.filter(how__in=AUTOMATIC).filter(undecided)


def as_open_decision(mention: Mention) -> MatchDecision:
    """An open automatic match shown like a stored one (not saved: it has no id)."""
    return MatchDecision(kind=MatchDecision.Kind.AUTO, status=MatchDecision.Status.OPEN,
                         entity_id=mention.entity_id, mention=mention, at=mention.created_at)


def automatic_match(user: Any, mention_id: int) -> int:
    """The id of the decision row of `mention_id`'s automatic match, written now if it was never
    decided: what `confirm` and `reject` then take. Only for an analyst who may see the mention's
    record (as the pages that offer it)."""
    with transaction.atomic():
        mention = Mention.objects.select_for_update().filter(pk=mention_id).first()
        if mention is None:
            raise ValidationError({"mention": ["No such mention."]}, code="not_found")
        # who may decide comes first: to anyone else, how a mention was placed is not said
        _require_analyst(user, mention.entity)
        if not eaccess.can_see_record(user, mention.source_type, mention.source_id):
            from fusioncenter.core.access import AccessDenied, deny

            raise AccessDenied(deny("You may not see the record of this mention."))
        if mention.how not in AUTOMATIC:
            raise ValidationError({"mention": ["This mention was not matched automatically."]}, code="not_automatic")
        stored = MatchDecision.objects.filter(mention=mention, kind=MatchDecision.Kind.AUTO).order_by("id").first()
        if stored is not None:
            return stored.pk  # decided before (or written before this was derived): decided on as it stands
        if not open_automatic_matches(Mention.objects.filter(pk=mention.pk)).exists():
            raise ValidationError({"mention": ["No other record mentions this entity: there is no match to decide."]},
                                  code="no_match")
        return MatchDecision.objects.create(kind=MatchDecision.Kind.AUTO, status=MatchDecision.Status.OPEN,
                                            entity_id=mention.entity_id, mention=mention, at=mention.created_at).pk


def _decision(user: Any, decision_id: int) -> MatchDecision:
    d = MatchDecision.objects.select_related("entity", "other", "mention").filter(pk=decision_id).first()
    if d is None:
        raise ValidationError({"decision": ["No such match decision."]}, code="not_found")
    return d


def confirm(user: Any, decision_id: int, reason: str = "", source_address: str | None = None) -> MatchDecision:
    """Confirm an automatic match (it stays) or a suggestion (the two entities are merged)."""
    with transaction.atomic():
        d = _decision(user, decision_id)
        _require_analyst(user, d.entity)
        if d.status != MatchDecision.Status.OPEN:
            raise ValidationError({"decision": ["This match was already decided."]}, code="decided")
        if d.kind == MatchDecision.Kind.SUGGESTION and d.other is not None:
            merged = _merge(user, _live(d.other), _live(d.entity), reason or "confirmed suggestion", d.why)
            d.status = MatchDecision.Status.DONE
            d.save(update_fields=["status"])
            out = merged
        else:
            d.status = MatchDecision.Status.DONE
            d.save(update_fields=["status"])
            out = MatchDecision.objects.create(kind=MatchDecision.Kind.CONFIRM, entity=d.entity, mention=d.mention,
                                               explanation=d.why, reason=reason[:500], decided_by=user,
                                               reverses=None)
            out.moved = [d.pk]
            out.save(update_fields=["moved"])
        audit.record(user, "entities.confirm", out, source_address=source_address,
                     detail={"decision": d.pk, "entity": d.entity_id})
    return out


def reject(user: Any, decision_id: int, reason: str = "", source_address: str | None = None) -> MatchDecision:
    """Reject a suggestion (nothing moves), or an automatic match (the mention is split out)."""
    with transaction.atomic():
        d = _decision(user, decision_id)
        _require_analyst(user, d.entity)
        if d.status != MatchDecision.Status.OPEN:
            raise ValidationError({"decision": ["This match was already decided."]}, code="decided")
        d.status = MatchDecision.Status.DONE
        d.save(update_fields=["status"])
        out = MatchDecision.objects.create(kind=MatchDecision.Kind.REJECT, entity=d.entity, other=d.other,
                                           mention=d.mention, explanation=d.why, reason=reason[:500],
                                           decided_by=user, moved=[d.pk])
        if d.kind == MatchDecision.Kind.AUTO and d.mention is not None:
            new = _split(d.entity, [d.mention.pk])
            out.other = new
            out.moved = [d.pk, d.mention.pk]
            out.save(update_fields=["other", "moved"])
        audit.record(user, "entities.reject", out, source_address=source_address,
                     detail={"decision": d.pk, "entity": d.entity_id})
    return out


def _merge(user: Any, source: Entity, target: Entity, reason: str, explanation: dict | None = None) -> MatchDecision:
    if source.pk == target.pk:
        raise ValidationError({"other": ["An entity cannot be merged into itself."]}, code="same")
    if source.type != target.type:
        raise ValidationError({"other": ["Only entities of the same type can be merged."]}, code="type")
    moved = list(source.mentions.values_list("pk", flat=True))
    source.mentions.update(entity=target)  # its links follow its mentions (`links`)
    source.merged_into = target
    source.save(update_fields=["merged_into"])
    source.blocking_keys.all().delete()  # a merged entity is never a candidate: its keys must not fill a block
    _rebuild(target)
    return MatchDecision.objects.create(kind=MatchDecision.Kind.MERGE, entity=target, other=source, moved=moved,
                                        explanation=explanation or {}, reason=reason[:500], decided_by=user)


def merge(user: Any, entity_id: int, into_id: int, reason: str = "", source_address: str | None = None
          ) -> MatchDecision:
    """Merge entity `entity_id` into `into_id` (reversible with `undo`)."""
    with transaction.atomic():
        source = Entity.objects.filter(pk=entity_id, merged_into__isnull=True).first()
        target = Entity.objects.filter(pk=into_id, merged_into__isnull=True).first()
        if source is None or target is None:
            raise ValidationError({"other": ["No such entity (or it was merged already)."]}, code="not_found")
        _require_analyst(user, source, target)
        d = _merge(user, source, target, reason)
        audit.record(user, "entities.merge", d, source_address=source_address,
                     detail={"entity": target.pk, "merged": source.pk, "mentions": len(d.moved)})
    return d


def _split(entity: Entity, mention_ids: list[int]) -> Entity:
    mentions = list(entity.mentions.filter(pk__in=mention_ids))
    first = mentions[0]
    norm = normalize_mention(MentionInput(first.entity_type, first.field, first.raw_value, first.attributes))
    new = _new_entity(entity.type, norm)
    Mention.objects.filter(pk__in=[m.pk for m in mentions]).update(entity=new, how=Mention.How.ANALYST)
    _rebuild(new)
    _rebuild(entity)
    return new


def split(user: Any, entity_id: int, mention_ids: list[int], reason: str = "", source_address: str | None = None
          ) -> MatchDecision:
    """Move some mentions of an entity to a new entity (reversible with `undo`)."""
    with transaction.atomic():
        entity = Entity.objects.filter(pk=entity_id, merged_into__isnull=True).first()
        if entity is None:
            raise ValidationError({"entity": ["No such entity."]}, code="not_found")
        _require_analyst(user, entity)
        ids = set(entity.mentions.filter(pk__in=mention_ids).values_list("pk", flat=True))
        if not ids or len(ids) != len(set(mention_ids)):
            raise ValidationError({"mentions": ["Choose mentions of this entity."]}, code="invalid")
        if len(ids) == entity.mentions.count():
            raise ValidationError({"mentions": ["Leave at least one mention on the entity."]}, code="invalid")
        new = _split(entity, sorted(ids))
        d = MatchDecision.objects.create(kind=MatchDecision.Kind.SPLIT, entity=entity, other=new, moved=sorted(ids),
                                         reason=reason[:500], decided_by=user)
        audit.record(user, "entities.split", d, source_address=source_address,
                     detail={"entity": entity.pk, "new": new.pk, "mentions": len(ids)})
    return d


def undo(user: Any, decision_id: int, reason: str = "", source_address: str | None = None) -> MatchDecision:
    """Reverse a merge, split, confirm or reject: mentions go back where they were; suggestions reopen."""
    with transaction.atomic():
        d = _decision(user, decision_id)
        _require_analyst(user, d.entity)
        if d.status == MatchDecision.Status.REVERSED or d.kind in (MatchDecision.Kind.AUTO,
                                                                   MatchDecision.Kind.SUGGESTION):
            raise ValidationError({"decision": ["Only a decision that was made can be reversed, once."]},
                                  code="not_reversible")
        if d.kind == MatchDecision.Kind.MERGE and d.other is not None:
            source = d.other
            Mention.objects.filter(pk__in=d.moved).update(entity=source)
            source.merged_into = None
            source.save(update_fields=["merged_into"])
            _rebuild(source)
            _rebuild(d.entity)
            _reopen(d.entity, source)
        elif d.kind == MatchDecision.Kind.SPLIT and d.other is not None:
            Mention.objects.filter(pk__in=d.moved, entity=d.other).update(entity=d.entity)
            _retire(d.other, d.entity)
        elif d.kind == MatchDecision.Kind.REJECT:
            MatchDecision.objects.filter(pk__in=d.moved[:1]).update(status=MatchDecision.Status.OPEN)
            if d.other is not None and len(d.moved) > 1:
                Mention.objects.filter(pk__in=d.moved[1:], entity=d.other).update(entity=d.entity)
                _retire(d.other, d.entity)
        elif d.kind == MatchDecision.Kind.CONFIRM:
            MatchDecision.objects.filter(pk__in=d.moved[:1]).update(status=MatchDecision.Status.OPEN)
        d.status = MatchDecision.Status.REVERSED
        d.reversed_at = clock.now()
        d.save(update_fields=["status", "reversed_at"])
        out = MatchDecision.objects.create(kind=d.kind, entity=d.entity, other=d.other, reverses=d, decided_by=user,
                                           reason=(reason or "undo")[:500], status=MatchDecision.Status.REVERSED)
        audit.record(user, "entities.undo", out, source_address=source_address,
                     detail={"decision": d.pk, "kind": d.kind, "entity": d.entity_id})
    return out


def _retire(gone: Entity, back_into: Entity) -> None:
    """An entity emptied by an undo: kept as merged (so old addresses of it resolve); its links
    went back with its mentions."""
    gone.blocking_keys.all().delete()
    gone.merged_into = back_into
    gone.save(update_fields=["merged_into"])
    _rebuild(back_into)


def _reopen(entity: Entity, other: Entity) -> None:
    MatchDecision.objects.filter(kind=MatchDecision.Kind.SUGGESTION, entity=entity, other=other).update(
        status=MatchDecision.Status.OPEN)


def purge_hook(label: str, record_id: str) -> None:
    """The privacy app's purge calls this inside its transaction: the index keeps no copy."""
    remove_record(label, record_id, actor="system")
