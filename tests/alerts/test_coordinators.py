"""Access follows the alert-coordinator role at decision time, not the shares made when a record was filed."""

from __future__ import annotations

import pytest

from fusioncenter.alerts.models import AlertRequest
from fusioncenter.core import access
from fusioncenter.core.models import AuditEntry, Share, User
from fusioncenter.core.roles import Discipline, Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def doj(make_org):
    return make_org(name="Fictional DOJ Division of Criminal Investigation", discipline=Discipline.LE_STATE)


def _sees(user, record) -> bool:
    user = User.objects.get(pk=user.pk)
    return bool(access.decide(user, access.VIEW, record)) and access.visible(
        user, type(record).objects.filter(pk=record.pk)).exists()


def test_a_coordinator_added_after_filing_sees_the_earlier_request(submit, make_user, doj):
    req = submit()  # no coordinator anywhere yet: no coordinator share was made
    assert not Share.objects.filter(object_id=str(req.pk), organization=doj).exists()
    coordinator = make_user(Role.ALERT_COORDINATOR, doj, sworn=True)
    assert _sees(coordinator, req)
    assert Share.objects.filter(object_id=str(req.pk), organization=doj).count() == 1
    entry = AuditEntry.objects.get(action="alerts_coordinator_shares_granted")
    assert entry.object_id == str(doj.pk) and entry.detail == {"alerts.alertrequest": 1}
    make_user(Role.ALERT_COORDINATOR, doj, sworn=True)  # a second one: nothing shared twice
    assert Share.objects.filter(object_id=str(req.pk), organization=doj).count() == 1
    outsider = make_user(Role.PARTNER_OFFICER)
    assert not _sees(outsider, req)


def test_access_ends_with_the_role_when_no_coordinator_is_left(submit, make_user, doj, make_org):
    first = make_user(Role.ALERT_COORDINATOR, doj, sworn=True)
    second = make_user(Role.ALERT_COORDINATOR, doj, sworn=True)
    req = submit()
    assert _sees(first, req) and _sees(second, req)
    first.role = Role.PARTNER_OFFICER
    first.save(update_fields=["role"])
    assert _sees(second, req)  # the organization still has a coordinator
    second.is_active = False
    second.save(update_fields=["is_active"])
    assert not Share.objects.filter(object_id=str(req.pk), organization=doj).exists()
    assert not _sees(first, req)
    assert AuditEntry.objects.filter(action="alerts_coordinator_shares_revoked").exists()
    second.is_active = True
    second.save()
    assert _sees(second, req)
    moved_to = make_org(name="Fictional State Patrol", discipline=Discipline.LE_STATE)
    second.organization = moved_to
    second.save(update_fields=["organization"])
    assert _sees(second, req) and not Share.objects.filter(object_id=str(req.pk), organization=doj).exists()


def test_sign_ins_do_not_touch_shares(submit, make_user, doj):
    coordinator = make_user(Role.ALERT_COORDINATOR, doj, sworn=True)
    req = submit()
    Share.objects.filter(object_id=str(req.pk), organization=doj).delete()
    coordinator.save(update_fields=["last_login"])
    assert not Share.objects.filter(object_id=str(req.pk), organization=doj).exists()


def test_the_queue_lists_requests_filed_before_the_coordinator_existed(submit, make_user, doj, signed_in, client):
    req = submit()
    coordinator = make_user(Role.ALERT_COORDINATOR, doj, sworn=True)
    page = signed_in(client, coordinator).get("/alerts/requests/")
    assert page.status_code == 200 and f"/alerts/requests/{req.pk}/" in page.content.decode()
    assert signed_in(client, coordinator).get(f"/alerts/requests/{req.pk}/").status_code == 200
    assert AlertRequest.objects.count() == 1
