"""Demo data: clearly fictional missing-person cases (names from no real case; phone numbers in the
555-01xx range reserved for fiction). Idempotent: does nothing once the demo cases exist."""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from fusioncenter.core import clock
from fusioncenter.core.models import User
from fusioncenter.core.roles import Role

from . import services
from .models import CaseStatus, MissingPersonCase

CASES = [
    {
        "external_id": "demo/1",
        "given_name": "Rowan",
        "family_name": "Exampleton",
        "sex": "female",
        "age_at_disappearance": 15,
        "ncic_category": "EMJ",
        "ncmec_category": "endangered_runaway",
        "race": "White",
        "height_in": 63,
        "weight_lb": 110,
        "hair_color": "brown",
        "eye_color": "green",
        "scars_marks_tattoos": "small star tattoo on left wrist",
        "clothing": "grey hooded sweatshirt, black jeans",
        "last_seen_place": "Demo Transit Center, 100 Sample St",
        "last_seen_city": "Madison",
        "last_seen_zip": "53703",
        "circumstances": "Left home after school and did not return. (Fictional demo case.)",
        "public_contact": "(608) 555-0100",
        "investigator_name": "Det. Demo",
        "investigator_phone": "(608) 555-0101",
        "agency_case_number": "DEMO-26-0001",
        "ncic_number": "M000000001",
        "release": True,
        "hours": 30,
    },
    {
        "external_id": "demo/2",
        "given_name": "Harold",
        "family_name": "Placeholder",
        "sex": "male",
        "age_at_disappearance": 78,
        "ncic_category": "EMD",
        "cognitive_impairment": True,
        "race": "White",
        "height_in": 70,
        "weight_lb": 165,
        "hair_color": "white",
        "eye_color": "blue",
        "clothing": "tan jacket, blue cap",
        "last_seen_place": "Sample Grocery, 5 Example Ave",
        "last_seen_city": "Milwaukee",
        "last_seen_zip": "53202",
        "circumstances": "Has dementia; drove away from a grocery store. (Fictional demo case.)",
        "vehicles": [
            {"year": "2012", "color": "silver", "make": "Toyota", "model": "Camry", "plate": "DEMO123", "state": "WI"}
        ],
        "public_contact": "(414) 555-0102",
        "ncic_number": "M000000002",
        "medical_details": "Needs daily medication.",
        "release": True,
        "hours": 6,
    },
    {
        "external_id": "demo/3",
        "given_name": "Jamie",
        "family_name": "Fictitious",
        "sex": "male",
        "age_at_disappearance": 19,
        "ncic_category": "EME",
        "ncmec_category": "critically_missing_young_adult",
        "height_in": 69,
        "weight_lb": 150,
        "hair_color": "black",
        "eye_color": "brown",
        "last_seen_place": "Example Park trailhead",
        "last_seen_city": "Wausau",
        "last_seen_zip": "54401",
        "circumstances": "Went hiking alone. (Fictional demo case.)",
        "public_contact": "(715) 555-0103",
        "release": False,
        "hours": 72,
    },
    {
        "external_id": "demo/4",
        "given_name": "Avery",
        "family_name": "Sampleson",
        "sex": "female",
        "age_at_disappearance": 9,
        "ncic_category": "EMI",
        "ncmec_category": "family_abduction",
        "ncic_child_abduction": True,
        "height_in": 52,
        "weight_lb": 60,
        "hair_color": "blond",
        "eye_color": "hazel",
        "last_seen_place": "Demo Elementary School",
        "last_seen_city": "Green Bay",
        "last_seen_zip": "54301",
        "public_contact": "(920) 555-0104",
        "release": False,
        "hours": 24 * 40,
        "resolve": CaseStatus.LOCATED_SAFE,
    },
]


def load(stdout) -> None:
    if MissingPersonCase.objects.filter(external_id__startswith="demo/").exists():
        stdout.write("clearinghouse: demo cases already loaded\n")
        return
    officer = User.objects.filter(role=Role.PARTNER_OFFICER, sworn=True, is_active=True).first()
    if officer is None:
        stdout.write("clearinghouse: no partner officer to own the demo cases; skipped\n")
        return
    with transaction.atomic():  # all four or none, so a rerun is never blocked by half a demo
        _load(officer)
    stdout.write(f"clearinghouse: {len(CASES)} fictional missing-person cases\n")


def _load(officer: User) -> None:
    for spec in CASES:
        spec = dict(spec)
        release, hours, resolve = spec.pop("release"), spec.pop("hours"), spec.pop("resolve", None)
        spec["last_seen_at"] = clock.now() - dt.timedelta(hours=hours)
        case = services.open_case(officer, spec)
        if release:
            services.release(officer, case)
        if resolve:
            services.change_status(officer, case, resolve, note="Located by the agency (fictional).")
