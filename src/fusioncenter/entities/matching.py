"""Fellegi–Sunter record linkage for person records: comparisons, weights, blocking, EM, clustering.

A pair of records is compared field by field; each comparison falls into a *level* (exact, a
nickname, a close typo, ..., different). For each level we hold m (how often true matches land
there) and u (how often non-matches do); the level's weight is log2(m/u), and the pair's match
weight is the prior log-odds plus the sum of its levels' weights. A missing value counts zero, so
a record with no phone is neither helped nor hurt by it. Because the score is a sum of named
parts, every match carries its own explanation: the list of comparisons with level and weight.

Term frequencies: an exact match on a rare surname is stronger evidence than one on "Smith". When
`frequencies` are given (batch, or the index's counts), the exact level's u becomes the value's
frequency (bounded below), as in the Fellegi–Sunter literature.

This module has no Django: `resolve-file`, the benchmark and the index share it.
"""

from __future__ import annotations

import datetime as dt
import math
import random
import sys
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from . import normalize as nz
from .strings import jaro_winkler, levenshtein

# --- preparing a record -----------------------------------------------------------------------------

PERSON_FIELDS = ("first_name", "middle_name", "last_name", "full_name", "dob", "sex", "phone", "email",
                 "address", "zip", "dl")


def prepare_person(raw: dict[str, Any]) -> dict[str, Any]:
    """Normalize a person record (fields of PERSON_FIELDS; others ignored) for comparison and blocking."""
    first = nz.name_part(raw.get("first_name"))
    middle = nz.fold(raw.get("middle_name"))
    last = nz.name_part(raw.get("last_name"))
    if raw.get("full_name") and not (first or last):
        f, m, lname = nz.split_name(raw.get("full_name"))
        first, middle, last = nz.name_part(f), m, nz.name_part(lname)
    dob = nz.date_of_birth(raw.get("dob"))
    sex = nz.fold(raw.get("sex"))[:1] if raw.get("sex") else ""
    sex = sex if sex in ("m", "f") else ""
    phones = {p for p in (nz.phone(v) for v in _many(raw.get("phone"))) if p}
    emails = {e for e in (nz.email(v) for v in _many(raw.get("email"))) if e}
    addr = nz.address(raw.get("address")) if raw.get("address") else None
    zip_code = "".join(c for c in str(raw.get("zip") or "") if c.isdigit())[:5] or (addr or {}).get("zip", "")
    dl = nz.identifier_document("DL", raw.get("dl")) if raw.get("dl") else None
    # names, dates and ZIP codes repeat across records: one shared string each (`sys.intern`), so
    # the profiles an import keeps in memory do not hold a copy each (a million rows: 97 MB less at
    # the resolving process's peak; no change in its CPU beyond the noise, docs/entities.md)
    return {
        "first": sys.intern(first),
        "middle": sys.intern(middle),
        "last": sys.intern(last),
        "formal": nz.formal_names(first) if first else frozenset(),
        "first_sx": nz.soundex(first),
        "last_sx": nz.soundex(last),
        "dob": sys.intern(dob.isoformat()) if dob else "",
        "sex": sex,
        "phones": sorted(phones),
        "emails": sorted(emails),
        "addr": (addr or {}).get("key", ""),
        "zip": sys.intern(zip_code),
        "dl": dl or "",
    }


def _many(value: Any) -> list[str]:
    if value is None or value == "":
        return []
    if isinstance(value, list | tuple | set):
        return [str(v) for v in value if v]
    return [p for p in str(value).replace(";", "|").split("|") if p.strip()]


def display_name(rec: dict[str, Any]) -> str:
    parts = [rec.get("first", "").title(), rec.get("last", "").title()]
    return " ".join(p for p in parts if p) or "(no name)"


# --- comparisons ----------------------------------------------------------------------------------


@dataclass
class Comparison:
    """One field's comparison: its levels (best first, the last is 'different') and m/u per level."""

    name: str
    labels: list[str]
    m: list[float]
    u: list[float]
    level_of: Callable[[dict, dict], int | None]
    tf_field: str | None = None  # exact level uses the value's frequency as u when known

    def weight(self, level: int, u_override: float | None = None) -> float:
        u = u_override if u_override is not None else self.u[level]
        return math.log2(max(self.m[level], 1e-6) / max(u, 1e-9))


def _first_level(a: dict, b: dict) -> int | None:
    # a["formal"] is a set (the record being matched, prepared or thawed); b's may be the list a
    # stored profile holds: the import compares stored profiles without copying each into sets
    x, y = a["first"], b["first"]
    if not x or not y:
        return None
    if x == y:
        return 0
    if not a["formal"].isdisjoint(b["formal"]):
        return 1
    jw = jaro_winkler(x, y)
    if jw >= 0.92:
        return 2
    if jw >= 0.80 or (len(x) == 1 or len(y) == 1) and x[0] == y[0]:
        return 3
    # first and middle names swapped, or the record used the middle name
    if (a["middle"] and a["middle"].split()[0] == y) or (b["middle"] and b["middle"].split()[0] == x):
        return 3
    return 4


def _last_level(a: dict, b: dict) -> int | None:
    x, y = a["last"], b["last"]
    if not x or not y:
        return None
    if x == y:
        return 0
    jw = jaro_winkler(x, y)
    if jw >= 0.94:
        return 1
    if jw >= 0.86 or a["last_sx"] == b["last_sx"]:
        return 2
    # hyphenated or double surnames: one contains the other
    if len(x) >= 4 and len(y) >= 4 and (x in y or y in x):
        return 2
    return 3


def _dob_level(a: dict, b: dict) -> int | None:
    x, y = a["dob"], b["dob"]
    if not x or not y:
        return None
    if x == y:
        return 0
    # 1980-05-03 vs 1980-03-05: day and month swapped
    if x[:4] == y[:4] and x[5:7] == y[8:10] and x[8:10] == y[5:7]:
        return 1
    if levenshtein(x, y) <= 1:
        return 2
    if x[:4] == y[:4]:
        return 3
    if abs(int(x[:4]) - int(y[:4])) <= 1 and x[5:] == y[5:]:
        return 2
    return 4


def _sex_level(a: dict, b: dict) -> int | None:
    if not a["sex"] or not b["sex"]:
        return None
    return 0 if a["sex"] == b["sex"] else 1


def _phone_level(a: dict, b: dict) -> int | None:
    if not a["phones"] or not b["phones"]:
        return None
    # a record holds one or two numbers: scanning the lists beats building sets (called millions of times)
    xs, ys = a["phones"], b["phones"]
    if any(p in ys for p in xs):
        return 0
    tails = [q[-7:] for q in ys]
    return 1 if any(p[-7:] in tails for p in xs) else 2


def _email_level(a: dict, b: dict) -> int | None:
    if not a["emails"] or not b["emails"]:
        return None
    xs, ys = a["emails"], b["emails"]
    if any(e in ys for e in xs):
        return 0
    users = [e.partition("@")[0] for e in ys]
    return 1 if any(e.partition("@")[0] in users for e in xs) else 2


def _address_level(a: dict, b: dict) -> int | None:
    if not (a["addr"] or a["zip"]) or not (b["addr"] or b["zip"]):
        return None
    if a["addr"] and a["addr"] == b["addr"]:
        return 0
    if a["addr"] and b["addr"] and a["addr"].partition("|")[0] == b["addr"].partition("|")[0]:
        return 0
    if a["zip"] and a["zip"] == b["zip"]:
        return 1
    return 2


def _dl_level(a: dict, b: dict) -> int | None:
    if not a["dl"] or not b["dl"]:
        return None
    return 0 if a["dl"] == b["dl"] else 1


def person_comparisons() -> list[Comparison]:
    """The comparisons with prior m and u (EM refines them on the data at hand)."""
    return [
        Comparison("first_name", ["exact", "nickname", "close typo", "initial or similar", "different"],
                   [0.82, 0.06, 0.06, 0.04, 0.02], [0.012, 0.001, 0.004, 0.04, 0.943], _first_level, "first"),
        Comparison("last_name", ["exact", "close typo", "similar or sounds alike", "different"],
                   [0.86, 0.07, 0.04, 0.03], [0.002, 0.001, 0.01, 0.987], _last_level, "last"),
        Comparison("date_of_birth", ["exact", "day and month swapped", "one digit off", "same year", "different"],
                   [0.86, 0.04, 0.06, 0.02, 0.02], [0.00005, 0.000004, 0.0004, 0.012, 0.9875], _dob_level),
        Comparison("sex", ["same", "different"], [0.97, 0.03], [0.5, 0.5], _sex_level),
        Comparison("phone", ["same number", "same last seven digits", "different"],
                   [0.75, 0.05, 0.20], [0.0001, 0.0002, 0.9997], _phone_level),
        Comparison("email", ["same address", "same user name", "different"],
                   [0.75, 0.1, 0.15], [0.0001, 0.0005, 0.9994], _email_level),
        Comparison("address", ["same street address", "same ZIP code", "different"],
                   [0.6, 0.25, 0.15], [0.0005, 0.02, 0.9795], _address_level),
        Comparison("driver_license", ["same number", "different"], [0.95, 0.05], [0.00001, 0.99999], _dl_level),
    ]


HOUSEHOLD = frozenset({"phone", "address", "last_name"})
NOT_COUNTED = " (not counted: given name and date of birth disagree)"  # the household rule, in a level
MISSING = "missing on one side"  # the level shown for a comparison one side has no value for

# --- the model --------------------------------------------------------------------------------------


@dataclass
class Explanation:
    """The score of one pair and how each comparison contributed."""

    weight: float
    probability: float
    parts: list[dict[str, Any]]

    def as_dict(self) -> dict[str, Any]:
        return {"match_weight": round(self.weight, 3), "probability": round(self.probability, 6),
                "comparisons": self.parts}


@dataclass
class PersonModel:
    comparisons: list[Comparison] = field(default_factory=person_comparisons)
    prior: float = 1e-4  # probability two random records are the same person
    frequencies: dict[str, dict[str, float]] = field(default_factory=dict)
    tf_floor: float = 0.0005

    @property
    def prior_weight(self) -> float:
        return math.log2(self.prior / (1 - self.prior))

    def levels(self, a: dict, b: dict) -> tuple[int | None, ...]:
        return tuple(c.level_of(a, b) for c in self.comparisons)

    def _u_tf(self, comp: Comparison, level: int | None, a: dict) -> float | None:
        if level != 0 or comp.tf_field is None:
            return None
        table = self.frequencies.get(comp.tf_field)
        if not table:
            return None
        freq = table.get(a[comp.tf_field])
        return max(freq, self.tf_floor) if freq else None

    def score(self, a: dict, b: dict) -> float:
        """One pair's weight. To score many pairs, make one `scorer()` and call it: this makes one
        per call."""
        return self.scorer()(a, b)

    def scorer(self) -> Callable[[dict, dict], float]:
        """`score` with every level's weight worked out once, for scoring many pairs with the
        parameters as they are now (an import scores tens of millions; `explain` spent most of
        its time rebuilding lists and taking logarithms). The same weights added in the same
        order as `explain`, so the same float (tests/entities/test_matching.py compares the two on
        generated pairs that reach every level of the name, date and address comparisons)."""
        comparisons = self.comparisons
        tables = [[comp.weight(level) for level in range(len(comp.m))] for comp in comparisons]
        level_of = [comp.level_of for comp in comparisons]
        frequent = [(i, comp, self.frequencies[comp.tf_field]) for i, comp in enumerate(comparisons)
                    if comp.tf_field is not None and self.frequencies.get(comp.tf_field)]
        names = self._names
        first = names.index("first_name") if "first_name" in names else None
        dob = names.index("date_of_birth") if "date_of_birth" in names else None
        household = [i for i, name in enumerate(names) if name in HOUSEHOLD]
        prior, floor = self.prior_weight, self.tf_floor
        by_value: dict[tuple[int, str], float | None] = {}  # (comparison, value) -> exact level's weight

        def tf_weight(i: int, comp: Comparison, table: dict[str, float], value: str) -> float | None:
            got = by_value.get((i, value), by_value)
            if got is by_value:
                freq = table.get(value)
                got = by_value[(i, value)] = comp.weight(0, max(freq, floor)) if freq else None
            return got  # type: ignore[return-value]

        def score(a: dict, b: dict) -> float:
            levels = [fn(a, b) for fn in level_of]
            weights = [None if level is None else table[level] for table, level in zip(tables, levels, strict=True)]
            for i, comp, table in frequent:
                if levels[i] == 0:
                    w = tf_weight(i, comp, table, a[comp.tf_field])
                    if w is not None:
                        weights[i] = w
            lf = levels[first] if first is not None else None
            ld = levels[dob] if dob is not None else None
            if (lf == 4 and ld in (None, 3, 4)) or (lf in (3, 4) and ld == 4):  # the household rule (`explain`)
                for i in household:
                    w = weights[i]
                    if w is not None and w > 0:
                        weights[i] = 0.0
            total = prior
            for w in weights:
                if w is not None:
                    total += w
            return total

        return score

    def best(self, a: dict, profiles: Sequence[dict], score: Callable[[dict, dict], float] | None = None
             ) -> tuple[float, dict]:
        """The highest weight of `a` against any of an entity's profiles, and that profile (the first
        of equals). Only the weight: the explanation is built later, for the few pairs that keep one.
        `score`: a `scorer()` made once for many calls."""
        score = score or self.scorer()
        top_w, top = score(a, profiles[0]), profiles[0]
        for p in profiles[1:]:
            w = score(a, p)
            if w > top_w:
                top_w, top = w, p
        return top_w, top

    def explain(self, a: dict, b: dict, detail: bool = True) -> Explanation:
        """Sum the comparisons' weights; with `detail`, list each one's level and weight.

        Household rule (a departure from pure Fellegi–Sunter, which assumes comparisons are
        independent): relatives share a surname, a phone and an address, so when the given name
        and the date of birth *both* disagree, the household fields are shown but not counted.
        Without it a father and son at one address score as one person.
        """
        total, weighed = self.weigh(a, b)
        parts = []
        if detail:
            for comp, level, w, not_counted in weighed:
                if level is None:
                    parts.append({"comparison": comp.name, "level": MISSING, "weight": 0.0})
                else:
                    label = comp.labels[level]
                    if not_counted:
                        label = f"{label}{NOT_COUNTED}"
                    parts.append({"comparison": comp.name, "level": label, "weight": round(w, 3)})
        return Explanation(total, probability(total), parts)

    def weigh(self, a: dict, b: dict) -> tuple[float, list[tuple[Comparison, int | None, float, bool]]]:
        """The pair's total weight, and per comparison: its level (None: missing on one side), its
        weight, and whether the household rule (`explain`) left it out. What `explain` shows and
        what `explanations.stored` keeps, worked out in one place."""
        levels = [comp.level_of(a, b) for comp in self.comparisons]
        by_name = dict(zip(self._names, levels, strict=True))
        household_only = (by_name.get("first_name") == 4 and by_name.get("date_of_birth") in (None, 3, 4)) or (
            by_name.get("first_name") in (3, 4) and by_name.get("date_of_birth") == 4)
        total = self.prior_weight
        weighed = []
        for comp, level in zip(self.comparisons, levels, strict=True):
            if level is None:
                weighed.append((comp, None, 0.0, False))
                continue
            w = comp.weight(level, self._u_tf(comp, level, a))
            not_counted = household_only and comp.name in HOUSEHOLD and w > 0
            if not_counted:
                w = 0.0
            total += w
            weighed.append((comp, level, w, not_counted))
        return total, weighed

    @property
    def _names(self) -> list[str]:
        return [c.name for c in self.comparisons]

    # -- parameters as data (stored with the index, shown on the model page) --

    def to_dict(self) -> dict[str, Any]:
        return {"prior": self.prior,
                "comparisons": {c.name: {"labels": c.labels, "m": c.m, "u": c.u} for c in self.comparisons}}

    def load(self, data: dict[str, Any]) -> PersonModel:
        self.prior = float(data.get("prior", self.prior))
        for comp in self.comparisons:
            got = data.get("comparisons", {}).get(comp.name)
            if got and len(got["m"]) == len(comp.m):
                comp.m, comp.u = list(got["m"]), list(got["u"])
        return self


def probability(weight: float) -> float:
    if weight > 50:
        return 1.0
    odds = 2.0**weight
    return odds / (1 + odds)


# --- blocking ---------------------------------------------------------------------------------------


def blocking_keys(rec: dict[str, Any]) -> list[str]:
    """Keys two records must share at least one of to be compared at all.

    Chosen so that each kind of error leaves some key intact: a surname typo keeps the date of birth
    and first name; a wrong date keeps the surname sound and first name; a name change (marriage)
    keeps the phone, e-mail or licence.
    """
    keys: list[str] = []
    year = rec["dob"][:4]
    if rec["last_sx"] and year:
        keys.append(f"ly:{rec['last_sx']}:{year}")
    if rec["dob"] and rec["first"]:
        # month and day sorted, so a swapped day/month still meets
        md = "".join(sorted([rec["dob"][5:7], rec["dob"][8:10]]))
        keys.append(f"fd:{rec['first_sx'][:1]}:{year}{md}")
    if rec["last_sx"] and rec["first_sx"]:
        keys.append(f"fl:{rec['first_sx']}:{rec['last_sx']}")
    for formal in rec["formal"]:
        if rec["last"]:
            keys.append(f"nl:{formal}:{rec['last'][:3]}")
    for p in rec["phones"]:
        keys.append(f"ph:{p}")
    for e in rec["emails"]:
        keys.append(f"em:{e}")
    if rec["dl"]:
        keys.append(f"dl:{rec['dl']}")
    if rec["addr"] and rec["last_sx"]:
        keys.append(f"ad:{rec['addr']}:{rec['last_sx'][:1]}")
    return keys


def candidate_pairs(records: Sequence[dict], max_block: int = 400) -> set[tuple[int, int]]:
    """Index pairs (i < j) that share a blocking key; blocks larger than `max_block` are skipped."""
    blocks: dict[str, list[int]] = defaultdict(list)
    for i, rec in enumerate(records):
        for key in blocking_keys(rec):
            blocks[key].append(i)
    pairs: set[tuple[int, int]] = set()
    for members in blocks.values():
        if len(members) < 2 or len(members) > max_block:
            continue
        for x in range(len(members)):
            for y in range(x + 1, len(members)):
                pairs.add((members[x], members[y]))
    return pairs


# --- estimation -------------------------------------------------------------------------------------


def term_frequencies(records: Iterable[dict], fields: Sequence[str] = ("first", "last")) -> dict[str, dict]:
    out: dict[str, dict[str, float]] = {}
    records = list(records)
    for name in fields:
        counts = Counter(r[name] for r in records if r[name])
        total = sum(counts.values()) or 1
        out[name] = {k: v / total for k, v in counts.items()}
    return out


def estimate_u(model: PersonModel, records: Sequence[dict], samples: int = 100_000, seed: int = 7) -> None:
    """u from random pairs: almost all random pairs are non-matches, so their level rates are u."""
    if len(records) < 2:
        return
    rng = random.Random(seed)
    counts = [[0.0] * len(c.u) for c in model.comparisons]
    n = len(records)
    for _ in range(samples):
        i, j = rng.randrange(n), rng.randrange(n)
        if i == j:
            continue
        for k, level in enumerate(model.levels(records[i], records[j])):
            if level is not None:
                counts[k][level] += 1
    for comp, row in zip(model.comparisons, counts, strict=True):
        total = sum(row)
        if total < 50:
            continue
        # add-one smoothing keeps a level never seen among random pairs from getting u = 0
        comp.u = [(v + 0.5) / (total + 0.5 * len(row)) for v in row]


def estimate_m_em(model: PersonModel, pair_levels: Sequence[tuple[int | None, ...]], iterations: int = 25,
                  fix_u: bool = True) -> None:
    """Expectation–maximisation of m (and the share of matches among blocked pairs), u held fixed.

    Holding u at its random-sample estimate is what keeps EM from drifting to a "same county"
    cluster instead of "same person": the unsupervised objective alone does not know which is wanted.
    """
    if not pair_levels:
        return
    lam = 0.1
    for _ in range(iterations):
        m_acc = [[1e-3] * len(c.m) for c in model.comparisons]
        u_acc = [[1e-3] * len(c.u) for c in model.comparisons]
        total_p = 0.0
        for levels in pair_levels:
            w = math.log2(lam / (1 - lam))
            for comp, level in zip(model.comparisons, levels, strict=True):
                if level is not None:
                    w += comp.weight(level)
            p = probability(w)
            total_p += p
            for k, level in enumerate(levels):
                if level is not None:
                    m_acc[k][level] += p
                    u_acc[k][level] += 1 - p
        lam = min(max(total_p / len(pair_levels), 1e-6), 1 - 1e-6)
        for comp, m_row, u_row in zip(model.comparisons, m_acc, u_acc, strict=True):
            comp.m = [v / sum(m_row) for v in m_row]
            if not fix_u:
                comp.u = [v / sum(u_row) for v in u_row]


def train(model: PersonModel, records: Sequence[dict], pairs: Iterable[tuple[int, int]] | None = None,
          em: bool = False) -> PersonModel:
    """Estimate u from random pairs and set term frequencies; with `em`, also m by EM over blocked pairs.

    EM is off by default: on the benchmark it learned "same household" (relatives share surname,
    phone and address) as the match class and lost about 8 points of precision; the prior m values,
    which say how often each kind of error occurs in a true match, did better (docs/entities.md).
    """
    estimate_u(model, records)
    if em:
        pairs = list(pairs if pairs is not None else candidate_pairs(records))
        estimate_m_em(model, [model.levels(records[i], records[j]) for i, j in pairs])
        for comp in model.comparisons:  # keep the best level's m above its u
            if comp.m[0] < comp.u[0]:
                comp.m = person_comparisons_by_name()[comp.name].m
    model.frequencies = term_frequencies(records)
    return model


def person_comparisons_by_name() -> dict[str, Comparison]:
    return {c.name: c for c in person_comparisons()}


# --- clustering -------------------------------------------------------------------------------------


class UnionFind:
    def __init__(self, n: int):
        self.parent = list(range(n))

    def find(self, x: int) -> int:
        while self.parent[x] != x:
            self.parent[x] = self.parent[self.parent[x]]
            x = self.parent[x]
        return x

    def union(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)


def cluster(n: int, scored_pairs: Iterable[tuple[int, int, float]], threshold: float) -> list[int]:
    """Connected components over pairs whose match weight reaches `threshold`; returns a cluster per record."""
    uf = UnionFind(n)
    for i, j, w in scored_pairs:
        if w >= threshold:
            uf.union(i, j)
    return [uf.find(i) for i in range(n)]


@dataclass
class BatchResult:
    clusters: list[int]
    pairs_compared: int
    model: PersonModel
    explanations: dict[tuple[int, int], Explanation]


DEFAULT_THRESHOLD = 6.0  # match weight (log2 odds); ≈ probability 0.985


def resolve_batch(raw_records: Sequence[dict], threshold: float = DEFAULT_THRESHOLD, train_model: bool = True,
                  keep_explanations: bool = False) -> BatchResult:
    """Deduplicate a list of person records: prepare, block, (train), score, cluster."""
    records = [prepare_person(r) for r in raw_records]
    pairs = sorted(candidate_pairs(records))
    model = PersonModel()
    if train_model and len(records) >= 50:
        train(model, records, pairs)
    else:
        model.frequencies = term_frequencies(records) if len(records) >= 1000 else {}
    scored = []
    explanations: dict[tuple[int, int], Explanation] = {}
    score = model.scorer()
    for i, j in pairs:
        w = score(records[i], records[j])
        scored.append((i, j, w))
        if keep_explanations and w >= threshold:
            explanations[(i, j)] = model.explain(records[i], records[j])
    return BatchResult(cluster(len(records), scored, threshold), len(pairs), model, explanations)


def today() -> dt.date:
    return dt.date.today()
