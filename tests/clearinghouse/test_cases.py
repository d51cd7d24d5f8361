"""Opening, validating, seeing and changing cases."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from fusioncenter.clearinghouse import services
from fusioncenter.clearinghouse.models import CaseStatusChange, MissingPersonCase
from fusioncenter.core import access, clock
from fusioncenter.core.models import AuditEntry

from .conftest import case_fields

pytestmark = pytest.mark.django_db


def test_open_case_derives_county_type_and_reference(make_case, officer, agency):
    case = make_case()
    assert case.last_seen_county.name == "Dane"
    assert case.center.code == case.last_seen_county.center.code
    assert case.person_type == "child"
    assert case.age_at_disappearance == clock.now().date().year - 2011 - ((clock.now().month, clock.now().day) < (5, 4))
    assert case.reference == f"MP-{clock.now():%Y}-{case.pk:05d}"
    assert case.reporting_agency == agency and case.owner_organization == agency
    assert case.record_class == "law_enforcement" and case.les
    assert list(case.history.values_list("to_status", flat=True)) == ["missing"]
    assert AuditEntry.objects.filter(action="clearinghouse_case_open", object_id=str(case.pk)).exists()


def test_partner_officer_opens_only_for_own_agency(officer, other_agency):
    case = services.open_case(officer, case_fields(reporting_agency=other_agency))
    assert case.reporting_agency == officer.organization


def test_validation_refuses_and_writes_nothing(officer):
    bad = case_fields(
        given_name="",
        ncic_category="XXX",
        last_seen_at=clock.now() + dt.timedelta(days=1),
        height_in=500,
        ncic_number="12",
        investigator_email="nope",
        vehicles=[{"wings": 2}],
    )
    with pytest.raises(ValidationError) as err:
        services.open_case(officer, bad)
    fields = set(err.value.message_dict)
    assert {
        "given_name",
        "ncic_category",
        "last_seen_at",
        "height_in",
        "ncic_number",
        "investigator_email",
        "vehicles",
    } <= fields
    assert not MissingPersonCase.objects.exists()


def test_child_adult_and_category_consistency(officer):
    with pytest.raises(ValidationError) as err:
        services.open_case(officer, case_fields(date_of_birth=None, age_at_disappearance=30, person_type="child"))
    assert "person_type" in err.value.message_dict
    with pytest.raises(ValidationError) as err:
        services.open_case(
            officer, case_fields(date_of_birth=None, age_at_disappearance=30, ncic_category="EMJ", ncmec_category="")
        )
    assert "ncic_category" in err.value.message_dict
    with pytest.raises(ValidationError) as err:
        services.open_case(
            officer,
            case_fields(date_of_birth=None, age_at_disappearance=12, ncmec_category="critically_missing_young_adult"),
        )
    assert "ncmec_category" in err.value.message_dict


def test_who_sees_a_case(make_case, officer, other_officer, analyst, coordinator, make_user, agency):
    case = make_case()
    assert access.decide(officer, "view", case)
    assert access.decide(analyst, "view", case)  # staff of the case's center
    assert access.decide(coordinator, "view", case)  # shared with the coordinators' organization
    assert not access.decide(other_officer, "view", case)
    assert not access.decide(make_user("partner_member", agency), "view", case)
    assert not access.decide(None, "view", case)
    assert services.visible_cases(other_officer).count() == 0
    assert services.visible_cases(coordinator).count() == 1


def test_investigating_agency_sees_and_edits(officer, other_officer, other_agency):
    case = services.open_case(officer, case_fields(investigating_agency=other_agency))
    assert access.decide(other_officer, "view", case)
    assert services.may_edit(other_officer, case)


def test_update_reroutes_and_audits(make_case, officer, other_officer):
    case = make_case()
    case = services.update_case(
        officer,
        case,
        {"last_seen_zip": "54301", "last_seen_latitude": None, "last_seen_longitude": None, "hair_color": "dyed black"},
    )
    assert case.last_seen_county.name == "Brown"
    assert case.hair_color == "dyed black"
    with pytest.raises(PermissionDenied):
        services.update_case(other_officer, case, {"hair_color": "x"})


def test_status_history_and_reopen_needs_note(make_case, officer):
    case = make_case()
    case = services.change_status(officer, case, "located_safe", note="Found at a friend's house.")
    assert case.resolved_at is not None
    with pytest.raises(ValidationError):
        services.change_status(officer, case, "located_safe")
    with pytest.raises(ValidationError):
        services.change_status(officer, case, "missing")
    case = services.change_status(officer, case, "missing", note="Left again.")
    assert case.resolved_at is None
    steps = list(CaseStatusChange.objects.filter(case=case).values_list("from_status", "to_status"))
    assert steps == [("", "missing"), ("missing", "located_safe"), ("located_safe", "missing")]


def test_case_pages(client, signed_in, make_case, officer, other_officer, agency):
    case = make_case()
    c = signed_in(client, officer)
    assert c.get("/missing/cases/").status_code == 200
    page = c.get(f"/missing/cases/{case.pk}/")
    assert page.status_code == 200 and b"MARKER-NOTES-Q1" in page.content  # law enforcement sees it
    assert c.get(f"/missing/cases/{case.pk}/edit/").status_code == 200
    assert c.get("/missing/cases/new/").status_code == 200
    other = signed_in(client.__class__(), other_officer)
    assert other.get(f"/missing/cases/{case.pk}/").status_code == 404


def test_case_form_opens_a_case(client, signed_in, officer, agency):
    c = signed_in(client, officer)
    data = {
        "ncic_category": "EME",
        "given_name": "Form",
        "family_name": "Person",
        "sex": "male",
        "age_at_disappearance": "44",
        "last_seen_at": "2026-01-05T10:30",
        "last_seen_place": "Main St",
        "last_seen_zip": "53703",
        "investigating_agency": str(agency.pk),
        "public_contact": "911",
        "vehicles": "2010 | red | Honda | Civic | XYZ9 | WI",
        "companions": "",
        "cognitive_impairment": "unknown",
        "veteran_or_service_member": "unknown",
    }
    clock.freeze(dt.datetime(2026, 1, 6, 12, 0, tzinfo=dt.UTC))
    response = c.post("/missing/cases/new/", data)
    assert response.status_code == 302, response.content.decode()[:3000]
    case = MissingPersonCase.objects.get(given_name="Form")
    assert case.person_type == "adult" and case.vehicles[0]["plate"] == "XYZ9"
    bad = c.post("/missing/cases/new/", {**data, "given_name": ""})
    assert bad.status_code == 200 and b"usa-form-group--error" in bad.content
