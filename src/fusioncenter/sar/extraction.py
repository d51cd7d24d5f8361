"""Find phone numbers, e-mail addresses, plates, VINs and street addresses in a narrative.

Nothing found here is stored as a fact: each finding becomes a `Suggestion` that an analyst accepts
or rejects. Phone numbers come from Google's `phonenumbers` matcher (US region); street addresses
are candidate spans (a house number up to a street suffix) confirmed by `usaddress`'s parser;
plates need a cue word ("plate", "tag", ...) because a bare plate looks like any other code; VINs
must pass the North American check digit (ISO 3779 / 49 CFR 565).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import phonenumbers
import usaddress

EMAIL = re.compile(r"\b[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9.-]{1,190}\.[A-Za-z]{2,24}\b")
PLATE = re.compile(
    r"\b(?:(?P<state1>[A-Z]{2}|Wisconsin|Illinois|Minnesota|Iowa|Michigan)\s+)?(?:license\s+plate|licence\s+plate|plate|tag|registration)s?"
    r"(?:\s+(?:number|no\.?|#))?\s*[:#]?\s*(?:(?P<state2>[A-Z]{2})\s+)?"
    r"(?P<plate>(?=[A-Z0-9 -]*\d)[A-Z0-9]{1,4}(?:[- ]?[A-Z0-9]{1,5})?)\b",
    re.IGNORECASE,
)
VIN = re.compile(r"\b[A-HJ-NPR-Z0-9]{17}\b", re.IGNORECASE)
STREET_SUFFIX = (
    r"(?:street|st|avenue|ave|road|rd|drive|dr|lane|ln|boulevard|blvd|court|ct|place|pl|way|parkway|pkwy|"
    r"highway|hwy|circle|cir|terrace|ter|trail|trl)"
)
ADDRESS = re.compile(
    r"\b\d{1,6}\s+(?:[NSEW]\.?\s+)?(?:[A-Za-z0-9'.]+\s+){0,4}?" + STREET_SUFFIX + r"\b\.?"
    r"(?:,?\s+[A-Z][a-z]+(?:\s+[A-Z][a-z]+)?,?\s+(?:WI|Wisconsin)(?:\s+\d{5})?)?",
    re.IGNORECASE,
)
STATES = {
    "AL", "AK", "AZ", "AR", "CA", "CO", "CT", "DE", "DC", "FL", "GA", "HI", "ID", "IL", "IN", "IA", "KS", "KY",
    "LA", "ME", "MD", "MA", "MI", "MN", "MS", "MO", "MT", "NE", "NV", "NH", "NJ", "NM", "NY", "NC", "ND", "OH",
    "OK", "OR", "PA", "RI", "SC", "SD", "TN", "TX", "UT", "VT", "VA", "WA", "WV", "WI", "WY",
}
STATE_NAMES = {"WISCONSIN": "WI", "ILLINOIS": "IL", "MINNESOTA": "MN", "IOWA": "IA", "MICHIGAN": "MI"}
_VIN_VALUES = {**{str(d): d for d in range(10)},
               **dict(zip("ABCDEFGH", range(1, 9), strict=True)), **dict(zip("JKLMN", range(1, 6), strict=True)),
               "P": 7, "R": 9, **dict(zip("STUVWXYZ", range(2, 10), strict=True))}
_VIN_WEIGHTS = (8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2)


@dataclass(frozen=True)
class Finding:
    kind: str  # phone, email, plate, vin, address
    value: str  # as written
    normalized: str  # the form stored and matched


def vin_check_digit(vin: str) -> str:
    total = sum(_VIN_VALUES[ch] * w for ch, w in zip(vin.upper(), _VIN_WEIGHTS, strict=True))
    rest = total % 11
    return "X" if rest == 10 else str(rest)


def valid_vin(vin: str) -> bool:
    vin = vin.upper()
    if len(vin) != 17 or any(ch not in _VIN_VALUES for ch in vin):
        return False
    return vin[8] == vin_check_digit(vin)


def normalize_plate(plate: str) -> str:
    return re.sub(r"[^A-Z0-9]", "", plate.upper())


def normalize_phone(value: str) -> str | None:
    try:
        number = phonenumbers.parse(value, "US")
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_possible_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def normalize_address(value: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"[.,]", " ", value.upper())).strip()


def _phones(text: str) -> list[Finding]:
    out = []
    for match in phonenumbers.PhoneNumberMatcher(text, "US"):
        e164 = phonenumbers.format_number(match.number, phonenumbers.PhoneNumberFormat.E164)
        out.append(Finding("phone", match.raw_string, e164))
    return out


def _emails(text: str) -> list[Finding]:
    return [Finding("email", m.group(0), m.group(0).lower()) for m in EMAIL.finditer(text)]


def _plates(text: str) -> list[Finding]:
    out = []
    for m in PLATE.finditer(text):
        plate = normalize_plate(m.group("plate"))
        if not 2 <= len(plate) <= 8 or not re.search(r"\d", plate):
            continue
        out.append(Finding("plate", m.group(0).strip(), plate))
    return out


def plate_state(written: str) -> str:
    """The two-letter state named next to a plate, if any ("WI plate ABC123", "Wisconsin tag ...")."""
    m = PLATE.search(written or "")
    if not m:
        return ""
    state = (m.group("state2") or m.group("state1") or "").upper()
    state = STATE_NAMES.get(state, state)
    return state if state in STATES else ""


def _vins(text: str) -> list[Finding]:
    return [Finding("vin", m.group(0), m.group(0).upper()) for m in VIN.finditer(text) if valid_vin(m.group(0))]


def _addresses(text: str) -> list[Finding]:
    out = []
    for m in ADDRESS.finditer(text):
        candidate = m.group(0).strip().rstrip(",")
        try:
            tagged, kind = usaddress.tag(candidate)
        except usaddress.RepeatedLabelError:
            continue
        if kind == "Street Address" and "AddressNumber" in tagged and "StreetName" in tagged:
            out.append(Finding("address", candidate, normalize_address(candidate)))
    return out


def extract(text: str) -> list[Finding]:
    """Every finding once (by kind and normalized value), in a stable order."""
    if not text:
        return []
    text = text[:20000]
    seen: set[tuple[str, str]] = set()
    found = []
    for finding in _phones(text) + _emails(text) + _plates(text) + _vins(text) + _addresses(text):
        key = (finding.kind, finding.normalized)
        if key not in seen:
            seen.add(key)
            found.append(finding)
    return found
