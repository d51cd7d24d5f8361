"""Bulk resolution of many new records at once (imports): the same matching, far fewer queries.

`services.index_record` costs about twenty queries per record, fine for one SAR, far too slow for a
partner's list of a million. Here a chunk of new records is resolved in memory (`resolve`): the
chunk's blocking keys are looked up at once (`candidates.lookup`, capped blocks), only the entities
that rank among some mention's best candidates are read, once per chunk; new entities made in the
chunk are matched by the rest of the chunk through an in-memory key map. `write` then stores
entities, blocking keys, mentions and suggestions with `fastinsert`. Same candidates,
thresholds, explanations and decisions as the one-record path.

Resolving and writing are separate so that an import can resolve one chunk while another process
writes the one before (`imports`, `pipeline`). What the import made is then matched from memory
(`Pending`: the entities it made or changed and the blocks they joined, exactly what the database
holds or will hold once the chunk in flight commits), and the database is read only for what was
there before. Entities made during an import keep ids below zero in the resolving process (the
writer keeps their real ids: `WriteState`), so they sort as the newest, as they are.
"""

from __future__ import annotations

import array
import bisect
import functools
import itertools
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import orjson
from django.db import connection

from fusioncenter.core import clock

from . import candidates, explanations, person_scorer, registry
from .fastinsert import encode, insert, last_id, reserve_ids, update_json
from .models import BlockingKey, Entity, MatchDecision, Mention
from .schema import MentionInput, Normalized, is_probabilistic, normalize_mention, thaw
from .services import MATCH_THRESHOLD, PROFILE_SIZE, REVIEW_THRESHOLD, entity_keys, person_model

KEY_QUERY = 500  # ids per IN (...) query, under SQLite's parameter limit
# how a mention was placed, as plain strings: the enum members cost ~50 µs each to unpickle
NEW, EXACT, PROBABLE = str(Mention.How.NEW.value), str(Mention.How.EXACT.value), str(Mention.How.PROBABLE.value)


@dataclass(slots=True)
class _Entity:
    """What the chunk needs of an entity (a model instance costs more to build than to match).
    Its id is the key it is held under (`Resolved.known`)."""

    type: str
    display: str = ""
    keys: dict[str, Any] = field(default_factory=dict)
    # as stored, and as compared: the matcher takes the mention's side thawed and reads a stored
    # profile's `formal` names as any collection (`matching._first_level`), so none is copied
    profile: list[Any] = field(default_factory=list)


@dataclass(slots=True)
class _Pending:
    entity: _Entity
    new: bool
    keys: set[str] = field(default_factory=set)
    dirty: bool = False

    @property
    def changed(self) -> bool:
        """Made, given a profile or given keys in this chunk: what writing it changes."""
        return self.new or self.dirty or bool(self.keys)


@dataclass
class Pending:
    """What an import has made or changed in the index since `horizon`, kept in memory.

    The entities the import makes are matched from here, not read back from the database: the
    blocks they joined (at most BLOCK_CAP members each, kept as `candidates.lookup` would return
    them) and the entities' profiles as they will be stored, under the ids below zero they were
    made with. The database is read only up to `horizon` (the newest entity id committed when this
    began), so nothing here is read twice, and it does not matter when the writer commits.

    Exact while the import is the index's only writer: whoever else writes takes ids from the
    same sequences, the writer notices the gap (`WriteState.took`) and the import starts a new
    `Pending` from the database (`imports._import_pipelined`). (Reads are not held in one
    snapshot instead: on SQLite an open snapshot stops the WAL from ever restarting, and it grew
    by gigabytes.)"""

    # blocking key -> entities that gained it, in block order, capped; held as machine integers
    # (`_join`), not lists of int objects
    blocks: dict[str, Sequence[int]]
    # entity id -> its profile as it will be stored, for every entity made or changed (its type is
    # the mention's that meets it: a block holds one type)
    entities: dict[int, list[Any]]
    horizon: int | None = None

    def absorb(self, resolved: Resolved) -> None:
        """Add what the next chunk made or changed. Only an entity's profile is kept, not what only
        its first write needs (display, keys), nor an object around it: an import keeps millions,
        and a candidate's profile is then one lookup away (`resolve`)."""
        entities = self.entities
        for eid, p in resolved.known.items():
            if not p.changed:
                continue
            entities[eid] = p.entity.profile
            if p.keys:
                _join(self.blocks, p.keys, eid, newest=is_probabilistic(p.entity.type))


def _join(blocks: dict[str, Any], keys: set[str], eid: int, *, newest: bool) -> None:
    """`eid` into each block of `keys`, in block order, at most BLOCK_CAP members (past the cap it
    could never be returned). An entity made during the import is the newest yet: it goes first
    (or last, oldest first) with no search.

    A new block is an `array` of 64-bit ids, not a list. Why: a million-row import keeps millions
    of block members, and a list holds each as a pointer to an int object made when its entity
    was, somewhere in gigabytes of heap; counting a mention's blocks (`candidates.rank`) then
    missed the processor's caches on nearly every member, and was the largest single cost of the
    resolving process at a million rows (py-spy: 10.7% of its samples; 7.5% with arrays). An
    array keeps the ids side by side, and the ints read from it are made as they are read.
    Measured in docs/entities.md (Bulk import)."""
    cap = candidates.BLOCK_CAP
    order = candidates.newest_first if newest else candidates.oldest_first
    # an id below zero (made during the import: nearly every call) is newer than a stored id and
    # than every id above it, so it is compared as a plain int, with no sort key made
    made = eid < 0
    for k in keys:
        block = blocks.get(k)
        if block is None:
            blocks[k] = array.array("q", (eid,))
        elif newest and (eid < block[0] if made else order(eid) < order(block[0])):
            block.insert(0, eid)
            del block[cap:]
        elif not newest and (eid < block[-1] if made else order(eid) > order(block[-1])):
            if len(block) < cap:
                block.append(eid)
        elif eid not in block:
            bisect.insort(block, eid, key=order)
            del block[cap:]


@dataclass
class WriteState:
    """What the writer keeps over an import: the real ids of the entities made (by the ids below
    zero they were resolved with), and the last id it took from each sequence others write with.

    A gap between two of its reservations means someone else wrote to the index meanwhile (a
    report indexed, an entity merged or split): the import's `Pending` may then be missing it, so
    the chunk's answer says so (`foreign`) and the import reads the database afresh."""

    ids: dict[int, int] = field(default_factory=dict)
    last: dict[str, int] = field(default_factory=dict)
    foreign: bool = False

    def took(self, table: str, ids: list[int]) -> None:
        if not ids:
            return
        before = self.last.get(table)
        if (before is not None and ids[0] != before + 1) or ids[-1] - ids[0] != len(ids) - 1:
            self.foreign = True
        self.last[table] = ids[-1]


WATCHED = {"entity": Entity, "mention": Mention, "decision": MatchDecision}  # the sequences WriteState watches


def sequences() -> dict[str, int]:
    """The last id taken from each watched sequence: where a writer's first reservations must follow."""
    return {name: last_id(model) for name, model in WATCHED.items()}


@dataclass
class Resolved:
    """A resolved chunk, as resolution left it (`for_writer`: what `write` stores)."""

    label: str
    known: dict[int, _Pending]
    # one per mention, plain values (the pipeline sends them to its writer): (record index, entity
    # type, field, raw value, normalized value, attributes, entity id, how, explanation), the
    # attributes and the explanation as JSON already (`fastinsert.encode`)
    placed: list[tuple[int, str, str, str, str, str, int, str, str]]
    suggestions: list[tuple[int, int, str]]  # (placed index, candidate id, explanation as JSON)
    rejected: int
    read: int
    compared: int

    def pending(self, horizon: int | None) -> Pending:
        """What this chunk adds to the index, for resolving the next chunks before it is written.
        `horizon`: the newest entity id in the database before this chunk is sent to be written."""
        out = Pending({}, {}, horizon)
        out.absorb(self)
        return out

    def for_writer(self) -> ToWrite:
        """What `write` takes: the entities made or changed (not those left unchanged: only
        resolution needed them), their keys and profiles as JSON, all as plain tuples; the records
        stay out (the job carries them). The import pipeline pickles this for its writer process:
        the unchanged entities were most of the bytes, nested profiles cost more to pickle and
        unpickle than to encode here (once: the writer would encode them anyway), and an object
        per entity cost Python calls per entity on both sides (a first chunk of 2,000 rows: 25.0 ms
        to pickle and 11.5 ms to unpickle with an object per entity, 12.3 and 8.4 ms as tuples)."""
        entities = [(eid, p.entity.type, p.entity.display, encode(p.entity.keys) if p.new else "{}",
                     encode(p.entity.profile), p.new, p.keys, p.dirty)
                    for eid, p in self.known.items() if p.changed]
        return ToWrite(self.label, entities, self.placed, self.suggestions, self.rejected, self.read, self.compared)


@dataclass
class ToWrite:
    """A resolved chunk as `write` stores it (`Resolved.for_writer`), in plain values."""

    label: str
    # the entities made or changed: (id, type, display, keys as JSON, profile as JSON, made here,
    # the blocking keys it gained, profile changed); the id is below zero for one made during the
    # import and not written yet
    entities: list[tuple[int, str, str, str, str, bool, set[str], bool]]
    placed: list[tuple[int, str, str, str, str, str, int, str, str]]  # as `Resolved.placed`
    suggestions: list[tuple[int, int, str]]
    rejected: int
    read: int
    compared: int


def resolve(records: list[Any], *, pending: Pending | None = None,
            temp_ids: Iterator[int] | None = None) -> Resolved:
    """Match the mentions of `records` (new, registered, all of one type) against the index and each
    other. `pending`: what the import made or changed so far (the database is read up to its
    horizon only). `temp_ids`: where the ids of new entities come from until they are written
    (below zero; one counter per import)."""
    temp_ids = temp_ids or itertools.count(-1, -1)
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
    probabilistic_type = {t: is_probabilistic(t) for t in {item.type for _, item, _ in items}}
    prob_keys: set[str] = set()
    exact_keys: set[str] = set()
    for _, item, n in items:
        (prob_keys if probabilistic_type[item.type] else exact_keys).update(n.keys)
    horizon = pending.horizon if pending else None  # past it, what the import made comes from `pending`
    stored = {**candidates.lookup(exact_keys, newest=False, at_most=horizon),
              **candidates.lookup(prob_keys, newest=True, at_most=horizon)}
    blocks = dict(stored)
    if pending:
        candidates.add_pending(blocks, pending.blocks, exact_keys, newest=False)
        candidates.add_pending(blocks, pending.blocks, prob_keys, newest=True)
    waiting = pending.entities if pending else {}
    known = _load(_worth_reading(items, stored, blocks, waiting))
    # the database's entities not read can never be compared (`_worth_reading`); every other block
    # member is in memory, taken when first needed (`take`)
    unread = {e for ids in stored.values() for e in ids if e not in waiting} - known.keys()
    # the blocks as this chunk sees them: a stored one less the entities not read (a set), one of
    # the import's memory as it is, an `array` shared with `pending` and copied only when the chunk
    # adds to it (`_add`). Why: a set made of every block the chunk touches cost 2% of the resolving
    # process at a million rows (py-spy), and an array is copied with one memcpy; `rank` counts both
    key_map: dict[str, Any] = {key: set(ids) - unread if key in stored else ids for key, ids in blocks.items()}
    owned: set[str] = set()  # keys whose array was made or copied in this chunk

    def take(eid: int, entity_type: str) -> _Pending:
        """An entity to change: the chunk's own (made from the import's memory if need be; the
        profile there is never changed in place, `_add`)."""
        p = known.get(eid)
        if p is None:
            p = known[eid] = _Pending(_Entity(entity_type, profile=waiting[eid]), False)
        return p

    # entities of the import's memory compared but not (yet) changed: read where they are, with no
    # copy made (most candidates are compared and left; taking a copy of each was about 4% of the
    # resolving process at a million rows, py-spy)
    looked: set[int] = set()
    compared = 0
    model = person_model()
    against = person_scorer.matcher(model)
    placed: list[tuple[int, str, str, str, str, str, int, str, str]] = []
    suggestions: list[tuple[int, int, str]] = []
    for ri, item, norm in items:
        keys = [k[:200] for k in norm.keys]
        # a blocking key names its type ("person|...", schema.check_schema), so a block holds
        # entities of the mention's type only
        probabilistic = probabilistic_type[item.type]
        chosen, how, explanation = None, NEW, "{}"  # the explanation as JSON
        # the block members looked at once: an `any(...)` first cost 2% of the resolving process
        if not probabilistic:
            same = [e for k in keys for e in key_map.get(k, ())]
            if same:
                chosen, how = min(same, key=candidates.oldest_first), EXACT
                explanation = _same_value(keys[0].split(":", 1)[0])
        elif ranked := candidates.rank(keys, key_map):
            me = thaw(norm.prepared or {})
            best_of = against(me)
            # (-weight, *oldest_first(id), id, profile): the best first and, of equal weights, the
            # oldest, as exact; ordered by plain tuple comparison, which never reaches the profile
            # (the ids differ), with no key function called per candidate (that sort was 2.7% of
            # the resolving process, py-spy at 301,015 rows)
            scored = []
            # only a candidate that could be suggested (or matched) is scored in full, and once one
            # is matched, only one that could match as well: the others are left as soon as their
            # names show they cannot reach the floor (`person_scorer`), and would not be used
            floor = REVIEW_THRESHOLD
            for eid in ranked:
                p = known.get(eid)
                if p is None:
                    profiles = waiting[eid]
                    looked.add(eid)
                else:
                    profiles = p.entity.profile
                compared += len(profiles)
                if profiles and (found := best_of(profiles, floor)) is not None:
                    weight, best = found
                    scored.append((-weight, eid < 0, abs(eid), eid, best))
                    if weight >= MATCH_THRESHOLD and weight > floor:
                        floor = weight
            # explained in full only where the explanation is kept: the match, or the suggestions
            top = min(scored) if scored else None
            if top is not None and -top[0] >= MATCH_THRESHOLD:
                chosen, how = top[3], PROBABLE
                explanation = encode(explanations.stored(model, me, top[4]))
            elif top is not None:
                for negative, _, _, eid, best in sorted(scored)[:5]:
                    if -negative >= REVIEW_THRESHOLD:
                        suggestions.append((len(placed), eid, encode(explanations.stored(model, me, best))))
        if chosen is None:
            chosen = next(temp_ids)
            known[chosen] = _Pending(_new_entity(item.type, norm), True)
        _add(take(chosen, item.type), chosen, keys, norm, key_map, owned)
        placed.append((ri, item.type, item.field[:64], str(item.value or norm.display)[:500], norm.normalized[:300],
                       encode(norm.attributes), chosen, how, explanation))
    # from the database or the import's memory
    read = sum(1 for p in known.values() if not p.new) + len(looked.difference(known))
    return Resolved(label, known, placed, suggestions, rejected, read, compared)


@functools.cache
def _same_value(comparison: str) -> str:
    """An exact match's explanation, as JSON: the same for every mention of a kind, so made once."""
    return encode(explanations.same_value(comparison))


def _worth_reading(items: list[tuple[int, MentionInput, Normalized]], stored: dict[str, list[int]],
                   blocks: dict[str, list[int]], waiting: dict[int, list[Any]]) -> set[int]:
    """The entities to read from the database: those of `stored` (its blocks, as looked up) not in
    the import's memory (`waiting`) that some mention could be compared with. For a person, only
    those ranking among its best in its blocks (`blocks`: with what the import made): entities made
    or grown in this chunk can only push them down, and an entity ranked below them never reaches
    the top (it gains no key, as no mention can choose it). Into an empty index nothing is stored,
    and nothing ranked twice."""
    wanted: set[int] = set()
    if not stored:
        return wanted
    for _, item, norm in items:
        keys = [k[:200] for k in norm.keys]
        if not any(k in stored for k in keys):
            continue
        if is_probabilistic(item.type):
            wanted.update(candidates.rank(keys, blocks))
        else:
            wanted.update(eid for k in keys for eid in blocks.get(k, ()))
    return {e for e in wanted if e > 0 and e not in waiting}


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
                known[pk] = _Pending(_Entity(etype, profile=profile), False)
    return known


def _new_entity(entity_type: str, norm: Normalized) -> _Entity:
    return _Entity(entity_type, norm.display[:300], entity_keys(norm), [])


def _add(p: _Pending, eid: int, keys: list[str], norm: Normalized, key_map: dict[str, Any], owned: set[str]) -> None:
    """`eid` into the chunk's blocks of `keys` (`resolve`'s `key_map`: a set, or an array not
    changed in place unless `owned`) and the mention's profile into the entity's."""
    for k in keys:
        members = key_map.get(k)
        if members is None:
            key_map[k] = array.array("q", (eid,))
            owned.add(k)
        elif eid in members:
            continue
        elif type(members) is set:
            members.add(eid)
        else:
            if k not in owned:
                members = key_map[k] = array.array("q", members)
                owned.add(k)
            members.append(eid)
        p.keys.add(k)
    if norm.prepared and norm.prepared not in p.entity.profile and len(p.entity.profile) < PROFILE_SIZE:
        p.entity.profile = [*p.entity.profile, norm.prepared]
        p.dirty = True


def write(resolved: ToWrite, records: list[Any], org_id: int | None = None, *,
          state: WriteState | None = None) -> dict[str, float]:
    """Store a resolved chunk (`Resolved.for_writer`) with `fastinsert` (ids reserved first, so rows
    can name each other). `records`: the chunk's records, saved already. `state`: the writer's
    memory over the import (the real ids of the entities earlier chunks made, which this chunk may
    name by their temporary ids; the sequences' last ids; the real ids of the entities this chunk
    makes are added to it). Returns the counts (`foreign`: someone else wrote to the index since
    the last chunk)."""
    label, entities = resolved.label, resolved.entities
    src = registry.mention_source(label)
    state = state or WriteState()
    earlier = state.ids
    now = clock.now()
    new = [e for e in entities if e[5]]
    old = [e for e in entities if not e[5]]
    entity_ids = reserve_ids(Entity, len(new))
    state.took("entity", entity_ids)
    made = dict(zip((e[0] for e in new), entity_ids, strict=True))

    def real(eid: int) -> int:
        return made.get(eid) or (eid if eid > 0 else earlier[eid])

    insert(Entity, ((made[eid], etype, display, keys, profile, now, now)
                    for eid, etype, display, keys, profile, *_ in new),
           columns=("id", "type", "display", "keys", "profile", "created_at", "updated_at"),
           encoded=("keys", "profile"))
    update_json(Entity, "profile", {real(e[0]): e[4] for e in old if e[7]}, encoded=True)
    # keys of entities made here cannot exist yet; only those added to existing entities may meet a
    # row another writer (or the part of a block beyond the cap) already holds
    digest = candidates.digest
    insert(BlockingKey, ((made[e[0]], k, digest(k)) for e in new for k in sorted(e[6])),
           columns=("entity_id", "key", "digest"))
    insert(BlockingKey, ((real(e[0]), k, digest(k)) for e in old for k in sorted(e[6])),
           columns=("entity_id", "key", "digest"), skip_conflicts=True)
    mention_ids = reserve_ids(Mention, len(resolved.placed))
    state.took("mention", mention_ids)
    observed = [src.date(record) if src.date else None for record in records]
    mentions = [(mid, real(eid), etype, label, str(records[ri].pk), fld, raw, normalized, attributes,
                 org_id or getattr(records[ri], "owner_organization_id", None), observed[ri], how, explanation, now)
                for (ri, etype, fld, raw, normalized, attributes, eid, how, explanation), mid
                in zip(resolved.placed, mention_ids, strict=True)]
    insert(Mention, mentions, columns=("id", "entity_id", "entity_type", "source_type", "source_id", "field",
                                       "raw_value", "normalized", "attributes", "source_organization_id",
                                       "observed_at", "how", "match", "created_at"), encoded=("attributes", "match"))
    # the suggestions only: an automatic match is read from its mention until an analyst decides it
    # (`services.open_automatic_matches`); below, m[0] is a mention's id and m[1] its entity's
    decisions = [(MatchDecision.Kind.SUGGESTION, real(candidate), mentions[index][1], mentions[index][0], explanation)
                 for index, candidate, explanation in resolved.suggestions]
    decision_ids = reserve_ids(MatchDecision, len(decisions))
    state.took("decision", decision_ids)
    insert(MatchDecision, ((did, kind, entity, other, mention, explanation, MatchDecision.Status.OPEN, now)
                           for did, (kind, entity, other, mention, explanation) in zip(decision_ids, decisions,
                                                                                        strict=True)),
           columns=("id", "kind", "entity_id", "other_id", "mention_id", "explanation", "status", "at"),
           encoded=("explanation",))
    earlier.update(made)
    foreign, state.foreign = state.foreign, False
    return {"mentions": len(mentions), "rejected": resolved.rejected, "entities": len(new),
            "entities_read": resolved.read, "comparisons": resolved.compared, "foreign": int(foreign)}


def newest_entity_id() -> int:
    """The highest entity id committed (0 for none): the `Pending.horizon` of a chunk about to be sent."""
    with connection.cursor() as cur:
        cur.execute("SELECT MAX(id) FROM entities_entity")
        return int(cur.fetchone()[0] or 0)
