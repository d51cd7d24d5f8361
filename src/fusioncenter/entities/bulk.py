"""Bulk resolution of many new records at once (imports): the same matching, far fewer queries.

`services.index_record` costs about twenty queries per record, fine for one SAR, far too slow for a
partner's list of a million. Here a chunk of new records is resolved in memory: the chunk's
blocking keys are looked up at once (`candidates.lookup`, capped blocks), only the entities that
rank among some mention's best candidates are read, once per chunk; new entities made in the
chunk are matched by the rest of the chunk through an in-memory key map; entities, blocking keys,
mentions, links and decisions are written with `fastinsert`. Same candidates, thresholds,
explanations and decisions as the one-record path.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import orjson
from django.db import connection

from fusioncenter.core import clock

from . import candidates, registry
from .fastinsert import insert, reserve_ids, update_json
from .models import BlockingKey, Entity, Link, MatchDecision, Mention
from .schema import MentionInput, Normalized, is_probabilistic, normalize_mention, thaw
from .services import MATCH_THRESHOLD, PROFILE_SIZE, REVIEW_THRESHOLD, entity_keys, person_model

KEY_QUERY = 500  # ids per IN (...) query, under SQLite's parameter limit


@dataclass(slots=True)
class _Entity:
    """What the chunk needs of an entity (a model instance costs more to build than to match)."""

    pk: int | None
    type: str
    display: str = ""
    keys: dict[str, Any] = field(default_factory=dict)
    profile: list[Any] = field(default_factory=list)  # as stored
    compared: list[Any] = field(default_factory=list)  # the same, thawed once for the matcher


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
        return {"mentions": 0, "rejected": 0, "entities": 0, "entities_read": 0, "comparisons": 0}
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
    prob_keys = {k for _, item, n in items if is_probabilistic(item.type) for k in n.keys}
    exact_keys = {k for _, item, n in items if not is_probabilistic(item.type) for k in n.keys}
    blocks = {**candidates.lookup(exact_keys, newest=False), **candidates.lookup(prob_keys, newest=True)}
    # only the entities some mention could be compared with are read: for a person, the best
    # ranked of its blocks (entities made or grown in this chunk can only push those down)
    wanted: set[int] = set()
    for _, item, norm in items:
        if is_probabilistic(item.type):
            wanted.update(candidates.rank(norm.keys, blocks))
        else:
            wanted.update(eid for k in norm.keys for eid in blocks.get(k[:200], ()))
    known = _load(wanted)
    read = len(known)
    compared = 0
    key_map: dict[str, set[int]] = defaultdict(set)
    for key, ids in blocks.items():
        key_map[key].update(eid for eid in ids if eid in known)
    model = person_model()
    temp = -1
    placed: list[tuple[int, MentionInput, Normalized, int, str, dict]] = []
    suggestions: list[tuple[int, int, dict]] = []  # (placed index, candidate id, explanation)
    for ri, item, norm in items:
        keys = [k[:200] for k in norm.keys]
        same_type = {e for k in keys for e in key_map.get(k, ()) if known[e].entity.type == item.type}
        chosen, how, explanation = None, Mention.How.NEW, {}
        if same_type and not is_probabilistic(item.type):
            chosen = min(same_type, key=lambda e: (e < 0, abs(e)))
            how = Mention.How.EXACT
            explanation = {"match_weight": None, "probability": 1.0, "comparisons": [
                {"comparison": keys[0].split(":", 1)[0], "level": "same value after normalization", "weight": None}]}
        elif same_type:
            me = thaw(norm.prepared or {})
            scored = []
            for eid in candidates.rank(keys, key_map, only=same_type):
                profiles = known[eid].entity.compared
                compared += len(profiles)
                if profiles:
                    weight, best = model.best(me, profiles)
                    scored.append((weight, eid, best))
            scored.sort(key=lambda t: (-t[0], abs(t[1])))
            # explained in full only where the explanation is kept: the match, or the suggestions
            if scored and scored[0][0] >= MATCH_THRESHOLD:
                chosen, how = scored[0][1], Mention.How.PROBABLE
                explanation = model.explain(me, scored[0][2]).as_dict()
            else:
                for w, eid, best in scored[:5]:
                    if w >= REVIEW_THRESHOLD:
                        suggestions.append((len(placed), eid, model.explain(me, best).as_dict()))
        if chosen is None:
            entity = _new_entity(item.type, norm)
            chosen, temp = temp, temp - 1
            known[chosen] = _Pending(entity, True, ri)
        _add(known[chosen], chosen, keys, norm, key_map)
        placed.append((ri, item, norm, chosen, how, explanation))
    return {**_write(records, label, src, org_id, known, placed, suggestions, rejected),
            "entities_read": read, "comparisons": compared}


def _load(ids: set[int]) -> dict[int, _Pending]:
    """The live (not merged) entities among `ids`, read with a plain cursor and orjson: a chunk reads
    thousands of profiles, and Django's JSON conversion per row cost more than the query."""
    known: dict[int, _Pending] = {}
    ordered = sorted(ids)
    with connection.cursor() as cur:
        for i in range(0, len(ordered), KEY_QUERY):
            part = ordered[i:i + KEY_QUERY]
            cur.execute("SELECT id, type, profile FROM entities_entity "  # noqa: S608
                        f"WHERE merged_into_id IS NULL AND id IN ({', '.join(['%s'] * len(part))})", part)
            for pk, etype, profile in cur.fetchall():
                if isinstance(profile, str | bytes):
                    profile = orjson.loads(profile)
                profile = profile or []
                known[pk] = _Pending(_Entity(pk, etype, profile=profile, compared=[thaw(p) for p in profile]),
                                     False, -1)
    return known


def _new_entity(entity_type: str, norm: Normalized) -> _Entity:
    return _Entity(None, entity_type, norm.display[:300], entity_keys(norm), [])


def _add(p: _Pending, eid: int, keys: list[str], norm: Normalized, key_map: dict[str, set[int]]) -> None:
    for k in keys:
        if eid not in key_map[k]:
            key_map[k].add(eid)
            p.keys.add(k)
    if norm.prepared and norm.prepared not in p.entity.profile and len(p.entity.profile) < PROFILE_SIZE:
        p.entity.profile = [*p.entity.profile, norm.prepared]
        p.entity.compared = [*p.entity.compared, thaw(norm.prepared)]
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
    # keys of entities made here cannot exist yet; only those added to existing entities may meet a
    # row another writer (or the part of a block beyond the cap) already holds
    insert(BlockingKey, ({"entity_id": real[eid], "key": k} for eid, p in new for k in sorted(p.keys)))
    insert(BlockingKey, ({"entity_id": real[eid], "key": k} for eid, p in known.items() if not p.new
                         for k in sorted(p.keys)), skip_conflicts=True)
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
    for (ri, _item, _norm, eid, how, _explanation), m in zip(placed, mentions, strict=True):
        p = known[eid]
        if how != Mention.How.NEW and (not p.new or p.first_record != ri):
            decisions.append({"kind": MatchDecision.Kind.AUTO, "status": MatchDecision.Status.OPEN,
                              "entity_id": real[eid], "mention_id": m["id"], "explanation": {}, "at": now})
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
    insert(Link, links)  # the records are new to the index, so no link of theirs exists yet
    return {"mentions": len(mentions), "rejected": rejected, "entities": len(new)}
