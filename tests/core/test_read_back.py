"""The author's read-back of a law-enforcement record, checked on the decision and the filter alike.

A non-sworn liaison officer who wrote a law-enforcement record sees it (and only view); a caveat
added later, or criminal intelligence, closes it; no one else gains anything from the exception.
"""

from __future__ import annotations

import pytest

from fusioncenter.core import access
from fusioncenter.core.markings import TLP, RecordClass
from fusioncenter.core.roles import Discipline, Role
from tests.access_app.models import Dossier


@pytest.fixture
def fire(make_org):
    return make_org("Fire District", Discipline.FIRE, county="Dane")


def _dossier(author, center, **marks) -> Dossier:
    fields = {"record_class": RecordClass.LAW_ENFORCEMENT, "tlp": TLP.GREEN, "les": False, "cui": ""}
    fields.update(marks)
    return Dossier.objects.create(title="x", center=center, owner_organization=author.organization,
                                  created_by=author, **fields)


def _sees(user, record) -> tuple[bool, bool]:
    return (access.decide(user, access.VIEW, record).allowed,
            access.visible(user, Dossier.objects.filter(pk=record.pk)).exists())


def test_the_author_reads_back_and_nothing_more(fire, make_user, centers):
    liaison = make_user(Role.LIAISON_OFFICER, fire, trained=False)
    record = _dossier(liaison, centers["WSIC"])
    assert _sees(liaison, record) == (True, True)
    for action in (access.EDIT, access.SHARE, access.EXPORT):
        assert not access.decide(liaison, action, record).allowed
    assert not access.decide(liaison, access.RECEIVE, record).allowed


def test_a_colleague_of_the_author_gains_nothing(fire, make_user, centers):
    liaison = make_user(Role.LIAISON_OFFICER, fire, trained=False)
    colleague = make_user(Role.LIAISON_OFFICER, fire, trained=False, username="colleague")
    record = _dossier(liaison, centers["WSIC"])
    assert _sees(colleague, record) == (False, False)


@pytest.mark.parametrize("marks", [
    {"les": True},
    {"cui": "CUI//SP-INV"},
    {"record_class": RecordClass.CRIMINAL_INTELLIGENCE},
])
def test_a_caveat_or_criminal_intelligence_closes_it(fire, make_user, centers, marks):
    liaison = make_user(Role.LIAISON_OFFICER, fire, trained=False)
    record = _dossier(liaison, centers["WSIC"], **marks)
    assert _sees(liaison, record) == (False, False)
