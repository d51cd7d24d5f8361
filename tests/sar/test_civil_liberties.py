"""The civil-liberties guard: cases on both sides of the line."""

import pytest

from fusioncenter.sar.civil_liberties import assess, protected_basis_warnings

GOOD = ("He cut the perimeter fence of the water treatment plant at night and was seen photographing the "
        "chlorine storage building through the gap.")


def ok(disposition="ise_sar", **kw):
    args = {"category_codes": ["INTRSN"], "justification": GOOD, "additional_facts": "", "solely_protected": False,
                "initial_review_solely_protected": False}
    args.update(kw)
    return assess(disposition, **args)


def test_conduct_with_a_group_a_category_is_allowed():
    result = ok()
    assert result.allowed and not result.problems and not result.warnings


def test_attestation_must_be_answered():
    result = ok(solely_protected=None)
    assert not result.allowed and "solely_protected_activity" in result.problems


def test_attested_protected_activity_is_refused():
    result = ok(solely_protected=True)
    assert not result.allowed
    assert "cannot become an ISE-SAR" in result.problems["solely_protected_activity"]


def test_initial_review_must_have_cleared_it():
    assert "solely_protected_activity" in ok(initial_review_solely_protected=None).problems


def test_justification_must_be_written():
    result = ok(justification="suspicious")
    assert result.problems["justification"].startswith("Write out the potential nexus")


@pytest.mark.parametrize("codes", [["PHOTO"], ["PHOTO", "SURVL"], ["ELICIT", "EXPERT", "SECTOR"]])
def test_group_b_only_needs_additional_facts(codes):
    result = ok(category_codes=codes)
    assert not result.allowed and "additional_facts" in result.problems
    assert ok(category_codes=codes, additional_facts="He also measured the gate and asked about alarm response "
                                                     "times.").allowed


def test_group_b_with_a_group_a_category_needs_no_extra_facts():
    assert ok(category_codes=["PHOTO", "INTRSN"]).allowed


def test_criminal_intelligence_needs_the_criminal_activity():
    result = ok("criminal_intelligence", justification=GOOD)
    assert "criminal_activity" in result.problems
    assert ok("criminal_intelligence", criminal_activity="Criminal damage to property").allowed


@pytest.mark.parametrize("text", [
    "The men were praying in the parking lot of the mosque and wore traditional clothing, which seemed unusual.",
    "She attended a protest against the pipeline and handed out leaflets criticizing the governor at the rally.",
    "A group of Somali immigrants with foreign accents were talking near the mall entrance for an hour today.",
])
def test_protected_basis_only_warns_and_needs_acknowledgement(text):
    result = ok(justification=text)
    assert result.warnings
    assert not result.allowed and "acknowledge_warnings" in result.problems
    # The warning is a prompt to the reviewer, not a hard refusal: with the structured attestation
    # answered and the warning acknowledged, the reviewer's judgement stands (and is audited).
    assert ok(justification=text, warnings_acknowledged=True).allowed


@pytest.mark.parametrize("text", [
    "After prayers at the mosque he climbed the fence of the substation and tampered with the transformer gate.",
    "At the protest he threatened to bomb the courthouse and showed a rifle in his car trunk to a witness.",
])
def test_protected_words_with_conduct_do_not_warn(text):
    assert protected_basis_warnings(text) == []
    assert ok(justification=text).allowed


def test_other_dispositions_are_not_guarded():
    assert assess("tip_lead", category_codes=[], justification="", solely_protected=None,
                  initial_review_solely_protected=None).allowed
