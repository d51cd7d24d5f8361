"""28 CFR 23.20(d): no criminal intelligence from information obtained in violation of the law.

Why here, as a pure function: a report becomes criminal intelligence only through the workflow's
`criminal_intelligence` transition, which the pages and the API both call, so the attestation is
asked for in one place. The analyst must (1) attest, in the words of `STATEMENT`, that the
information was not obtained in violation of any applicable law, and (2) say how it was obtained:
the source of the information (who reported or collected it, and by what means). The attestation
is stored with the transition (who and when are the transition's own fields), shown on the report
to those who see its vetting, and only its presence goes to the audit (the source may name a
person).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

RULE = "cfr23_20d"
STATEMENT = ("I attest that this information was not obtained in violation of any applicable federal, state or "
             "local law or ordinance (28 CFR 23.20(d)).")
MIN_SOURCE = 15


@dataclass(frozen=True)
class Attestation:
    """The analyst's attestation, as stored in the transition's detail under `lawful_acquisition`."""

    statement: str
    source_of_information: str

    def as_detail(self) -> dict[str, Any]:
        return {"attested": True, "statement": self.statement, "source_of_information": self.source_of_information}


def check(fields: dict[str, Any]) -> tuple[Attestation | None, dict[str, str]]:
    """(the attestation, {}) when both parts are given; (None, {field: why}) naming 28 CFR 23.20(d) otherwise."""
    problems: dict[str, str] = {}
    attested = fields.get("lawfully_obtained")
    if isinstance(attested, str):
        attested = attested.strip().lower() in ("1", "true", "yes", "on")
    if attested is not True:
        problems["lawfully_obtained"] = (
            "28 CFR 23.20(d): criminal intelligence may not hold information obtained in violation of any "
            "applicable law. Attest that this information was lawfully obtained, or do not enter it as "
            "criminal intelligence.")
    source = " ".join(str(fields.get("source_of_information") or "").split())[:2000]
    if len(source) < MIN_SOURCE:
        problems["source_of_information"] = (
            "28 CFR 23.20(d): say how the information was obtained: its source (who reported or collected it, "
            f"and by what means), at least {MIN_SOURCE} characters.")
    if problems:
        return None, problems
    return Attestation(STATEMENT, source), {}
