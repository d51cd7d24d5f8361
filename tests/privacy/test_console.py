"""The privacy officer's console: pages, who viewed a record, unusual access, the annual report."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from fusioncenter.core import access, clock, navigation
from fusioncenter.core.markings import RecordClass
from fusioncenter.privacy import dissemination, oversight, redress, retention
from fusioncenter.privacy.models import ReviewItem, Tombstone
from tests.access_app.models import RetainedDossier

from .conftest import DISTINCTIVE

PAGES = ["privacy:console", "privacy:reviews", "privacy:record", "privacy:disseminations", "privacy:tombstones",
         "privacy:unusual", "privacy:cases", "privacy:report", "privacy:imminent_danger_list"]


@pytest.fixture
def officer_client(client, make_user, signed_in):
    officer = make_user("privacy_officer")
    return officer, signed_in(client, officer)


def test_console_pages_are_for_the_privacy_officer_only(officer_client, make_user, signed_in, retained):
    officer, client = officer_client
    for name in PAGES:
        assert client.get(reverse(name)).status_code == 200, name
    from django.test import Client

    analyst_client = signed_in(Client(), make_user("analyst"))
    for name in PAGES:
        assert analyst_client.get(reverse(name)).status_code == 403, name
    assert Client().get(reverse("privacy:console")).status_code == 302
    labels = [item["label"] for item in navigation.for_user(officer)]
    assert {"Privacy console", "Review queue", "Redress requests"} <= set(labels)
    from fusioncenter.core import home_panels

    assert any(p["title"] == "Privacy oversight" for p in home_panels.for_user(officer))
    assert client.get(reverse("core:home")).status_code == 200


def test_review_page_revalidates_and_purges(officer_client, make_dossier, django_capture_on_commit_callbacks):
    officer, client = officer_client
    keep = make_dossier(days_to_review=5, with_files=False)
    drop = make_dossier(days_to_review=6)
    retention.run()
    keep_item = ReviewItem.objects.get(object_id=str(keep.pk))
    url = reverse("privacy:review", args=[keep_item.pk])
    page = client.get(url)
    assert page.status_code == 200 and f"Dossier {keep.pk}".encode() in page.content
    bad = client.post(url, {"revalidate": "1", "r-justification": "short"})
    assert bad.status_code == 400 and b"at least 20" in bad.content
    ok = client.post(url, {"revalidate": "1", "r-justification": "A new report from the same source this month."})
    assert ok.status_code == 302
    keep.refresh_from_db()
    assert keep.retention_until > clock.today() + dt.timedelta(days=700)
    drop_item = ReviewItem.objects.get(object_id=str(drop.pk))
    url = reverse("privacy:review", args=[drop_item.pk])
    assert client.post(url, {"purge": "1"}).status_code == 400  # the confirmation box is required
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(url, {"purge": "1", "p-confirm": "on"}).status_code == 302
    assert not RetainedDossier.objects.filter(pk=drop.pk).exists()
    assert Tombstone.objects.get(original_id=str(drop.pk)).purged_by == officer
    listing = client.get(reverse("privacy:tombstones")).content.decode()
    assert f"access_app.retaineddossier {drop.pk}" in listing and DISTINCTIVE not in listing


def test_record_oversight_shows_who_viewed_and_who_received(officer_client, make_dossier, make_user):
    _, client = officer_client
    analyst = make_user("analyst")
    d = make_dossier(with_files=False, created_by=analyst, tlp="GREEN")
    access.require(analyst, "view", d)
    receiver = make_user("partner_officer")
    dissemination.disseminate(analyst, d, [receiver], "Needed for the theft case.", "email")
    page = client.get(reverse("privacy:record"), {"record_type": "access_app.retaineddossier",
                                                  "object_id": str(d.pk)})
    body = page.content.decode()
    assert page.status_code == 200
    assert analyst.username in body and "Needed for the theft case." in body
    assert [e.actor for e in oversight.who_viewed("access_app.retaineddossier", d.pk)
            if e.action == "view"] == [analyst.username]
    odd = client.get(reverse("privacy:record"), {"record_type": "access_app.retaineddossier", "object_id": "x'1"})
    assert odd.status_code == 200 and b"no longer held" in odd.content
    by_recipient = client.get(reverse("privacy:disseminations"), {"user": receiver.pk}).content.decode()
    assert "Needed for the theft case." in by_recipient


def test_unusual_access_rules(make_dossier, make_user, settings, centers):
    settings.FUSIONCENTER_PRIVACY_BURST_RECORDS = 5
    analyst = make_user("analyst", center=centers["WSIC"])
    outsider = make_user("partner_officer")  # sworn, no tie to these records
    records = [make_dossier(with_files=False, tlp="GREEN") for _ in range(7)]
    # Tuesday 14:00 in Wisconsin: working hours
    clock.freeze(dt.datetime(2026, 3, 3, 20, 0, tzinfo=dt.UTC))
    for r in records:
        access.require(analyst, "view", r)
    # Tuesday 02:30 in Wisconsin: off hours
    clock.freeze(dt.datetime(2026, 3, 4, 8, 30, tzinfo=dt.UTC))
    access.require(outsider, "view", records[0])
    findings = oversight.unusual_access(dt.datetime(2026, 3, 1, tzinfo=dt.UTC), clock.now() + dt.timedelta(1))
    kinds = {(f.kind, f.username) for f in findings}
    assert ("burst", analyst.username) in kinds
    assert ("off_hours", outsider.username) in kinds and ("off_hours", analyst.username) not in kinds
    assert ("no_link", outsider.username) in kinds and ("no_link", analyst.username) not in kinds
    assert oversight.is_off_hours(dt.datetime(2026, 3, 7, 18, 0, tzinfo=dt.UTC))  # Saturday noon


def test_annual_report_as_page_csv_and_pdf(officer_client, make_dossier, make_user, retained):
    from fusioncenter.privacy import registry

    _, client = officer_client
    registry.register_record_type(RetainedDossier, label_fields=("cui", "notes"),
                                  describe=retained.describe, tombstone=retained.tombstone)
    make_dossier(with_files=False, notes="")
    d = make_dossier(with_files=False, days_to_review=3)
    retention.run()
    retention.purge(make_user("privacy_officer"), "access_app.retaineddossier", d.pk)
    redress.submit({"name": "Pat Example", "email": "pat@example.test",
                    "description": "Something about me is wrong in your files."})
    year = clock.today().year
    rows = oversight.annual_report(year)
    values = {(s, m): v for s, m, v in rows}
    assert values[("Purges", "Purged at review")] == 1
    assert values[("Redress", "Requests received")] == 1
    assert values[("Audit", "Audit chain intact")] == "yes"
    assert values[("Records held", "retained dossier: without cui")] == 1  # the one not purged
    assert values[("Records held", "retained dossier: without notes")] == 1
    page = client.get(reverse("privacy:report"), {"year": year})
    assert page.status_code == 200 and b"Purged at review" in page.content
    csv_response = client.get(reverse("privacy:report_file", args=[year, "csv"]))
    text = csv_response.content.decode()
    assert csv_response["Content-Type"].startswith("text/csv") and text.startswith("section,measure,value")
    assert "Pat" not in text and DISTINCTIVE not in text
    pdf = client.get(reverse("privacy:report_file", args=[year, "pdf"]))
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert client.get(reverse("privacy:report_file", args=[year, "exe"])).status_code == 404


def test_redress_case_pages_move_the_workflow(officer_client, make_dossier, signed_in):
    officer, client = officer_client
    d = make_dossier(with_files=False, record_class=RecordClass.LAW_ENFORCEMENT)
    case = redress.submit({"name": "Pat Example", "email": "pat@example.test",
                           "description": "Something about me is wrong in your files."})
    url = reverse("privacy:case", args=[case.pk])
    assert client.get(reverse("privacy:cases")).content.decode().count(case.reference) == 1
    assert client.post(url, {"start": "1", "s-record_type": "access_app.retaineddossier",
                             "s-object_id": "424242"}).status_code == 400
    assert client.post(url, {"start": "1", "s-record_type": "access_app.retaineddossier",
                             "s-object_id": str(d.pk)}).status_code == 302
    assert client.post(url, {"decide": "1", "d-decision": "corrected",
                             "d-outcome": "The date was wrong and is corrected."}).status_code == 302
    assert client.post(url, {"answer": "1", "a-answer": "We corrected the record."}).status_code == 302
    case.refresh_from_db()
    assert case.status == "answered"
    clock.advance(dt.timedelta(days=40))
    other = redress.submit({"name": "Sam Example", "phone": "608-555-0100",
                            "description": "I think you have my plate wrong in a report."})
    clock.advance(dt.timedelta(days=31))
    signed_in(client, officer)
    session = client.session  # the session policy reads core.clock: start the session "now"
    session["signed_in_at"] = session["last_seen"] = clock.now().timestamp()
    session.save()
    listing = client.get(reverse("privacy:cases")).content.decode()
    assert other.reference in listing and "Overdue" in listing and case.reference not in listing
