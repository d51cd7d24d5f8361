"""The record-class policies as data: load them from the shipped JSON file, look them up."""

from __future__ import annotations

import json
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import transaction

from fusioncenter.core.markings import RecordClass

DATA_FILE = Path(__file__).resolve().parent / "data" / "record_classes.json"
FIELDS = (
    "name", "description", "access_class", "default_for_access_class", "retention_days", "max_retention_days",
    "temporary", "requires_reasonable_suspicion", "requires_criminal_predicate", "revalidation_allowed",
    "legal_basis", "order",
)


def read(path: Path | str | None = None) -> list[dict]:
    """The classes of a policy file, checked: each maps to one of core's access classes."""
    data = json.loads(Path(path or DATA_FILE).read_text(encoding="utf-8"))
    classes = data["classes"]
    defaults: dict[str, str] = {}
    for item in classes:
        if item["access_class"] not in RecordClass.values:
            raise ValidationError(f"{item['code']}: unknown access class {item['access_class']!r}.")
        if int(item["retention_days"]) > int(item["max_retention_days"]):
            raise ValidationError(f"{item['code']}: retention_days exceeds max_retention_days.")
        if item.get("default_for_access_class"):
            if item["access_class"] in defaults:
                raise ValidationError(f"Two default classes for {item['access_class']}.")
            defaults[item["access_class"]] = item["code"]
    return classes


def load(path: Path | str | None = None, apps=None) -> int:
    """Create or update the policies from the file (idempotent); returns how many were written."""
    if apps is None:
        from .models import RecordClassPolicy
    else:
        RecordClassPolicy = apps.get_model("privacy", "RecordClassPolicy")  # noqa: N806 (migration state)
    classes = read(path)
    with transaction.atomic():
        for item in classes:
            RecordClassPolicy.objects.update_or_create(
                code=item["code"], defaults={name: item[name] for name in FIELDS if name in item}
            )
    return len(classes)


def get(code: str):
    from .models import RecordClassPolicy

    return RecordClassPolicy.objects.filter(code=code).first()


def default_for(access_class: str):
    """The policy a record falls under when it says only its core access class."""
    from .models import RecordClassPolicy

    return (
        RecordClassPolicy.objects.filter(access_class=access_class, default_for_access_class=True).first()
        or RecordClassPolicy.objects.filter(access_class=access_class).first()
    )
