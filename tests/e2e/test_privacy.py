"""The privacy officer in a real browser: validates one record due for review, purges another, and
finds the purge in the audit, with nothing of the person left in any table or in the files.
axe-core checks every page visited."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.base import ContentFile

from tests.privacy.helpers import tables_containing

pytestmark = pytest.mark.browser

PERSON = "Ottoline Verbrugghe-Quist"


@pytest.fixture
def retained(settings, tmp_path):
    from fusioncenter.privacy import registry
    from tests.access_app.models import RetainedDossier

    settings.MEDIA_ROOT = tmp_path / "media"
    rt = registry.register_record_type(RetainedDossier, describe=lambda r: f"Dossier {r.pk}",
                                       tombstone=lambda r: {"files": 1 + r.files.count()})
    yield rt
    registry.unregister_record_type(rt.label)


def _dossier(centers, days: int, name: str):
    from fusioncenter.core import clock
    from tests.access_app.models import RetainedDossier, RetainedDossierFile

    due = clock.today() + dt.timedelta(days=days)
    d = RetainedDossier.objects.create(record_class="law_enforcement", tlp="AMBER", center=centers["WSIC"],
                                       subject_name=name, notes=f"{name} was seen at the depot.",
                                       review_due=due, retention_until=due)
    d.attachment.save("photo.txt", ContentFile(f"photo of {name}".encode()), save=True)
    RetainedDossierFile.objects.create(dossier=d, caption="scan").upload.save(
        "scan.txt", ContentFile(f"scan of {name}".encode()), save=True)
    return d


def test_privacy_officer_validates_one_record_and_purges_another(page, live_server, make_user, centers, retained,
                                                                  browser_sign_in, check_a11y, settings):
    from fusioncenter.core import access, audit
    from fusioncenter.core.models import AuditEntry
    from fusioncenter.privacy.models import ReviewHistory, Tombstone
    from tests.access_app.models import RetainedDossier

    officer = make_user("privacy_officer", username="privacy.officer")
    analyst = make_user("analyst", username="ana.privacy")
    keep = _dossier(centers, 10, "Kept Person Example")
    drop = _dossier(centers, 12, PERSON)
    drop_files = [settings.MEDIA_ROOT / drop.attachment.name, settings.MEDIA_ROOT / drop.files.get().upload.name]
    assert all(f.exists() for f in drop_files)
    access.require(analyst, "view", drop)  # an analyst read it: the officer will see that too

    # The public redress form needs no account.
    page.goto(live_server.url + "/privacy/redress/")
    page.get_by_role("heading", name="Ask us to correct information about you").wait_for()
    check_a11y(page)

    browser_sign_in(page, live_server, officer)
    page.get_by_role("link", name="Privacy console").first.click()
    page.get_by_role("heading", name="Privacy console", level=1).wait_for()
    check_a11y(page)

    # Run the daily task by hand: both records are due within 30 days.
    page.get_by_role("link", name="Review queue").first.click()
    page.get_by_role("button", name="Run the retention task now").click()
    page.get_by_text("2 queued for review").wait_for()
    check_a11y(page)

    # Validate the first: a justification, the policy's new date.
    page.get_by_role("link", name=f"Dossier {keep.pk}").click()
    page.get_by_role("heading", name=f"Review: Dossier {keep.pk}").wait_for()
    check_a11y(page)
    page.get_by_label("Why the record still meets the policy").fill(
        "Two new reports from the depot this month corroborate the original tip.")
    page.get_by_role("button", name="Validate").click()
    page.get_by_text(f"Validated: Dossier {keep.pk}").wait_for()
    check_a11y(page)

    # Purge the second.
    page.get_by_role("link", name=f"Dossier {drop.pk}").click()
    page.get_by_role("heading", name=f"Review: Dossier {drop.pk}").wait_for()
    page.get_by_label("Purge this record everywhere. This cannot be undone.").check()
    page.get_by_role("button", name="Purge").click()
    page.get_by_text(f"Purged access_app.retaineddossier {drop.pk}").wait_for()
    check_a11y(page)

    page.get_by_role("link", name="Purges").first.click()
    page.get_by_role("rowheader", name=f"access_app.retaineddossier {drop.pk}").wait_for()
    check_a11y(page)

    # The purge is in the audit, found through the record oversight page.
    page.get_by_role("link", name="Record oversight").first.click()
    page.get_by_label("Record type").select_option("access_app.retaineddossier")
    page.get_by_label("Record number").fill(str(drop.pk))
    page.get_by_role("button", name="Look up").click()
    audit_table = page.get_by_role("table", name="Audit entries naming this record")
    audit_table.get_by_role("cell", name="privacy_purge").wait_for()
    assert audit_table.get_by_role("cell", name=officer.username).count() >= 1
    assert audit_table.get_by_role("cell", name=analyst.username).count() >= 1  # who viewed it before
    check_a11y(page)
    assert PERSON not in page.content()

    # Nothing of the person is left: no row of any table, no file.
    keep.refresh_from_db()
    assert keep.retention_until > keep.review_due - dt.timedelta(days=1) and not RetainedDossier.objects.filter(
        pk=drop.pk).exists()
    assert ReviewHistory.objects.filter(object_id=str(keep.pk), action="revalidated", reviewer=officer).exists()
    assert Tombstone.objects.get(original_id=str(drop.pk)).purged_by == officer
    assert AuditEntry.objects.filter(action="privacy_purge", object_id=str(drop.pk), actor_id=officer.pk).exists()
    assert tables_containing(PERSON) == []
    assert not any(f.exists() for f in drop_files)
    assert not any(PERSON.encode() in p.read_bytes() for p in settings.MEDIA_ROOT.rglob("*") if p.is_file())
    assert "access_app_retaineddossier" in tables_containing("Kept Person Example")
    assert audit.verify().ok
