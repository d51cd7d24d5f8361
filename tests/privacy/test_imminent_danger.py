"""28 CFR 23.20(f): the imminent-danger exception, a separate and reviewed path, never a bypass."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from fusioncenter.core import access, audit
from fusioncenter.core.markings import RecordClass
from fusioncenter.core.models import AuditEntry
from fusioncenter.core.roles import Discipline
from fusioncenter.delivery.models import Delivery
from fusioncenter.privacy import dissemination, retention
from fusioncenter.privacy.dissemination import DisseminationRefused
from fusioncenter.privacy.models import Dissemination, ImminentDangerRelease

from .conftest import DISTINCTIVE
from .helpers import tables_containing

DANGER = f"A subject of this record said tonight he will set fire to the Maple Street school where {DISTINCTIVE} works."
TOLD = "That a threat of arson against the school was received and to evacuate the building."
LABEL = "access_app.retaineddossier"


@pytest.fixture
def ci(make_dossier, make_user):
    analyst = make_user("analyst")
    d = make_dossier(record_class=RecordClass.CRIMINAL_INTELLIGENCE, tlp="GREEN", with_files=False,
                     created_by=analyst)
    return analyst, d


def _release(actor, record, **kw):
    args = {"recipient_name": "Dana Principal", "recipient_description": "Principal, Maple Street School, by phone",
            "danger_to": "life", "danger": DANGER, "disclosed": TOLD, "channel": "spoken", "confirmed": True}
    args.update(kw)
    return dissemination.release_for_imminent_danger(actor, record, **args)


def test_release_to_a_person_outside_the_system_is_logged_flagged_and_the_officer_notified(ci, make_user):
    analyst, d = ci
    officer = make_user("privacy_officer")
    row = _release(analyst, d)
    assert row.basis == Dissemination.Basis.IMMINENT_DANGER and row.imminent_danger
    assert (row.record_type, row.object_id, row.by, row.channel) == (LABEL, str(d.pk), analyst, "spoken")
    assert row.recipient_user is None and row.recipient_organization is None
    assert "Dana Principal" in row.recipient_label and "Maple Street School" in row.recipient_label
    assert "23.20(f)" in row.right_to_know
    release = row.danger
    assert release.danger == DANGER and release.disclosed == TOLD and release.danger_to == "life"
    assert release.review == ImminentDangerRelease.Review.PENDING and "outside the system" in release.normal_refusal
    entry = AuditEntry.objects.get(action="privacy_imminent_danger_release")
    assert entry.object_id == str(d.pk) and entry.detail["outside_person"] is True
    assert DISTINCTIVE not in str(entry.detail) and "Dana" not in str(entry.detail)
    notices = Delivery.objects.filter(recipient=officer)
    assert notices.exists()
    assert all(DISTINCTIVE not in (n.message.text_body + n.message.subject) for n in notices)
    assert list(dissemination.imminent_danger_releases(pending_only=True)) == [release]
    assert audit.verify().ok


def test_a_recipient_without_right_to_know_in_the_system_may_be_told(ci, make_user, make_org):
    analyst, d = ci
    health = make_user("partner_member", make_org(discipline=Discipline.PUBLIC_HEALTH))
    with pytest.raises(DisseminationRefused):  # the normal rule refuses them...
        dissemination.disseminate(analyst, d, [health], "Needed for the outbreak response.", "email")
    row = _release(analyst, d, recipient=health, recipient_name="", recipient_description="")  # ...the exception may
    assert row.recipient_user == health and row.recipient_organization == health.organization
    assert "Law-enforcement-only" in row.danger.normal_refusal
    utility = make_org(discipline=Discipline.OTHER_GOVERNMENT)
    row2 = _release(analyst, d, recipient=utility, recipient_name="", recipient_description="")
    assert row2.recipient_organization == utility and "law-enforcement authorities" in row2.danger.normal_refusal


def test_a_recipient_the_normal_rule_allows_is_refused_here(ci, make_user, make_org):
    analyst, d = ci
    officer = make_user("partner_officer")
    with pytest.raises(ValidationError) as exc:
        _release(analyst, d, recipient=officer, recipient_name="", recipient_description="")
    assert "normal rule" in str(exc.value)
    police = make_org(discipline=Discipline.LE_LOCAL)
    with pytest.raises(ValidationError):
        _release(analyst, d, recipient=police, recipient_name="", recipient_description="")
    assert not Dissemination.objects.exists() and not ImminentDangerRelease.objects.exists()


def test_the_danger_what_was_told_and_the_confirmation_are_required(ci):
    analyst, d = ci
    with pytest.raises(ValidationError) as exc:
        _release(analyst, d, danger="Danger.", disclosed="", confirmed=False, danger_to="", recipient_name="X",
                 recipient_description="")
    fields = set(exc.value.error_dict)
    assert {"danger", "disclosed", "confirmed", "danger_to", "recipient_name", "recipient_description"} <= fields
    with pytest.raises(ValidationError) as exc:
        _release(analyst, d, channel="carrier pigeon")
    assert "channel" in exc.value.error_dict
    assert not Dissemination.objects.exists() and not AuditEntry.objects.filter(
        action="privacy_imminent_danger_release").exists()


def test_the_senders_own_authority_is_not_waived(make_dossier, make_user, make_org):
    author = make_user("analyst")
    red = make_dossier(record_class=RecordClass.LAW_ENFORCEMENT, tlp="RED", with_files=False, created_by=author)
    other_analyst = make_user("analyst")
    with pytest.raises(DisseminationRefused) as exc:
        _release(other_analyst, red)
    assert "TLP:RED" in exc.value.refusals[0][1]
    member = make_user("partner_member")
    le = make_dossier(record_class=RecordClass.LAW_ENFORCEMENT, tlp="GREEN", with_files=False)
    with pytest.raises(DisseminationRefused):
        _release(member, le)
    assert not Dissemination.objects.exists()
    assert AuditEntry.objects.filter(action="privacy_dissemination_refused", outcome="denied").count() == 2
    public = make_dossier(record_class=RecordClass.PARTNER, tlp="GREEN", with_files=False, created_by=author)
    with pytest.raises(ValidationError) as exc2:
        _release(author, public)
    assert "normal dissemination" in str(exc2.value)


def test_the_privacy_officer_reviews_each_release_once(ci, make_user):
    analyst, d = ci
    release = _release(analyst, d).danger
    with pytest.raises(access.AccessDenied):
        dissemination.review_imminent_danger(analyst, release, outcome="justified", note="Looks right to me.")
    officer = make_user("privacy_officer")
    with pytest.raises(ValidationError) as exc:
        dissemination.review_imminent_danger(officer, release, outcome="maybe", note="")
    assert {"outcome", "note"} <= set(exc.value.error_dict)
    dissemination.review_imminent_danger(officer, release, outcome="not_justified",
                                         note="The threat was a week old; the normal rule applied.")
    release.refresh_from_db()
    assert release.review == "not_justified" and release.reviewed_by == officer and release.reviewed_at
    with pytest.raises(ValidationError):
        dissemination.review_imminent_danger(officer, release, outcome="justified", note="Changed my mind now.")
    entry = AuditEntry.objects.get(action="privacy_imminent_danger_review")
    assert entry.detail == {"release": release.pk, "outcome": "not_justified"}


def test_a_purge_blanks_the_danger_and_what_was_told(ci, make_user, django_capture_on_commit_callbacks):
    analyst, d = ci
    release = _release(analyst, d).danger
    officer = make_user("privacy_officer")
    with django_capture_on_commit_callbacks(execute=True):
        retention.purge(officer, LABEL, d.pk)
    release.refresh_from_db()
    assert release.disclosed == "" and DISTINCTIVE not in release.danger
    assert tables_containing(DISTINCTIVE) == []
    assert Dissemination.objects.get(pk=release.dissemination_id).basis == "imminent_danger"


def test_pages_record_list_and_review_a_release(ci, make_user, signed_in, client):
    from django.test import Client

    analyst, d = ci
    officer = make_user("privacy_officer")
    page = signed_in(Client(), analyst)
    url = reverse("privacy:imminent_danger") + f"?record_type={LABEL}&object_id={d.pk}"
    got = page.get(url)
    assert got.status_code == 200 and f'value="{d.pk}"' in got.content.decode()
    form = {"record_type": LABEL, "object_id": str(d.pk), "recipient_kind": "outside",
            "recipient_name": "Dana Principal", "recipient_description": "Principal, by phone", "danger_to": "life",
            "danger": DANGER, "disclosed": TOLD, "channel": "spoken"}
    bad = page.post(reverse("privacy:imminent_danger"), form)  # not confirmed
    assert bad.status_code == 400 and "Confirm that the release is necessary" in bad.content.decode()
    assert not Dissemination.objects.exists()
    normal = make_user("partner_officer")
    refused = page.post(reverse("privacy:imminent_danger"), {**form, "confirmed": "on", "recipient_kind": "user",
                                                             "recipient_username": normal.username})
    assert refused.status_code == 400 and "normal rule" in refused.content.decode()
    ok = page.post(reverse("privacy:imminent_danger"), {**form, "confirmed": "on"})
    assert ok.status_code == 302
    release = ImminentDangerRelease.objects.get()
    assert page.get(reverse("privacy:imminent_danger_list")).status_code == 403
    console = signed_in(client, officer)
    assert "1 awaiting your review" in console.get(reverse("privacy:console")).content.decode()
    listing = console.get(reverse("privacy:imminent_danger_list")).content.decode()
    assert "Dana Principal" in listing and "Awaiting" in listing
    log = console.get(reverse("privacy:disseminations")).content.decode()
    assert "Imminent-danger exception" in log
    detail = reverse("privacy:imminent_danger_review", args=[release.pk])
    assert DANGER in console.get(detail).content.decode()
    assert console.post(detail, {"outcome": "justified", "note": ""}).status_code == 400
    assert console.post(detail, {"outcome": "justified", "note": "Live threat confirmed by the police."}).status_code \
        == 302
    release.refresh_from_db()
    assert release.review == "justified"
