"""28 CFR 23.20(f) in a real browser: an analyst records a release to avoid imminent danger (after the
form refuses a recipient the normal rule allows), and the privacy officer reviews it from the console.
axe-core checks every page; the release form is also filled at phone width."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser

DANGER = "The subject said an hour ago he will burn down the Maple Street warehouse tonight with people inside."


@pytest.fixture
def retained(settings, tmp_path):
    from fusioncenter.privacy import registry
    from tests.access_app.models import RetainedDossier

    settings.MEDIA_ROOT = tmp_path / "media"
    rt = registry.register_record_type(RetainedDossier, describe=lambda r: f"Dossier {r.pk}")
    yield rt
    registry.unregister_record_type(rt.label)


def _fill(pg, dossier, *, kind: str, who: str = "") -> None:
    pg.get_by_label("Record type").select_option("access_app.retaineddossier")
    pg.get_by_label("Record number").fill(str(dossier.pk))
    if kind == "user":
        pg.get_by_label("A user of this system").check()
        pg.get_by_label("Their user name").fill(who)
    else:
        pg.get_by_label("A person outside the system").check()
        pg.get_by_label("Their name", exact=True).fill("Dana Warehouse")
        pg.get_by_label("Their position, agency and how you reached them").fill("Site manager, by phone")
    pg.get_by_label("Life", exact=True).check()
    pg.get_by_label("The imminent danger").fill(DANGER)
    pg.get_by_label("What you told or gave them").fill("To clear the warehouse tonight; police are on the way.")
    pg.get_by_label("How it was passed on").select_option("spoken")
    pg.get_by_label("The recipient has no right or need to know").check()


def test_an_analyst_records_a_release_and_the_officer_reviews_it(page, phone_page, live_server, make_user, centers,
                                                                 retained, browser_sign_in, check_a11y):
    from fusioncenter.privacy.models import Dissemination, ImminentDangerRelease
    from tests.access_app.models import RetainedDossier

    analyst = make_user("analyst", username="ana.danger")
    officer = make_user("privacy_officer", username="po.danger")
    partner = make_user("partner_officer", username="sworn.partner")
    dossier = RetainedDossier.objects.create(record_class="criminal_intelligence", tlp="GREEN", center=centers["WSIC"],
                                             subject_name="Subject Example", created_by=analyst)

    browser_sign_in(phone_page, live_server, analyst)
    phone_page.goto(live_server.url + "/privacy/imminent-danger/")
    phone_page.get_by_role("heading", name="Release to avoid imminent danger").wait_for()
    check_a11y(phone_page)
    # A sworn, trained officer may receive it normally: this path refuses and says so.
    _fill(phone_page, dossier, kind="user", who=partner.username)
    phone_page.get_by_role("button", name="Record the release").click()
    phone_page.get_by_text("use the normal dissemination").first.wait_for()
    check_a11y(phone_page)
    assert not Dissemination.objects.exists()
    # A person outside the system: recorded and flagged.
    _fill(phone_page, dossier, kind="outside")
    phone_page.get_by_role("button", name="Record the release").click()
    phone_page.get_by_text("flagged for the privacy officer's review").wait_for()
    release = ImminentDangerRelease.objects.get()
    assert release.dissemination.by == analyst and release.review == "pending"

    browser_sign_in(page, live_server, officer)
    page.get_by_role("link", name="Privacy console").first.click()
    page.get_by_text("1 awaiting your review").wait_for()
    check_a11y(page)
    page.get_by_role("link", name="Review imminent-danger releases").click()
    page.get_by_role("heading", name="Imminent-danger releases", level=1).wait_for()
    check_a11y(page)
    page.get_by_role("row").filter(has_text="Dana Warehouse").get_by_role("link").click()
    page.get_by_text(DANGER).wait_for()
    check_a11y(page)
    page.get_by_role("button", name="Record the review").click()  # no outcome, no note: refused, explained
    page.get_by_text("What the review found").first.wait_for()
    check_a11y(page)
    page.get_by_label("Justified: the exception applied").check()
    page.get_by_label("What the review found").fill("Fire department confirmed the threat was live.")
    page.get_by_role("button", name="Record the review").click()
    page.get_by_text("Review recorded.").wait_for()
    release.refresh_from_db()
    assert release.review == "justified" and release.reviewed_by == officer
