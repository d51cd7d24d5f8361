"""Product types are data: `data/product_types.json` is loaded into `ProductType` (by migration and on
`fusioncenter demo`), so a center can add a type or change a template without code."""

from __future__ import annotations

import json
from pathlib import Path

from fusioncenter.core.markings import TLP, RecordClass

DATA_FILE = Path(__file__).parent / "data" / "product_types.json"


def read_types(path: Path = DATA_FILE) -> list[dict]:
    types = json.loads(path.read_text(encoding="utf-8"))["product_types"]
    for item in types:
        if item["default_tlp"] not in TLP.values or item["default_record_class"] not in RecordClass.values:
            raise ValueError(f"Product type {item['code']}: unknown TLP or record class.")
        keys = [s["key"] for s in item["sections"]]
        if not keys or len(keys) != len(set(keys)):
            raise ValueError(f"Product type {item['code']}: sections need unique keys.")
    return types


def load_product_types(model=None, path: Path = DATA_FILE) -> int:
    """Create or update every type in the file; returns how many. Types not in the file are kept."""
    if model is None:
        from .models import ProductType as model
    fields = ("name", "description", "order", "sections", "default_tlp", "default_record_class", "default_les",
              "expedited", "external", "expires_hours")
    n = 0
    for item in read_types(path):
        defaults = {f: item.get(f, model._meta.get_field(f).get_default()) for f in fields}
        model.objects.update_or_create(code=item["code"], defaults=defaults)
        n += 1
    return n


def ensure_types() -> None:
    """Load the shipped types if the table is empty (a flushed test database, a restored backup)."""
    from .models import ProductType

    if not ProductType.objects.exists():
        load_product_types()
