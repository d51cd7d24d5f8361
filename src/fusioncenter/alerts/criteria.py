"""Activation criteria, checked one by one. Pure functions: no models, no database.

A program's criteria are data (``data/programs.json``): each has an ``id``, the ``text`` read to
the coordinator, a ``kind`` (``required``: its one condition must hold; ``at_least_one_of``: one of
its conditions must hold) and ``conditions`` naming the request field that answers them. The
clearinghouse will prefill a request from a case, so ``evaluate`` takes a plain dict of request
fields and returns, per criterion, met / not met / not answered, with the reason in words.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

MET = "met"
NOT_MET = "not_met"
MISSING = "missing"

# Plain-language names of the request fields the criteria read, for the reasons shown.
FIELD_LABELS = {
    "subject_age": "age of the missing person",
    "abduction_believed": "abduction believed",
    "danger_of_harm": "danger of death or serious bodily harm",
    "subject_description": "description of the missing person",
    "suspect_description": "description of the suspect",
    "vehicle_description": "description of the vehicle",
    "runaway_or_family_abduction": "runaway or family abduction",
    "life_in_danger": "life in danger",
    "ncic_entered": "entered into NCIC",
    "cannot_return_unaided": "cannot return home without assistance",
    "location_unknown": "location unknown",
    "hours_missing": "hours since the disappearance",
    "qualifies_for_other_alert": "qualifies for another alert",
    "cognitive_impairment": "cognitive impairment",
    "missing_due_to_condition": "missing because of the condition",
    "veteran_or_service_member": "veteran or service member",
    "service_related_condition": "service-related condition",
    "person_at_risk": "person at risk",
}

KINDS = ("required", "at_least_one_of")
OPS = ("lte", "lt", "gte", "gt", "is_true", "is_false", "present")


@dataclass(frozen=True)
class CriterionResult:
    id: str
    text: str
    kind: str
    status: str  # MET, NOT_MET or MISSING
    reason: str

    @property
    def met(self) -> bool:
        return self.status == MET


@dataclass(frozen=True)
class Evaluation:
    results: list[CriterionResult] = field(default_factory=list)

    @property
    def all_met(self) -> bool:
        return all(r.met for r in self.results)

    @property
    def missing(self) -> list[CriterionResult]:
        return [r for r in self.results if r.status == MISSING]

    @property
    def not_met(self) -> list[CriterionResult]:
        return [r for r in self.results if r.status == NOT_MET]

    def snapshot(self) -> dict[str, str]:
        """Criterion id -> status: what the audit and the history keep (codes only)."""
        return {r.id: r.status for r in self.results}


def label(name: str) -> str:
    return FIELD_LABELS.get(name, name.replace("_", " "))


def derive(fields: dict[str, Any], now: dt.datetime | None = None) -> dict[str, Any]:
    """Add the values criteria read but nobody types: hours since the disappearance."""
    out = dict(fields)
    if out.get("hours_missing") in (None, "") and out.get("disappeared_at"):
        start = out["disappeared_at"]
        end = out.get("requested_at") or now
        if isinstance(start, dt.datetime) and isinstance(end, dt.datetime):
            out["hours_missing"] = round(max((end - start).total_seconds(), 0) / 3600, 1)
    return out


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _check(cond: dict[str, Any], fields: dict[str, Any]) -> tuple[str, str]:
    """One condition -> (status, reason)."""
    if "all" in cond:
        parts = [_check(c, fields) for c in cond["all"]]
        if all(s == MET for s, _ in parts):
            return MET, " and ".join(r for _, r in parts)
        if any(s == NOT_MET for s, _ in parts):
            return NOT_MET, "; ".join(r for s, r in parts if s == NOT_MET)
        return MISSING, "; ".join(r for s, r in parts if s == MISSING)
    name, op, expected = cond["field"], cond["op"], cond.get("value")
    value = fields.get(name)
    what = label(name)
    if _blank(value):
        return MISSING, f"Not answered: {what}."
    if op == "present":
        return MET, f"Given: {what}."
    if op in ("is_true", "is_false"):
        want = op == "is_true"
        if bool(value) == want:
            return MET, f"{what.capitalize()}: {'yes' if value else 'no'}."
        return NOT_MET, f"{what.capitalize()}: {'yes' if value else 'no'}."
    try:
        number = float(value)
    except (TypeError, ValueError):
        return NOT_MET, f"{what.capitalize()} is not a number."
    ok = {
        "lte": number <= expected,
        "lt": number < expected,
        "gte": number >= expected,
        "gt": number > expected,
    }[op]
    words = {"lte": "at most", "lt": "under", "gte": "at least", "gt": "over"}[op]
    shown = int(number) if number == int(number) else number
    return (MET if ok else NOT_MET), f"{what.capitalize()} is {shown} (must be {words} {expected})."


def evaluate(program: dict[str, Any], request_fields: dict[str, Any], now: dt.datetime | None = None) -> Evaluation:
    """Check each of `program["criteria"]` against `request_fields`; nothing is skipped or short-cut."""
    fields = derive(request_fields, now)
    results = []
    for crit in program.get("criteria", []):
        outcomes = [_check(c, fields) for c in crit["conditions"]]
        if crit["kind"] == "required":
            status, reason = outcomes[0] if len(outcomes) == 1 else _combine_all(outcomes)
        else:
            status, reason = _combine_any(outcomes)
        results.append(CriterionResult(crit["id"], crit["text"], crit["kind"], status, reason))
    return Evaluation(results)


def _combine_all(outcomes: list[tuple[str, str]]) -> tuple[str, str]:
    for wanted in (NOT_MET, MISSING):
        bad = [r for s, r in outcomes if s == wanted]
        if bad:
            return wanted, " ".join(bad)
    return MET, " ".join(r for _, r in outcomes)


def _combine_any(outcomes: list[tuple[str, str]]) -> tuple[str, str]:
    met = [r for s, r in outcomes if s == MET]
    if met:
        return MET, " ".join(met)
    if any(s == NOT_MET for s, _ in outcomes):
        return NOT_MET, "None of the alternatives holds: " + " ".join(r for _, r in outcomes)
    return MISSING, "None of the alternatives is answered: " + " ".join(r for _, r in outcomes)


def validate_program(program: dict[str, Any]) -> list[str]:
    """Problems with a program definition (used when loading the data file, so a typo fails loudly)."""
    problems = []
    for key in ("code", "name", "event", "category", "criteria"):
        if key not in program:
            problems.append(f"program lacks '{key}'")
    for crit in program.get("criteria", []):
        if crit.get("kind") not in KINDS:
            problems.append(f"criterion {crit.get('id')}: unknown kind {crit.get('kind')!r}")
        if not crit.get("conditions"):
            problems.append(f"criterion {crit.get('id')}: no conditions")
        stack = list(crit.get("conditions", []))
        while stack:
            cond = stack.pop()
            if "all" in cond:
                stack.extend(cond["all"])
            elif cond.get("op") not in OPS or "field" not in cond:
                problems.append(f"criterion {crit.get('id')}: bad condition {cond!r}")
    return problems
