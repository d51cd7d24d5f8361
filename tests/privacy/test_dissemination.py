"""The dissemination log: right-to-know of each recipient, need-to-know of the sender, refusals with reasons."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from fusioncenter.core.markings import RecordClass
from fusioncenter.core.models import AuditEntry
from fusioncenter.core.roles import Discipline
from fusioncenter.privacy import dissemination
from fusioncenter.privacy.dissemination import DisseminationRefused
from fusioncenter.privacy.models import Dissemination

NEED = "Officer is investigating the burglary series in case 2026-0412."


@pytest.fixture
def ci_record(make_dossier, make_user):
    analyst = make_user("analyst")
    d = make_dossier(record_class=RecordClass.CRIMINAL_INTELLIGENCE, tlp="GREEN", with_files=False,
                     created_by=analyst)
    return analyst, d


def test_release_to_a_sworn_trained_officer_is_logged_with_what_whom_why_and_when(ci_record, make_user):
    analyst, d = ci_record
    officer = make_user("partner_officer")
    result = dissemination.disseminate(analyst, d, [officer], NEED, Dissemination.Channel.EMAIL, version="3")
    [row] = result.logged
    assert (row.record_type, row.object_id, row.version) == ("access_app.retaineddossier", str(d.pk), "3")
    assert row.recipient_user == officer and row.recipient_organization == officer.organization
    assert row.marking == "TLP:GREEN" and row.access_class == "criminal_intelligence"
    assert row.need_to_know == NEED and row.right_to_know and row.by == analyst
    entry = AuditEntry.objects.get(action="privacy_disseminate", object_id=str(d.pk))
    assert entry.detail["dissemination"] == row.pk and NEED not in str(entry.detail)
    assert list(dissemination.for_record(row.record_type, d.pk)) == [row]
    assert list(dissemination.for_recipient(user=officer)) == [row]
    assert list(dissemination.for_recipient(organization=officer.organization)) == [row]


def test_refusals_say_why_and_nothing_is_released(ci_record, make_user, make_org):
    analyst, d = ci_record
    good = make_user("partner_officer")
    untrained = make_user("partner_officer", trained=False)
    civilian = make_user("partner_member", make_org(discipline=Discipline.PUBLIC_HEALTH))
    with pytest.raises(DisseminationRefused) as exc:
        dissemination.disseminate(analyst, d, [good, untrained, civilian], NEED, "email")
    reasons = dict(exc.value.refusals)
    assert "28 CFR Part 23 training" in reasons[f"user {untrained.pk}"]
    assert "Law-enforcement-only" in reasons[f"user {civilian.pk}"]
    assert not Dissemination.objects.exists()
    assert AuditEntry.objects.filter(action="privacy_dissemination_refused", outcome="denied").count() == 2
    result = dissemination.disseminate(analyst, d, [good, untrained], NEED, "email", partial=True)
    assert [r.recipient_user for r in result.logged] == [good]
    assert result.refused[0][0] == f"user {untrained.pk}"


def test_the_sender_needs_a_need_to_know_statement_and_share_authority(ci_record, make_user):
    analyst, d = ci_record
    officer = make_user("partner_officer")
    with pytest.raises(ValidationError) as exc:
        dissemination.disseminate(analyst, d, [officer], "", "export")
    assert "need_to_know" in exc.value.error_dict
    outsider = make_user("partner_member")
    with pytest.raises(DisseminationRefused) as exc:
        dissemination.disseminate(outsider, d, [officer], NEED, "export")
    assert exc.value.refusals[0][0] == "sender"
    with pytest.raises(ValidationError):
        dissemination.disseminate(analyst, d, [officer], NEED, "carrier-pigeon")
    assert not Dissemination.objects.exists()


def test_agencies_as_recipients_must_be_law_enforcement_authorities(ci_record, make_org):
    analyst, d = ci_record
    police = make_org(discipline=Discipline.LE_LOCAL)
    utility = make_org(discipline=Discipline.PRIVATE_SECTOR)
    with pytest.raises(DisseminationRefused, match="28 CFR 23.20"):
        dissemination.disseminate(analyst, d, [utility], NEED, "product")
    [row] = dissemination.disseminate(analyst, d, [police], NEED, "product").logged
    assert row.recipient_organization == police and row.recipient_user is None
    users, orgs = dissemination.recipients_of(row.record_type, d.pk)
    assert users == [] and orgs == [police]


def test_an_api_read_by_a_partner_system_is_logged_against_the_reader(ci_record, make_user):
    _, d = ci_record
    reader = make_user("partner_officer")
    row = dissemination.log_read(reader, d, need_to_know=NEED)
    assert row.channel == "api" and row.by == reader and row.recipient_user == reader
    member = make_user("partner_member")
    with pytest.raises(DisseminationRefused):
        dissemination.log_read(member, d)
