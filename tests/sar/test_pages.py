"""The pages: public form, partner form, queue, report page actions, attachments, dashboard."""

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from fusioncenter.privacy.models import Dissemination
from fusioncenter.sar.models import Report

from .conftest import ISE_FIELDS, png_with_gps

XSS = '<script>alert("x")</script><img src=x onerror=alert(1)>'


def public_post(client, **over):
    data = {"summary": "Man cutting the fence at the water tower", "narrative": "Around 9 pm.",
            "county": "55079", "anonymous": "yes", "website": ""}
    data.update(over)
    return client.post("/report", data, REMOTE_ADDR=over.pop("addr", "192.0.2.10"))


def test_public_page_renders_plainly(client, centers):
    response = client.get("/report")
    body = response.content.decode()
    assert response.status_code == 200 and "If you see something, say something" in body
    assert 'name="website"' in body and 'class="sar-hp" aria-hidden="true"' in body
    assert 'enctype="multipart/form-data"' in body and "data-fips=" in body
    assert "<script>" not in body.replace('<script src="/static/sar/public.js" defer></script>', "")


def test_public_submission_with_photo_gives_a_receipt(client, centers):
    photo = SimpleUploadedFile("IMG_1.png", png_with_gps(), content_type="image/png")
    response = public_post(client, attachments=photo)
    assert response.status_code == 302
    receipt = response.url.rsplit("/", 1)[-1]
    report = Report.objects.get()
    assert report.receipt == receipt and report.center.code == "STAC" and report.attachments.count() == 1
    thanks = client.get(response.url)
    assert thanks.status_code == 200 and receipt in thanks.content.decode()
    # The thanks page is for the browser that sent the report only.
    from django.test import Client
    assert Client().get(response.url).status_code == 404


def test_public_form_errors_are_shown_in_plain_language(client, centers):
    response = public_post(client, summary="", county="")
    assert response.status_code == 400 and "This field is required." in response.content.decode()
    response = public_post(client, county="", attachments=SimpleUploadedFile("x.png", b"MZ\x90\x00"))
    body = response.content.decode()
    assert response.status_code == 400 and "Say where it happened" in body
    assert Report.objects.count() == 0


def test_public_input_is_never_rendered_unescaped(client, centers, staff, signed_in):
    public_post(client, summary=XSS[:200], narrative=XSS, location_place=XSS[:200])
    report = Report.objects.get()
    page = signed_in(client, staff["stac_supervisor"]).get(f"/sar/{report.pk}/").content.decode()
    assert "<script>alert" not in page and "<img src=x" not in page
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in page
    queue = client.get("/sar/").content.decode()
    assert "<script>alert" not in queue


def test_honeypot_looks_normal_and_stores_nothing(client, centers):
    response = public_post(client, website="http://spam.example")
    assert response.status_code == 302
    assert client.get(response.url).status_code == 200
    assert Report.objects.count() == 0


def test_rate_limit_answers_429_plainly(client, centers):
    for _ in range(5):
        assert public_post(client, addr="192.0.2.99").status_code == 302
    response = public_post(client, addr="192.0.2.99")
    assert response.status_code == 429 and "wait a few minutes" in response.content.decode()


def test_partner_form_submits_full_structure(client, staff, signed_in, centers):
    c = signed_in(client, staff["officer"])
    page = c.get("/sar/new/").content.decode()
    assert "Breach or attempted intrusion (INTRSN)" in page and "Sector-specific incident" in page
    data = {
        "summary": "Subject tried the locked side door of the water plant", "observed_at": "2026-01-05T14:30",
        "categories": ["INTRSN", "SURVL"], "narrative": "He pulled the side door twice and photographed the keypad.",
        "county": "55025", "grading_scheme": "us4x4", "source_reliability": "reliable",
        "content_validity": "probable",
        "subjects-TOTAL_FORMS": "1", "subjects-INITIAL_FORMS": "0", "subjects-MIN_NUM_FORMS": "0",
        "subjects-MAX_NUM_FORMS": "20", "subjects-0-name": "Pat Example", "subjects-0-age_min": "25",
        "subjects-0-identifier_kind": "dl", "subjects-0-identifier_value": "E123-456",
        "vehicles-TOTAL_FORMS": "1", "vehicles-INITIAL_FORMS": "0", "vehicles-MIN_NUM_FORMS": "0",
        "vehicles-MAX_NUM_FORMS": "20", "vehicles-0-plate": "QRS555", "vehicles-0-plate_state": "WI",
        "vehicles-0-year": "2015",
    }
    response = c.post("/sar/new/", data)
    assert response.status_code == 302, response.content.decode()[:3000]
    report = Report.objects.get()
    assert report.source == "partner_form" and report.center.code == "WSIC"
    assert report.subjects.get().identifiers == [{"kind": "dl", "value": "E123-456"}]
    assert report.vehicles.get().plate == "QRS555"
    bad = c.post("/sar/new/", {**data, "categories": ["BOGUS"], "vehicles-0-year": "1700"})
    assert bad.status_code == 200 and "is not one of the available choices" in bad.content.decode()


def test_partner_form_is_not_for_partner_members(client, staff, signed_in):
    assert signed_in(client, staff["member"]).get("/sar/new/").status_code == 403


def test_queue_shows_the_users_center_with_flags(client, staff, signed_in, submit):
    mine = submit()
    flagged = submit(county="Nowhere")
    theirs = submit(county="Milwaukee")
    body = signed_in(client, staff["wsic_analyst"]).get("/sar/").content.decode()
    assert mine.receipt in body and flagged.receipt in body and theirs.receipt not in body
    assert "Routing flagged" in body
    only_flagged = client.get("/sar/?flagged=on&center=WSIC").content.decode()
    assert flagged.receipt in only_flagged and mine.receipt not in only_flagged
    by_cat = client.get("/sar/?category=THREAT&center=WSIC").content.decode()
    assert mine.receipt not in by_cat


def test_vetting_through_the_pages(client, staff, signed_in, submit, jttf):
    report = submit()
    sup = signed_in(client, staff["wsic_supervisor"])
    page = sup.get(f"/sar/{report.pk}/").content.decode()
    assert "Complete the initial review" in page and "Found in the narrative" in page
    refused = sup.post(f"/sar/{report.pk}/act/initial_review/", {"initial_review-reason": "ok ok"})
    assert refused.status_code == 422 and "Confirm the report is complete" in refused.content.decode()
    done = sup.post(f"/sar/{report.pk}/act/initial_review/", {
        "initial_review-complete": "on", "initial_review-solely_protected_activity": "no",
        "initial_review-reason": "Complete; conduct described."})
    assert done.status_code == 302
    analyst = signed_in(client, staff["wsic_analyst"])
    response = analyst.post(f"/sar/{report.pk}/act/ise_sar/", {
        "ise_sar-justification": ISE_FIELDS["justification"],
        "ise_sar-additional_facts": ISE_FIELDS["additional_facts"],
        "ise_sar-solely_protected_activity": "no", "ise_sar-reason": "Nexus articulated."})
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.state == "ise_sar"
    refused = analyst.post(f"/sar/{report.pk}/export/", {"format": "xml", "privacy": "summary",
                                                         "recipient_organization": jttf.pk, "need_to_know": "  "})
    assert refused.status_code == 422 and "28 CFR 23.20(e)" in refused.content.decode()
    # the refusal page offers the separate imminent-danger path for this very report
    link = f"/privacy/imminent-danger/?record_type=sar.report&amp;object_id={report.pk}"
    assert link in refused.content.decode()
    form = analyst.get(link.replace("&amp;", "&")).content.decode()
    assert 'value="sar.report"' in form and f'value="{report.pk}"' in form
    export = analyst.post(f"/sar/{report.pk}/export/", {"format": "xml", "privacy": "summary",
                                                        "recipient_organization": jttf.pk,
                                                        "need_to_know": "Threat assessment of the substation"})
    assert export.status_code == 200 and export["Content-Disposition"].startswith("attachment;")
    assert Dissemination.objects.filter(record_type="sar.report", object_id=str(report.pk)).count() == 1
    page = analyst.get(f"/sar/{report.pk}/").content.decode()
    assert "FBI Milwaukee JTTF (test)" in page and "Threat assessment of the substation" in page
    assert "initial_review" in page


def test_suggestions_transfer_and_link_on_the_page(client, staff, signed_in, submit):
    a, b = submit(), submit()
    c = signed_in(client, staff["wsic_analyst"])
    page = c.get(f"/sar/{a.pk}/").content.decode()
    assert "Possible duplicate" in page and b.receipt in page
    sid = a.suggestions.get(kind="plate").pk
    assert c.post(f"/sar/{a.pk}/suggestions/{sid}/", {"decision": "accept"}).status_code == 302
    assert c.post(f"/sar/{a.pk}/link/", {"other": b.pk, "reason": "Same van.", "op": "link"}).status_code == 302
    assert a.links_out.count() == 1
    assert c.post(f"/sar/{a.pk}/transfer/", {"center": "STAC", "reason": "Waukesha really."}).status_code == 302
    a.refresh_from_db()
    assert a.center.code == "STAC"


def test_attachments_are_served_only_through_access_checks(client, staff, signed_in, centers):
    photo = SimpleUploadedFile("IMG_1.png", png_with_gps(), content_type="image/png")
    public_post(client, attachments=photo)
    att = Report.objects.get().attachments.get()
    client.logout()
    assert client.get(f"/sar/files/{att.uuid}/").status_code == 302  # sign in first
    assert signed_in(client, staff["wsic_analyst"]).get(f"/sar/files/{att.uuid}/").status_code == 404
    response = signed_in(client, staff["stac_analyst"]).get(f"/sar/files/{att.uuid}/")
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    assert response["X-Content-Type-Options"] == "nosniff" and b"GPS" not in response.content


def test_dashboard(client, staff, signed_in, submit):
    submit()
    submit(county="Milwaukee")
    body = signed_in(client, staff["wsic_analyst"]).get("/sar/dashboard/").content.decode()
    assert "Reports by state" in body and "county-map-svg" in body and 'class="bar-chart"' in body
    assert re.search(r"Received: awaiting initial review</a></th><td class=\"num\">1<", body)
    assert signed_in(client, staff["officer"]).get("/sar/dashboard/").status_code == 403


def test_navigation_entries(client, staff, signed_in):
    body = signed_in(client, staff["wsic_analyst"]).get("/").content.decode()
    assert "Report queue" in body and "SAR dashboard" in body and "Submit a SAR" in body
    body = signed_in(client, staff["officer"]).get("/").content.decode()
    assert "Submit a SAR" in body and "Report queue" not in body


@pytest.mark.parametrize("path", ["/sar/", "/sar/dashboard/", "/sar/new/"])
def test_pages_need_sign_in(client, path):
    assert client.get(path).status_code == 302
