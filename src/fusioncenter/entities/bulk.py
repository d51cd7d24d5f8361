"""Bulk resolution of many new records at once (imports): the same matching, far fewer queries.

`services.index_record` costs about twenty queries per record, fine for one SAR, far too slow for a
partner's list of a million. Here a chunk of new records is resolved in memory: one query per few
hundred keys finds the candidate entities, their profiles are loaded once, new entities made in
the chunk are matched by the rest of the chunk through an in-memory key map, and entities,
blocking keys, mentions, links and decisions are written with `bulk_create`. Same thresholds, same
explanations, same decisions as the one-record path.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from fusioncenter.core import clock

from . import registry
from .fastinsert import insert, reserve_ids, update_json
from .models import BlockingKey, Entity, Link, MatchDecision, Mention
from .schema import MentionInput, Normalized, is_probabilistic, normalize_mention, thaw
from .services import MATCH_THRESHOLD, MAX_CANDIDATES, PROFILE_SIZE, REVIEW_THRESHOLD, entity_keys, person_model

KEY_QUERY = 500  # keys per IN (...) query, under SQLite's parameter limit


@dataclass(slots=True)
class _Entity:
    """What the chunk needs of an entity (a model instance costs more to build than to match)."""

    pk: int | None
    type: str
    display: str = ""
    keys: dict[str, Any] = field(default_factory=dict)
    profile: list[Any] = field(default_factory=list)


@dataclass
class _Pending:
    entity: _Entity
    new: bool
    first_record: int  # index of the record that first mentioned it in this chunk (-1: existed before)
    keys: set[str] = field(default_factory=set)
    dirty: bool = False


def index_records(records: list[Any], org_id: int | None = None) -> dict[str, int]:
    """Resolve and store the mentions of new, registered records (all of one type, none indexed yet)."""
    if not records:
        return {"mentions": 0, "rejected": 0}
    label = registry.label_of(records[0])
    src = registry.mention_source(label)
    items: list[tuple[int, MentionInput, Normalized]] = []
    rejected = 0
    for ri, record in enumerate(records):
        for item in src.extract(record) or []:
            try:
                items.append((ri, item, normalize_mention(item)))
            except ValueError:
                rejected += 1
    key_map: dict[str, set[int]] = defaultdict(set)
    all_keys = sorted({k[:200] for _, _, n in items for k in n.keys})
    for i in range(0, len(all_keys), KEY_QUERY):
        rows = BlockingKey.objects.filter(key__in=all_keys[i:i + KEY_QUERY])  # no join: the key index alone
        for key, eid in rows.values_list("key", "entity_id"):
            key_map[key].add(eid)
    ids = sorted({eid for s in key_map.values() for eid in s})
    known: dict[int, _Pending] = {}
    for i in range(0, len(ids), KEY_QUERY):
        rows = Entity.objects.filter(pk__in=ids[i:i + KEY_QUERY], merged_into__isnull=True)
        for pk, etype, profile in rows.values_list("pk", "type", "profile"):
            known[pk] = _Pending(_Entity(pk, etype, profile=profile), False, -1)
    gone = set(ids) - set(known)  # merged away: never a candidate
    if gone:
        for key in key_map:
            key_map[key] -= gone
    model = person_model()
    temp = -1
    placed: list[tuple[int, MentionInput, Normalized, int, str, dict]] = []
    suggestions: list[tuple[int, int, dict]] = []  # (placed index, candidate id, explanation)
    for ri, item, norm in items:
        keys = [k[:200] for k in norm.keys]
        shared: dict[int, int] = defaultdict(int)
        for k in keys:
            for eid in key_map.get(k, ()):
                if known[eid].entity.type == item.type:
                    shared[eid] += 1
        candidates = set(shared)
        chosen, how, explanation = None, Mention.How.NEW, {}
        if candidates and not is_probabilistic(item.type):
            chosen = min(candidates, key=lambda e: (e < 0, abs(e)))
            how = Mention.How.EXACT
            explanation = {"match_weight": None, "probability": 1.0, "comparisons": [
                {"comparison": keys[0].split(":", 1)[0], "level": "same value after normalization", "weight": None}]}
        elif candidates:
            me = thaw(norm.prepared or {})
            scored = []
            for eid in sorted(candidates, key=lambda e: (-shared[e], -abs(e)))[:MAX_CANDIDATES]:
                profiles = [thaw(p) for p in known[eid].entity.profile]
                if profiles:
                    best = max(profiles, key=lambda p: model.score(me, p))
                    exp = model.explain(me, best)
                    scored.append((exp.weight, eid, exp))
            scored.sort(key=lambda t: (-t[0], abs(t[1])))
            if scored and scored[0][0] >= MATCH_THRESHOLD:
                chosen, how, explanation = scored[0][1], Mention.How.PROBABLE, scored[0][2].as_dict()
            else:
                for w, eid, exp in scored[:5]:
                    if w >= REVIEW_THRESHOLD:
                        suggestions.append((len(placed), eid, exp.as_dict()))
        if chosen is None:
            entity = _new_entity(item.type, norm)
            chosen, temp = temp, temp - 1
            known[chosen] = _Pending(entity, True, ri)
        _add(known[chosen], chosen, keys, norm, key_map)
        placed.append((ri, item, norm, chosen, how, explanation))
    return _write(records, label, src, org_id, known, placed, suggestions, rejected)


def _new_entity(entity_type: str, norm: Normalized) -> _Entity:
    return _Entity(None, entity_type, norm.display[:300], entity_keys(norm), [])


def _add(p: _Pending, eid: int, keys: list[str], norm: Normalized, key_map: dict[str, set[int]]) -> None:
    for k in keys:
        if eid not in key_map[k]:
            key_map[k].add(eid)
            p.keys.add(k)
    if norm.prepared and norm.prepared not in p.entity.profile and len(p.entity.profile) < PROFILE_SIZE:
        p.entity.profile = [*p.entity.profile, norm.prepared]
        p.dirty = True


def _write(records, label, src, org_id, known, placed, suggestions, rejected) -> dict[str, int]:
    """Write the chunk's results with `fastinsert` (ids reserved first, so rows can name each other)."""
    now = clock.now()
    new = [(eid, p) for eid, p in known.items() if p.new]
    for (_, p), pk in zip(new, reserve_ids(Entity, len(new)), strict=True):
        p.entity.pk = pk
    insert(Entity, ({"id": p.entity.pk, "type": p.entity.type, "display": p.entity.display, "keys": p.entity.keys,
                     "profile": p.entity.profile, "created_at": now, "updated_at": now} for _, p in new))
    real = {eid: p.entity.pk for eid, p in known.items()}
    update_json(Entity, "profile", {p.entity.pk: p.entity.profile for p in known.values() if not p.new and p.dirty})
    insert(BlockingKey, ({"entity_id": real[eid], "key": k} for eid, p in known.items() for k in sorted(p.keys)),
           skip_conflicts=True)
    mention_ids = reserve_ids(Mention, len(placed))
    mentions = []
    for (ri, item, norm, eid, how, explanation), mid in zip(placed, mention_ids, strict=True):
        record = records[ri]
        mentions.append({
            "id": mid, "entity_id": real[eid], "entity_type": item.type, "source_type": label,
            "source_id": str(record.pk), "field": item.field[:64], "raw_value": str(item.value or norm.display)[:500],
            "normalized": norm.normalized[:300], "attributes": norm.attributes,
            "source_organization_id": org_id or getattr(record, "owner_organization_id", None),
            "observed_at": src.date(record) if src.date else None, "how": how, "match": explanation,
            "created_at": now})
    insert(Mention, mentions)
    decisions = []
    for (ri, _item, _norm, eid, how, explanation), m in zip(placed, mentions, strict=True):
        p = known[eid]
        if how != Mention.How.NEW and (not p.new or p.first_record != ri):
            decisions.append({"kind": MatchDecision.Kind.AUTO, "status": MatchDecision.Status.OPEN,
                              "entity_id": real[eid], "mention_id": m["id"], "explanation": explanation, "at": now})
    for index, candidate, explanation in suggestions:
        m = mentions[index]
        decisions.append({"kind": MatchDecision.Kind.SUGGESTION, "status": MatchDecision.Status.OPEN,
                          "entity_id": real[candidate], "other_id": m["entity_id"], "mention_id": m["id"],
                          "explanation": explanation, "at": now})
    insert(MatchDecision, decisions)
    by_record: dict[int, set[int]] = defaultdict(set)
    for ri, _item, _norm, eid, _how, _exp in placed:
        by_record[ri].add(real[eid])
    links = []
    for ri, ents in by_record.items():
        record = records[ri]
        ordered = sorted(ents)
        date = src.date(record) if src.date else None
        links += [{"from_entity_id": a, "to_entity_id": b, "type": "co_mentioned", "source_type": label,
                   "source_id": str(record.pk), "date": date, "created_at": now}
                  for i, a in enumerate(ordered) for b in ordered[i + 1:]]
    insert(Link, links, skip_conflicts=True)
    return {"mentions": len(mentions), "rejected": rejected, "entities": len(new)}
