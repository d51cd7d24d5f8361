"""Source-reliability and content-validity grading schemes.

Each report stores the scheme's id next to its two grades, so a center can change scheme without
re-reading old grades. The US 4x4 (reliable / usually reliable / unreliable / unknown; confirmed /
probable / doubtful / cannot be judged) is the default; NATO/Admiralty is offered for partners who
grade that way.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Scheme:
    code: str
    label: str
    reliability: tuple[tuple[str, str], ...]
    validity: tuple[tuple[str, str], ...]
    default_reliability: str
    default_validity: str


SCHEMES: dict[str, Scheme] = {
    "us4x4": Scheme(
        "us4x4", "US 4x4",
        (("reliable", "Reliable"), ("usually_reliable", "Usually reliable"), ("unreliable", "Unreliable"),
         ("unknown", "Unknown")),
        (("confirmed", "Confirmed"), ("probable", "Probable"), ("doubtful", "Doubtful"),
         ("cannot_be_judged", "Cannot be judged")),
        "unknown", "cannot_be_judged",
    ),
    "admiralty": Scheme(
        "admiralty", "NATO / Admiralty 6x6",
        (("A", "A: completely reliable"), ("B", "B: usually reliable"), ("C", "C: fairly reliable"),
         ("D", "D: not usually reliable"), ("E", "E: unreliable"), ("F", "F: cannot be judged")),
        (("1", "1: confirmed"), ("2", "2: probably true"), ("3", "3: possibly true"), ("4", "4: doubtfully true"),
         ("5", "5: improbable"), ("6", "6: cannot be judged")),
        "F", "6",
    ),
}
DEFAULT_SCHEME = "us4x4"


def scheme(code: str) -> Scheme | None:
    return SCHEMES.get(code)


def scheme_choices() -> list[tuple[str, str]]:
    return [(s.code, s.label) for s in SCHEMES.values()]


def label(scheme_code: str, axis: str, value: str) -> str:
    s = SCHEMES.get(scheme_code)
    if s is None:
        return value
    return dict(getattr(s, axis)).get(value, value)


def check(scheme_code: str, reliability: str, validity: str) -> dict[str, str]:
    """Errors by field name; empty when the pair is valid in the scheme."""
    s = SCHEMES.get(scheme_code)
    if s is None:
        return {"grading_scheme": f"Unknown grading scheme; use one of {', '.join(SCHEMES)}."}
    errors = {}
    if reliability not in dict(s.reliability):
        errors["source_reliability"] = f"Not a source-reliability grade of {s.label}: use one of " + ", ".join(
            k for k, _ in s.reliability) + "."
    if validity not in dict(s.validity):
        errors["content_validity"] = f"Not a content-validity grade of {s.label}: use one of " + ", ".join(
            k for k, _ in s.validity) + "."
    return errors
