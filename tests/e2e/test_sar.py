"""A suspicious activity report end to end in a real browser: a member of the public reports with a
photo from a phone, the supervisor at the right center does the initial review, the analyst vets it
to ISE-SAR with a justification and exports it; axe-core checks every page on the way."""

from __future__ import annotations

import io
import re

import pytest

pytestmark = pytest.mark.browser


def _png() -> bytes:
    from PIL import Image

    img = Image.new("RGB", (40, 30), (30, 90, 160))
    exif = Image.Exif()
    exif[0x8825] = {1: "N", 2: (43.0, 4.0, 30.0), 3: "W", 4: (89.0, 23.0, 0.0)}
    out = io.BytesIO()
    img.save(out, format="PNG", exif=exif.tobytes())
    return out.getvalue()


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def test_public_report_to_exported_ise_sar(phone_page, page, live_server, make_user, make_org, centers,
                                           browser_sign_in, check_a11y):
    from fusioncenter.privacy.models import Dissemination
    from fusioncenter.sar.models import Report

    wsic = make_org("WSIC (e2e)", discipline="le_state", county="Dane", center=centers["WSIC"], is_fusion_center=True)
    stac = make_org("STAC (e2e)", discipline="le_local", county="Milwaukee", center=centers["STAC"],
                    is_fusion_center=True)
    supervisor = make_user("supervisor", wsic, sworn=True, username="sup.wsic")
    analyst = make_user("analyst", wsic, username="ana.wsic")
    other = make_user("analyst", stac, username="ana.stac")
    jttf = make_org("FBI Milwaukee JTTF (e2e)", discipline="le_federal", county="Milwaukee")

    # 1. A member of the public, on a phone, with no account.
    pub = phone_page
    pub.goto(live_server.url + "/report")
    pub.get_by_role("heading", name="If you see something, say something").wait_for()
    check_a11y(pub)
    pub.get_by_label("What did you see?").fill("A man was cutting the fence at the substation on Example Road")
    pub.get_by_label("Tell us more").fill("He cut a hole in the fence, went in and photographed the control "
                                          "building. He left in a blue pickup.")
    pub.get_by_label("Street address").fill("100 Example Rd")
    # Touching a county on the map chooses it in the county list (the list works without JavaScript).
    pub.locator('.sar-pick-map path[data-fips="55025"]').click()
    assert pub.get_by_label("County", exact=True).input_value() == "55025"
    pub.get_by_label("License plate").fill("XYZ123")
    pub.get_by_label("Photos or documents (optional)").set_input_files(
        files=[{"name": "IMG_0042.png", "mimeType": "image/png", "buffer": _png()}])
    pub.get_by_role("button", name="Send report").click()
    pub.get_by_role("heading", name="Thank you. We received your report.").wait_for()
    check_a11y(pub)
    receipt = pub.locator(".sar-receipt").inner_text().strip()
    assert re.fullmatch(r"WI-\d{4}-[0-9A-Z]{4}-[0-9A-Z]{4}", receipt)
    report = Report.objects.get(receipt=receipt)
    assert report.center.code == "WSIC" and report.attachments.count() == 1

    # 2. STAC's analyst does not see it in their queue.
    browser_sign_in(page, live_server, other)
    page.goto(live_server.url + "/sar/")
    check_a11y(page)
    assert page.get_by_role("link", name=receipt).count() == 0
    page.get_by_role("button", name="Sign out").click()

    # 3. WSIC's supervisor finds it and does the initial review.
    browser_sign_in(page, live_server, supervisor)
    page.get_by_role("navigation", name="Primary").get_by_role("link", name="Report queue").click()
    page.get_by_role("heading", name="Report queue").wait_for()
    check_a11y(page)
    page.get_by_role("link", name=receipt).click()
    page.get_by_role("heading", name=f"Report {receipt}").wait_for()
    check_a11y(page)
    review = page.locator("details", has=page.get_by_text("Complete the initial review"))
    review.locator("summary").click()
    review.get_by_label("The report is complete").check()
    review.get_by_role("radio", name="No").check()
    review.get_by_label("Reason").fill("Complete: what, when, where; conduct described.")
    check_a11y(page)
    review.get_by_role("button", name=re.compile("Record")).click()
    page.get_by_text("Recorded: Complete the initial review").wait_for()
    page.get_by_role("button", name="Sign out").click()

    # 4. WSIC's analyst vets it to ISE-SAR with a justification.
    browser_sign_in(page, live_server, analyst)
    page.goto(live_server.url + "/sar/?q=" + receipt)
    check_a11y(page)
    page.get_by_role("link", name=receipt).click()
    page.get_by_role("heading", name=f"Report {receipt}").wait_for()
    check_a11y(page)
    ise = page.locator("details", has=page.get_by_text("ISE-SAR: potential nexus to terrorism"))
    ise.locator("summary").click()
    ise.get_by_label(re.compile(r"^Breach or attempted intrusion")).check()
    ise.get_by_label(re.compile(r"^Photography")).check()
    ise.get_by_label("Potential nexus to terrorism").fill(
        "Cutting into a substation and photographing its control building is a breach of critical "
        "infrastructure consistent with pre-operational surveillance.")
    ise.get_by_role("radio", name="No").check()
    ise.get_by_label("Reason").fill("Nexus articulated; share as ISE-SAR.")
    ise.get_by_role("button", name=re.compile("Record")).click()
    page.get_by_text("Recorded: ISE-SAR").wait_for()
    check_a11y(page)
    assert Report.objects.get(pk=report.pk).state == "ise_sar"

    # 5. ... and exports it: through the privacy dissemination log, refused without a need-to-know statement.
    page.get_by_label("Format").select_option("xml")
    page.get_by_label("Summary: privacy fields removed").check()
    page.get_by_label("Recipient agency").select_option(label="FBI Milwaukee JTTF (e2e)")
    page.get_by_role("button", name="Export").click()
    page.get_by_text("28 CFR 23.20(e)").first.wait_for()
    check_a11y(page)
    page.get_by_label("Format").select_option("xml")
    page.get_by_label("Summary: privacy fields removed").check()
    page.get_by_label("Recipient agency").select_option(label="FBI Milwaukee JTTF (e2e)")
    page.get_by_label("The recipient's need to know").fill("JTTF assessment of critical infrastructure threats")
    with page.expect_download() as info:
        page.get_by_role("button", name="Export").click()
    with open(info.value.path(), encoding="utf-8") as handle:
        body = handle.read()
    assert "SuspiciousActivityReportExchange" in body and receipt in body and "XYZ123" not in body
    logged = Dissemination.objects.get(record_type="sar.report", object_id=str(report.pk))
    assert (logged.recipient_organization, logged.channel, logged.version) == (jttf, "export", "xml summary")


def test_partner_form_queue_filters_and_dashboard_are_accessible(page, live_server, make_user, make_org, centers,
                                                                 browser_sign_in, check_a11y):
    from fusioncenter.sar.models import Report

    wsic = make_org("WSIC (e2e 2)", discipline="le_state", county="Dane", center=centers["WSIC"],
                    is_fusion_center=True)
    officer = make_user("partner_officer", make_org("Kenosha PD (e2e)", county="Kenosha"), username="off.ken")
    analyst = make_user("analyst", wsic, username="ana.dash")

    browser_sign_in(page, live_server, officer)
    page.get_by_role("navigation", name="Primary").get_by_role("link", name="Submit a SAR").click()
    page.get_by_role("heading", name="Submit a suspicious activity report").wait_for()
    check_a11y(page)
    page.get_by_role("button", name="Submit report").click()  # empty: errors named on the fields
    page.get_by_text("Please correct").wait_for()
    check_a11y(page)
    page.get_by_label("Summary").fill("Drone flown over the power plant fence at night")
    page.get_by_label("Observed from").fill("2026-01-10T22:15")
    page.get_by_label(re.compile(r"^Aviation activity \(AVIATION\)")).check()
    page.get_by_label("Narrative").fill("A drone hovered over the switchyard for ten minutes; the operator "
                                        "left in a white sedan, plate WXY 123.")
    page.get_by_label("County", exact=True).select_option(label="Dane")
    page.get_by_role("button", name="Submit report").click()
    page.get_by_text(re.compile(r"Report WI-\d{4}-.{4}-.{4} received and routed to WSIC")).wait_for()
    check_a11y(page)
    assert Report.objects.get().category_codes == ["AVIATION"]
    page.get_by_role("button", name="Sign out").click()

    browser_sign_in(page, live_server, analyst)
    page.get_by_role("navigation", name="Primary").get_by_role("link", name="SAR dashboard").click()
    page.get_by_role("heading", name=re.compile("SAR dashboard")).wait_for()
    check_a11y(page)
    page.goto(live_server.url + "/sar/?category=AVIATION&flagged=on")
    check_a11y(page)
