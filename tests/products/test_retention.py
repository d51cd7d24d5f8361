"""Products under the privacy app's retention: a product left unreviewed past its retention date is
purged everywhere it lived (its rows, versions, comments, feedback, files, dissemination records, the
outbox messages and inbox notices, the search index), leaving an audited tombstone without content."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.db import connection

from fusioncenter.core import clock
from fusioncenter.core.models import AuditEntry
from fusioncenter.delivery import worker
from fusioncenter.delivery.models import Message
from fusioncenter.privacy import registry
from fusioncenter.privacy import retention as privacy_retention
from fusioncenter.privacy.models import Tombstone
from fusioncenter.products import distribution, files, services
from fusioncenter.products.models import Product

pytestmark = pytest.mark.django_db

MARKER = "Ottoline Brackenridge-Sauvage"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def _tables_containing(text: str) -> list[str]:
    found = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            columns = [c.name for c in connection.introspection.get_table_description(cursor, table)]
            for column in columns:
                cursor.execute(f'SELECT 1 FROM "{table}" WHERE CAST("{column}" AS TEXT) LIKE %s LIMIT 1',
                               [f"%{text}%"])
                if cursor.fetchone():
                    found.append(f"{table}.{column}")
    return found


def _files_containing(root, data: bytes) -> list[str]:
    return [str(p) for p in root.rglob("*") if p.is_file() and data in p.read_bytes()]


def _png() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (24, 16), (10, 120, 200)).save(out, format="PNG")
    return out.getvalue()


def test_registered_with_dates_from_the_policy(people):
    rt = registry.get("products.product")
    assert rt is not None and rt.model is Product
    p = services.create(people["analyst"], "intelligence_bulletin", {
        "title": "Dated", "tlp": "AMBER", "record_class": "law_enforcement", "sections": {"summary": "x"}})
    assert rt.policy_code(p) == "case_support"
    assert p.retention_until == clock.today() + dt.timedelta(days=1095)
    assert p.review_due == p.retention_until


def test_unreviewed_product_is_purged_everywhere(people, smtp_sink, settings, django_capture_on_commit_callbacks):
    analyst, member = people["analyst"], people["member"]
    with django_capture_on_commit_callbacks(execute=True):
        p = services.create(analyst, "situational_awareness", {
            "title": f"Sighting of {MARKER} near the Capitol",
            "sections": {"what": f"Name: {MARKER}\n\nSeen on the Capitol Square at 09:10."},
            "audience": [("organization", str(people["madison"].pk))]})
        services.add_comment(analyst, p, f"Check {MARKER} against the tip line.")
        att = services.add_attachment(analyst, p, "scene.png", _png(), f"Where {MARKER} stood")
        stored = files.read(att.uuid)
        p = services.submit(analyst, p)
        p = distribution.publish(analyst, p)
        worker.run(once=True)
        services.give_feedback(member, p, {"usefulness": 4, "action": "briefed",
                                           "comment": f"We briefed patrol on {MARKER}."})
    [mail] = smtp_sink.by_rcpt()[member.email]
    assert MARKER in mail["subject"] and list(mail["parsed"].iter_attachments())
    assert Message.objects.filter(source_type="products.product", source_id=str(p.pk)).exists()
    before = _tables_containing(MARKER)
    assert {"products_product.title", "products_section.body", "products_comment.body",
            "products_version.snapshot", "products_feedback.comment", "delivery_message.subject"} <= set(before)
    media = settings.MEDIA_ROOT
    assert _files_containing(media, stored)

    p.refresh_from_db()
    clock.freeze(dt.datetime.combine(p.retention_until + dt.timedelta(days=1), dt.time(12), tzinfo=dt.UTC))
    with django_capture_on_commit_callbacks(execute=True):
        result = privacy_retention.run()

    assert ("products.product", str(p.pk)) in result.purged
    assert not Product.objects.filter(pk=p.pk).exists()
    assert _tables_containing(MARKER) == []
    assert _files_containing(media, stored) == []
    assert not files.path_for(att.uuid).exists()
    assert not Message.objects.filter(source_type="products.product", source_id=str(p.pk)).exists()
    tomb = Tombstone.objects.get(record_type="products.product", original_id=str(p.pk))
    assert tomb.summary["number"] == p.number and tomb.summary["tlp"] == "GREEN"
    assert MARKER not in str(tomb.summary)
    assert AuditEntry.objects.filter(action="privacy_purge", object_type="products.product",
                                     object_id=str(p.pk)).exists()


def test_privacy_officer_purges_a_product_on_request(people, published, django_capture_on_commit_callbacks):
    p = published()
    with django_capture_on_commit_callbacks(execute=True):
        tomb = privacy_retention.purge(people["privacy"], "products.product", p.pk)
    assert tomb.summary["les"] is True
    assert not Product.objects.filter(pk=p.pk).exists()
    assert _tables_containing("Copper theft ring") == []


def test_uploaded_bulletin_is_purged_with_its_file(people, settings, django_capture_on_commit_callbacks):
    from fusioncenter.products import external
    from fusioncenter.products.models import ExternalItem

    pdf = b"%PDF-1.4\n% Isambard Feodorovna-Lachance\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF"
    with django_capture_on_commit_callbacks(execute=True):
        item = external.upload(people["analyst"], "jib.pdf", pdf, {
            "title": f"Bulletin naming {MARKER}", "originator": "DHS and FBI",
            "original_marking": "UNCLASSIFIED//FOR OFFICIAL USE ONLY", "tlp": "AMBER",
            "record_class": "law_enforcement", "les": True, "summary": f"Subject: {MARKER}."})
    assert item.retention_until == clock.today() + dt.timedelta(days=1095)
    assert _tables_containing(MARKER) and _files_containing(settings.MEDIA_ROOT, b"Isambard")
    with django_capture_on_commit_callbacks(execute=True):
        privacy_retention.purge(people["privacy"], "products.externalitem", item.pk)
    assert not ExternalItem.objects.filter(pk=item.pk).exists()
    assert _tables_containing(MARKER) == []
    assert _files_containing(settings.MEDIA_ROOT, b"Isambard") == []
    tomb = Tombstone.objects.get(record_type="products.externalitem", original_id=str(item.pk))
    assert tomb.summary == {"source": "upload", "tlp": "AMBER", "les": True, "passed_on": False}
