"""Intelligence products end to end in a real browser: an analyst writes a bulletin, a peer and a
supervisor approve it, it is released, a partner officer in the audience reads it and gives feedback;
a partner outside the audience cannot open it, by page or by API. A situational awareness report is
written and sent against the clock. axe-core checks every page visited."""

from __future__ import annotations

import re
import time

import pytest

pytestmark = pytest.mark.browser


@pytest.fixture
def team(make_org, make_user, centers):
    wsic = make_org("WSIC (e2e)", discipline="le_state", county="Dane", center=centers["WSIC"], is_fusion_center=True)
    madison = make_org("Madison PD (e2e)", discipline="le_local", county="Dane")
    racine = make_org("Racine PD (e2e)", discipline="le_local", county="Racine")
    return {
        "analyst": make_user("analyst", wsic, username="ana.e2e"),
        "peer": make_user("analyst", wsic, username="peer.e2e"),
        "supervisor": make_user("supervisor", wsic, sworn=True, username="sup.e2e"),
        "officer": make_user("partner_officer", madison, username="officer.e2e"),
        "outsider": make_user("partner_officer", racine, username="outsider.e2e"),
        "madison": madison,
    }


def _sign_out(page):
    page.get_by_role("button", name="Sign out").click()


def _open_for_review(page, live_server, check_a11y, title):
    page.get_by_role("navigation", name="Primary").get_by_role("link", name="Products").click()
    page.get_by_role("heading", name="Intelligence products").wait_for()
    check_a11y(page)
    page.get_by_role("link", name=re.compile(re.escape(title))).first.click()
    page.get_by_role("heading", name=title).wait_for()
    check_a11y(page)


def test_bulletin_written_reviewed_released_read_and_rated(page, live_server, team, browser_sign_in, check_a11y):
    from fusioncenter.delivery import worker
    from fusioncenter.products.models import Feedback, Product, Receipt

    title = "Copper theft ring targets rail signal cabinets"
    # 1. The analyst writes the bulletin.
    browser_sign_in(page, live_server, team["analyst"])
    page.get_by_role("navigation", name="Primary").get_by_role("link", name="Products").click()
    check_a11y(page)
    page.get_by_role("link", name="Write a product").click()
    check_a11y(page)
    page.get_by_role("link", name="Intelligence bulletin").click()
    page.get_by_role("heading", name="New intelligence bulletin").wait_for()
    check_a11y(page)
    page.get_by_label("Title").fill(title)
    assert page.get_by_label(re.compile(r"^TLP")).input_value() == "AMBER"
    assert page.get_by_label("Law Enforcement Sensitive (LES)").is_checked()
    page.get_by_label("Summary", exact=True).fill("Thieves have cut **copper** from rail signal cabinets.")
    page.get_by_label("Details", exact=True).fill("Three incidents since October on the Example Line.")
    page.locator("summary", has_text="Regions, counties, organizations").click()
    page.get_by_label("Organizations").select_option(label="Madison PD (e2e)")
    page.get_by_role("button", name="Save draft").click()
    page.get_by_role("heading", name=title).wait_for()
    check_a11y(page)
    page.get_by_role("button", name="Submit for review").click()
    page.get_by_text("Submitted: now peer review.").wait_for()
    check_a11y(page)
    product = Product.objects.get(title=title)
    _sign_out(page)

    # 2. A peer approves.
    browser_sign_in(page, live_server, team["peer"])
    _open_for_review(page, live_server, check_a11y, title)
    page.get_by_label("Comment (required to return it)").fill("Sources check out.")
    page.get_by_role("button", name="Approve").click()
    page.get_by_text("The product is now: supervisor approval.").wait_for()
    check_a11y(page)
    _sign_out(page)

    # 3. The supervisor approves, sees the recipients (and who is left out) and releases it.
    browser_sign_in(page, live_server, team["supervisor"])
    _open_for_review(page, live_server, check_a11y, title)
    page.get_by_role("button", name="Approve").click()
    page.get_by_text("The product is now: approved: ready to send.").wait_for()
    page.get_by_role("link", name="Review recipients and release").click()
    page.get_by_role("heading", name="Who will receive it (1)").wait_for()
    check_a11y(page)
    assert page.get_by_role("row", name=re.compile("officer.e2e|Test Partner_Officer")).count() == 1
    page.get_by_label("Recipients' need to know").fill("Rail-crime investigations in Madison.")
    page.get_by_role("button", name="Send to 1 recipient").click()
    page.get_by_text(f"{product.number} released.").wait_for()
    check_a11y(page)
    _sign_out(page)
    worker.run(once=True)  # the outbox worker puts the notice in the inbox

    # 4. The partner officer in the audience finds it in the inbox, reads it and gives feedback.
    browser_sign_in(page, live_server, team["officer"])
    page.goto(live_server.url + "/inbox/")
    check_a11y(page)
    page.get_by_role("link", name=re.compile(re.escape(product.number))).first.click()
    check_a11y(page)
    page.goto(live_server.url + "/products/")
    check_a11y(page)
    page.get_by_role("link", name=product.number).click()
    page.get_by_role("heading", name=title).wait_for()
    check_a11y(page)
    assert page.locator(".marking-banner").first.inner_text() == "TLP:AMBER | LAW ENFORCEMENT SENSITIVE"
    assert page.locator("strong", has_text="copper").count() == 1
    page.get_by_role("radio", name="4").check()
    page.get_by_label("It is relevant to my agency's mission").check()
    page.get_by_label("What did you do with it?").select_option("briefed")
    page.get_by_role("button", name="Send feedback").click()
    page.get_by_text("Thank you for your feedback.").wait_for()
    check_a11y(page)
    assert Feedback.objects.get(product=product).usefulness == 4
    assert Receipt.objects.get(product=product, user=team["officer"]).opened_at is not None
    _sign_out(page)

    # 5. A partner outside the audience cannot open it, by page or by API.
    browser_sign_in(page, live_server, team["outsider"])
    response = page.goto(f"{live_server.url}/products/{product.pk}/")
    assert response.status == 404
    check_a11y(page)
    assert page.goto(f"{live_server.url}/products/{product.pk}/pdf/").status == 404
    api = page.request.get(f"{live_server.url}/api/v1/products/{product.pk}")
    assert api.status == 404 and api.json()["detail"] == "Not found."
    assert page.request.get(f"{live_server.url}/api/v1/products/{product.pk}/pdf").status == 404
    listed = page.request.get(f"{live_server.url}/api/v1/products").json()
    assert product.pk not in [item["id"] for item in listed["items"]]


def test_situational_awareness_report_in_under_two_minutes(page, live_server, team, browser_sign_in, check_a11y,
                                                           capsys):
    from fusioncenter.products.models import Dissemination, Product

    browser_sign_in(page, live_server, team["supervisor"])
    clicks = 0
    started = time.monotonic()
    page.get_by_role("navigation", name="Primary").get_by_role("link", name="Quick situation report").click()
    clicks += 1
    page.get_by_role("heading", name="Quick situation report").wait_for()
    form = page.locator("main form")
    required = form.locator("[required]").count()
    without_default = sum(1 for i in range(required) if not form.locator("[required]").nth(i).input_value())
    page.get_by_label("Headline").fill("Water main break closes East Washington Avenue")
    page.get_by_label("What happened").fill("A water main break closed East Washington Ave between 1st and 4th "
                                            "St at 06:10. Detour via Johnson St. Next update 10:00.")
    page.get_by_role("button", name="Check recipients").click()
    clicks += 1
    page.get_by_role("heading", name=re.compile(r"Who will receive it \(\d+\)")).wait_for()
    page.get_by_role("button", name=re.compile("Send to")).click()
    clicks += 1
    page.get_by_text("released.").wait_for()
    elapsed = time.monotonic() - started
    check_a11y(page)
    product = Product.objects.get(title="Water main break closes East Washington Avenue")
    assert product.status == "published"
    assert Dissemination.objects.filter(product=product, recipient=team["officer"]).exists()
    assert without_default == 2 and clicks == 3 and elapsed < 120
    with capsys.disabled():
        print(f"\nquick situation report: {required} required fields ({without_default} without a default), "
              f"{clicks} clicks, {elapsed:.1f} s from menu to sent")


def test_staff_pages_are_accessible(page, live_server, team, browser_sign_in, check_a11y):
    from fusioncenter.products import distribution, external, services

    analyst, peer, supervisor = team["analyst"], team["peer"], team["supervisor"]
    p = services.create(analyst, "intelligence_bulletin", {
        "title": "Skimmers at fuel pumps", "sections": {"summary": "Skimmers found.", "details": "Four stations."},
        "audience": [("organization", str(team["madison"].pk))]})
    p = services.submit(analyst, p)
    p = services.review(peer, p, True)
    p = services.review(supervisor, p, True)
    p = distribution.publish(analyst, p, need_to_know="Skimming cases in Madison.")
    distribution.correct(analyst, p, {"summary": "Skimmers found at five stations."}, "Count corrected.")
    item = external.upload(analyst, "rcr.pdf", b"%PDF-1.4\n%%EOF", {
        "title": "Roll Call Release: drones", "originator": "DHS", "original_marking": "UNCLASSIFIED",
        "tlp": "GREEN", "record_class": "partner"})
    browser_sign_in(page, live_server, supervisor)
    for path in (f"/products/{p.pk}/", f"/products/{p.pk}/versions/", f"/products/{p.pk}/correct/",
                 "/products/feedback/", "/products/new/", "/products/quick/", "/products/external/",
                 f"/products/external/{item.pk}/"):
        assert page.goto(live_server.url + path).status == 200, path
        check_a11y(page)
    page.get_by_label(re.compile(r"\(WSIC\)$")).check()
    page.get_by_role("button", name="Check recipients").click()
    page.get_by_role("heading", name=re.compile(r"Who will receive it")).wait_for()
    check_a11y(page)
    page.get_by_role("button", name=re.compile("Send to")).click()
    page.get_by_text("Passed on as").wait_for()
    check_a11y(page)
