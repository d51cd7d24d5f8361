"""The 16 ISE-SAR behavior categories, read from `data/categories.json`.

They are data, not code (architecture rule 7): another state or a newer Functional Standard
changes the file, not the program. Codes are exactly the NIEM `sar:SuspiciousActivityCodeSimpleType`
values; a test checks them against the NIEM schema.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

DATA_FILE = Path(__file__).resolve().parent / "data" / "categories.json"


@dataclass(frozen=True)
class Category:
    code: str
    label: str
    group: str
    definition: str
    requires_additional_facts: bool


@cache
def all_categories() -> tuple[Category, ...]:
    raw = json.loads(DATA_FILE.read_text(encoding="utf-8"))
    return tuple(Category(**item) for item in raw["categories"])


@cache
def by_code() -> dict[str, Category]:
    return {c.code: c for c in all_categories()}


def codes() -> list[str]:
    return [c.code for c in all_categories()]


def choices() -> list[tuple[str, str]]:
    return [(c.code, c.label) for c in all_categories()]


def label(code: str) -> str:
    cat = by_code().get(code)
    return cat.label if cat else code


def needing_facts(selected: list[str]) -> list[str]:
    """The selected codes whose behavior may be lawful on its own (group B)."""
    table = by_code()
    return [c for c in selected if c in table and table[c].requires_additional_facts]
