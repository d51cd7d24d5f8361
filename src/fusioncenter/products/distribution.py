"""Distribution: who receives a product (decided by `core.access`), publishing it, corrections and
withdrawals to everyone who received it.

The recipient list is computed, never typed: the audience terms give candidate users; each
candidate is granted an explicit `core.Share` (named people only for TLP:RED) and kept only if
`access.decide(user, "receive", product)` allows. The preview runs the same computation inside a
savepoint that is rolled back, so what the sender sees is exactly what `publish` will do; `publish`
refuses if the list changed since the preview.

Delivery goes through the outbox (`delivery.services.send`) in the same transaction: one portal
notice per recipient and an e-mail where the user has an address. E-mail carries a link, never the
content, unless the marking allows it to travel (TLP:CLEAR/GREEN, no LES, no CUI, not
law-enforcement-only): then the title goes with it and the PDF is attached (`email_pdf`, rendered
by the delivery worker at send time from a reference, never stored in the outbox).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.urls import reverse
from django.utils.html import escape

from fusioncenter.core import access, audit, clock
from fusioncenter.core.markings import TLP, RecordClass
from fusioncenter.core.models import Share
from fusioncenter.core.site import absolute_url
from fusioncenter.delivery.links import PLACEHOLDER as PERSONAL  # each e-mail recipient's own link

from . import audiences, email_pdf, render, retention, services
from .models import AudienceKind, Dissemination, Product, Receipt, Status

MIN_NEED_TO_KNOW = 10


@dataclass
class Candidate:
    user: Any
    allowed: bool
    reason: str

    @property
    def channels(self) -> list[str]:
        return ["portal", "email"] if self.user.email else ["portal"]


def open_marking(product: Product) -> bool:
    """May the content itself travel by e-mail (and the PDF be attached)?"""
    return (product.tlp in (TLP.CLEAR, TLP.GREEN) and not product.les and not product.cui
            and product.record_class in (RecordClass.PUBLIC, RecordClass.PARTNER))


def sensitive(product: Product) -> bool:
    return product.record_class in access.SENSITIVE_CLASSES or product.les


def _ct() -> ContentType:
    return ContentType.objects.get_for_model(Product)


def _share_users(product: Product, users: list[Any], granted_by: Any, reason: str) -> int:
    ct = _ct()
    existing = set(Share.objects.filter(content_type=ct, object_id=str(product.pk), user__isnull=False)
                   .values_list("user_id", flat=True))
    new = [Share(content_type=ct, object_id=str(product.pk), user=u, reason=reason[:500],
                 granted_by=granted_by if access.is_signed_in(granted_by) else None)
           for u in users if u.pk not in existing]
    Share.objects.bulk_create(new)
    return len(new)


def _decide_all(product: Product, terms: list[tuple[str, str]]) -> list[Candidate]:
    named = {int(v) for k, v in terms if k == AudienceKind.USER}
    users = list(audiences.candidates(terms))
    grantable = [u for u in users if product.tlp != TLP.RED or u.pk in named]
    _share_users(product, grantable, None, f"Audience of product {product.number}")
    out = []
    for user in users:
        decision = access.decide(user, access.RECEIVE, product)
        out.append(Candidate(user, decision.allowed, decision.reason))
    return out


def recipients(product: Product, terms: list[tuple[str, str]] | None = None) -> tuple[list[Candidate],
                                                                                         list[Candidate]]:
    """(included, excluded with the reason) for the product's audience; changes nothing."""
    terms = services.audience_terms(product) if terms is None else terms
    with transaction.atomic():
        candidates = _decide_all(product, terms)
        transaction.set_rollback(True)
    return [c for c in candidates if c.allowed], [c for c in candidates if not c.allowed]


def fingerprint(included: list[Candidate]) -> str:
    """A short digest of the recipient list shown to the sender, checked again on sending."""
    ids = ",".join(str(pk) for pk in sorted(c.user.pk for c in included))
    return hashlib.sha256(ids.encode()).hexdigest()[:16]


def _url(name: str, pk: int) -> str:
    return absolute_url(reverse(name, args=[pk]))


def message_fields(product: Product, kind: str, note: str = "") -> dict[str, str]:
    """Subject and bodies for a release, correction or withdrawal; the TLP is in the subject and body."""
    banner = render.banner(product)
    what = {"release": "New", "correction": "Corrected", "withdrawal": "WITHDRAWN"}[kind]
    name = product.product_type.name
    title = f": {product.title}" if open_marking(product) else ""
    subject = f"[TLP:{product.tlp}] {what} {name.lower()} {product.number}{title}"[:200]
    link = _url("products:detail", product.pk)
    lines = [banner, "", f"{settings.FUSIONCENTER_SHORT_NAME}: {what.lower()} {name.lower()} {product.number}{title}"]
    html = [f"<p><strong>{escape(banner)}</strong></p>",
            f"<p>{escape(settings.FUSIONCENTER_SHORT_NAME)}: {escape(what.lower())} {escape(name.lower())} "
            f"{escape(product.number)}{escape(title)}</p>"]
    if kind == "withdrawal":
        lines += ["", "This product has been withdrawn. Do not use or pass it on; delete copies you made.",
                  f"Reason: {note}"]
        html += ["<p>This product has been withdrawn. Do not use or pass it on; delete copies you made.</p>",
                 f"<p>Reason: {escape(note)}</p>"]
    elif kind == "correction":
        lines += ["", f"Version {product.version} corrects the earlier version. What changed: {note}"]
        html += [f"<p>Version {product.version} corrects the earlier version. What changed: {escape(note)}</p>"]
    lines += ["", f"Open it (sign-in required): {link}",
              f"Your own link, which also records that you received it (only you can use it): {PERSONAL}"]
    html += [f'<p><a href="{escape(link)}">Open {escape(product.number)}</a> (sign-in required)</p>',
             f"<p>Your own link, which also records that you received it (only you can use it): {PERSONAL}</p>"]
    if open_marking(product) and kind != "withdrawal":
        pdf = _url("products:pdf", product.pk)
        lines.append(f"PDF (attached to this e-mail; also here): {pdf}")
        html.append(f'<p>The PDF is attached. <a href="{escape(pdf)}">PDF of {escape(product.number)}</a></p>')
    lines += ["", settings.FUSIONCENTER_HANDLING_NOTICE, banner]
    html += [f"<p>{escape(settings.FUSIONCENTER_HANDLING_NOTICE)}</p>", f"<p><strong>{escape(banner)}</strong></p>"]
    return {"subject": subject, "text_body": "\n".join(lines), "html_body": "\n".join(html),
            "sender_label": settings.FUSIONCENTER_SHORT_NAME}


def _privacy_log(actor: Any, product: Product, users: list[Any], need_to_know: str,
                 source_address: str | None) -> bool:
    """Also write the platform's dissemination log (privacy app) once its tables exist."""
    try:
        from fusioncenter.privacy import dissemination as privacy
        from fusioncenter.privacy.models import Dissemination as PrivacyDissemination
    except ImportError:
        return False
    if PrivacyDissemination._meta.db_table not in connection.introspection.table_names():
        return False
    privacy.disseminate(actor, product, users, need_to_know, PrivacyDissemination.Channel.PRODUCT,
                        version=str(product.version), source_address=source_address)
    return True


def _send(actor: Any, product: Product, users: list[Any], kind: str, note: str, need_to_know: str,
          rights: dict[int, str], source_address: str | None) -> int:
    from fusioncenter.delivery import services as delivery

    recipients_ = []
    for user in users:
        recipients_.append(("portal", "", user))
        if user.email:
            recipients_.append(("email", user.email, user))
    key = f"products.product:{product.pk}:v{product.version}:{kind}"
    # Only a reference goes into the outbox; the worker renders the PDF per recipient when it sends,
    # after checking again that the product is still out and the recipient may have it.
    attach = (email_pdf.PROVIDER, product.pk) if open_marking(product) and kind != Dissemination.Kind.WITHDRAWAL \
        else None
    message = delivery.send(message_fields(product, kind, note), recipients_, source=product, actor=actor, key=key,
                            attachment=attach, link=reverse("products:detail", args=[product.pk]))
    marking = render.banner(product)[:200]
    now = clock.now()
    rows = [Dissemination(product=product, version=product.version, kind=kind, recipient=user,
                          organization_id=user.organization_id, channel=channel, marking=marking,
                          right_to_know=rights.get(user.pk, "Earlier recipient of this product.")[:300],
                          need_to_know=need_to_know[:500], message_id=message.pk, at=now, by=actor)
            for user in users for channel in (["portal", "email"] if user.email else ["portal"])]
    Dissemination.objects.bulk_create(rows)
    return message.pk


def publish(user: Any, product: Product, *, need_to_know: str = "", expected: str | None = None,
            source_address: str | None = None) -> Product:
    """Release an approved product to its audience. `expected` is the preview's fingerprint."""
    access.require(user, access.VIEW, product, source_address=source_address)
    if not services.is_worker(user, product):
        raise PermissionDenied("Only the analysts and supervisors of the product's center release it.")
    if product.tlp == TLP.RED and product.created_by_id != user.pk:
        raise PermissionDenied("TLP:RED: only the author releases it to the named recipients.")
    need_to_know = (need_to_know or "").strip()
    with transaction.atomic():
        product = Product.objects.select_for_update().get(pk=product.pk)
        if product.status != Status.APPROVED:
            raise ValidationError({"status": [ValidationError("Only an approved product can be released.",
                                                              code="wrong_status")]})
        if sensitive(product) and len(need_to_know) < MIN_NEED_TO_KNOW:
            raise ValidationError({"need_to_know": [ValidationError(
                "State the recipients' need to know (law-enforcement information, 28 CFR 23.20(e)).",
                code="required")]})
        included, excluded = recipients(product)
        if expected is not None and expected != fingerprint(included):
            raise ValidationError({"recipients": [ValidationError(
                "The recipient list changed since you reviewed it; review it again.", code="changed")]})
        if not included:
            raise ValidationError({"audience": [ValidationError(
                "No one in this audience may receive the product under its markings.", code="empty")]})
        users = [c.user for c in included]
        _share_users(product, users, user, f"Recipient of product {product.number}")
        now = clock.now()
        product.status = Status.PUBLISHED
        product.published_at = now
        product.published_by = user
        product.updated_at = now
        retention.set_dates(product)  # the retention period runs from the release
        if product.product_type.expires_hours:
            product.expires_at = now + dt.timedelta(hours=product.product_type.expires_hours)
        product.save()
        message_id = _send(user, product, users, Dissemination.Kind.RELEASE, "", need_to_know,
                           {c.user.pk: c.reason for c in included}, source_address)
        Receipt.objects.bulk_create([Receipt(product=product, user=u, delivered_at=now) for u in users],
                                    ignore_conflicts=True)
        services._version(product, "published", user)
        logged = _privacy_log(user, product, users, need_to_know, source_address)
        audit.record(user, "products.publish", product, source_address=source_address, detail={
            "recipients": len(users), "excluded": len(excluded), "message": message_id, "version": product.version,
            "privacy_log": logged})
    return product


def received_by(product: Product) -> list[Any]:
    """Everyone who received any version of the product."""
    from django.contrib.auth import get_user_model

    ids = Dissemination.objects.filter(product=product, kind=Dissemination.Kind.RELEASE).values("recipient_id")
    return list(get_user_model().objects.filter(pk__in=ids))


def withdraw(user: Any, product: Product, reason: str, *, source_address: str | None = None) -> Product:
    """Withdraw a published product; a notice goes to everyone who received it."""
    access.require(user, access.VIEW, product, source_address=source_address)
    if not (services.is_worker(user, product) and (user.role == "supervisor" or product.created_by_id == user.pk)):
        raise PermissionDenied("The author or a supervisor of the product's center withdraws it.")
    reason = (reason or "").strip()
    if not reason or len(reason) > 500:
        raise ValidationError({"reason": [ValidationError("Give the reason (at most 500 characters).",
                                                          code="required")]})
    return _withdraw(user, product, reason, source_address)


def _withdraw(actor: Any, product: Product, reason: str, source_address: str | None = None) -> Product:
    with transaction.atomic():
        product = Product.objects.select_for_update().get(pk=product.pk)
        if product.status != Status.PUBLISHED:
            raise ValidationError({"status": [ValidationError("Only a published product can be withdrawn.",
                                                              code="wrong_status")]})
        product.status = Status.WITHDRAWN
        product.withdrawn_at = clock.now()
        product.withdrawn_reason = reason
        product.updated_at = product.withdrawn_at
        product.save()
        users = received_by(product)
        sender = actor if access.is_signed_in(actor) else product.published_by
        message_id = _send(sender, product, users, Dissemination.Kind.WITHDRAWAL, reason, "", {}, source_address) \
            if users and sender is not None else None
        services._version(product, "withdrawn", actor, reason)
        audit.record(actor, "products.withdraw", product, source_address=source_address,
                     detail={"notified": len(users), "message": message_id})
    return product


def expire_due() -> int:
    """Withdraw published products past their expiry (a BOLO), notifying everyone who received them."""
    due = Product.objects.filter(status=Status.PUBLISHED, expires_at__lte=clock.now()).values_list("pk", flat=True)
    n = 0
    for pk in list(due):
        _withdraw("system", Product.objects.get(pk=pk), "Expired: no longer in force.")
        n += 1
    return n


def correct(user: Any, product: Product, sections: dict[str, str], note: str, *, title: str | None = None,
            source_address: str | None = None) -> Product:
    """Publish a corrected version (same markings and audience); a notice goes to everyone who received it.

    Markings do not change in a correction: to mark a product more strictly, withdraw it and issue a
    new one, so nobody keeps a copy under a marking that no longer applies.
    """
    access.require(user, access.EDIT, product, source_address=source_address)
    if not (services.is_worker(user, product) and (user.role == "supervisor" or product.created_by_id == user.pk)):
        raise PermissionDenied("The author or a supervisor of the product's center issues a correction.")
    note = (note or "").strip()
    if not note or len(note) > 500:
        raise ValidationError({"note": [ValidationError("Say what was corrected (at most 500 characters).",
                                                        code="required")]})
    with transaction.atomic():
        product = Product.objects.select_for_update().get(pk=product.pk)
        if product.status != Status.PUBLISHED:
            raise ValidationError({"status": [ValidationError("Only a published product can be corrected.",
                                                              code="wrong_status")]})
        before = services.snapshot(product)
        errors: dict = {}
        if title is not None:
            product.title = services._title({"title": title}, errors)
        marks = {s.key: s.portion_marking for s in product.sections.all()}
        merged = {s.key: s.body for s in product.sections.all()}
        merged.update(sections)
        services._write_sections(product, merged, marks, errors)
        if errors:
            raise ValidationError(errors)
        if services.snapshot(product)["sections"] == before["sections"] and product.title == before["title"]:
            raise ValidationError({"sections": [ValidationError("Nothing was changed.", code="unchanged")]})
        product.version += 1
        product.updated_at = clock.now()
        product.save()
        users = received_by(product)
        message_id = _send(user, product, users, Dissemination.Kind.CORRECTION, note, "", {}, source_address) \
            if users else None
        services._version(product, "correction", user, note)
        audit.record(user, "products.correct", product, source_address=source_address,
                     detail={"version": product.version, "notified": len(users), "message": message_id})
    return product


def dissemination_rows(product: Product):
    return Dissemination.objects.filter(product=product).select_related("recipient", "organization", "by")


def read_receipts(product: Product):
    return Receipt.objects.filter(product=product).select_related("user", "user__organization").order_by(
        "user__last_name", "user__username")
