"""Alert requests under the privacy app's retention: dated at filing, kept while the alert is active,
purged everywhere (request, public alert, CAP messages, photos, outbox, public outputs)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.conf import settings

from fusioncenter.alerts import services
from fusioncenter.alerts.models import Alert, AlertMessage, AlertPhoto, AlertRequest
from fusioncenter.core import audit, clock
from fusioncenter.privacy import registry, retention
from fusioncenter.privacy.models import Tombstone
from tests.privacy.helpers import tables_containing

pytestmark = pytest.mark.django_db

NAME = "Zorabelle Quillfeatherton"
LABEL = "alerts.alertrequest"


def _files() -> list[Path]:
    return [p for p in Path(settings.MEDIA_ROOT).rglob("*") if p.is_file()]


def test_a_request_is_registered_and_dated_by_the_case_support_policy(submit):
    req = submit(subject_name=NAME)
    rt = registry.get(LABEL)
    assert rt is not None and rt.policy_code(req) == "case_support"
    assert req.review_due == req.retention_until == clock.today() + dt.timedelta(days=1095)
    assert rt.title(req) == f"Alert request {req.pk}" and NAME not in rt.title(req)


def test_an_active_alert_is_kept_and_a_closed_one_is_purged_everywhere(issued, coordinator, client, make_user,
                                                                       django_capture_on_commit_callbacks):
    alert = issued(subject_name=NAME)
    req = alert.request
    services.update_alert(coordinator, alert, {"circumstances": f"{NAME} was seen near the river."}, note="Seen.")
    assert AlertMessage.objects.filter(alert=alert).count() >= 2
    photos = _files()
    assert photos and {"alerts_alertrequest", "alerts_alert", "alerts_alertmessage", "alerts_alertphoto"} <= set(
        tables_containing(NAME))
    assert NAME in client.get(f"/alerts/{alert.pk}/").content.decode()
    clock.advance(dt.timedelta(days=1200))
    with django_capture_on_commit_callbacks(execute=True):
        result = retention.run()
    assert (LABEL, str(req.pk)) not in result.purged and AlertRequest.objects.filter(pk=req.pk).exists()
    services.cancel_alert(coordinator, Alert.objects.get(pk=alert.pk), "found")
    with django_capture_on_commit_callbacks(execute=True):
        result = retention.run()
    assert (LABEL, str(req.pk)) in result.purged
    assert not AlertRequest.objects.filter(pk=req.pk).exists() and not Alert.objects.filter(pk=alert.pk).exists()
    assert not AlertMessage.objects.exists() and not AlertPhoto.objects.exists()
    assert tables_containing(NAME) == [] and not any(NAME.encode() in f.read_bytes() for f in _files())
    assert not any(p.exists() for p in photos)
    for url in (f"/alerts/{alert.pk}/", f"/alerts/{alert.pk}/cap.xml", f"/alerts/{alert.pk}/cap/1.xml",
                f"/alerts/{alert.pk}/poster.pdf", f"/alerts/{alert.pk}/photo.jpg"):
        assert client.get(url).status_code == 404, url
    for url in ("/alerts/", "/alerts/feed.atom"):
        page = client.get(url)
        assert page.status_code == 200 and NAME not in page.content.decode(), url
    tomb = Tombstone.objects.get(record_type=LABEL, original_id=str(req.pk))
    assert tomb.summary["program"] == "AMBER" and tomb.summary["alert_status"] == "cancelled"
    assert NAME not in str(tomb.summary)
    assert audit.verify().ok


def test_the_privacy_officer_purges_a_declined_request_with_its_photo(submit, upload, coordinator, make_user,
                                                                       django_capture_on_commit_callbacks):
    req = submit(subject_name=NAME, photo=upload())
    services.decline(coordinator, req, "Does not meet the AMBER criteria: no abduction.")
    files = _files()
    assert files
    officer = make_user("privacy_officer")
    with django_capture_on_commit_callbacks(execute=True):
        retention.purge(officer, LABEL, req.pk)
    assert not AlertRequest.objects.exists() and not AlertPhoto.objects.exists()
    assert tables_containing(NAME) == [] and not any(p.exists() for p in files)
