"""The civil-liberties guard for ISE-SAR and criminal-intelligence dispositions.

A pure function: it reads the categories, the written justification or criminal predicate, the
additional facts and the reviewer's structured attestation, and answers allowed / refused with the
reasons by field, plus warnings.

Why the hard rule rests on structure and not on words: whether a report is "only" protected
activity (speech, religion, assembly, association, petition) or "only" a person's race, ethnicity,
national origin, religion, sex, sexual orientation or gender identity is a judgement a trained
person makes; no keyword list can make it without refusing honest reports ("the man was praying
near the gate, then cut the fence") or passing dishonest ones that avoid the words. So:

* the reviewer must answer the question explicitly (None is not an answer) and a "yes" refuses;
* the supervisor's initial review must have answered "no" to the same question;
* the justification (ISE-SAR: the potential nexus to terrorism; criminal intelligence: the
  reasonable suspicion of a definable crime, 28 CFR 23.20) must be written out at some length;
* categories the Functional Standard marks as possibly lawful on their own (group B) need the
  additional facts that make them suspicious written separately;
* criminal intelligence must name the criminal activity (28 CFR 23.3(b)).

Phrase rules then look for justifications whose only articulated basis is a protected activity or
characteristic. They produce warnings, shown to the reviewer, who must acknowledge them before the
disposition is recorded; they never decide alone.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from . import categories

MIN_JUSTIFICATION = 40
MIN_FACTS = 30

PROTECTED_ACTIVITY = {
    "speech": r"\b(?:speech|spoke|speaking|said|opinions?|views?|beliefs?|criticiz\w*|posted|blog\w*|"
              r"social media|leaflets?|flyers?|pamphlets?|journalis\w*|press)\b",
    "religion": r"\b(?:pray\w*|prayers?|worship\w*|mosque|church|synagogue|temple|religio\w*|faith|"
                r"quran|koran|bible|torah|hijab|turban|yarmulke|islam\w*|muslim|christian|jewish|sikh|hindu)\b",
    "assembly": r"\b(?:protest\w*|rall(?:y|ies)|demonstrat\w*|march\w*|picket\w*|vigil|gathering|sit-in)\b",
    "association": r"\b(?:member(?:ship)? of|associat\w*|affiliat\w*|belongs? to|activist\w*|group meeting|union)\b",
    "petition": r"\b(?:petition\w*|signatures?|lobby\w*|complain\w* to (?:the )?(?:city|council|government))\b",
}
PROTECTED_CHARACTERISTIC = {
    "race or ethnicity": r"\b(?:black|white|asian|hispanic|latin[oa]|arab|middle[- ]eastern|african|race|racial|"
                         r"ethnic\w*)\b",
    "national origin": r"\b(?:foreign(?:er|-looking)?|immigrant|accent|national origin|somali|hmong|mexican|"
                       r"from another country)\b",
    "sex, orientation or gender identity": r"\b(?:gay|lesbian|transgender|trans|queer|sexual orientation|"
                                           r"gender identity)\b",
}
# Words that articulate conduct: their presence means the text says more than who someone is.
CONDUCT = (r"\b(?:cut|climb\w*|broke|break\w*|forc\w*|enter\w*|tamper\w*|threat\w*|weapon\w*|gun|rifle|"
           r"explosive\w*|detonat\w*|bomb\w*|stole|steal\w*|theft|purchas\w*|bought|acquir\w*|measur\w*|sketch\w*|"
           r"diagram\w*|photograph\w* (?:of )?(?:the )?(?:security|gate|camera|access)|drone|fled|ran|lied|false|"
           r"fake|impersonat\w*|hack\w*|malware|intrusion|restricted|fence|gate|badge|uniform|timer\w*|"
           r"precursor\w*|fertili[sz]er|fuel|chemical\w*|asked about (?:security|shift|guard|access)|"
           r"surveil\w*|attack\w*|kill\w*|harm\w*|fund\w* (?:an? )?(?:attack|operation)|recruit\w*)\b")

DISPOSITIONS_GUARDED = ("ise_sar", "criminal_intelligence")


@dataclass
class Assessment:
    allowed: bool
    problems: dict[str, str] = field(default_factory=dict)  # field -> rule explanation (refusals)
    warnings: list[str] = field(default_factory=list)  # shown to the reviewer; must be acknowledged


def protected_basis_warnings(text: str) -> list[str]:
    """Warn when a text names protected activity or characteristics and articulates no conduct."""
    if not text:
        return []
    lowered = text.lower()
    named = [name for name, pattern in {**PROTECTED_ACTIVITY, **PROTECTED_CHARACTERISTIC}.items()
             if re.search(pattern, lowered)]
    if not named or re.search(CONDUCT, lowered):
        return []
    return [
        "The text mentions " + ", ".join(named) + " but describes no conduct that is suspicious in itself. "
        "Protected activity and protected characteristics are never enough on their own (28 CFR 23.20(b))."
    ]


def assess(
    disposition: str,
    *,
    category_codes: list[str],
    justification: str,
    additional_facts: str = "",
    criminal_activity: str = "",
    solely_protected: bool | None,
    initial_review_solely_protected: bool | None,
    warnings_acknowledged: bool = False,
) -> Assessment:
    """May a report take `disposition`? Refusals name the field and the rule; warnings need acknowledging."""
    if disposition not in DISPOSITIONS_GUARDED:
        return Assessment(True)
    problems: dict[str, str] = {}
    justification = (justification or "").strip()
    facts = (additional_facts or "").strip()
    field_name = "justification" if disposition == "ise_sar" else "criminal_predicate"
    what = "the potential nexus to terrorism" if disposition == "ise_sar" else (
        "the reasonable suspicion that the subject is involved in a definable criminal activity")

    if solely_protected is None:
        problems["solely_protected_activity"] = (
            "Answer the question: is the report based solely on protected activity or a protected characteristic?"
        )
    elif solely_protected:
        problems["solely_protected_activity"] = (
            "A report based solely on protected activity (speech, religion, assembly, association, petition) "
            "or on race, ethnicity, national origin, religion, sex, sexual orientation or gender identity "
            "cannot become an ISE-SAR or criminal intelligence."
        )
    if initial_review_solely_protected is not False:
        problems.setdefault(
            "solely_protected_activity",
            "The supervisor's initial review has not confirmed that the report is not based solely on "
            "protected activity.",
        )
    if not category_codes:
        problems["categories"] = "Choose at least one ISE-SAR behavior category."
    unknown = [c for c in category_codes if c not in categories.by_code()]
    if unknown:
        problems["categories"] = "Unknown behavior categories: " + ", ".join(unknown) + "."
    if len(justification) < MIN_JUSTIFICATION:
        problems[field_name] = f"Write out {what} (at least {MIN_JUSTIFICATION} characters)."
    needing = categories.needing_facts(category_codes)
    if category_codes and len(needing) == len(category_codes) and len(facts) < MIN_FACTS:
        problems["additional_facts"] = (
            "Every category chosen (" + ", ".join(needing) + ") may be lawful on its own: write the additional "
            f"facts that make this behavior suspicious (at least {MIN_FACTS} characters)."
        )
    if disposition == "criminal_intelligence" and len((criminal_activity or "").strip()) < 3:
        problems["criminal_activity"] = "Name the definable criminal activity or enterprise (28 CFR 23.3(b))."

    warnings = protected_basis_warnings(" ".join([justification, facts]))
    if warnings and not warnings_acknowledged and not problems:
        problems["acknowledge_warnings"] = (
            "Review the warning about protected activity and confirm that the justification rests on conduct."
        )
    return Assessment(not problems, problems, warnings)
