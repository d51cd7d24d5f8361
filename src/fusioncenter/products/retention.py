"""Products under the privacy app's retention: their policy, review date, and a purge that reaches
everywhere a product's content lives (registered in ProductsConfig.ready).

Where a product's content lives, and what removes it:

* the product row, its sections, versions (snapshots), review comments, working comments,
  references, audience, receipts and feedback: deleted here (the children cascade);
* its dissemination records (`products.Dissemination`, protected from casual deletion): deleted
  here first; the platform-wide dissemination log keeps its rows with the need-to-know statement
  blanked (the privacy app does that);
* its image and PDF files: overwritten and deleted once the purge commits;
* the PDF sent by e-mail: never stored (the delivery worker renders it at send time);
* the outbox messages about it (subjects, bodies, inbox notices, SMS log lines): the delivery app's
  purge hook; search documents and entity mentions: the entities app's purge hook; shares and
  need-to-know statements: the privacy app. All run in the same transaction.

An external alert a product passed on (`ExternalItem`) is the originator's record, not the
product's: it stays, unlinked from the purged product. It is registered as a record type of its own
(dates from its receipt, same policy mapping), and its purge removes its row and its file.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from django.db import transaction
from django.urls import reverse

from fusioncenter.core import clock, uploads

log = logging.getLogger(__name__)

# The privacy policy class each access class of product falls under. A law-enforcement product is
# case support (three years), not a tip (the access class's default policy, meant for unvetted tips).
POLICY_BY_CLASS = {
    "public": "public_information",
    "partner": "partner_information",
    "law_enforcement": "case_support",
    "criminal_intelligence": "criminal_intelligence",
}
FALLBACK_DAYS = 1095


def class_of(product: Any) -> str:
    return POLICY_BY_CLASS.get(product.record_class, "case_support")


def retention_days(product: Any) -> int:
    from fusioncenter.privacy import policies

    policy = policies.get(class_of(product))
    return int(policy.retention_days) if policy is not None else FALLBACK_DAYS


def set_dates(product: Any, start: dt.date | None = None) -> None:
    """Review and retention dates from `start` (today): the privacy officer reviews before the end."""
    start = start or clock.today()
    product.retention_until = start + dt.timedelta(days=retention_days(product))
    product.review_due = product.retention_until


def _erase(paths: list[Any]) -> None:
    """Overwrite then delete each file (`core.uploads.erase`)."""
    for path in paths:
        uploads.erase(path)


def purge_product(product: Any, actor: Any) -> None:
    from . import files
    from .models import Dissemination, ExternalItem

    paths = [files.path_for(uuid) for uuid in product.attachments.values_list("uuid", flat=True)]
    Dissemination.objects.filter(product=product).delete()
    ExternalItem.objects.filter(product=product).update(product=None)
    product.delete()
    transaction.on_commit(lambda: _erase(paths))


def purge_external(item: Any, actor: Any) -> None:
    """An external alert or uploaded bulletin: its file and its row. A product that passed it on is
    a record of its own (with its own copy of the text and file) and its own retention."""
    from . import files

    paths = [files.path_for(item.file_uuid)] if item.file_uuid else []
    item.delete()
    transaction.on_commit(lambda: _erase(paths))


def tombstone(product: Any) -> dict:
    """What stays: the number, type, markings and counts, never the title or the text."""
    return {"number": product.number[:64], "type": product.product_type.code, "tlp": product.tlp,
            "les": product.les, "status": product.status, "version": product.version,
            "recipients": product.receipts.count()}


def register() -> None:
    from fusioncenter.privacy.registry import register_record_type

    from .models import ExternalItem, Product

    register_record_type(
        Product,
        purge=purge_product,
        class_of=class_of,
        tombstone=tombstone,
        url=lambda p: reverse("products:detail", args=[p.pk]),
        describe=lambda p: f"Product {p.number}",
    )
    register_record_type(
        ExternalItem,
        purge=purge_external,
        class_of=class_of,
        tombstone=lambda i: {"source": i.source, "tlp": i.tlp, "les": i.les, "passed_on": i.product_id is not None},
        url=lambda i: reverse("products:external_item", args=[i.pk]),
        describe=lambda i: f"External alert {i.pk}",
    )
