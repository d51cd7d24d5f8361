"""A partner or liaison officer reads back the report they submitted, and its state, through core.access:
what they sent, never the analysts' vetting notes; not another officer's report; and criminal
intelligence only with its own right to know (28 CFR 23.20(e))."""

from __future__ import annotations

import json

import pytest

from fusioncenter.core import access
from fusioncenter.core.roles import Role
from fusioncenter.sar import services
from fusioncenter.sar.models import Report

from .conftest import ISE_FIELDS, LAWFUL

CI_FIELDS = {"criminal_predicate": "He cut the substation lock and was found with bolt cutters: reasonable suspicion "
                                   "of burglary.", "criminal_activity": "Burglary",
             "additional_facts": "Bolt cutters and a cut padlock were found on him.",
             "solely_protected_activity": False, **LAWFUL}


@pytest.fixture
def liaison(make_user, make_org):
    """A fire liaison officer (FLO): not sworn, so no law-enforcement right to know of their own."""
    return make_user(Role.LIAISON_OFFICER, make_org("Madison Fire (test)", discipline="fire", county="Dane"))


def _get(client, api_token, user, path=""):
    return client.get("/api/v1/sars" + path, HTTP_AUTHORIZATION=f"Bearer {api_token(user)}")


def _submit_by_api(client, api_token, user, payload):
    response = client.post("/api/v1/sars", json.dumps(payload()), content_type="application/json",
                           HTTP_AUTHORIZATION=f"Bearer {api_token(user)}")
    assert response.status_code == 201, response.content
    return Report.objects.get(pk=response.json()["id"])


def _vet(staff, report, action="ise_sar", fields=None):
    report = services.transition(staff["wsic_supervisor"], report, "initial_review", "Complete; conduct described.",
                                 {"complete": True, "solely_protected_activity": False})
    return services.transition(staff["wsic_analyst"], report, action, "Vetted by the analyst.", fields or ISE_FIELDS)


def test_a_liaison_officer_reads_back_their_report_and_its_state_without_vetting_notes(
        client, api_token, staff, liaison, payload):
    report = _submit_by_api(client, api_token, liaison, payload)
    first = _get(client, api_token, liaison, f"/{report.pk}")
    assert first.status_code == 200
    body = first.json()
    assert (body["state"], body["summary"], body["vetting"]) == ("received", payload()["summary"], None)
    assert body["subjects"][0]["name"] == "John Q Example" and body["vehicles"][0]["plate"] == "ABC1234"
    assert [r["id"] for r in _get(client, api_token, liaison).json()["results"]] == [report.pk]

    _vet(staff, report)
    later = _get(client, api_token, liaison, f"/{report.pk}")
    assert later.status_code == 200 and later.json()["state"] == "ise_sar" and later.json()["vetting"] is None
    assert ISE_FIELDS["justification"][:40] not in later.content.decode()
    assert later.json()["allowed_actions"] == []


def test_read_back_is_view_only_and_only_for_the_author(client, api_token, staff, liaison, make_user, payload):
    report = _submit_by_api(client, api_token, liaison, payload)
    decision = access.decide(liaison, access.VIEW, report)
    assert decision and "reads back" in decision.reason
    for action in (access.EDIT, access.SHARE, access.EXPORT):
        refused = access.decide(liaison, action, report)
        assert not refused and "read back" in refused.reason
    move = client.post(f"/api/v1/sars/{report.pk}/transitions", json.dumps(
        {"action": "unfounded", "reason": "I changed my mind."}), content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {api_token(liaison)}")
    assert move.status_code in (403, 404)
    assert Report.objects.get(pk=report.pk).state == "received"
    colleague = make_user(Role.LIAISON_OFFICER, liaison.organization)
    assert _get(client, api_token, colleague, f"/{report.pk}").status_code == 404
    assert _get(client, api_token, colleague).json()["count"] == 0


def test_criminal_intelligence_keeps_its_right_to_know_rule(client, api_token, staff, liaison, make_user, payload):
    theirs = _vet(staff, _submit_by_api(client, api_token, liaison, payload), "criminal_intelligence", CI_FIELDS)
    assert _get(client, api_token, liaison, f"/{theirs.pk}").status_code == 404
    assert not access.visible(liaison, Report.objects.filter(pk=theirs.pk)).exists()
    # A sworn officer who submitted keeps reading it: right to know, and the author's need to know.
    officer = staff["officer"]
    mine = _vet(staff, _submit_by_api(client, api_token, officer, payload), "criminal_intelligence", CI_FIELDS)
    read = _get(client, api_token, officer, f"/{mine.pk}")
    assert read.status_code == 200 and read.json()["state"] == "criminal_intelligence"
    assert read.json()["vetting"] is None and CI_FIELDS["criminal_predicate"][:30] not in read.content.decode()


def test_the_partner_form_leads_a_liaison_officer_to_their_report_page(client, signed_in, staff, liaison):
    c = signed_in(client, liaison)
    data = {
        "summary": "Man photographing the fire station's fuel depot", "observed_at": "2026-01-05T14:30",
        "categories": ["PHOTO", "SURVL"], "county": "55025", "grading_scheme": "us4x4",
        "narrative": "He photographed the depot's locks and asked when the crew leaves on calls.",
        "source_reliability": "reliable", "content_validity": "probable",
        "subjects-TOTAL_FORMS": "0", "subjects-INITIAL_FORMS": "0", "subjects-MIN_NUM_FORMS": "0",
        "subjects-MAX_NUM_FORMS": "20", "vehicles-TOTAL_FORMS": "0", "vehicles-INITIAL_FORMS": "0",
        "vehicles-MIN_NUM_FORMS": "0", "vehicles-MAX_NUM_FORMS": "20",
    }
    response = c.post("/sar/new/", data)
    report = Report.objects.get()
    assert response.status_code == 302 and response.url == f"/sar/{report.pk}/"
    _vet(staff, report, fields={**ISE_FIELDS, "categories": ["PHOTO", "SURVL"]})
    page = c.get(f"/sar/{report.pk}/").content.decode()
    assert report.receipt in page and "fuel depot" in page and "ISE-SAR" in page
    assert ISE_FIELDS["justification"][:40] not in page and "History" not in page
    assert f"/sar/{report.pk}/export/" not in page and "Vetting actions" not in page
