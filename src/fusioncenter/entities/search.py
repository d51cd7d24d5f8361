"""One search interface over every registered record type, filtered through `core.access`.

Embedded default: an SQLite FTS5 table (`entities_fts`) over `SearchDocument` (external content,
so snippets come from the documents). At scale: PostgreSQL full text, a GIN index on the
documents' tsvector (see the migration). Both are behind `search(user, q, filters)`.

A plate, phone or name is found however it was written: documents index the normalized forms of
their keys (`ABC1234`, `16085550134`) beside the text, and a query is searched both as words and
as its normalized plate and phone forms, so `abc 1234`, `ABC-1234` and `(608) 555-0134` all hit.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction
from django.db.models import Q, QuerySet
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from fusioncenter.core import access, audit, clock
from fusioncenter.core.models import Center
from fusioncenter.core.roles import Role

from . import normalize as nz
from . import registry
from .fastinsert import insert, reserve_ids
from .models import BlockingKey, Entity, SearchDocument, Watch
from .schema import MentionInput, is_probabilistic, normalize_mention, types

# a word of a query or a document: letters of any script and digits, as PostgreSQL's parser and
# FTS5's unicode61 tokenizer take them. (ASCII only, "Muñoz" was searched as "mu" and "oz", and a
# name written with its accents was never found.)
_TOKEN = re.compile(r"[^\W_]+")
_NOT_DIGIT = re.compile(r"\D")
HL_START, HL_END = "\x02", "\x03"
MAX_RESULTS = 200
# Matches counted per query; totals above it read "500". Counting every match of a common word
# costs more than the page itself at a million documents (measured: 2 s for 20,000 matches).
MAX_CANDIDATES = 500
SQLITE_DATE_ORDER_AFTER = 5000  # FTS5 matches above which SQLite reads newest first (see _common_on_sqlite)
TIES_INLINE = 500  # shares and statements of one user written into the query as a list, above it a join
# The record fields `core.access.visible` reads, copied onto each document under the same names.
MARKING_FIELDS = ("record_class", "tlp", "les", "cui", "center_id", "owner_organization_id", "created_by_id")


def is_postgres() -> bool:
    return connection.vendor == "postgresql"


# --- entities a query names -----------------------------------------------------------------------


NAMED_LIMIT = 500  # entity ids considered; `access.visible_entities` takes this many at most


def named_entities(q: str) -> QuerySet:
    """The entities a query names outright: a plate, VIN, phone, e-mail, address, organization,
    event, weapon or document by the blocking key that entity type's normalizer gives `q`; a
    person by full name, given name first or last (the same display name, sharing a key).

    Read off the matcher's blocking keys (indexed by their digests, `candidates.digest`), not off
    the mentions' normalized values: an index on those cost every imported mention a write into a
    B-tree in random order (measured in docs/entities.md), and they served this lookup only. The
    keys named outright are checked against their text as well; a person's are not, because the
    entity must also bear the very display name searched for."""
    keys: set[str] = set()
    people: list[tuple[str, str, list[str]]] = []  # (type, display name, keys)
    for entity_type in types():
        try:
            norm = normalize_mention(MentionInput(entity_type, entity_type, q))
        except ValueError:
            continue
        if not is_probabilistic(entity_type):
            keys.update(k[:200] for k in norm.keys)
            continue
        forms = [norm]
        first, last = (norm.prepared or {}).get("first"), (norm.prepared or {}).get("last")
        if first and last:  # "Smith John" as well as "John Smith"
            forms.append(normalize_mention(MentionInput(entity_type, entity_type, "",
                                                        {"first_name": last, "last_name": first})))
        people += [(entity_type, form.display[:300], [k[:200] for k in form.keys]) for form in forms]
    ids = set(BlockingKey.objects.holding(keys).values_list("entity_id", flat=True)[:NAMED_LIMIT])
    for entity_type, display, person_keys in people:
        # the names' key members as a subquery, then their display names: written as a join, the
        # query let SQLite scan the entity table instead (2 s at a million imported rows)
        members = BlockingKey.objects.holding(person_keys, checked=False).values("entity_id")
        ids.update(Entity.objects.filter(pk__in=members, type=entity_type, display=display)
                   .values_list("pk", flat=True)[:NAMED_LIMIT])
    return Entity.objects.filter(pk__in=sorted(ids)[:NAMED_LIMIT], merged_into__isnull=True)


# --- normal forms ---------------------------------------------------------------------------------


def _digit_count(value: str) -> int:
    """Decimal digits in `value`: what a plate form needs one of and a phone form seven of, for
    the documents' keys and the query's alternatives alike."""
    return len(_NOT_DIGIT.sub("", value))


def key_forms(value: str) -> list[str]:
    """The normalized forms of one value: folded words, plate key, phone digits, e-mail.

    The digits are counted first: a value without any (most names) has no plate form with a
    digit, and one with fewer than seven no phone form, so neither is worked out. An import
    makes four or five of these per row, and trying every form of every value was 8% of its
    writer process (py-spy, 300,000 rows on SQLite)."""
    out: list[str] = []
    text = nz.fold(value)
    if text:
        out.append(text)
    digits = _digit_count(value)
    if not digits:
        return out
    p = nz.plate(value)
    if p and any(c.isdigit() for c in p[0]):
        out.append(p[0].lower())
    ph = nz.phone(value) if digits >= 7 else None
    if ph:
        number = ph.lstrip("+")
        out.extend([number, number[-10:]])
    return out


def document_keys(text: dict[str, Any]) -> str:
    """A document's `keys` column: the normalized forms of its values (`key_forms`), then the words
    of its title and body that carry accents, without them (`Müller` → `muller`). Why the second:
    FTS5 compares words without their accents, PostgreSQL's `simple` configuration with them, and
    "muller" must find "Müller" on both (`unaccent` would need a superuser's extension and a new
    index). Migration 0013 adds them to documents indexed before."""
    keys: list[str] = []
    for value in text.get("keys") or []:
        keys.extend(key_forms(str(value)))
    keys += accentless_words(f"{text.get('title') or ''} {text.get('body') or ''}")
    return " ".join(dict.fromkeys(keys))


def accentless_words(text: str) -> list[str]:
    """The words of `text` that change when their accents go, without them (none in ASCII text,
    nearly every document: checked first, in C)."""
    if text.isascii():
        return []
    words = _TOKEN.findall(unicodedata.normalize("NFC", text))
    return [plain for w in words if not w.isascii() and (plain := _plain(w)) != w.lower()]


def _query_parts(q: str) -> tuple[list[str], list[str]]:
    # composed first: a letter typed as a base letter and a combining accent is one letter
    words = [w.lower() for w in _TOKEN.findall(unicodedata.normalize("NFC", q))][:12]
    alternatives: list[str] = []
    p = nz.plate(q)
    if p and any(c.isdigit() for c in p[0]) and len(words) > 1:
        alternatives.append(p[0].lower())
    ph = nz.phone(q)
    if ph and _digit_count(q) >= 7:
        alternatives.append(ph.lstrip("+")[-10:])
    return words, alternatives


def fts5_query(q: str) -> str:
    words, alts = _query_parts(q)
    if not words:
        return ""
    main = " AND ".join(f'"{w}"*' for w in words)  # every word a prefix: "photograph" finds "photographing"
    parts = [f"({main})"] + [f'"{a}"' for a in alts]
    return " OR ".join(parts)


def tsquery(q: str) -> str:
    words, alts = _query_parts(q)
    if not words:
        return ""
    main = " & ".join(f"{w}:*" for w in words)
    return " | ".join([f"({main})"] + alts)


# --- indexing -------------------------------------------------------------------------------------


def index_record(record: Any, actor: Any = "system", *, audit_entry: bool = True, notify: bool = True
                 ) -> SearchDocument | None:
    """(Re)index a registered record's text; then tell saved-search watchers of a new match."""
    label = registry.label_of(record)
    src = registry.search_source(label)
    if src is None:
        raise ValueError(f"{label} is not a registered search source.")
    text = src.text_fn(record) or {}
    filters = (src.filters_fn(record) if src.filters_fn else {}) or {}
    center = getattr(record, "center", None)
    markings = record_markings(record)
    with transaction.atomic():
        # External-content FTS5 removes a row's terms by reading the row as it was indexed: do it
        # before the row changes.
        remove_fts(label, str(record.pk))
        doc, created = SearchDocument.objects.update_or_create(
            source_type=label, source_id=str(record.pk),
            defaults={
                "title": str(text.get("title") or src.model._meta.verbose_name)[:300],
                "body": str(text.get("body") or ""),
                "keys": document_keys(text),
                "date": filters.get("date"),
                "county_fips": str(filters.get("county_fips") or "")[:5],
                "category": str(filters.get("category") or "")[:64],
                "center_code": getattr(center, "code", "") or "",
                **markings,
                "updated_at": clock.now(),
            })
        _sync_fts(doc)
        if audit_entry:
            audit.record(actor, "entities.search_index", object_type=label, object_id=record.pk)
        if created and notify:
            transaction.on_commit(lambda: _notify_watches(doc.pk))
    return doc


def record_markings(record: Any) -> dict[str, Any]:
    """The record's marking fields for its document; a missing one takes the value that hides."""
    out = {name: getattr(record, name, None) for name in MARKING_FIELDS}
    out["record_class"] = out["record_class"] or ""
    out["tlp"] = out["tlp"] or ""
    out["cui"] = out["cui"] or ""
    out["les"] = True if out["les"] is None else bool(out["les"])
    return out


def _sync_fts(doc: SearchDocument) -> None:
    if is_postgres():
        return  # the GIN expression index follows the row
    with connection.cursor() as cur:
        cur.execute("INSERT INTO entities_fts(rowid, title, body, keys) VALUES (%s, %s, %s, %s)",
                    [doc.pk, doc.title, doc.body, doc.keys])


def remove_fts(label: str, source_id: str) -> None:
    """Called before the document row goes (purge): drop its terms from the FTS5 index."""
    if is_postgres():
        return
    with connection.cursor() as cur:
        cur.execute("DELETE FROM entities_fts WHERE rowid IN (SELECT id FROM entities_searchdocument "
                    "WHERE source_type = %s AND source_id = %s)", [label, source_id])


def _notify_watches(doc_id: int) -> int:
    from .notify import watch_search_hit

    doc = SearchDocument.objects.filter(pk=doc_id).first()
    if doc is None:
        return 0
    sent = 0
    for watch in Watch.objects.filter(active=True, entity__isnull=True).exclude(query="").select_related("user"):
        if _matches(watch.query, doc_id):
            sent += watch_search_hit(watch, doc.source_type, doc.source_id)
    return sent


def _matches(q: str, doc_id: int) -> bool:
    qs = _match(SearchDocument.objects.filter(pk=doc_id), q)
    return qs is not None and qs.exists()


# --- querying -------------------------------------------------------------------------------------


@dataclass
class Filters:
    types: list[str] = field(default_factory=list)
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    county_fips: str = ""
    category: str = ""
    tlp: str = ""
    center: str = ""


@dataclass
class Hit:
    document: SearchDocument
    snippet: SafeString
    url: str


def _common_on_sqlite(q: str) -> bool:
    """Does `q` match so many documents that reading them newest first beats sorting them all?

    FTS5 hands over every match of a common word (200,000 at a million documents), which SQLite
    then sorts by date: about 1 s. For such words the query walks the `(date, id)` index instead
    and checks each document against the full-text matches (25–40 ms, measured at a million).
    """
    if is_postgres():
        return False
    fq = fts5_query(q)
    if not fq:
        return False
    with connection.cursor() as cur:
        cur.execute("SELECT COUNT(*) FROM (SELECT rowid FROM entities_fts WHERE entities_fts MATCH %s LIMIT %s)",
                    [fq, SQLITE_DATE_ORDER_AFTER])
        return cur.fetchone()[0] >= SQLITE_DATE_ORDER_AFTER


def _match(qs, q: str, *, by_date: bool = False):
    if is_postgres():
        tq = tsquery(q)
        if not tq:
            return None
        # `document` is the stored tsvector column (migration 0004), GIN-indexed
        return qs.extra(where=["entities_searchdocument.document @@ to_tsquery('simple', %s)"], params=[tq])
    fq = fts5_query(q)
    if not fq:
        return None
    if by_date:  # see _common_on_sqlite; the caller names the date index
        return qs.extra(where=["entities_searchdocument.id IN (SELECT rowid FROM entities_fts "
                               "WHERE entities_fts MATCH %s)"], params=[fq])
    # a join lets SQLite drive from the FTS index (an IN-subquery was re-run per row)
    return qs.extra(tables=["entities_fts"], where=["entities_fts.rowid = entities_searchdocument.id",
                                                    "entities_fts MATCH %s"], params=[fq])


def search(user: Any, q: str, filters: Filters | None = None, *, limit: int = 50, offset: int = 0,
           source_address: str | None = None) -> tuple[list[Hit], int]:
    """Documents the user may see that match `q`, newest first, with highlighted snippets."""
    filters = filters or Filters()
    q = (q or "").strip()[:200]
    base = SearchDocument.objects.all()
    if filters.types:
        base = base.filter(source_type__in=filters.types)
    if filters.date_from:
        base = base.filter(date__date__gte=filters.date_from)
    if filters.date_to:
        base = base.filter(date__date__lte=filters.date_to)
    for name, value in (("county_fips", filters.county_fips), ("category", filters.category),
                        ("tlp", filters.tlp), ("center_code", filters.center)):
        if value:
            base = base.filter(**{name: value})
    # Step 1, in the full-text query itself: the documents' copied markings through core.access.
    by_date = _common_on_sqlite(q)
    matched = _match(prefilter(user, base), q, by_date=by_date)
    audit.record(user, "entities.search", object_type="search", source_address=source_address,
                 detail={"terms": len(_TOKEN.findall(q)), "filters": sorted(k for k, v in vars(filters).items() if v)})
    if matched is None:
        return [], 0
    # Compiled once, run as plain SQL: building the access expression costs more Python time
    # than the database needs to answer it (measured: about half of a 40 ms search at 100,000).
    sql, params = matched.order_by("-date", "-id").values_list("pk", "source_type", "source_id").query \
        .sql_with_params()
    if by_date:
        sql = sql.replace('FROM "entities_searchdocument"', 'FROM "entities_searchdocument" INDEXED BY '
                          "entities_sdoc_date_id", 1)
    limit = max(1, min(limit, MAX_RESULTS))
    first, window = max(0, offset), limit + 10
    shown: list[tuple[int, Any]] = []
    refused = 0
    # PostgreSQL: in a transaction, for SET LOCAL. Not on SQLite, where every transaction begins
    # IMMEDIATE (settings) and would take the write lock for a read.
    with transaction.atomic() if is_postgres() else contextlib.nullcontext(), connection.cursor() as cur:
        if is_postgres():
            # The access expression lifts the planner's cost estimate over `jit_above_cost`, and
            # compiling it took about 1 s for a query that runs in 10 ms (measured at 1,000,000).
            cur.execute("SET LOCAL jit = off")
            # The statement is prepared after its second run (settings), and from the sixth on
            # PostgreSQL may plan it once for any words: reading every match of the GIN index and
            # sorting them, right for a rare plate, 300 ms for a common word where walking the
            # date index stops after 20 (measured at 1,000,000). Plan each search for its words.
            cur.execute("SET LOCAL plan_cache_mode = force_custom_plan")
        # One read gives both the count (capped) and, unless the page asked for lies deeper, the
        # page: for a common word SQLite gathers every full-text match before it can walk the
        # dates, and doing that once rather than twice saved about 30 ms a search at a million
        # documents. Never more than MAX_CANDIDATES rows: a deep offset is left to the database.
        cur.execute(f"{sql} LIMIT %s", [*params, MAX_CANDIDATES])  # noqa: S608
        rows = [(pk, label, str(sid)) for pk, label, sid in cur.fetchall()]
        total = len(rows)
        more, start = len(rows) == MAX_CANDIDATES, first
        # Step 2, on the page only: the records themselves through core.access. A stale copy (a
        # record re-marked and not yet re-indexed) can therefore hide a result but never show one.
        while len(shown) < limit:
            if start + window <= len(rows) or not more:
                page = rows[start:start + window]
            else:  # past what the first read gave, and more there: fetch on, a window at a time
                cur.execute(f"{sql} LIMIT %s OFFSET %s", [*params, window, start])  # noqa: S608
                page = [(pk, label, str(sid)) for pk, label, sid in cur.fetchall()]
            allowed = _visible_records(user, page)
            for pk, label, sid in page:
                if (label, sid) in allowed:
                    shown.append((pk, allowed[(label, sid)]))
                else:
                    refused += 1
            start += window
            if len(page) < window:
                break
    shown = shown[:limit]
    by_id = SearchDocument.objects.in_bulk([pk for pk, _ in shown])
    snippets = _snippets(q, [pk for pk, _ in shown])
    hits = []
    for pk, record in shown:
        d = by_id.get(pk)
        if d is None:
            continue
        src = registry.search_source(d.source_type)
        hits.append(Hit(d, snippets.get(d.pk) or escape(d.body[:200]),
                        src.url(record) if src is not None and src.url else ""))
    from .oversight import note_person_hits  # the privacy officer's unlinked-person rule (ids only)
    note_person_hits(user, shown, source_address=source_address)
    # a later page shows that there are at least offset + its hits; an empty one, past the end, does not
    return hits, max(total - refused, offset + len(hits)) if hits else max(0, total - refused)


def prefilter(user: Any, documents: QuerySet) -> QuerySet:
    """The documents whose copied markings `core.access.visible` lets `user` see.

    `visible` reads shares and need-to-know statements by the record's own type and id, which a
    document does not have; the documents of records shared with the user (or their organization)
    or opened by a statement are added back here, and step 2 decides on them like on any other.
    """
    seen = access.visible(user, documents)
    if not access.is_signed_in(user) or not user.is_active or user.locked_at is not None \
            or user.role == Role.PRIVACY_OFFICER:
        return seen  # nothing to add: anonymous and blocked users have no ties; the officer sees all
    from fusioncenter.core.models import NeedToKnow, Share

    labels = {ContentType.objects.get_for_model(src.model).pk: label
              for label, src in registry.search_sources().items()}
    to_user = Q(user=user) | (Q(organization_id=user.organization_id) if user.organization_id else Q(pk__in=[]))
    # Usually a handful: read them first, so the full-text query carries a short list, not subqueries.
    ties = list(Share.objects.filter(to_user, content_type_id__in=labels).values_list("content_type_id", "object_id")
                [:TIES_INLINE + 1])
    ties += NeedToKnow.objects.filter(content_type_id__in=labels, user=user, expires_at__gt=clock.now()) \
        .values_list("content_type_id", "object_id")[:TIES_INLINE + 1]
    if not ties:
        return seen
    if len(ties) > TIES_INLINE:  # many shares: let the database join them
        tied = Q(pk__in=[])
        for ct_id, label in labels.items():
            shared = Share.objects.filter(to_user, content_type_id=ct_id).values("object_id")
            stated = NeedToKnow.objects.filter(content_type_id=ct_id, user=user, expires_at__gt=clock.now()) \
                .values("object_id")
            tied |= Q(source_type=label) & (Q(source_id__in=shared) | Q(source_id__in=stated))
        return seen | documents.filter(tied)
    by_label: dict[str, set[str]] = {}
    for ct_id, object_id in ties:
        by_label.setdefault(labels[ct_id], set()).add(object_id)
    tied = Q(pk__in=[])
    for label, ids in by_label.items():
        tied |= Q(source_type=label, source_id__in=sorted(ids))
    return seen | documents.filter(tied)


def _visible_records(user: Any, rows: list[tuple[int, str, str]]) -> dict[tuple[str, str], Any]:
    """The records of `rows` that `core.access.visible` lets `user` see, keyed by (type, id)."""
    by_type: dict[str, list[str]] = {}
    for _, label, sid in rows:
        by_type.setdefault(label, []).append(sid)
    out: dict[tuple[str, str], Any] = {}
    for label, ids in by_type.items():
        src = registry.search_source(label)
        if src is None:
            continue  # a type nobody registers is not shown (deny by default)
        keys = [i for i in ids if i.isdigit()] if src.model._meta.pk.get_internal_type().endswith("AutoField") else ids
        for record in access.visible(user, src.model._default_manager.filter(pk__in=keys)):
            out[(label, str(record.pk))] = record
    return out


def _highlight(text: str) -> SafeString:
    """Escape the snippet, then turn the engine's markers into <mark> (never trust the text)."""
    out = escape(text).replace(HL_START, "<mark>").replace(HL_END, "</mark>")
    return mark_safe(out)  # noqa: S308 (escaped text plus our own markers)


def _snippets(q: str, ids: list[int]) -> dict[int, SafeString]:
    if not ids:
        return {}
    marks = [HL_START, HL_END]
    with connection.cursor() as cur:
        if is_postgres():
            cur.execute(
                "SELECT id, ts_headline('simple', body || ' ' || title, to_tsquery('simple', %s), "
                "'StartSel=' || %s || ', StopSel=' || %s || ', MaxWords=30, MinWords=10') "
                "FROM entities_searchdocument WHERE id = ANY(%s)", [tsquery(q), *marks, ids])
        else:
            # Cut here, not by FTS5's snippet(): asked for a page of rows, FTS5 evaluates every
            # match of the query first (180 ms for a common word at a million documents).
            cur.execute(f"SELECT id, body FROM entities_searchdocument "  # noqa: S608
                        f"WHERE id IN ({','.join(['%s'] * len(ids))})", ids)
            return {pk: _highlight(cut) for pk, body in cur.fetchall() if (cut := _cut_snippet(q, body or ""))}
        return {row[0]: _highlight(row[1] or "") for row in cur.fetchall()}


def _plain(word: str) -> str:
    """A word lower-cased, without accents (`Muñoz` → `munoz`), as FTS5 compares words."""
    return nz.without_accents(word).lower()


def _cut_snippet(q: str, text: str, size: int = 16) -> str:
    """About `size` words of `text` around the first word that a query word begins, hits marked."""
    words, alts = _query_parts(q)
    # without accents on both sides, as FTS5 matched them
    prefixes = tuple(_plain(p) for p in words + alts)
    tokens = list(_TOKEN.finditer(text))
    hits = {i for i, m in enumerate(tokens) if _plain(m.group()).startswith(prefixes)}
    if not hits:
        return ""
    first = max(0, min(hits) - 4)
    last = min(len(tokens), first + size)
    out = ["…" if first else ""]
    pos = tokens[first].start()
    for i in range(first, last):
        m = tokens[i]
        out.append(text[pos:m.start()])
        out.append(f"{HL_START}{m.group()}{HL_END}" if i in hits else m.group())
        pos = m.end()
    out.append("…" if last < len(tokens) else text[pos:])
    return "".join(out)


def index_records_bulk(records: list[Any]) -> int:
    """Index many *new* records of one registered type at once (imports): one insert per table."""
    if not records:
        return 0
    label = registry.label_of(records[0])
    src = registry.search_source(label)
    docs = []
    now = clock.now()
    codes = dict(Center.objects.values_list("pk", "code"))  # not one query per record for its center
    for record in records:
        text = src.text_fn(record) or {}
        filters = (src.filters_fn(record) if src.filters_fn else {}) or {}
        docs.append({
            "source_type": label, "source_id": str(record.pk), "title": str(text.get("title") or "")[:300],
            "body": str(text.get("body") or ""), "keys": document_keys(text), "date": filters.get("date"),
            "county_fips": str(filters.get("county_fips") or "")[:5],
            "category": str(filters.get("category") or "")[:64],
            "center_code": codes.get(getattr(record, "center_id", None), ""), **record_markings(record),
            "updated_at": now})
    for doc, pk in zip(docs, reserve_ids(SearchDocument, len(docs)), strict=True):
        doc["id"] = pk
    insert(SearchDocument, docs)  # rows, not model instances: see fastinsert
    if not is_postgres():
        with connection.cursor() as cur:
            cur.executemany("INSERT INTO entities_fts(rowid, title, body, keys) VALUES (%s, %s, %s, %s)",
                            [(d["id"], d["title"], d["body"], d["keys"]) for d in docs])
    return len(docs)
