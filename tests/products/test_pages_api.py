"""Pages and API through the Django test client: 404 outside reach, sanitized Markdown, the PDF with
its banners on every page, files without metadata, the quick form."""

from __future__ import annotations

import io
import re

import pytest
from pypdf import PdfReader

from fusioncenter.products import services
from fusioncenter.products.models import Product, Status

from .conftest import BULLETIN, organization_terms

pytestmark = pytest.mark.django_db


def _long_bulletin() -> dict:
    return {**BULLETIN, "sections": {**BULLETIN["sections"],
                                     "analysis": "\n\n".join(f"Paragraph {i}. " + "Copper theft. " * 40
                                                             for i in range(30))}}


def test_outsider_gets_404_on_page_api_and_pdf(client, people, published, signed_in, api_token):
    p = published()
    outsider = signed_in(client, people["outsider"])
    for url in (f"/products/{p.pk}/", f"/products/{p.pk}/pdf/"):
        assert outsider.get(url).status_code == 404
    assert outsider.get(f"/products/{p.pk + 999}/").status_code == 404
    token = api_token(people["outsider"])
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    for url in (f"/api/v1/products/{p.pk}", f"/api/v1/products/{p.pk}/pdf"):
        response = client.get(url, **auth)
        assert response.status_code == 404 and response.json()["detail"] == "Not found."
    listed = client.get("/api/v1/products", **auth).json()
    assert p.number not in [i["number"] for i in listed["items"]]


def test_reader_in_audience_sees_sanitized_content_and_api(client, people, published, signed_in, api_token):
    p = published()
    page = signed_in(client, people["officer"]).get(f"/products/{p.pk}/")
    html = page.content.decode()
    assert page.status_code == 200 and p.title in html
    assert "<strong>copper</strong>" in html
    assert "<script>alert(1)" not in html and "javascript:" not in html
    assert "TLP:AMBER | LAW ENFORCEMENT SENSITIVE" in html and "(U//LES)" in html
    assert "Your feedback" in html
    token = api_token(people["officer"])
    body = client.get(f"/api/v1/products/{p.pk}", HTTP_AUTHORIZATION=f"Bearer {token}").json()
    assert body["banner"] == "TLP:AMBER | LAW ENFORCEMENT SENSITIVE"
    assert [s["portion_marking"] for s in body["sections"]][:2] == ["(U//LES)", "(U//LES)"]
    assert "<script" not in body["sections"][1]["html"]
    listed = client.get("/api/v1/products", HTTP_AUTHORIZATION=f"Bearer {token}").json()
    assert [i["number"] for i in listed["items"]] == [p.number]


def test_pdf_has_banner_on_every_page_and_the_handling_notice(client, people, published, signed_in, api_token):
    p = published(data=_long_bulletin())
    response = client.get(f"/api/v1/products/{p.pk}/pdf",
                          HTTP_AUTHORIZATION=f"Bearer {api_token(people['officer'])}")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(response.content))
    assert len(reader.pages) >= 3
    for page in reader.pages:
        text = page.extract_text()
        assert text.count("TLP:AMBER | LAW ENFORCEMENT SENSITIVE") >= 2, text[:200]  # top and bottom
    full = "".join(page.extract_text() for page in reader.pages)
    assert "Handling notice" in full and "(U//LES)" in full
    assert "alert(1)" not in full or "<script>" not in full


def test_staff_flow_through_pages(client, people, signed_in):
    analyst = signed_in(client, people["analyst"])
    response = analyst.get("/products/new/intelligence_bulletin/")
    assert response.status_code == 200
    response = analyst.post("/products/new/intelligence_bulletin/", {
        "title": "Skimmers at fuel pumps", "tlp": "AMBER", "record_class": "law_enforcement", "les": "on",
        "section_summary": "Skimmers found.", "section_details": "Four stations.",
        "aud_organization": [str(people["madison"].pk)]})
    assert response.status_code == 302
    p = Product.objects.get(title="Skimmers at fuel pumps")
    assert analyst.post(f"/products/{p.pk}/act/submit/").status_code == 302
    p.refresh_from_db()
    assert p.status == Status.PEER_REVIEW
    bad = analyst.post("/products/new/intelligence_bulletin/", {"title": "", "tlp": "AMBER",
                                                                "record_class": "law_enforcement"})
    assert bad.status_code == 400 and b"usa-error-message" in bad.content


def test_publish_page_lists_recipients_and_the_excluded(client, people, approved, signed_in):
    p = approved(audience=organization_terms(people["madison"]))
    page = signed_in(client, people["analyst"]).get(f"/products/{p.pk}/publish/")
    html = page.content.decode()
    assert "Who will receive it (1)" in html and "Left out (1)" in html
    assert "LES caveat" in html or "Law-enforcement-only" in html
    # someone left out of law-enforcement information can still be warned, on the 23.20(f) path only
    assert p.record_class in ("law_enforcement", "criminal_intelligence")
    assert f"/privacy/imminent-danger/?record_type=products.product&amp;object_id={p.pk}" in html
    expected = re.search(r'name="expected" value="([0-9a-f]+)"', html).group(1)
    done = client.post(f"/products/{p.pk}/publish/", {"expected": expected,
                                                       "need_to_know": "Fuel-pump skimming cases in Dane County."})
    assert done.status_code == 302
    p.refresh_from_db()
    assert p.status == Status.PUBLISHED


def test_image_attachment_loses_its_metadata(client, people, signed_in):
    from PIL import Image

    from fusioncenter.products import files

    img = Image.new("RGB", (30, 20), (200, 10, 10))
    exif = Image.Exif()
    exif[0x010F] = "SecretCam"
    out = io.BytesIO()
    img.save(out, format="JPEG", exif=exif.tobytes())
    p = services.create(people["analyst"], "bolo", {"title": "Stolen truck", "audience": []})
    att = services.add_attachment(people["analyst"], p, "../../etc/IMG 1.jpg", out.getvalue(), "The truck")
    stored = files.read(att.uuid)
    assert b"SecretCam" not in stored and att.filename == "IMG_1.jpg"
    with Image.open(io.BytesIO(stored)) as clean:
        assert not clean.getexif()
    with pytest.raises(Exception) as exc:
        services.add_attachment(people["analyst"], p, "x.html", b"<html><script>", "")
    assert "file" in exc.value.error_dict
    assert signed_in(client, people["analyst"]).get(f"/products/files/{att.uuid}/").status_code == 200


def test_quick_form_has_two_required_fields(client, people, signed_in):
    staff = signed_in(client, people["supervisor"])
    html = staff.get("/products/quick/").content.decode()
    assert html.count("(required)") == 4  # headline, what happened, send to, TLP (the last two defaulted)
    response = staff.post("/products/quick/", {"title": "Tornado damage in Dane County",
                                               "what": "Roof damage on Main St.", "audience": "center:WSIC",
                                               "tlp": "GREEN"})
    assert response.status_code == 302 and response["Location"].endswith("/publish/")


def test_api_lists_only_visible_products(client, people, published, approved, api_token):
    p = published()
    draft = approved()
    body = client.get("/api/v1/products", HTTP_AUTHORIZATION=f"Bearer {api_token(people['officer'])}").json()
    assert {i["id"] for i in body["items"]} == {p.pk}
    staff = client.get("/api/v1/products?status=approved",
                       HTTP_AUTHORIZATION=f"Bearer {api_token(people['supervisor'])}").json()
    assert {i["id"] for i in staff["items"]} == {draft.pk}
    assert client.get("/api/v1/products").status_code == 401


def test_correction_and_diff_pages(client, people, published, signed_in):
    p = published()
    analyst = signed_in(client, people["analyst"])
    assert analyst.get(f"/products/{p.pk}/correct/").status_code == 200
    response = analyst.post(f"/products/{p.pk}/correct/", {
        "note": "Dates added.", "section_summary": "Thieves cut copper on 3, 9 and 14 November.",
        "section_details": BULLETIN["sections"]["details"]})
    assert response.status_code == 302
    page = analyst.get(f"/products/{p.pk}/versions/").content.decode()
    assert "<ins>Thieves cut copper on 3, 9 and 14 November.</ins>" in page and "Removed" in page
    assert analyst.get(f"/products/{p.pk}/versions/?a=x").status_code == 404
    officer = signed_in(client, people["officer"])
    assert officer.get(f"/products/{p.pk}/versions/").status_code == 404  # working history stays with staff
    assert signed_in(client, people["supervisor"]).get("/products/feedback/").status_code == 200


def test_external_pages_upload_and_pass_on(client, people, signed_in):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from fusioncenter.products.models import ExternalItem

    analyst = signed_in(client, people["analyst"])
    assert analyst.get("/products/external/").status_code == 200
    pdf = SimpleUploadedFile("rcr.pdf", b"%PDF-1.4\n%%EOF", content_type="application/pdf")
    response = analyst.post("/products/external/", {
        "file": pdf, "title": "Roll Call Release: drones", "originator": "DHS", "tlp": "GREEN",
        "original_marking": "UNCLASSIFIED", "record_class": "partner"})
    assert response.status_code == 302
    item = ExternalItem.objects.get(title="Roll Call Release: drones")
    url = f"/products/external/{item.pk}/"
    preview = analyst.post(url, {"aud_center": ["WSIC"], "preview": "1"}).content.decode()
    assert "Who will receive it" in preview
    expected = re.search(r'name="expected" value="([0-9a-f]+)"', preview).group(1)
    sent = analyst.post(url, {"aud_center": ["WSIC"], "send": "1", "expected": expected})
    assert sent.status_code == 302
    item.refresh_from_db()
    assert item.product.status == "published" and item.product.original_marking == "UNCLASSIFIED"
    assert signed_in(client, people["officer"]).get("/products/external/").status_code == 403


def test_bad_input_gets_clear_errors_and_leaves_nothing(client, people, signed_in, api_token):
    n = Product.objects.count()
    staff = signed_in(client, people["supervisor"])
    response = staff.post("/products/quick/", {"title": "", "what": "", "audience": "center:NOPE", "tlp": "RED"})
    assert response.status_code == 400 and response.content.decode().count("usa-error-message") >= 3
    with pytest.raises(Exception) as exc:
        services.quick_report(people["supervisor"], "Title", "What", [("county", "99999")])
    assert "audience" in exc.value.error_dict
    assert Product.objects.count() == n
    bad = client.get("/api/v1/products?page=0", HTTP_AUTHORIZATION=f"Bearer {api_token(people['officer'])}")
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "page"
    assert staff.post("/products/999999/act/submit/").status_code == 404
