"""Which entities a mention is compared with: the members of its blocks, at most BLOCK_CAP per key.

Why a cap: a block such as "same surname sound and birth year" grows with the index, and reading
every member of every block of a chunk made the import slow down as the index grew (measured:
1,506 rows/s over the first 20,000 rows, 364 rows/s at 180,000; docs/performance.md). With the
cap, a lookup reads at most BLOCK_CAP entries per key straight off the (key, entity) index,
whatever the index size.

Which members are kept: for person keys (probabilistic), the newest, because the ranking that
follows (`rank`) prefers, among entities sharing as many keys, the newest, so the entities cut
off could not have ranked above those kept unless they share more keys with the mention, and the
selective keys (phone, e-mail, licence, address) have blocks far below the cap and bring a true
match in on their own. For exact keys (a plate, a phone), the oldest, because an exact match
attaches to the oldest entity with that value; such blocks hold one entity unless an analyst split
one.

Both resolution paths use this module, the incremental `services.resolve_mention` and the bulk
`bulk.resolve`, so a mention gets the same candidates either way.
"""

from __future__ import annotations

import hashlib
import heapq
import itertools
from collections import Counter, defaultdict
from collections.abc import Collection, Iterable

from django.db import connection

BLOCK_CAP = 100
MAX_CANDIDATES = 8  # compared in full, per mention
PG_KEYS_PER_QUERY = 2000


def digest(key: str) -> int:
    """A blocking key as the index looks it up: the first 8 bytes of its BLAKE2b hash, as a signed
    64-bit integer (`models.BlockingKey.digest`).

    Why not the text: the (key, entity) index takes its inserts in random order, so a chunk of an
    import dirties most of its pages once it is large, and every dirty page is written at the
    commit; the text (24 bytes on average) made it about twice the size. Two keys may share a
    digest (the chance that any two of five million keys do is under one in a million): a block
    then holds an entity of another key, which for a person is only one more candidate, scored
    like any other, and for an exact key is checked against the text (`lookup`). Never change
    this function: the index stores what it returns."""
    return int.from_bytes(hashlib.blake2b(key.encode(), digest_size=8).digest(), "big", signed=True)


def lookup(keys: Iterable[str], *, newest: bool, at_most: int | None = None) -> dict[str, list[int]]:
    """key -> ids of entities holding it, for the keys in the index: at most BLOCK_CAP per key, the
    newest (or the oldest) ones; the order within a list is not promised. `at_most`: only entities
    with ids up to it (an import's `bulk.Pending.horizon`: what it made since comes from memory).

    Blocks are read by `digest`. The oldest-first lookups are the exact keys' (a plate, a phone),
    whose blocks hold one entity: their members' keys are read too and compared with the text, so
    a shared digest can never attach a mention to another value's entity."""
    out: dict[str, list[int]] = {}
    if at_most == 0:
        # nothing is stored up to the bound: every chunk of an import into an empty index but the first
        return out
    by_digest: dict[int, list[str]] = {}
    for key in sorted({k[:200] for k in keys}):
        by_digest.setdefault(digest(key), []).append(key)
    if not by_digest:
        return out
    order = "DESC" if newest else "ASC"
    bound = "" if at_most is None else f" AND entity_id <= {int(at_most)}"
    checked = not newest
    also = ", key" if checked else ""
    if connection.vendor == "postgresql":
        sql = (f"SELECT k.digest, b.* FROM unnest(%s::bigint[]) AS k(digest) CROSS JOIN LATERAL ("  # noqa: S608
               f"SELECT entity_id{also} FROM entities_blockingkey WHERE digest = k.digest{bound} "
               f"ORDER BY entity_id {order} LIMIT %s) b")
        wanted = sorted(by_digest)
        found: dict[int, list[tuple]] = {}
        with connection.cursor() as cur:
            for i in range(0, len(wanted), PG_KEYS_PER_QUERY):
                cur.execute(sql, [wanted[i:i + PG_KEYS_PER_QUERY], BLOCK_CAP])
                for row in cur.fetchall():
                    found.setdefault(row[0], []).append(row[1:])
        for d, rows in found.items():
            _collect(out, by_digest[d], rows, checked=checked)
        return out
    # SQLite runs in this process: one cached statement per key costs a few microseconds and reads
    # the block off the index in order, with no sort and no temporary table
    connection.ensure_connection()
    cur = connection.connection.cursor()
    sql = (f"SELECT entity_id{also} FROM entities_blockingkey WHERE digest = ?{bound} "  # noqa: S608
           f"ORDER BY entity_id {order} LIMIT ?")
    try:
        for d, named in by_digest.items():
            rows = cur.execute(sql, (d, BLOCK_CAP)).fetchall()
            if rows:
                _collect(out, named, rows, checked=checked)
    finally:
        cur.close()
    return out


def _collect(out: dict[str, list[int]], named: list[str], rows: list[tuple], *, checked: bool) -> None:
    """A block read by digest, (entity id, key) rows if `checked` else (entity id,), into the block
    of each key asked for with that digest (almost always one key); checked rows only into their
    own key's block."""
    for key in named:
        ids = [row[0] for row in rows if row[1] == key] if checked else [row[0] for row in rows]
        if ids:
            out[key] = ids


def newest_first(eid: int) -> tuple[bool, int]:
    """Sort key, newest entity first: ids below zero (made during this import, not stored yet; the
    further below zero, the later made) before stored ones, and among stored ones the largest id."""
    return (eid >= 0, -abs(eid))


def oldest_first(eid: int) -> tuple[bool, int]:
    """Sort key, oldest entity first: the reverse of `newest_first`."""
    return (eid < 0, abs(eid))


def add_pending(blocks: dict[str, list[int]], pending: dict[str, list[int]], keys: Iterable[str], *,
                newest: bool) -> None:
    """Add to `blocks` (a `lookup` result) the entities that gained `keys` during an import and are
    kept in its memory (`bulk.Pending`, whose blocks are in block order and capped already),
    keeping each block what `lookup` would return with all of them committed: the BLOCK_CAP
    newest (or oldest) members."""
    order = newest_first if newest else oldest_first
    for key in {k[:200] for k in keys}:
        extra = pending.get(key)
        if not extra:
            continue
        stored = blocks.get(key)
        # most blocks are only in memory (an import into an empty index: all of them); they are
        # read as they are, neither sorted again nor copied for every chunk (the import's own list:
        # a chunk's resolution only reads it, and it changes only after, in `bulk.Pending.absorb`)
        blocks[key] = sorted({*stored, *extra}, key=order)[:BLOCK_CAP] if stored else extra


def rank(keys: Iterable[str], blocks: dict[str, Iterable[int]], limit: int = MAX_CANDIDATES, *,
         exclude: Collection[int] = (), only: Collection[int] | None = None) -> list[int]:
    """The `limit` entities sharing the most of `keys`, ties to the newest (`newest_first`: ids
    below zero, made during an import and not stored yet, before any stored one, the latest made
    first). `only` restricts the ranking to those ids.

    Written for speed, because an import ranks twice per person and, at a million rows, blocks are
    full (hundreds of entities per mention): the counting is done by `Counter` in C, and the
    entities are grouped by count so that only plain ints are compared, with no key function
    called per entity (that was 4.7 million calls per 40,000 rows)."""
    # the blocks fetched by `map`: a generator cost about 2% of an import's resolving process
    shared = Counter(itertools.chain.from_iterable(map(blocks.get, [k[:200] for k in keys], itertools.repeat(()))))
    if exclude or only is not None:
        for eid in [e for e in shared if e in exclude or (only is not None and e not in only)]:
            del shared[eid]
    groups: dict[int, list[int]] = defaultdict(list)
    for eid, n in shared.items():
        groups[n].append(eid)
    out: list[int] = []
    for n in sorted(groups, reverse=True):
        need, group = limit - len(out), groups[n]
        if len(group) <= need:
            out += sorted(group, key=newest_first)
        else:  # newest first: the ids below zero from the lowest up, then the stored ones from the highest down
            made = heapq.nsmallest(need, [e for e in group if e < 0])
            out += made + heapq.nlargest(need - len(made), [e for e in group if e >= 0])
        if len(out) >= limit:
            break
    return out
