"""Missing-person cases under the privacy app's retention: kept while the person is missing, dated from
the resolution, purged everywhere (case, photos, listing, sightings, outbox, index, public outputs)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone

from fusioncenter.clearinghouse import services
from fusioncenter.clearinghouse.models import CasePhoto, MissingPersonCase, PublicListing, Sighting
from fusioncenter.core import audit, clock
from fusioncenter.delivery.models import Message
from fusioncenter.privacy import registry, retention
from fusioncenter.privacy.models import Tombstone
from tests.privacy.helpers import tables_containing

pytestmark = pytest.mark.django_db

NAME = "Quillfeatherton"
LABEL = "clearinghouse.missingpersoncase"
SIGHTING = {"place": "Bus stop at Sample Ave", "seen_at": "2020-01-01T10:00", "zip_code": "53703",
            "description": f"I saw the {NAME} girl get off the bus.", "reporter_phone": "608-555-0123",
            "website": ""}


def _files() -> list[Path]:
    return [p for p in Path(settings.MEDIA_ROOT).rglob("*") if p.is_file()]


def test_cases_are_registered_and_dated_from_the_resolution(make_case, officer):
    case = make_case(family_name=NAME)
    rt = registry.get(LABEL)
    assert rt is not None and rt.policy_code(case) == "case_support"
    assert case.review_due == case.retention_until == timezone.localdate(case.opened_at) + dt.timedelta(days=1095)
    assert not rt.candidates().filter(pk=case.pk).exists()  # open: never queued or purged
    clock.advance(dt.timedelta(days=400))
    case = services.change_status(officer, case, "located_safe", note="Found at a friend's house.")
    assert case.review_due == timezone.localdate(case.resolved_at) + dt.timedelta(days=1095)
    assert rt.candidates().filter(pk=case.pk).exists()
    assert NAME not in rt.title(case)


def test_an_open_case_is_kept_and_a_resolved_one_is_purged_everywhere(released_case, make_case, officer, client,
                                                                      django_capture_on_commit_callbacks):
    services.update_case(officer, released_case, {"family_name": NAME})
    case = MissingPersonCase.objects.get(pk=released_case.pk)
    client.post(f"/missing/{case.pk}/sighting", SIGHTING)
    assert Sighting.objects.filter(case=case).exists()
    assert Message.objects.filter(source_type="clearinghouse.sighting").exists()
    still_missing = make_case(family_name="Keptopen")
    files = _files()
    assert files and NAME in client.get(f"/missing/{case.pk}/").content.decode()
    assert {"clearinghouse_missingpersoncase", "clearinghouse_publiclisting", "clearinghouse_sighting"} <= set(
        tables_containing(NAME))
    case = services.change_status(officer, case, "located_safe", note="Home safe.")
    clock.advance(dt.timedelta(days=1200))
    with django_capture_on_commit_callbacks(execute=True):
        result = retention.run()
    assert (LABEL, str(case.pk)) in result.purged and (LABEL, str(still_missing.pk)) not in result.purged
    assert MissingPersonCase.objects.filter(pk=still_missing.pk).exists()
    assert not MissingPersonCase.objects.filter(pk=case.pk).exists()
    assert not CasePhoto.objects.filter(case_id=case.pk).exists() and not PublicListing.objects.filter(
        case_id=case.pk).exists()
    assert not Message.objects.filter(source_type="clearinghouse.sighting").exists()
    assert tables_containing(NAME) == [] and not any(NAME.encode() in f.read_bytes() for f in _files())
    assert not any(p.exists() for p in files)
    tomb = Tombstone.objects.get(record_type=LABEL, original_id=str(case.pk))
    assert tomb.summary["status"] == "located_safe" and tomb.summary["photos"] == 1
    assert audit.verify().ok


def test_the_privacy_officer_purges_a_listed_case_and_its_public_outputs_go(released_case, officer, client, make_user,
                                                                            django_capture_on_commit_callbacks):
    case = services.update_case(officer, released_case, {"family_name": NAME})
    for url in (f"/missing/{case.pk}/", "/missing/", "/missing/feed.atom"):
        assert NAME in client.get(url).content.decode(), url
    for url in (f"/missing/{case.pk}/photo.jpg", f"/missing/{case.pk}/poster-en.pdf"):
        assert client.get(url).status_code == 200, url
    files = _files()
    privacy_officer = make_user("privacy_officer")
    with django_capture_on_commit_callbacks(execute=True):
        retention.purge(privacy_officer, LABEL, case.pk)
    for url in (f"/missing/{case.pk}/", f"/missing/{case.pk}/photo.jpg", f"/missing/{case.pk}/poster-en.pdf"):
        assert client.get(url).status_code == 404, url
    for url in ("/missing/", "/missing/feed.atom"):
        page = client.get(url)
        assert page.status_code == 200 and NAME not in page.content.decode(), url
    assert not any(p.exists() for p in files)
    assert tables_containing(NAME) == [] and not any(NAME.encode() in f.read_bytes() for f in _files())
    assert Tombstone.objects.get(record_type=LABEL).purged_by == privacy_officer
