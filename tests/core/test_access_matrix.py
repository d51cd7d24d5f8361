"""The access decision, written out as a matrix: every role × every record class × every marking.

Y = may view, N = refused, S = refused until the user states a need to know (criminal intelligence).
The record is owned by a local police department covered by WSIC and written by a member of it;
every user below belongs to another organization, so the TLP rules for "the owning organization"
show. The same cells are checked against `access.visible` (the database filter), so the decision
and the filter can never drift apart.
"""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser

from fusioncenter.core import access
from fusioncenter.core.markings import TLP, RecordClass
from fusioncenter.core.roles import Discipline, Role
from tests.access_app.models import Dossier

# columns, in order
USERS = [
    "anonymous",
    "administrator",
    "analyst",
    "supervisor",
    "privacy_officer",
    "alert_coordinator",
    "partner_officer",
    "officer_untrained",
    "partner_member",
    "liaison_officer",
]

# (record class, marking) -> one answer per column above
MATRIX = {
    # public information
    ("public", "CLEAR"): "Y Y Y Y Y Y Y Y Y Y",
    ("public", "GREEN"): "N Y Y Y Y Y Y Y Y Y",
    ("public", "AMBER"): "N N Y Y Y N N N N N",
    ("public", "AMBER+STRICT"): "N N N N Y N N N N N",
    ("public", "RED"): "N N N N Y N N N N N",
    ("public", "GREEN+LES"): "N N Y Y Y Y Y Y N N",
    ("public", "GREEN+CUI"): "N Y Y Y Y Y Y Y N Y",
    # partner information
    ("partner", "CLEAR"): "N Y Y Y Y Y Y Y Y Y",
    ("partner", "GREEN"): "N Y Y Y Y Y Y Y Y Y",
    ("partner", "AMBER"): "N N Y Y Y N N N N N",
    ("partner", "AMBER+STRICT"): "N N N N Y N N N N N",
    ("partner", "RED"): "N N N N Y N N N N N",
    ("partner", "GREEN+LES"): "N N Y Y Y Y Y Y N N",
    ("partner", "GREEN+CUI"): "N Y Y Y Y Y Y Y N Y",
    # law enforcement only
    ("law_enforcement", "CLEAR"): "N N Y Y Y Y Y Y N N",
    ("law_enforcement", "GREEN"): "N N Y Y Y Y Y Y N N",
    ("law_enforcement", "AMBER"): "N N Y Y Y N N N N N",
    ("law_enforcement", "AMBER+STRICT"): "N N N N Y N N N N N",
    ("law_enforcement", "RED"): "N N N N Y N N N N N",
    ("law_enforcement", "GREEN+LES"): "N N Y Y Y Y Y Y N N",
    ("law_enforcement", "GREEN+CUI"): "N N Y Y Y Y Y Y N N",
    # criminal intelligence (28 CFR Part 23): sworn or center staff, training, need-to-know
    ("criminal_intelligence", "CLEAR"): "N N Y Y Y N S N N N",
    ("criminal_intelligence", "GREEN"): "N N Y Y Y N S N N N",
    ("criminal_intelligence", "AMBER"): "N N Y Y Y N N N N N",
    ("criminal_intelligence", "AMBER+STRICT"): "N N N N Y N N N N N",
    ("criminal_intelligence", "RED"): "N N N N Y N N N N N",
    ("criminal_intelligence", "GREEN+LES"): "N N Y Y Y N S N N N",
    ("criminal_intelligence", "GREEN+CUI"): "N N Y Y Y N S N N N",
}


def test_matrix_covers_every_class_and_marking():
    classes = {c for c, _ in MATRIX}
    markings = {m for _, m in MATRIX}
    assert classes == set(RecordClass.values)
    assert {m for m in markings if "+" not in m or m == "AMBER+STRICT"} == set(TLP.values)
    assert {"GREEN+LES", "GREEN+CUI"} <= markings
    assert set(USERS[1:]) >= set(Role.values)


@pytest.fixture
def cast(make_org, make_user, centers):
    owner = make_org("Owner Police Department", Discipline.LE_LOCAL, county="Dane")
    author = make_user(Role.PARTNER_OFFICER, owner, username="author")
    wsic_org = make_org("Center Org", Discipline.LE_STATE, county="Dane", is_fusion_center=True)
    other_pd = make_org("Other Police Department", Discipline.LE_LOCAL, county="Sauk")
    private = make_org("Private Utility", Discipline.PRIVATE_SECTOR, county="Dane")
    fire = make_org("Fire District", Discipline.FIRE, county="Dane")
    users = {
        "anonymous": AnonymousUser(),
        "administrator": make_user(Role.ADMINISTRATOR, wsic_org, trained=False),
        "analyst": make_user(Role.ANALYST, wsic_org, center=centers["WSIC"]),
        "supervisor": make_user(Role.SUPERVISOR, wsic_org, sworn=True, center=centers["WSIC"]),
        "privacy_officer": make_user(Role.PRIVACY_OFFICER, wsic_org, center=centers["WSIC"]),
        "alert_coordinator": make_user(Role.ALERT_COORDINATOR, wsic_org),
        "partner_officer": make_user(Role.PARTNER_OFFICER, other_pd),
        "officer_untrained": make_user(Role.PARTNER_OFFICER, other_pd, trained=False),
        "partner_member": make_user(Role.PARTNER_MEMBER, private, trained=False),
        "liaison_officer": make_user(Role.LIAISON_OFFICER, fire, trained=False),
    }
    return {"owner": owner, "author": author, "users": users, "center": centers["WSIC"]}


def _record(cast, record_class: str, marking: str) -> Dossier:
    tlp, _, caveat = marking.partition("+")
    if marking == "AMBER+STRICT":
        tlp, caveat = "AMBER+STRICT", ""
    return Dossier.objects.create(
        title="x",
        record_class=record_class,
        tlp=tlp,
        les=caveat == "LES",
        cui="CUI//SP-INV" if caveat == "CUI" else "",
        center=cast["center"],
        owner_organization=cast["owner"],
        created_by=cast["author"],
    )


@pytest.mark.parametrize(("record_class", "marking"), list(MATRIX))
def test_view_matrix(cast, record_class, marking):
    record = _record(cast, record_class, marking)
    expected = dict(zip(USERS, MATRIX[(record_class, marking)].split(), strict=True))
    got, filtered = {}, {}
    for name, user in cast["users"].items():
        decision = access.decide(user, access.VIEW, record)
        assert decision.reason, "every answer carries a reason"
        got[name] = "Y" if decision.allowed else ("S" if decision.needs_statement else "N")
        filtered[name] = "Y" if access.visible(user, Dossier.objects.filter(pk=record.pk)).exists() else "N"
    assert got == expected
    # the database filter agrees (a record awaiting a statement is not listed until one is recorded)
    assert filtered == {k: ("Y" if v == "Y" else "N") for k, v in expected.items()}


def test_stated_need_to_know_opens_criminal_intelligence_and_is_remembered(cast):
    record = _record(cast, "criminal_intelligence", "GREEN")
    officer = cast["users"]["partner_officer"]
    assert access.decide(officer, access.VIEW, record).needs_statement
    with pytest.raises(access.AccessDenied):
        access.require(officer, access.VIEW, record)
    access.require(officer, access.VIEW, record, need_to_know="Case 26-1234: same suspect in our burglary series")
    # remembered: the next view needs no statement, and the record is now listed for the officer
    assert access.decide(officer, access.VIEW, record).allowed
    assert access.visible(officer, Dossier.objects.all()).filter(pk=record.pk).exists()


def test_untrained_officer_cannot_state_their_way_in(cast):
    record = _record(cast, "criminal_intelligence", "GREEN")
    decision = access.decide(cast["users"]["officer_untrained"], access.VIEW, record, need_to_know="I need it")
    assert not decision.allowed and "28 CFR Part 23 training" in decision.reason


def test_shares_open_amber_strict_and_red(cast):
    from django.contrib.contenttypes.models import ContentType

    from fusioncenter.core.models import Share

    officer = cast["users"]["partner_officer"]
    strict = _record(cast, "law_enforcement", "AMBER+STRICT")
    red = _record(cast, "law_enforcement", "RED")
    ct = ContentType.objects.get_for_model(Dossier)
    Share.objects.create(
        content_type=ct, object_id=str(strict.pk), organization=officer.organization, reason="joint case"
    )
    Share.objects.create(content_type=ct, object_id=str(red.pk), organization=officer.organization, reason="joint case")
    assert access.decide(officer, access.VIEW, strict).allowed
    # TLP:RED is for named people: a share to the whole organization is not enough
    assert not access.decide(officer, access.VIEW, red).allowed
    Share.objects.create(content_type=ct, object_id=str(red.pk), user=officer, reason="named recipient")
    assert access.decide(officer, access.VIEW, red).allowed
    assert set(access.visible(officer, Dossier.objects.all())) >= {strict, red}


def test_author_and_owner_organization_see_their_own(cast, make_user):
    colleague = make_user(Role.PARTNER_OFFICER, cast["owner"])
    strict = _record(cast, "law_enforcement", "AMBER+STRICT")
    red = _record(cast, "law_enforcement", "RED")
    assert access.decide(cast["author"], access.VIEW, red).allowed
    assert access.decide(colleague, access.VIEW, strict).allowed
    assert not access.decide(colleague, access.VIEW, red).allowed


# (action, user) -> expected, on a law-enforcement record at WSIC, TLP:GREEN
ACTIONS = {
    ("edit", "author"): True,
    ("edit", "analyst"): True,
    ("edit", "supervisor"): True,
    ("edit", "privacy_officer"): False,
    ("edit", "partner_officer"): False,
    ("edit", "administrator"): False,
    ("delete", "author"): False,
    ("delete", "analyst"): False,
    ("delete", "supervisor"): True,
    ("delete", "privacy_officer"): True,
    ("share", "analyst"): True,
    ("share", "partner_officer"): True,
    ("share", "partner_member"): False,
    ("export", "supervisor"): True,
    ("export", "liaison_officer"): False,
}


@pytest.mark.parametrize(("action", "who"), list(ACTIONS))
def test_action_matrix(cast, action, who):
    record = _record(cast, "law_enforcement", "GREEN")
    user = cast["author"] if who == "author" else cast["users"][who]
    decision = access.decide(user, action, record)
    assert decision.allowed is ACTIONS[(action, who)], decision.reason


def test_passing_on_criminal_intelligence_needs_a_statement_and_red_stays_with_author(cast):
    ci = _record(cast, "criminal_intelligence", "GREEN")
    analyst = cast["users"]["analyst"]
    refused = access.decide(analyst, access.SHARE, ci)
    assert not refused.allowed and refused.needs_statement
    assert access.decide(analyst, access.SHARE, ci, need_to_know="Joint investigation with Sauk County").allowed
    red = _record(cast, "law_enforcement", "RED")
    assert access.decide(cast["author"], access.SHARE, red).allowed
    assert not access.decide(cast["users"]["privacy_officer"], access.SHARE, red).allowed


def test_deny_by_default(cast):
    record = _record(cast, "law_enforcement", "GREEN")
    analyst = cast["users"]["analyst"]
    assert not access.decide(analyst, "purge-everything", record).allowed
    record.record_class = "made_up"
    assert not access.decide(analyst, access.VIEW, record).allowed
    record.record_class = "law_enforcement"
    analyst.locked_at = analyst.date_joined
    assert not access.decide(analyst, access.VIEW, record).allowed
    assert not access.visible(analyst, Dossier.objects.all()).exists()
    analyst.locked_at = None
    analyst.is_active = False
    assert not access.decide(analyst, access.VIEW, record).allowed


def test_receiving_checks_the_recipient_not_the_sender(cast):
    ci = _record(cast, "criminal_intelligence", "GREEN")
    assert access.decide(cast["users"]["partner_officer"], access.RECEIVE, ci).allowed
    assert not access.decide(cast["users"]["partner_member"], access.RECEIVE, ci).allowed
    assert not access.decide(cast["users"]["officer_untrained"], access.RECEIVE, ci).allowed


def test_views_of_sensitive_records_and_denials_are_audited(cast):
    from fusioncenter.core.models import AuditEntry

    le = _record(cast, "law_enforcement", "GREEN")
    public = _record(cast, "public", "CLEAR")
    analyst = cast["users"]["analyst"]
    access.require(analyst, access.VIEW, le, source_address="10.0.0.5")
    access.require(analyst, access.VIEW, public)
    with pytest.raises(access.AccessDenied):
        access.require(cast["users"]["partner_member"], access.VIEW, le)
    views = AuditEntry.objects.filter(object_type="access_app.dossier")
    assert list(views.values_list("action", "object_id", "outcome")) == [
        ("view", str(le.pk), "success"),
        ("view_denied", str(le.pk), "denied"),
    ]
    assert views.first().source_address == "10.0.0.5"
