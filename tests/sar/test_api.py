"""The SAR API: validation errors naming field and rule, routing, access, the workflow and export."""

import json

import pytest

from fusioncenter.privacy.models import Dissemination
from fusioncenter.sar.models import Report

from .conftest import ISE_FIELDS, LAWFUL


@pytest.fixture
def api(client, api_token):
    def call(user, method, path, body=None, **headers):
        extra = {"HTTP_AUTHORIZATION": f"Bearer {api_token(user)}"} if user else {}
        extra.update({f"HTTP_{k.upper().replace('-', '_')}": v for k, v in headers.items()})
        fn = getattr(client, method)
        if body is None:
            return fn("/api/v1/sars" + path, **extra)
        return fn("/api/v1/sars" + path, data=json.dumps(body), content_type="application/json", **extra)
    return call


def test_create_routes_and_answers_id_center_state(api, staff, payload):
    response = api(staff["officer"], "post", "", payload(county="Kenosha"))
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["center"] == "STAC" and body["state"] == "received" and body["routing_flagged"] is False
    report = Report.objects.get(pk=body["id"])
    assert report.source == "api" and report.receipt == body["receipt"]


def test_validation_errors_name_field_and_rule(api, staff, payload):
    bad = payload(categories=["INTRSN", "NOTACODE"], narrative="", observed_at="yesterday",
                  subjects=[{"age_min": 300}], vehicles=[{"plate_state": "Wisconsin"}])
    response = api(staff["officer"], "post", "", bad)
    assert response.status_code == 422
    errors = {e["field"]: e["rule"] for e in response.json()["errors"]}
    assert errors["categories.1"] == "literal_error"
    assert errors["narrative"] == "string_too_short"
    assert errors["observed_at"].startswith("datetime")
    assert errors["subjects.0.age_min"] == "less_than_equal"
    assert errors["vehicles.0.plate_state"] in ("string_too_long", "string_pattern_mismatch")
    assert Report.objects.count() == 0


def test_rule_errors_from_the_service_name_field_and_rule(api, staff, payload):
    bad = payload(source_reliability="Z", vehicles=[{"vin": "1M8GDM9A1KP042788"}])
    response = api(staff["officer"], "post", "", bad)
    assert response.status_code == 422
    errors = {e["field"]: e["rule"] for e in response.json()["errors"]}
    assert errors == {"source_reliability": "choice", "vehicles.0.vin": "vin"}


def test_authentication_and_role_are_required(api, staff, payload):
    assert api(None, "post", "", payload()).status_code == 401
    response = api(staff["member"], "post", "", payload())
    assert response.status_code == 403 and Report.objects.count() == 0


def test_categories_are_public_with_definitions(client):
    data = client.get("/api/v1/sars/categories").json()
    assert len(data) == 16 and {"code", "label", "group", "definition", "requires_additional_facts"} <= set(data[0])


def test_get_returns_what_the_caller_may_see(api, staff, submit):
    report = submit()
    own = api(staff["officer"], "get", f"/{report.pk}").json()
    assert own["receipt"] == report.receipt and own["vetting"] is None and own["allowed_actions"] == []
    staff_view = api(staff["wsic_supervisor"], "get", f"/{report.pk}").json()
    assert staff_view["vetting"]["history"][0]["action"] == "receive"
    assert staff_view["allowed_actions"] == ["initial_review", "unfounded"]
    assert api(staff["stac_analyst"], "get", f"/{report.pk}").status_code == 404
    assert api(staff["member"], "get", f"/{report.pk}").status_code == 404
    assert api(staff["wsic_analyst"], "get", "/999999").status_code == 404


def test_list_is_access_filtered_and_paginated(api, staff, submit):
    submit()
    submit(county="Milwaukee")
    wsic = api(staff["wsic_analyst"], "get", "").json()
    stac = api(staff["stac_analyst"], "get", "?state=received").json()
    assert [r["center"] for r in wsic["results"]] == ["WSIC"] and wsic["count"] == 1
    assert [r["center"] for r in stac["results"]] == ["STAC"]
    assert api(staff["member"], "get", "").json()["count"] == 0


def test_full_workflow_through_the_api(api, staff, submit, jttf):
    report = submit()
    r = api(staff["wsic_supervisor"], "post", f"/{report.pk}/transitions",
            {"action": "initial_review", "reason": "Complete and about conduct.",
             "fields": {"complete": True, "solely_protected_activity": False}})
    assert r.status_code == 200 and r.json()["state"] == "vetting"
    refused = api(staff["wsic_analyst"], "post", f"/{report.pk}/transitions",
                  {"action": "initial_review", "reason": "Again please.", "fields": {}})
    assert refused.status_code == 422 and refused.json()["errors"][0]["rule"] == "transition"
    guard = api(staff["wsic_analyst"], "post", f"/{report.pk}/transitions",
                {"action": "ise_sar", "reason": "Nexus.", "fields": {**ISE_FIELDS, "solely_protected_activity": True}})
    assert guard.status_code == 422
    assert {e["field"] for e in guard.json()["errors"]} == {"solely_protected_activity"}
    r = api(staff["wsic_analyst"], "post", f"/{report.pk}/transitions",
            {"action": "ise_sar", "reason": "Nexus articulated.", "fields": ISE_FIELDS})
    assert r.status_code == 200 and r.json()["ise_sar"] is True
    assert [h["action"] for h in r.json()["vetting"]["history"]] == ["receive", "initial_review", "ise_sar"]

    export = api(staff["wsic_analyst"], "get", f"/{report.pk}/export?format=xml&privacy=summary"
                 f"&recipient_organization={jttf.pk}&need_to_know=Assessment%20of%20substation%20surveillance")
    assert export.status_code == 200 and export["Content-Type"].startswith("application/xml")
    assert b"SuspiciousActivityReportExchange" in export.content and b"ABC1234" not in export.content
    logged = Dissemination.objects.get(record_type="sar.report", object_id=str(report.pk))
    assert (logged.recipient_organization, logged.channel, logged.version) == (jttf, "export", "xml summary")
    missing = api(staff["wsic_analyst"], "get", f"/{report.pk}/export?format=json")
    assert [(e["field"], e["rule"]) for e in missing.json()["errors"]] == [("recipient", "required")]
    no_statement = api(staff["wsic_analyst"], "get",
                       f"/{report.pk}/export?format=json&recipient_organization={jttf.pk}")
    assert no_statement.status_code == 422
    assert [(e["field"], e["rule"]) for e in no_statement.json()["errors"]] == [("need_to_know", "need_to_know")]
    private = api(staff["wsic_analyst"], "get", f"/{report.pk}/export?format=json&need_to_know=Utility%20security"
                  f"%20briefing&recipient_organization={staff['member'].organization_id}")
    assert private.status_code == 422 and private.json()["errors"][0]["rule"] == "right_to_know"
    assert Dissemination.objects.filter(object_id=str(report.pk)).count() == 1


def test_transfer_related_link_merge_through_the_api(api, staff, submit):
    a, b = submit(), submit()
    related = api(staff["wsic_analyst"], "get", f"/{a.pk}/related").json()
    assert related[0]["id"] == b.pk and related[0]["possible_duplicate"] is True
    r = api(staff["wsic_analyst"], "post", f"/{b.pk}/links", {"other": a.pk, "reason": "Same event.", "merge": True})
    assert r.status_code == 200 and r.json()["state"] == "merged"
    r = api(staff["wsic_analyst"], "post", f"/{b.pk}/unmerge", {"reason": "Not the same after all."})
    assert r.json()["state"] == "received"
    r = api(staff["wsic_analyst"], "post", f"/{a.pk}/links", {"other": b.pk, "reason": "Same van, other day."})
    assert r.status_code == 200 and a.links_out.count() == 1
    r = api(staff["wsic_analyst"], "post", f"/{a.pk}/unlink", {"other": b.pk, "reason": "Different van."})
    assert r.status_code == 200 and a.links_out.count() == 0
    r = api(staff["wsic_analyst"], "post", f"/{a.pk}/transfer", {"center": "STAC", "reason": "Wrong county."})
    assert r.status_code == 200 and r.json()["center"] == "STAC"
    bad = api(staff["stac_analyst"], "post", f"/{a.pk}/transfer", {"center": "NOPE", "reason": "Wrong county."})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "center"


def test_suggestions_through_the_api(api, staff, submit):
    report = submit()
    items = api(staff["wsic_analyst"], "get", f"/{report.pk}/suggestions").json()
    plate = next(s for s in items if s["kind"] == "plate")
    r = api(staff["wsic_analyst"], "post", f"/{report.pk}/suggestions/{plate['id']}", {"accept": False})
    assert r.json()["status"] == "rejected"


def test_criminal_intelligence_needs_need_to_know_outside_the_center(api, staff, vetting, make_user, make_org):
    from fusioncenter.core.roles import Role
    from fusioncenter.sar import services

    report = services.transition(staff["wsic_analyst"], vetting(), "criminal_intelligence", "28 CFR 23 met.", {
        "criminal_predicate": "He cut the substation lock and carried bolt cutters: reasonable suspicion of "
                              "burglary.", "criminal_activity": "Burglary",
        "additional_facts": "Bolt cutters and a cut padlock were found on him.", "solely_protected_activity": False,
        **LAWFUL})
    detective = make_user(Role.PARTNER_OFFICER, staff["officer"].organization)  # same org: TLP:AMBER passes
    response = api(detective, "get", f"/{report.pk}")
    assert response.status_code == 403 and response.json()["errors"][0]["field"] == "X-Need-To-Know"
    ok = api(detective, "get", f"/{report.pk}", **{"X-Need-To-Know": "Burglary series investigation 26-1182"})
    assert ok.status_code == 200 and ok.json()["record_class"] == "criminal_intelligence"
