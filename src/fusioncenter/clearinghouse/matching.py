"""Compare the descriptors of a located or unidentified person with the open cases, and rank candidates.

Each factor adds or takes points and says why in words, so an analyst can check every contribution
(no opaque score). A hard contradiction (the person was found before the case's person went missing,
or is plainly outside the age range) excludes the case rather than lowering it: those are not near
misses. Hair colour counts little, as hair is easily dyed; scars, marks and tattoos count most, as they
are the most specific.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass, field
from typing import Any

from fusioncenter.core import clock

from .models import MissingPersonCase
from .services import visible_cases

HEIGHT_TOLERANCE_IN = 3
WEIGHT_TOLERANCE = 0.15  # 15 %: weight changes while a person is missing
STOPWORDS = {
    "a",
    "an",
    "and",
    "the",
    "of",
    "on",
    "in",
    "at",
    "left",
    "right",
    "with",
    "small",
    "large",
    "tattoo",
    "tattoos",
    "scar",
    "scars",
    "mark",
    "marks",
}


@dataclass(frozen=True)
class Factor:
    name: str
    points: float
    reason: str


@dataclass
class Candidate:
    case: MissingPersonCase
    factors: list[Factor] = field(default_factory=list)

    @property
    def score(self) -> float:
        return round(sum(f.points for f in self.factors), 1)


class Excluded(Exception):
    pass


def _norm(text: Any) -> str:
    return str(text or "").strip().lower()


def _words(text: str) -> set[str]:
    return {w for w in re.findall(r"[a-z0-9]+", text.lower()) if len(w) > 2 and w not in STOPWORDS}


def haversine_miles(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    r = 3958.8
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * r * math.asin(math.sqrt(a))


def _age(case: MissingPersonCase, d: dict[str, Any], on: dt.date) -> Factor | None:
    low, high = d.get("age_min"), d.get("age_max")
    if low is None and high is None:
        return None
    low = low if low is not None else 0
    high = high if high is not None else 120
    age = case.age_on(on)
    if age is None:
        return Factor("age", 0, "The case has no age or birth date.")
    # A birth date known only to the year: allow one year either side.
    if age < low - 1 or age > high + 1:
        raise Excluded(f"age {age} is outside {low}–{high}")
    return Factor("age", 20, f"Age now {age} falls in the estimated range {low}–{high}.")


def _sex(case: MissingPersonCase, d: dict[str, Any]) -> Factor | None:
    sex = _norm(d.get("sex"))
    if not sex or not case.sex:
        return None
    if sex == case.sex:
        return Factor("sex", 15, f"Sex matches ({case.sex}).")
    return Factor("sex", -40, f"Sex differs: {sex} found, {case.sex} missing.")


def _height(case: MissingPersonCase, d: dict[str, Any]) -> Factor | None:
    h = d.get("height_in")
    if not h or not case.height_in:
        return None
    diff = abs(int(h) - case.height_in)
    # A child grows: the tolerance widens by 2 inches a year missing, for the young.
    years = max(0, (clock.today() - case.last_seen_at.date()).days // 365)
    tolerance = HEIGHT_TOLERANCE_IN + (2 * years if (case.age_on(case.last_seen_at.date()) or 99) < 18 else 0)
    if diff <= tolerance:
        return Factor(
            "height",
            round(10 * (1 - diff / (tolerance + 1)), 1),
            f"Height {h} in is within {tolerance} in of {case.height_in} in (off by {diff}).",
        )
    return Factor("height", -10, f"Height {h} in is {diff} in from {case.height_in} in (tolerance {tolerance}).")


def _weight(case: MissingPersonCase, d: dict[str, Any]) -> Factor | None:
    w = d.get("weight_lb")
    if not w or not case.weight_lb:
        return None
    diff = abs(int(w) - case.weight_lb)
    tolerance = max(5, round(case.weight_lb * WEIGHT_TOLERANCE))
    if diff <= tolerance:
        return Factor(
            "weight",
            round(5 * (1 - diff / (tolerance + 1)), 1),
            f"Weight {w} lb is within {tolerance} lb of {case.weight_lb} lb.",
        )
    return Factor("weight", -5, f"Weight {w} lb is {diff} lb from {case.weight_lb} lb (tolerance {tolerance}).")


def _colour(name: str, label: str, found: Any, known: str, hit: float, miss: float) -> Factor | None:
    found, known = _norm(found), _norm(known)
    if not found or not known:
        return None
    if found == known or found in known or known in found:
        return Factor(name, hit, f"{label} matches ({known}).")
    return Factor(name, miss, f"{label} differs: {found} found, {known} recorded.")


def _marks(case: MissingPersonCase, d: dict[str, Any]) -> Factor | None:
    found = _words(d.get("scars_marks_tattoos") or "")
    known = _words(case.scars_marks_tattoos)
    if not found or not known:
        return None
    shared = sorted(found & known)
    if not shared:
        return Factor("marks", 0, "No word in common between the scars, marks and tattoos described.")
    points = round(25 * len(shared) / len(found | known) + 5, 1)
    return Factor("marks", points, f"Scars, marks, tattoos share: {', '.join(shared)}.")


def _place_time(case: MissingPersonCase, d: dict[str, Any]) -> list[Factor]:
    out = []
    found_at = d.get("found_at")
    if isinstance(found_at, dt.datetime):
        if found_at < case.last_seen_at:
            raise Excluded("found before the person was last seen")
        days = (found_at - case.last_seen_at).days
        points = 5 if days <= 30 else 2 if days <= 365 else 0
        out.append(Factor("time", points, f"Found {days} days after last seen."))
    lat, lon = d.get("latitude"), d.get("longitude")
    if (
        lat is not None
        and lon is not None
        and case.last_seen_latitude is not None
        and case.last_seen_longitude is not None
    ):
        miles = haversine_miles(float(lat), float(lon), case.last_seen_latitude, case.last_seen_longitude)
        points = 10 if miles <= 10 else 6 if miles <= 50 else 3 if miles <= 150 else 0
        out.append(Factor("distance", points, f"Found {miles:.0f} miles from where last seen."))
    elif d.get("county") is not None and case.last_seen_county_id:
        same = d["county"].pk == case.last_seen_county_id
        out.append(
            Factor(
                "distance",
                6 if same else 0,
                f"Found in {d['county']}"
                + (", the county where last seen." if same else f"; last seen in {case.last_seen_county}."),
            )
        )
    return out


def score(case: MissingPersonCase, d: dict[str, Any]) -> Candidate | None:
    """Score one case against the descriptors; None when a hard contradiction excludes it."""
    on = d["found_at"].date() if isinstance(d.get("found_at"), dt.datetime) else clock.today()
    cand = Candidate(case)
    try:
        for factor in (
            _age(case, d, on),
            _sex(case, d),
            _height(case, d),
            _weight(case, d),
            _colour("hair", "Hair", d.get("hair_color"), case.hair_color, 4, -1),
            _colour("eyes", "Eyes", d.get("eye_color"), case.eye_color, 8, -8),
            _marks(case, d),
            *_place_time(case, d),
        ):
            if factor is not None:
                cand.factors.append(factor)
    except Excluded:
        return None
    return cand


def rank(user: Any, descriptors: dict[str, Any], limit: int = 20) -> list[Candidate]:
    """Open cases the user may see, best candidates first (ties: most recently missing first)."""
    cases = visible_cases(user).filter(status="missing")
    scored = [c for c in (score(case, descriptors) for case in cases) if c is not None and c.score > 0]
    scored.sort(key=lambda c: (-c.score, -c.case.last_seen_at.timestamp()))
    return scored[:limit]
