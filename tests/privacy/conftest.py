"""Fixtures for the privacy tests: a test-only record type registered with the privacy registry,
files in a temporary MEDIA_ROOT, and the record-class policies (loaded by the migration)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.base import ContentFile

DISTINCTIVE = "Zebulon Quaxworth-Pemberly"


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def hook_calls():
    return []


@pytest.fixture
def retained(db, media, hook_calls):
    """Register RetainedDossier with the privacy registry (tests only) and a purge hook that records calls."""
    from fusioncenter.privacy import registry
    from tests.access_app.models import RetainedDossier

    def hook(label: str, object_id: str) -> None:
        hook_calls.append((label, object_id))

    rt = registry.register_record_type(
        RetainedDossier,
        tombstone=lambda r: {"files": r.files.count() + (1 if r.attachment else 0), "center": r.center.code
                             if r.center_id else None},
        describe=lambda r: f"Dossier {r.pk}",
    )
    registry.register_purge_hook(hook)
    yield rt
    registry.unregister_purge_hook(hook)
    registry.unregister_record_type(rt.label)


@pytest.fixture
def make_dossier(retained, centers, make_org):
    from fusioncenter.core import clock
    from fusioncenter.core.markings import RecordClass
    from tests.access_app.models import RetainedDossier, RetainedDossierFile

    def make(*, record_class=RecordClass.LAW_ENFORCEMENT, days_to_review=400, days_to_retention=None,
             center="WSIC", with_files=True, created_by=None, **kw):
        today = clock.today()
        d = RetainedDossier.objects.create(
            record_class=record_class,
            tlp=kw.pop("tlp", "AMBER"),
            center=centers[center],
            subject_name=kw.pop("subject_name", DISTINCTIVE),
            notes=kw.pop("notes", f"Notes about {DISTINCTIVE}."),
            review_due=today + dt.timedelta(days=days_to_review),
            retention_until=today + dt.timedelta(days=days_to_retention if days_to_retention is not None
                                                 else days_to_review),
            created_by=created_by,
            **kw,
        )
        if with_files:
            d.attachment.save("photo.txt", ContentFile(f"photo of {DISTINCTIVE}".encode()), save=True)
            child = RetainedDossierFile(dossier=d, caption="scan")
            child.upload.save("scan.txt", ContentFile(f"scan of {DISTINCTIVE}".encode()), save=True)
        return d

    return make
