"""Demo SARs: a few hundred clearly fictional reports across counties, categories and states.

Names are invented ("Demo Person 12"), phone numbers use the 555-01xx fictional range, e-mail
addresses the reserved example.test domain, plates start with "DEMO". Reports go through the same
services as real ones (routing, vetting, civil-liberties guard), with the clock moved back so the
dashboard shows ages and a trend. Idempotent: nothing is added once demo reports exist.
"""

from __future__ import annotations

import datetime as dt
import random
from typing import TextIO

from django.db import transaction

from fusioncenter.core import clock
from fusioncenter.core.models import County, User
from fusioncenter.core.roles import Role

from . import categories, services
from .models import Report

COUNT = 300
SEED = 2026
PLACES = ["water treatment plant", "electric substation", "county courthouse", "stadium parking lot",
          "rail yard", "shopping mall", "regional airport", "grain elevator", "hospital loading dock",
          "state office building", "bridge underpass", "fuel depot"]
ACTS = {
    "INTRSN": "climbed the perimeter fence and walked toward the restricted area",
    "MISREP": "wore a utility uniform and showed an ID badge the staff did not recognise",
    "THEFT": "was seen leaving with a box of employee badges",
    "SABOT": "pried open an electrical cabinet and cut wires",
    "CYBER": "plugged a device into a public kiosk's network port",
    "THREAT": "told an employee the building would 'not be standing next week'",
    "AVIATION": "flew a drone low over the facility after dark",
    "ELICIT": "asked staff detailed questions about shift changes and alarm response times",
    "TESTSEC": "tried every door and waited to see how long the guard took to respond",
    "RECRUT": "asked employees whether they would be paid to leave a gate unlocked",
    "PHOTO": "photographed the camera positions and the gate locks",
    "SURVL": "watched the entrance with binoculars for two hours and took notes",
    "MATRLS": "bought large quantities of prepaid phones and timers",
    "EXPERT": "asked an instructor about defeating the facility's alarm system",
    "WPNS": "left a bag containing several rifles and ammunition in a car",
    "SECTOR": "asked about access to the hospital's medication storage",
}


def _fields_for(rng: random.Random, codes: list[str]) -> dict:
    return {
        "justification": "Taken together, the behavior observed at critical infrastructure is consistent with "
                         "pre-operational planning: " + "; ".join(ACTS[c] for c in codes) + ".",
        "additional_facts": "The subject returned on a second day and left when approached by security staff.",
        "solely_protected_activity": False,
        "criminal_predicate": "The facts give reasonable suspicion that the subject is planning a burglary of the "
                              "site: " + ACTS[codes[0]] + ".",
        "criminal_activity": rng.choice(["Burglary", "Criminal damage to property", "Theft"]),
        "lawfully_obtained": True,
        "source_of_information": rng.choice([
            "Seen by the site's security officer, who reported it through the partner form.",
            "Observed by a patrol officer answering the site's call; a written report followed.",
            "Reported by a member of the public on the public form; confirmed by a site visit."]),
    }


def load(stdout: TextIO) -> None:
    if Report.objects.filter(summary__startswith="[DEMO]").exists():
        stdout.write("    sar demo already loaded\n")
        return
    officers = list(User.objects.filter(role=Role.PARTNER_OFFICER, is_active=True))
    supervisors = {u.center.code: u for u in User.objects.filter(role=Role.SUPERVISOR) if u.center}
    analysts = {u.center.code: u for u in User.objects.filter(role=Role.ANALYST) if u.center}
    if not officers or not supervisors or not analysts:
        stdout.write("    sar demo skipped: load the core demo first (officers, supervisors, analysts)\n")
        return
    rng = random.Random(SEED)
    counties = list(County.objects.select_related("center"))
    heavy = [c for c in counties if c.name in ("Milwaukee", "Dane", "Waukesha", "Brown", "Racine", "Kenosha")]
    codes = categories.codes()
    real_now = clock.now()
    made = 0
    try:
        with transaction.atomic():
            for i in range(COUNT):
                days_ago = rng.triangular(0, 120, 5)
                clock.freeze(real_now - dt.timedelta(days=days_ago))
                county = rng.choice(heavy if rng.random() < 0.6 else counties)
                chosen = sorted(set(rng.sample(codes, rng.choice([1, 1, 2, 3]))))
                place = rng.choice(PLACES)
                data = {
                    "summary": f"[DEMO] Person at the {place} {ACTS[chosen[0]].split(' and ')[0]}"[:200],
                    "narrative": (f"Fictional demo report {i + 1}. At the {place} a person "
                                  + " and ".join(ACTS[c] for c in chosen)
                                  + f". A caller gave the number 608-555-01{i % 100:02d}."),
                    "observed_at": clock.now() - dt.timedelta(hours=rng.randint(1, 48)),
                    "location_place": f"{county.name} County {place} (demo)",
                    "county": county.fips if rng.random() > 0.03 else "",
                    "categories": chosen,
                    "subjects": [{"name": f"Demo Person {rng.randint(1, 60)}", "sex": rng.choice(["male", "female"]),
                                  "age_min": 20, "age_max": 50}] if rng.random() < 0.5 else [],
                    "vehicles": [{"plate": f"DEMO{rng.randint(10, 99)}", "plate_state": "WI",
                                  "make": rng.choice(["Ford", "Chevrolet", "Toyota"]),
                                  "color": rng.choice(["gray", "white", "blue"])}] if rng.random() < 0.5 else [],
                    "location_address": "",
                }
                if not data["county"]:
                    data["location_place"] = "Somewhere along the interstate (demo)"
                report = services.submit_partner(rng.choice(officers), data)
                made += 1
                center = report.center.code
                sup, ana = supervisors.get(center), analysts.get(center)
                if sup is None or ana is None or days_ago < rng.uniform(0, 6):
                    continue  # still waiting for the initial review
                clock.advance(dt.timedelta(hours=rng.randint(2, 30)))
                if rng.random() < 0.08:
                    services.transition(sup, report, "unfounded", "Demo: not suspicious on review.", {})
                    continue
                report = services.transition(sup, report, "initial_review", "Demo: complete, conduct described.",
                                             {"complete": True, "solely_protected_activity": False})
                if rng.random() < 0.3:
                    continue  # in vetting
                clock.advance(dt.timedelta(hours=rng.randint(2, 72)))
                action = rng.choices(["ise_sar", "criminal_intelligence", "refer", "tip_lead", "unfounded"],
                                     [25, 10, 15, 35, 15])[0]
                fields = _fields_for(rng, chosen)
                if action == "refer":
                    fields = {"referred_to_name": rng.choice(["FBI Milwaukee JTTF (demo)", "County Sheriff (demo)"])}
                services.transition(ana, report, action, "Demo vetting decision.", fields)
    finally:
        clock.reset()
    stdout.write(f"    {made} fictional suspicious activity reports across counties, categories and states\n")
