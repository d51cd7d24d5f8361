"""The vetting workflow: every transition, its rules, what it records; transfers, links, merges, suggestions."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from fusioncenter.core import access, clock
from fusioncenter.core.models import AuditEntry, Center
from fusioncenter.sar import services
from fusioncenter.sar.models import Link, Report, State, Suggestion, Transition

from .conftest import ISE_FIELDS, LAWFUL


def codes(exc: ValidationError) -> dict[str, str]:
    return {f: e[0].code for f, e in exc.error_dict.items()}


def test_initial_review_by_the_supervisor(staff, submit):
    report = submit()
    report = services.transition(staff["wsic_supervisor"], report, "initial_review", "Complete and about conduct.",
                                 {"complete": True, "solely_protected_activity": False})
    assert report.state == State.VETTING and report.solely_protected_attested is False
    t = Transition.objects.filter(report=report, action="initial_review").get()
    assert (t.from_state, t.to_state, t.by, t.reason) == ("received", "vetting", staff["wsic_supervisor"],
                                                          "Complete and about conduct.")
    assert AuditEntry.objects.filter(action="sar_initial_review", object_id=str(report.pk)).exists()


def test_initial_review_needs_both_answers(staff, submit):
    report = submit()
    with pytest.raises(ValidationError) as exc:
        services.transition(staff["wsic_supervisor"], report, "initial_review", "Looks fine to me.", {})
    assert codes(exc.value) == {"complete": "initial_review", "solely_protected_activity": "initial_review"}
    with pytest.raises(ValidationError) as exc:
        services.transition(staff["wsic_supervisor"], report, "initial_review", "Only a protest.",
                            {"complete": True, "solely_protected_activity": True})
    assert "close it as unfounded" in exc.value.error_dict["solely_protected_activity"][0].message
    assert Report.objects.get(pk=report.pk).state == State.RECEIVED


def test_initial_review_is_for_supervisors_of_the_center(staff, submit):
    report = submit()
    with pytest.raises(PermissionDenied):
        services.transition(staff["wsic_analyst"], report, "initial_review", "I am an analyst.",
                            {"complete": True, "solely_protected_activity": False})
    with pytest.raises((PermissionDenied, access.AccessDenied)):
        services.transition(staff["stac_supervisor"], report, "initial_review", "Wrong center.",
                            {"complete": True, "solely_protected_activity": False})
    with pytest.raises((PermissionDenied, access.AccessDenied)):
        services.transition(staff["officer"], report, "initial_review", "I wrote it.",
                            {"complete": True, "solely_protected_activity": False})


def test_transition_not_allowed_from_state_is_explained(staff, submit):
    report = submit()
    with pytest.raises(ValidationError) as exc:
        services.transition(staff["wsic_analyst"], report, "ise_sar", "Straight to ISE-SAR.", ISE_FIELDS)
    message = exc.value.error_dict["action"][0].message
    assert exc.value.error_dict["action"][0].code == "transition"
    assert "not allowed while the report is 'Received" in message and "initial_review" in message


def test_unknown_action_and_missing_reason(staff, submit):
    report = submit()
    with pytest.raises(ValidationError) as exc:
        services.transition(staff["wsic_supervisor"], report, "teleport", "why not", {})
    assert codes(exc.value) == {"action": "choice"}
    with pytest.raises(ValidationError) as exc:
        services.transition(staff["wsic_supervisor"], report, "unfounded", "  ", {})
    assert codes(exc.value) == {"reason": "required"}


def test_ise_sar_disposition(staff, vetting):
    report = vetting()
    report = services.transition(staff["wsic_analyst"], report, "ise_sar", "Nexus articulated.", ISE_FIELDS)
    assert report.state == State.ISE_SAR and report.ise_sar and report.record_class == "law_enforcement"
    assert report.nexus_justification.startswith("Photographing gate locks")
    assert report.retention_until == clock.today() + dt.timedelta(days=1826)
    assert report.disposition_by == staff["wsic_analyst"]


def test_ise_sar_refused_without_facts_for_group_b_only(staff, vetting):
    report = vetting()  # PHOTO, SURVL, ELICIT: all group B
    fields = {**ISE_FIELDS, "additional_facts": ""}
    with pytest.raises(ValidationError) as exc:
        services.transition(staff["wsic_analyst"], report, "ise_sar", "Nexus articulated.", fields)
    assert codes(exc.value) == {"additional_facts": "civil_liberties"}
    # Adding a group A category removes the need.
    report = services.transition(staff["wsic_analyst"], report, "ise_sar", "Nexus articulated.",
                                 {**fields, "categories": ["PHOTO", "INTRSN"]})
    assert sorted(report.category_codes) == ["INTRSN", "PHOTO"]


def test_ise_sar_refused_on_protected_activity(staff, vetting):
    report = vetting()
    with pytest.raises(ValidationError) as exc:
        services.transition(staff["wsic_analyst"], report, "ise_sar", "Nexus.",
                            {**ISE_FIELDS, "solely_protected_activity": True})
    assert "solely_protected_activity" in exc.value.error_dict
    assert Report.objects.get(pk=report.pk).state == State.VETTING


def test_ise_sar_warning_must_be_acknowledged(staff, vetting):
    report = vetting()
    fields = {"justification": "The two men were praying at the mosque and wearing traditional clothing, "
                               "which seemed out of place.", "additional_facts": "They spoke a foreign language "
                               "together near the mosque entrance.", "solely_protected_activity": False}
    with pytest.raises(ValidationError) as exc:
        services.transition(staff["wsic_analyst"], report, "ise_sar", "Nexus.", fields)
    assert "protected activity" in exc.value.error_dict["acknowledge_warnings"][0].message


def test_criminal_intelligence_disposition(staff, vetting):
    report = vetting()
    fields = {"criminal_predicate": "The subject measured the fence and cut the lock; reasonable suspicion of "
                                    "planned burglary of the substation.", "criminal_activity": "Burglary",
              "additional_facts": "A cut padlock was found the next morning at the same gate.",
              "solely_protected_activity": False, **LAWFUL}
    report = services.transition(staff["wsic_analyst"], report, "criminal_intelligence", "28 CFR 23 met.", fields)
    assert report.record_class == "criminal_intelligence" and report.state == State.CRIMINAL_INTELLIGENCE
    assert report.criminal_activity == "Burglary" and not report.ise_sar
    assert report.retention_until == clock.today() + dt.timedelta(days=1826)


def test_criminal_intelligence_needs_current_training(staff, vetting, make_user):
    report = vetting()
    staff["wsic_analyst"].cfr23_trained_on = None
    staff["wsic_analyst"].save()
    with pytest.raises(PermissionDenied):
        services.transition(staff["wsic_analyst"], report, "criminal_intelligence", "28 CFR 23.",
                            {"criminal_predicate": "x" * 50, "criminal_activity": "Burglary",
                             "solely_protected_activity": False})


def test_refer_records_the_agency(staff, vetting):
    report = vetting()
    with pytest.raises(ValidationError) as exc:
        services.transition(staff["wsic_analyst"], report, "refer", "Local matter.", {})
    assert codes(exc.value) == {"referred_to_organization": "required"}
    org = staff["officer"].organization
    report = services.transition(staff["wsic_analyst"], report, "refer", "Local matter.",
                                 {"referred_to_organization": org.pk})
    assert report.state == State.REFERRED and report.referred_to == org and report.referred_to_name == org.name


def test_tip_lead_is_temporary(staff, vetting):
    report = vetting()
    too_late = (clock.today() + dt.timedelta(days=3000)).isoformat()
    with pytest.raises(ValidationError) as exc:
        services.transition(staff["wsic_analyst"], report, "tip_lead", "Keep it.", {"retention_until": too_late})
    assert codes(exc.value) == {"retention_until": "range"}
    report = services.transition(staff["wsic_analyst"], report, "tip_lead", "Keep it.", {})
    assert report.state == State.TIP_LEAD and report.retention_until == clock.today() + dt.timedelta(days=730)


def test_tip_lead_retention_is_configurable(staff, vetting, settings):
    settings.FUSIONCENTER_SAR_TIP_RETENTION_DAYS = 365
    report = services.transition(staff["wsic_analyst"], vetting(), "tip_lead", "Keep it.", {})
    assert report.retention_until == clock.today() + dt.timedelta(days=365)


def test_unfounded_at_initial_review_is_for_the_supervisor(staff, submit):
    report = submit()
    with pytest.raises(PermissionDenied):
        services.transition(staff["wsic_analyst"], report, "unfounded", "Not suspicious.", {})
    report = services.transition(staff["wsic_supervisor"], report, "unfounded", "Protest only; protected.", {})
    assert report.state == State.UNFOUNDED


def test_reopen_and_no_reopen_of_ise_sar(staff, vetting):
    report = services.transition(staff["wsic_analyst"], vetting(), "tip_lead", "Keep it.", {})
    report = services.transition(staff["wsic_supervisor"], report, "reopen", "New call from the witness.", {})
    assert report.state == State.VETTING and report.disposition_at is None
    report = services.transition(staff["wsic_analyst"], report, "ise_sar", "Nexus.", ISE_FIELDS)
    with pytest.raises(ValidationError):
        services.transition(staff["wsic_supervisor"], report, "reopen", "Again.", {})


def test_allowed_actions(staff, submit):
    report = submit()
    assert services.allowed_actions(staff["wsic_supervisor"], report) == ["initial_review", "unfounded"]
    assert services.allowed_actions(staff["wsic_analyst"], report) == ["unfounded"]
    assert services.allowed_actions(staff["stac_analyst"], report) == []
    assert services.allowed_actions(staff["officer"], report) == []


def test_transfer_between_centers(staff, submit, centers):
    report = submit()
    with pytest.raises(ValidationError) as exc:
        services.transfer(staff["wsic_analyst"], report, centers["WSIC"], "Same place.")
    assert codes(exc.value) == {"center": "same_center"}
    report = services.transfer(staff["wsic_analyst"], report, centers["STAC"], "Happened in Waukesha really.")
    assert report.center == centers["STAC"]
    t = report.transitions.get(action="transfer")
    assert t.detail == {"from_center": "WSIC", "to_center": "STAC"} and t.reason.startswith("Happened")
    assert services.allowed_actions(staff["stac_supervisor"], report) == ["initial_review", "unfounded"]
    assert services.allowed_actions(staff["wsic_supervisor"], report) == []


def test_related_reports_by_plate_phone_name_and_place(staff, submit):
    first = submit()
    same_plate = submit(subjects=[], location_address="1 Other St", location_place="Mall",
                        narrative="Different narrative entirely here.")
    same_phone = submit(vehicles=[], subjects=[{"identifiers": [{"kind": "phone", "value": "(608) 555-0142"}]}],
                        location_address="9 Far Rd", location_place="Farm")
    unrelated = submit(vehicles=[], subjects=[], location_address="5 Nowhere Ln", location_place="Park",
                       county="Milwaukee")
    found = {r.report.pk: r for r in services.related(staff["wsic_analyst"], first)}
    assert "same plate" in found[same_plate.pk].reasons
    assert "same phone" in found[same_phone.pk].reasons
    assert unrelated.pk not in found
    dup = submit()  # same plate, phone, name, place and time
    found = {r.report.pk: r for r in services.related(staff["wsic_analyst"], first)}
    assert found[dup.pk].duplicate and {"same plate", "same phone", "same name", "same place and time window"} <= set(
        found[dup.pk].reasons)


def test_related_never_shows_what_the_user_may_not_see(staff, submit):
    first = submit(county="Milwaukee")
    submit(county="Dane")  # WSIC's, same plate
    assert services.related(staff["stac_analyst"], first) == []


def test_link_and_unlink(staff, submit):
    a, b = submit(), submit()
    services.link(staff["wsic_analyst"], a, b.pk, "Same van seen twice.")
    assert Link.objects.count() == 1
    with pytest.raises(ValidationError):
        services.link(staff["wsic_analyst"], b, a.pk, "Again.")
    assert [r.linked for r in services.related(staff["wsic_analyst"], a) if r.report.pk == b.pk] == [True]
    services.unlink(staff["wsic_analyst"], a, b.pk, "Not the same van.")
    assert Link.objects.count() == 0
    assert AuditEntry.objects.filter(action__in=["sar_link", "sar_unlink"]).count() == 2


def test_merge_is_reversible_and_audited(staff, submit, vetting):
    keep = submit()
    dup = vetting()
    dup = services.merge(staff["wsic_analyst"], dup, keep.pk, "Same event, two callers.")
    assert dup.state == State.MERGED and dup.merged_into == keep and dup.state_before_merge == State.VETTING
    assert keep.transitions.filter(action="merged_from").exists()
    with pytest.raises(ValidationError):
        services.merge(staff["wsic_analyst"], dup, keep.pk, "Twice.")
    dup = services.unmerge(staff["wsic_analyst"], dup, "Different days after all.")
    assert dup.state == State.VETTING and dup.merged_into is None
    assert AuditEntry.objects.filter(action__in=["sar_merge", "sar_unmerge"], object_id=str(dup.pk)).count() == 2


def test_merge_across_centers_is_refused(staff, submit):
    a, b = submit(), submit(county="Milwaukee")
    with pytest.raises(ValidationError) as exc:
        services.merge(staff["wsic_analyst"], a, b.pk, "Same.")
    # The STAC report is outside the WSIC analyst's reach: it is "not found", not "other center".
    assert codes(exc.value) == {"other": "not_found"}
    staff_b = Center.objects.get(code="WSIC")
    b = services.transfer(staff["stac_analyst"], b, staff_b, "Belongs to WSIC.")
    assert services.merge(staff["wsic_analyst"], a, b.pk, "Same event.").state == State.MERGED


def test_extraction_suggestions_accept_and_reject(staff, submit):
    report = submit(narrative="He called from 414-555-0199, drove WI plate XYZ-987 and had VIN 1M8GDM9AXKP042788.",
                    vehicles=[], subjects=[])
    assert services.run_extraction(report) == 3
    assert services.run_extraction(report) == 0  # idempotent
    by_kind = {s.kind: s for s in report.suggestions.all()}
    services.decide_suggestion(staff["wsic_analyst"], by_kind["plate"], True)
    services.decide_suggestion(staff["wsic_analyst"], by_kind["phone"], True)
    services.decide_suggestion(staff["wsic_analyst"], by_kind["vin"], False)
    vehicle = report.vehicles.get()
    assert (vehicle.plate, vehicle.plate_state) == ("XYZ987", "WI")
    assert report.identifiers.get().key == "+14145550199"
    assert Suggestion.objects.get(pk=by_kind["vin"].pk).status == "rejected"
    with pytest.raises(ValidationError):
        services.decide_suggestion(staff["wsic_analyst"], by_kind["vin"], True)
    with pytest.raises((PermissionDenied, access.AccessDenied)):
        services.decide_suggestion(staff["officer"], report.suggestions.first(), True)


def test_extraction_runs_as_a_task_after_commit(staff, payload, django_capture_on_commit_callbacks):
    from .conftest import as_service

    with django_capture_on_commit_callbacks(execute=True):
        report = services.submit_partner(staff["officer"], as_service(payload()))
    report.refresh_from_db()
    assert report.extraction_done and report.suggestions.filter(kind="plate", normalized="ABC1234").exists()


def test_an_accepted_suggestion_reaches_the_entity_index(staff, payload, django_capture_on_commit_callbacks):
    from fusioncenter.entities.models import Mention

    from .conftest import as_service

    narrative = "The driver of a gray van, WI plate XYZ-9876, photographed the gate locks twice."
    with django_capture_on_commit_callbacks(execute=True):
        report = services.submit_partner(staff["officer"], as_service(payload(narrative=narrative, vehicles=[])))
    plate = report.suggestions.get(kind="plate", normalized="XYZ9876")
    mentions = Mention.objects.filter(source_type="sar.report", source_id=str(report.pk), entity_type="vehicle")
    assert not mentions.exists(), "a suggestion is not a fact until an analyst accepts it"
    with django_capture_on_commit_callbacks(execute=True):
        services.decide_suggestion(staff["wsic_analyst"], plate, True)
    assert mentions.filter(raw_value__icontains="XYZ9876").exists()
