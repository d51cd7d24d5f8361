"""The entity schema (data/schema.json) and what turns a raw mention into index keys.

The types and their fields are data, so a deployment can add one; the normalizers are the code
they name. `normalize_mention` returns the keys the index finds an entity by (a vehicle by its
plate and by its VIN), the display form, and the cleaned attributes, or raises `ValueError` with
a reason a person can act on.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from . import matching
from . import normalize as nz
from .normalize import DATA


@dataclass(frozen=True)
class MentionInput:
    """What a source record says: the entity type, the field it came from, the raw value, details."""

    type: str
    field: str
    value: str
    attributes: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Normalized:
    keys: list[str]
    display: str
    normalized: str
    attributes: dict[str, Any]
    prepared: dict[str, Any] | None = None  # persons: the record the matcher compares


@lru_cache(maxsize=1)
def schema() -> dict[str, Any]:
    with (DATA / "schema.json").open(encoding="utf-8") as fh:
        return check_schema(json.load(fh))


def check_schema(data: dict[str, Any]) -> dict[str, Any]:
    """Refuse a schema where two types share a normalizer other than "text".

    Index keys are named by the normalizer ("plate:...", "person|..."), and the matcher reads a
    block by its key alone, up to a cap (`candidates`): two types with one normalizer would share,
    and crowd, each other's blocks. "text" keys carry the type's own name, so any number may use it.
    """
    seen: dict[str, str] = {}
    for name, spec in data.get("types", {}).items():
        normalizer = spec.get("normalizer", "text")
        if normalizer != "text" and normalizer in seen:
            raise ValueError(f"Entity types '{seen[normalizer]}' and '{name}' both use the '{normalizer}' "
                             "normalizer; give one of them its own, or the 'text' normalizer.")
        seen[normalizer] = name
    return data


def types() -> dict[str, dict[str, Any]]:
    return schema()["types"]


def label(entity_type: str) -> str:
    return types().get(entity_type, {}).get("label", entity_type)


def is_probabilistic(entity_type: str) -> bool:
    return types().get(entity_type, {}).get("resolution") == "probabilistic"


def _vehicle(value: str, attrs: dict[str, Any]) -> Normalized:
    p = nz.plate(attrs.get("plate") or value, attrs.get("plate_state"))
    v = nz.vin(attrs.get("vin") or (value if len(nz.fold(value).replace(" ", "")) == 17 else ""))
    if not p and not v:
        raise ValueError("Neither a licence plate (2 to 10 letters and digits) nor a 17-character VIN.")
    keys = []
    clean = {k: str(attrs[k]) for k in ("make", "model", "year", "color") if attrs.get(k)}
    if p:
        keys.append(f"plate:{p[0]}")
        clean["plate"], clean["plate_state"] = p
    if v:
        keys.append(f"vin:{v}")
        clean["vin"] = v
        clean["vin_check_digit_ok"] = nz.vin_check_digit_ok(v)
    display = f"{p[0]} ({p[1]})" if p and p[1] else (p[0] if p else v)
    return Normalized(keys, display or "", p[0] if p else v or "", clean)


def _phone(value: str, attrs: dict[str, Any]) -> Normalized:
    key = nz.phone(value)
    if not key:
        raise ValueError("Not a possible phone number.")
    return Normalized([f"phone:{key}"], key, key, {"number": key})


def _email(value: str, attrs: dict[str, Any]) -> Normalized:
    key = nz.email(value)
    if not key:
        raise ValueError("Not an e-mail address (local@domain).")
    return Normalized([f"email:{key}"], key, key, {"address": key})


def _address(value: str, attrs: dict[str, Any]) -> Normalized:
    parsed = nz.address(value)
    if not parsed:
        raise ValueError("Empty address.")
    key = parsed["key"] or parsed["line"]
    display = ", ".join(p for p in (parsed["line"].title(), parsed["city"].title(), parsed["state"], parsed["zip"])
                        if p)
    clean = {**{k: v for k, v in attrs.items() if k in ("place", "latitude", "longitude")}, **parsed}
    return Normalized([f"location:{key}"], display, key, clean)


def _person(value: str, attrs: dict[str, Any]) -> Normalized:
    raw = dict(attrs)
    if value and not any(raw.get(k) for k in ("first_name", "last_name", "full_name")):
        raw["full_name"] = value
    prepared = matching.prepare_person(raw)
    if not (prepared["first"] or prepared["last"]):
        raise ValueError("A person needs at least a first or a last name.")
    prepared = {**prepared, "formal": sorted(prepared["formal"])}
    # the keys only iterate the formal names, so the sorted list serves (no thawed copy to make)
    keys = [f"person|{k}" for k in matching.blocking_keys(prepared)]
    display = matching.display_name(prepared)
    clean = {k: str(v) for k, v in raw.items() if k in matching.PERSON_FIELDS and v}
    return Normalized(keys, display, f"{prepared['last']} {prepared['first']}".strip(), clean, prepared)


def _thaw(prepared: dict[str, Any]) -> dict[str, Any]:
    """A prepared record read back from JSON: `formal` is a set again."""
    return {**prepared, "formal": frozenset(prepared.get("formal") or ())}


def _weapon(value: str, attrs: dict[str, Any]) -> Normalized:
    serial = nz.fold(attrs.get("serial")).replace(" ", "").upper()
    text = nz.text_key(value)
    if not serial and not text:
        raise ValueError("A weapon needs a serial number or a description.")
    key = f"weapon:serial:{serial}" if serial else f"weapon:text:{text}"
    display = " ".join(str(attrs[k]) for k in ("make", "model", "caliber") if attrs.get(k)) or value
    if serial:
        display = f"{display} s/n {serial}".strip()
    return Normalized([key], display, serial or text or "", {k: str(v) for k, v in attrs.items() if v})


def _document(value: str, attrs: dict[str, Any]) -> Normalized:
    key = nz.identifier_document(attrs.get("kind"), attrs.get("number") or value, attrs.get("state"))
    if not key:
        raise ValueError("A document number needs at least three letters or digits.")
    return Normalized([f"document:{key}"], key, key, {k: str(v) for k, v in attrs.items() if v})


def _text(entity_type: str):
    def run(value: str, attrs: dict[str, Any]) -> Normalized:
        key = nz.text_key(value)
        if not key:
            raise ValueError("Empty value.")
        return Normalized([f"{entity_type}:{key}"], str(value).strip()[:300], key,
                          {k: str(v) for k, v in attrs.items() if v})

    return run


NORMALIZERS = {
    "person": _person,
    "vehicle": _vehicle,
    "phone": _phone,
    "email": _email,
    "address": _address,
    "weapon": _weapon,
    "document": _document,
}


def normalize_mention(mention: MentionInput) -> Normalized:
    spec = types().get(mention.type)
    if spec is None:
        raise ValueError(f"Unknown entity type '{mention.type}'.")
    name = spec.get("normalizer", "text")
    fn = NORMALIZERS.get(name) or _text(mention.type)
    return fn(str(mention.value or "").strip(), dict(mention.attributes or {}))


thaw = _thaw
