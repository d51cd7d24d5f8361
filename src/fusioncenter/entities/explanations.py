"""Match explanations: kept short in the index, shown in full.

Every mention matched to an entity keeps the field-by-field explanation of its match
(`Mention.match`; a suggestion's in `MatchDecision.explanation`). Written out in full, a
probabilistic match's explanation took 567 bytes of JSON on average, mostly the comparisons'
names and level labels, the same in every row; an exact match's 134. That was about 30% of the
mentions table, written, logged and parsed by the database on every import (docs/entities.md,
"Match explanations kept short").

So the index keeps what varies (each comparison's level as a number and its weight, the total
and the probability) and `full` puts the names and labels back where an explanation is shown
(`Mention.why`, `MatchDecision.why`). The stored forms:

- a probabilistic match: ``{"w": 16.581, "p": 0.99999, "c": {"first_name": [0, 6.095], ...}}``,
  one entry per comparison both sides had, ``[level, weight]`` with a third element ``1`` when
  the household rule left it out (`matching.PersonModel.explain`); comparisons missing on one
  side are not stored and shown as missing;
- an exact match: ``{"x": "plate"}``, the kind of key both sides had;
- a new entity: ``{}``.

Explanations written in full (before this, by a model with comparisons of its own, or by an
analyst's decision) are shown as they are. The level numbers index `matching.person_comparisons`'
labels, which are therefore append-only: `tests/entities/test_explanations.py` pins them.
"""

from __future__ import annotations

import functools
from typing import Any

from . import matching

SAME_VALUE = "same value after normalization"


@functools.cache
def _labels() -> dict[str, list[str]]:
    """Each standard comparison's level labels, in the standard order."""
    return {c.name: c.labels for c in matching.person_comparisons()}


def stored(model: matching.PersonModel, a: dict, b: dict) -> dict[str, Any]:
    """The explanation of `a` against `b` as the index keeps it (`model.explain`, shortened). A
    model comparing fields the standard one does not is explained in full: `full` could not name
    its levels."""
    labels = _labels()
    if any(comp.name not in labels or comp.labels != labels[comp.name] for comp in model.comparisons):
        return model.explain(a, b).as_dict()
    total, weighed = model.weigh(a, b)
    kept: dict[str, list[float]] = {}
    for comp, level, w, not_counted in weighed:
        if level is not None:
            kept[comp.name] = [level, round(w, 3), 1] if not_counted else [level, round(w, 3)]
    return {"w": round(total, 3), "p": round(matching.probability(total), 6), "c": kept}


def same_value(kind: str) -> dict[str, str]:
    """An exact match's explanation as the index keeps it: the kind of key both sides share
    ("plate", "phone", "person|...": the blocking key's prefix)."""
    return {"x": kind}


def full(kept: dict[str, Any] | None) -> dict[str, Any]:
    """The explanation to show, from what the index keeps: `match_weight`, `probability` and one
    entry per comparison with its `comparison`, `level` and `weight`, as
    `matching.Explanation.as_dict` gives them. Anything not in a stored form above is returned as
    it is (an explanation written in full, or none)."""
    if not kept:
        return {}
    if "x" in kept and len(kept) == 1:
        return {"match_weight": None, "probability": 1.0,
                "comparisons": [{"comparison": kept["x"], "level": SAME_VALUE, "weight": None}]}
    if set(kept) != {"w", "p", "c"}:
        return kept
    have = kept["c"]
    parts = []
    for name, labels in _labels().items():
        got = have.get(name)
        if got is None:
            parts.append({"comparison": name, "level": matching.MISSING, "weight": 0.0})
            continue
        level, weight = got[0], got[1]
        label = labels[level] if 0 <= level < len(labels) else f"level {level}"
        if len(got) > 2 and got[2]:
            label = f"{label}{matching.NOT_COUNTED}"
        parts.append({"comparison": name, "level": label, "weight": weight})
    return {"match_weight": kept["w"], "probability": kept["p"], "comparisons": parts}
