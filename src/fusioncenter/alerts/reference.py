"""Reference data of the alert programs: programs and criteria, WCAN business types and streams.

They ship as data files (`data/programs.json`, `data/wcan.json`) so another state can swap them; the
data migration loads them and an administrator may edit them afterwards.
"""

from __future__ import annotations

import json
from pathlib import Path

from . import criteria
from .models import AlertProgram, BusinessType, Stream

DATA_DIR = Path(__file__).resolve().parent / "data"


def program_definitions() -> list[dict]:
    data = json.loads((DATA_DIR / "programs.json").read_text())
    for program in data["programs"]:
        problems = criteria.validate_program(program)
        if problems:
            raise ValueError(f"programs.json, {program.get('code')}: " + "; ".join(problems))
    return data["programs"]


def wcan_definitions() -> dict:
    return json.loads((DATA_DIR / "wcan.json").read_text())


def load_reference(program_model=AlertProgram, business_model=BusinessType, stream_model=Stream) -> None:
    """Create or refresh programs, business types and streams from the data files (idempotent).

    The models are parameters so the data migration can pass its historical models.
    """
    for p in program_definitions():
        program_model.objects.update_or_create(
            code=p["code"],
            defaults={
                k: p[k]
                for k in (
                    "name",
                    "event",
                    "category",
                    "same_code",
                    "urgency",
                    "severity",
                    "certainty",
                    "audience",
                    "wcan_stream",
                    "channels",
                    "blocked_channels",
                    "expires_hours",
                    "criteria",
                    "order",
                )
                if k in p
            },
        )
    wcan = wcan_definitions()
    for b in wcan["business_types"]:
        business_model.objects.get_or_create(code=b["code"], defaults={"name": b["name"]})
    for order, s in enumerate(wcan["streams"]):
        stream_model.objects.update_or_create(code=s["code"], defaults={"name": s["name"], "order": order})
