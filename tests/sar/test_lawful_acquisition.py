"""28 CFR 23.20(d): a report becomes criminal intelligence only when the analyst attests that the
information was not obtained in violation of any applicable law and names how it was obtained; the
attestation is stored with the transition, shown on the report, and required by the API too."""

from __future__ import annotations

import json

import pytest
from django.core.exceptions import ValidationError

from fusioncenter.core.models import AuditEntry
from fusioncenter.sar import lawful_acquisition, services
from fusioncenter.sar.models import Report, State, Transition

from .conftest import ISE_FIELDS, LAWFUL

CI = {"criminal_predicate": "He cut the substation lock and was found with bolt cutters: reasonable suspicion of "
                            "burglary.", "criminal_activity": "Burglary",
      "additional_facts": "Bolt cutters and a cut padlock were found on him.", "solely_protected_activity": False}
SOURCE = LAWFUL["source_of_information"]


def _refusal(staff, report, fields):
    with pytest.raises(ValidationError) as exc:
        services.transition(staff["wsic_analyst"], report, "criminal_intelligence", "28 CFR 23 met.", fields)
    return {f: (e[0].code, e[0].message) for f, e in exc.value.error_dict.items()}


@pytest.mark.parametrize("missing", [
    {},
    {"lawfully_obtained": False, "source_of_information": SOURCE},
    {"lawfully_obtained": True},
    {"lawfully_obtained": True, "source_of_information": "   a tip   "},
])
def test_no_criminal_intelligence_without_the_attestation_and_the_source(staff, vetting, missing):
    report = vetting()
    problems = _refusal(staff, report, {**CI, **missing})
    expected = {f for f in ("lawfully_obtained", "source_of_information")
                if f not in missing or (f == "lawfully_obtained" and missing[f] is not True)
                or (f == "source_of_information" and len(missing[f].strip()) < lawful_acquisition.MIN_SOURCE)}
    assert set(problems) == expected
    assert all(code == "cfr23_20d" and message.startswith("28 CFR 23.20(d)") for code, message in problems.values())
    report.refresh_from_db()
    assert (report.state, report.record_class) == (State.VETTING, "law_enforcement")
    assert not Transition.objects.filter(report=report, action="criminal_intelligence").exists()


def test_the_attestation_is_stored_with_the_transition_and_audited_without_its_text(staff, vetting):
    report = services.transition(staff["wsic_analyst"], vetting(), "criminal_intelligence", "28 CFR 23 met.",
                                 {**CI, **LAWFUL})
    assert report.record_class == "criminal_intelligence"
    move = Transition.objects.get(report=report, action="criminal_intelligence")
    assert move.by == staff["wsic_analyst"] and move.at is not None
    assert move.detail["lawful_acquisition"] == {"attested": True, "statement": lawful_acquisition.STATEMENT,
                                                 "source_of_information": SOURCE}
    entry = AuditEntry.objects.get(action="sar_criminal_intelligence", object_id=str(report.pk))
    assert entry.detail["lawful_acquisition_attested"] is True
    assert "security officer" not in json.dumps(entry.detail)


def test_an_ise_sar_does_not_ask_for_it(staff, vetting):
    report = services.transition(staff["wsic_analyst"], vetting(), "ise_sar", "Nexus articulated.", ISE_FIELDS)
    assert report.state == State.ISE_SAR
    assert "lawful_acquisition" not in Transition.objects.get(report=report, action="ise_sar").detail


def test_the_api_requires_it_and_shows_it(client, api_token, staff, vetting):
    report = vetting()
    headers = {"HTTP_AUTHORIZATION": f"Bearer {api_token(staff['wsic_analyst'])}"}
    refused = client.post(f"/api/v1/sars/{report.pk}/transitions", json.dumps(
        {"action": "criminal_intelligence", "reason": "28 CFR 23 met.", "fields": CI}),
        content_type="application/json", **headers)
    assert refused.status_code == 422
    assert {(e["field"], e["rule"]) for e in refused.json()["errors"]} == {
        ("lawfully_obtained", "cfr23_20d"), ("source_of_information", "cfr23_20d")}
    assert "28 CFR 23.20(d)" in refused.json()["errors"][0]["message"]
    done = client.post(f"/api/v1/sars/{report.pk}/transitions", json.dumps(
        {"action": "criminal_intelligence", "reason": "28 CFR 23 met.", "fields": {**CI, **LAWFUL}}),
        content_type="application/json", **headers)
    assert done.status_code == 200, done.content
    shown = done.json()["vetting"]["lawful_acquisition"]
    assert shown["by"] == staff["wsic_analyst"].username and shown["at"]
    assert (shown["statement"], shown["source_of_information"]) == (lawful_acquisition.STATEMENT, SOURCE)


def test_the_page_asks_for_it_refuses_without_it_and_shows_it(client, signed_in, staff, vetting):
    report = vetting()
    analyst = signed_in(client, staff["wsic_analyst"])
    page = analyst.get(f"/sar/{report.pk}/").content.decode()
    assert "not obtained in violation of any applicable" in page and "Source of the information" in page
    form = {"criminal_intelligence-" + k: v for k, v in {
        "criminal_activity": CI["criminal_activity"], "criminal_predicate": CI["criminal_predicate"],
        "additional_facts": CI["additional_facts"], "solely_protected_activity": "no",
        "reason": "28 CFR 23 met."}.items()}
    refused = analyst.post(f"/sar/{report.pk}/act/criminal_intelligence/", form)
    assert refused.status_code == 422 and "28 CFR 23.20(d)" in refused.content.decode()
    assert Report.objects.get(pk=report.pk).state == State.VETTING
    done = analyst.post(f"/sar/{report.pk}/act/criminal_intelligence/", {
        **form, "criminal_intelligence-lawfully_obtained": "on",
        "criminal_intelligence-source_of_information": SOURCE})
    assert done.status_code == 302
    shown = analyst.get(f"/sar/{report.pk}/").content.decode()
    assert "Lawfully obtained (28 CFR 23.20(d))" in shown and f"Attested by {staff['wsic_analyst'].username}" in shown
    assert "reported it the same day" in shown
