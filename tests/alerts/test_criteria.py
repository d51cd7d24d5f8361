"""The criteria evaluation is pure: plain dicts in, per-criterion met / not met / not answered out."""

from __future__ import annotations

import datetime as dt

from fusioncenter.alerts import criteria
from fusioncenter.alerts.reference import program_definitions

PROGRAMS = {p["code"]: p for p in program_definitions()}
NOW = dt.datetime(2026, 5, 1, 12, 0, tzinfo=dt.UTC)

AMBER_OK = {
    "subject_age": 7, "abduction_believed": True, "danger_of_harm": True, "subject_description": "brown hair",
    "runaway_or_family_abduction": False, "ncic_entered": True,
}


def by_id(evaluation):
    return {r.id: r for r in evaluation.results}


def test_shipped_programs_are_well_formed_and_cover_the_wisconsin_alerts():
    assert {"AMBER", "SILVER", "MISSING_CHILD", "GREEN", "MISSING_ENDANGERED"} <= set(PROGRAMS)
    for program in PROGRAMS.values():
        assert criteria.validate_program(program) == []
        assert program["criteria"], program["code"]
    assert PROGRAMS["AMBER"]["same_code"] == "CAE"
    assert PROGRAMS["AMBER"]["category"] == "Rescue"


def test_amber_all_met():
    result = criteria.evaluate(PROGRAMS["AMBER"], AMBER_OK, now=NOW)
    assert result.all_met
    assert [r.status for r in result.results] == [criteria.MET] * len(PROGRAMS["AMBER"]["criteria"])


def test_amber_age_over_17_is_not_met_with_the_reason():
    result = by_id(criteria.evaluate(PROGRAMS["AMBER"], {**AMBER_OK, "subject_age": 18}, now=NOW))
    assert result["age"].status == criteria.NOT_MET
    assert "18" in result["age"].reason and "17" in result["age"].reason
    assert result["abduction"].met


def test_unanswered_criteria_are_listed_as_missing_one_by_one():
    result = criteria.evaluate(PROGRAMS["AMBER"], {"subject_age": 9}, now=NOW)
    assert not result.all_met
    missing = {r.id for r in result.missing}
    assert {"abduction", "danger", "description", "not_runaway", "ncic"} == missing
    assert by_id(result)["abduction"].reason.startswith("Not answered")


def test_at_least_one_of_description_any_one_suffices():
    fields = {**AMBER_OK, "subject_description": ""}
    assert by_id(criteria.evaluate(PROGRAMS["AMBER"], fields))["description"].status == criteria.MISSING
    fields["vehicle_description"] = "red pickup"
    assert by_id(criteria.evaluate(PROGRAMS["AMBER"], fields))["description"].met


def test_family_abduction_only_when_life_in_danger():
    fields = {**AMBER_OK, "runaway_or_family_abduction": True}
    assert by_id(criteria.evaluate(PROGRAMS["AMBER"], fields))["not_runaway"].status == criteria.NOT_MET
    fields["life_in_danger"] = True
    assert by_id(criteria.evaluate(PROGRAMS["AMBER"], fields))["not_runaway"].met


def test_silver_72_hours_is_derived_from_the_times():
    base = {"subject_age": 78, "cognitive_impairment": True, "missing_due_to_condition": True,
            "subject_description": "white hair", "ncic_entered": True}
    recent = {**base, "disappeared_at": NOW - dt.timedelta(hours=5), "requested_at": NOW}
    assert criteria.evaluate(PROGRAMS["SILVER"], recent).all_met
    late = {**base, "disappeared_at": NOW - dt.timedelta(hours=80), "requested_at": NOW}
    result = by_id(criteria.evaluate(PROGRAMS["SILVER"], late))
    assert result["within_72h"].status == criteria.NOT_MET
    assert "80" in result["within_72h"].reason
    young = by_id(criteria.evaluate(PROGRAMS["SILVER"], {**recent, "subject_age": 59}))
    assert young["age"].status == criteria.NOT_MET


def test_missing_child_either_under_ten_or_under_eighteen_and_unable_to_return():
    base = {"location_unknown": True, "hours_missing": 3, "qualifies_for_other_alert": False,
            "ncic_entered": True, "subject_description": "small"}
    assert criteria.evaluate(PROGRAMS["MISSING_CHILD"], {**base, "subject_age": 8}).all_met
    teen = by_id(criteria.evaluate(PROGRAMS["MISSING_CHILD"], {**base, "subject_age": 15}))
    assert teen["age_or_condition"].status in (criteria.NOT_MET, criteria.MISSING)
    teen_unable = {**base, "subject_age": 15, "cannot_return_unaided": True}
    assert criteria.evaluate(PROGRAMS["MISSING_CHILD"], teen_unable).all_met
    adult = by_id(criteria.evaluate(PROGRAMS["MISSING_CHILD"], {**teen_unable, "subject_age": 18}))
    assert adult["age_or_condition"].status == criteria.NOT_MET


def test_green_alert_needs_service_related_condition():
    fields = {"veteran_or_service_member": True, "service_related_condition": False, "hours_missing": 10,
              "missing_due_to_condition": True, "subject_description": "tall"}
    result = by_id(criteria.evaluate(PROGRAMS["GREEN"], fields))
    assert result["condition"].status == criteria.NOT_MET
    assert result["veteran"].met


def test_snapshot_holds_codes_only():
    snap = criteria.evaluate(PROGRAMS["AMBER"], {**AMBER_OK, "subject_age": 30}).snapshot()
    assert snap["age"] == criteria.NOT_MET
    assert set(snap.values()) <= {criteria.MET, criteria.NOT_MET, criteria.MISSING}


def test_validate_program_catches_typos():
    bad = {"code": "X", "name": "X", "event": "X", "category": "Rescue",
           "criteria": [{"id": "a", "kind": "requried", "conditions": [{"field": "f", "op": "eq"}]}]}
    problems = criteria.validate_program(bad)
    assert any("unknown kind" in p for p in problems)
    assert any("bad condition" in p for p in problems)


def test_non_numeric_age_is_not_met_not_a_crash():
    result = by_id(criteria.evaluate(PROGRAMS["AMBER"], {**AMBER_OK, "subject_age": "seven"}))
    assert result["age"].status == criteria.NOT_MET
