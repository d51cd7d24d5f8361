"""Clearinghouse cases: a coordinator added after a case was opened sees it; removing the role takes the
coordinator share away but never the investigating agency's own."""

from __future__ import annotations

import pytest

from fusioncenter.core import access
from fusioncenter.core.models import Share, User
from fusioncenter.core.roles import Discipline, Role

pytestmark = pytest.mark.django_db


def _sees(user, case) -> bool:
    user = User.objects.get(pk=user.pk)
    return bool(access.decide(user, access.VIEW, case)) and access.visible(
        user, type(case).objects.filter(pk=case.pk)).exists()


def test_a_coordinator_added_after_opening_sees_the_case(make_case, make_user, make_org):
    case = make_case()
    doj = make_org(name="Fictional DOJ DCI", discipline=Discipline.LE_STATE)
    coordinator = make_user(Role.ALERT_COORDINATOR, doj, sworn=True)
    assert _sees(coordinator, case)
    coordinator.role = Role.PARTNER_OFFICER
    coordinator.save(update_fields=["role"])
    assert not _sees(coordinator, case)


def test_revoking_keeps_the_investigating_agencys_share(make_case, make_user, other_agency):
    coordinator = make_user(Role.ALERT_COORDINATOR, other_agency, sworn=True)
    case = make_case(investigating_agency=other_agency)
    shares = Share.objects.filter(object_id=str(case.pk), organization=other_agency)
    assert shares.count() == 1
    coordinator.is_active = False
    coordinator.save(update_fields=["is_active"])
    assert shares.count() == 1  # the investigating agency still sees its case
    assert _sees(make_user(Role.PARTNER_OFFICER, other_agency), case)
