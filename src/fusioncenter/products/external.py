"""Federal and external alerts: CAP and Atom feed subscriptions, uploaded bulletins, and passing an
item on to chosen audiences in one step with its original markings.

Feeds are hostile input: they are fetched with a timeout and a size cap, and parsed with
`defusedxml` (no DTDs, no entity expansion, no external references). An item keeps what the
originator wrote and how they marked it, word for word (`original_marking`); the center's own
TLP/LES/CUI (taken from the item, or from the subscription's default when the originator set
none) is what `core.access` enforces.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass, field
from typing import Any
from xml.etree.ElementTree import Element

import defusedxml.ElementTree as SafeET
from defusedxml import DefusedXmlException
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils.dateparse import parse_datetime

from fusioncenter.core import access, audit, clock
from fusioncenter.core.markings import TLP, RecordClass, validate_cui_banner
from fusioncenter.core.models import Center
from fusioncenter.core.roles import Role

from . import audiences, distribution, files, reference, services
from .models import Attachment, Audience, ExternalItem, FeedSubscription, Product, ProductType, Section, Status

CAP_NS = "urn:oasis:names:tc:emergency:cap:1.2"
ATOM_NS = "http://www.w3.org/2005/Atom"
MAX_FEED_BYTES = 2 * 1024 * 1024
TIMEOUT = 15
MANAGER_ROLES = {Role.ANALYST, Role.SUPERVISOR, Role.ALERT_COORDINATOR}


def _err(field_name: str, message: str, code: str = "invalid") -> ValidationError:
    return ValidationError({field_name: [ValidationError(message, code=code)]})


def _require_manager(user: Any) -> None:
    if not access.is_signed_in(user) or user.role not in MANAGER_ROLES:
        raise PermissionDenied("Only the center's analysts, supervisors and alert coordinators manage feeds.")


def _center_for(user: Any) -> Center | None:
    center = getattr(user, "center", None) if access.is_signed_in(user) else None
    return center or Center.objects.filter(code=settings.FUSIONCENTER_DEFAULT_CENTER).first()


# --- parsing --------------------------------------------------------------------------------------


@dataclass
class Parsed:
    identifier: str
    title: str
    body: str = ""
    originator: str = ""
    original_marking: str = ""
    link: str = ""
    sent_at: dt.datetime | None = None
    tlp: str | None = None
    extra: dict = field(default_factory=dict)


def _text(el: Element | None, path: str, ns: dict[str, str]) -> str:
    found = el.find(path, ns) if el is not None else None
    return (found.text or "").strip() if found is not None and found.text else ""


def _when(value: str) -> dt.datetime | None:
    try:
        return parse_datetime(value) if value else None
    except ValueError:
        return None


def parse_cap(alert: Element) -> Parsed:
    """One CAP 1.2 alert: the first English info block (else the first), its markings as received."""
    ns = {"c": CAP_NS}
    infos = alert.findall("c:info", ns)
    info = next((i for i in infos if _text(i, "c:language", ns).lower().startswith("en")), infos[0] if infos else None)
    scope = _text(alert, "c:scope", ns)
    restriction = _text(alert, "c:restriction", ns)
    marking = f"CAP scope: {scope or 'not given'}" + (f"; restriction: {restriction}" if restriction else "")
    parts = [_text(info, "c:description", ns)]
    instruction = _text(info, "c:instruction", ns)
    if instruction:
        parts.append(f"Instruction: {instruction}")
    areas = [_text(a, "c:areaDesc", ns) for a in (info.findall("c:area", ns) if info is not None else [])]
    if any(areas):
        parts.append("Area: " + "; ".join(a for a in areas if a))
    meta = [f"{label}: {_text(info, 'c:' + tag, ns)}" for tag, label in
            (("event", "Event"), ("urgency", "Urgency"), ("severity", "Severity"), ("certainty", "Certainty"))
            if _text(info, "c:" + tag, ns)]
    if meta:
        parts.insert(0, " · ".join(meta))
    tlp = {"Restricted": TLP.AMBER, "Private": TLP.AMBER_STRICT}.get(scope)
    return Parsed(
        identifier=_text(alert, "c:identifier", ns)[:300] or "unknown",
        title=(_text(info, "c:headline", ns) or _text(info, "c:event", ns) or "CAP alert")[:300],
        body="\n\n".join(p for p in parts if p),
        originator=(_text(info, "c:senderName", ns) or _text(alert, "c:sender", ns))[:200],
        original_marking=marking[:300],
        link=_text(info, "c:web", ns)[:500] if _text(info, "c:web", ns).startswith(("http://", "https://")) else "",
        sent_at=_when(_text(alert, "c:sent", ns)),
        tlp=tlp,
    )


def parse_atom_entry(entry: Element) -> Parsed:
    ns = {"a": ATOM_NS, "c": CAP_NS}
    embedded = entry.find(".//c:alert", ns)
    if embedded is not None:
        return parse_cap(embedded)
    link = ""
    for el in entry.findall("a:link", ns):
        href = el.get("href", "")
        if href.startswith(("http://", "https://")) and el.get("rel", "alternate") == "alternate":
            link = href
            break
    author = _text(entry, "a:author/a:name", ns)
    rights = _text(entry, "a:rights", ns)
    body = _text(entry, "a:summary", ns) or _text(entry, "a:content", ns)
    return Parsed(
        identifier=(_text(entry, "a:id", ns) or link or _text(entry, "a:title", ns))[:300] or "unknown",
        title=(_text(entry, "a:title", ns) or "Untitled entry")[:300],
        body=body,
        originator=author[:200],
        original_marking=(rights or "none given")[:300],
        link=link[:500],
        sent_at=_when(_text(entry, "a:updated", ns) or _text(entry, "a:published", ns)),
        tlp=_tlp_in(rights),
    )


def _tlp_in(text: str) -> str | None:
    upper = (text or "").upper()
    for value in (TLP.RED, TLP.AMBER_STRICT, TLP.AMBER, TLP.GREEN, TLP.CLEAR):
        if f"TLP:{value}" in upper:
            return value
    return "CLEAR" if "TLP:WHITE" in upper else None


def parse_document(data: bytes) -> list[Parsed]:
    """A CAP alert, or an Atom feed (of plain entries or of CAP alerts). Raises ValidationError."""
    try:
        root = SafeET.fromstring(data, forbid_dtd=True)
    except (SafeET.ParseError, DefusedXmlException, ValueError) as exc:
        raise _err("feed", f"The document is not well-formed or safe XML ({type(exc).__name__}).", "xml")
    if root.tag == f"{{{CAP_NS}}}alert":
        return [parse_cap(root)]
    if root.tag == f"{{{ATOM_NS}}}feed":
        return [parse_atom_entry(e) for e in root.findall(f"{{{ATOM_NS}}}entry")]
    raise _err("feed", "Neither a CAP 1.2 alert nor an Atom feed.", "format")


# --- subscriptions --------------------------------------------------------------------------------


def subscribe(user: Any, name: str, url: str, kind: str, default_tlp: str = TLP.CLEAR) -> FeedSubscription:
    _require_manager(user)
    name, url = (name or "").strip(), (url or "").strip()
    errors: dict = {}
    if not name or len(name) > 120:
        errors["name"] = [ValidationError("Name the feed (at most 120 characters).", code="required")]
    if not url.startswith(("http://", "https://")) or len(url) > 500:
        errors["url"] = [ValidationError("An http or https address.", code="invalid")]
    if kind not in FeedSubscription.Kind.values:
        errors["kind"] = [ValidationError("Choose CAP or Atom.", code="invalid")]
    if default_tlp not in TLP.values:
        errors["default_tlp"] = [ValidationError("Choose a TLP label.", code="invalid")]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        sub = FeedSubscription.objects.create(name=name, url=url, kind=kind, default_tlp=default_tlp, created_by=user)
        audit.record(user, "products.feed_subscribe", sub, detail={"kind": kind})
    return sub


def _download(url: str) -> bytes:
    if not url.startswith(("http://", "https://")):
        raise _err("url", "An http or https address.", "invalid")
    headers = {"User-Agent": "fusioncenter-feed/1", "Accept": "application/atom+xml, application/xml, text/xml"}
    request = urllib.request.Request(url, headers=headers)  # noqa: S310 - scheme checked above
    with urllib.request.urlopen(request, timeout=TIMEOUT) as response:  # noqa: S310 - http(s) checked on save
        data = response.read(MAX_FEED_BYTES + 1)
    if len(data) > MAX_FEED_BYTES:
        raise _err("feed", "The feed is larger than 2 MB.", "too_large")
    return data


def _store(item: Parsed, *, source: str, subscription: FeedSubscription | None, default_tlp: str,
           center: Center | None, user: Any = None) -> tuple[ExternalItem, bool]:
    defaults = {
        "source": source, "originator": item.originator, "title": item.title, "body": item.body[:100_000],
        "original_marking": item.original_marking, "link": item.link, "sent_at": item.sent_at,
        "tlp": item.tlp or default_tlp, "record_class": RecordClass.PARTNER, "les": False, "cui": "",
        "center": center, "created_by": user if access.is_signed_in(user) else None,
    }
    return ExternalItem.objects.get_or_create(subscription=subscription, identifier=item.identifier, defaults=defaults)


def fetch(subscription: FeedSubscription, actor: Any = "system") -> int:
    """Fetch one feed and keep new items; returns how many were new. Errors are recorded, not raised."""
    now = clock.now()
    try:
        items = parse_document(_download(subscription.url))
    except (urllib.error.URLError, OSError, ValueError) as exc:
        result, new = f"error: {type(exc).__name__}", 0
    except ValidationError as exc:
        result, new = f"error: {exc.messages[0]}"[:200], 0
    else:
        center = _center_for(subscription.created_by) if subscription.created_by else _center_for(None)
        new = 0
        with transaction.atomic():
            for parsed in items:
                _, created = _store(parsed, source=ExternalItem.Source.FEED, subscription=subscription,
                                    default_tlp=subscription.default_tlp, center=center)
                new += created
        result = f"ok: {len(items)} items, {new} new"
    with transaction.atomic():
        FeedSubscription.objects.filter(pk=subscription.pk).update(last_fetched_at=now, last_result=result[:200])
        audit.record(actor, "products.feed_fetch", subscription, outcome="success" if result.startswith("ok")
                     else "failure", detail={"new": new})
    return new


FETCH_EVERY = dt.timedelta(minutes=5)


def fetch_all(due_only: bool = False) -> int:
    """Fetch every active feed; with `due_only`, only those not fetched in the last FETCH_EVERY
    (the scheduler ticks every minute, and a partner's feed server should not be polled that often)."""
    subs = FeedSubscription.objects.filter(active=True)
    if due_only:
        cutoff = clock.now() - FETCH_EVERY
        subs = subs.filter(Q(last_fetched_at__isnull=True) | Q(last_fetched_at__lt=cutoff))
    return sum(fetch(sub) for sub in subs)


# --- uploads and passing on -----------------------------------------------------------------------


def upload(user: Any, name: str, data: bytes, meta: dict, *, source_address: str | None = None) -> ExternalItem:
    """An uploaded bulletin (PDF or image) with its metadata and its original marking as printed on it."""
    _require_manager(user)
    errors: dict = {}
    title = (meta.get("title") or "").strip()
    if not title or len(title) > 300:
        errors["title"] = [ValidationError("Give the bulletin's title.", code="required")]
    original = (meta.get("original_marking") or "").strip()
    if not original or len(original) > 300:
        errors["original_marking"] = [ValidationError(
            "Copy the marking printed on the bulletin (e.g. UNCLASSIFIED//FOR OFFICIAL USE ONLY).", code="required")]
    tlp = meta.get("tlp") or TLP.AMBER
    if tlp not in TLP.values:
        errors["tlp"] = [ValidationError("Choose a TLP label.", code="invalid")]
    record_class = meta.get("record_class") or RecordClass.LAW_ENFORCEMENT
    if record_class not in RecordClass.values:
        errors["record_class"] = [ValidationError("Choose a record class.", code="invalid")]
    cui = (meta.get("cui") or "").strip().upper()
    if validate_cui_banner(cui):
        errors["cui"] = [ValidationError(validate_cui_banner(cui), code="cui_banner")]
    clean = None
    try:
        clean = files.clean_upload(name, data, "file")
    except ValidationError as exc:
        errors.update(exc.error_dict)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        item = ExternalItem.objects.create(
            source=ExternalItem.Source.UPLOAD, identifier=(meta.get("identifier") or clean.sha256)[:300],
            originator=(meta.get("originator") or "").strip()[:200], title=title,
            body=(meta.get("summary") or "").strip()[:20_000], original_marking=original, tlp=tlp,
            record_class=record_class, les=bool(meta.get("les")), cui=cui, center=_center_for(user),
            owner_organization=user.organization, created_by=user, filename=clean.filename,
            file_type=clean.content_type, file_uuid=uuid.uuid4())
        files.write(item.file_uuid, clean.data)
        audit.record(user, "products.bulletin_upload", item, source_address=source_address,
                     detail={"type": clean.content_type, "tlp": tlp})
    return item


def visible_items(user: Any):
    return access.visible(user, ExternalItem.objects.select_related("subscription", "product"))


def _build(user: Any, item: ExternalItem, terms: list[tuple[str, str]], note: str) -> Product:
    """The product that carries an external item: its text and file as received, its markings."""
    reference.ensure_types()
    ptype = ProductType.objects.filter(external=True).order_by("order").first()
    if ptype is None:
        raise _err("product_type", "No product type for passed-on alerts is configured.", "config")
    center = user.center
    product = Product.objects.create(
        number=services._next_number(center.code if center else "FC"), product_type=ptype,
        title=item.title[:200], status=Status.APPROVED, center=center, owner_organization=user.organization,
        created_by=user, approved_by=user, tlp=item.tlp, les=item.les, cui=item.cui,
        record_class=item.record_class, origin=item.originator, original_marking=item.original_marking)
    body = item.body + (f"\n\nSource: <{item.link}>" if item.link else "")
    mark = f"({item.original_marking})" if item.original_marking and len(item.original_marking) < 58 else ""
    Section.objects.create(product=product, key="original", title="Original message",
                           portion_marking=mark or "(AS RECEIVED)", body=body, order=0)
    Section.objects.create(product=product, key="center_note", title="Center note",
                           portion_marking=f"(TLP:{product.tlp})", body=note, order=1)
    Audience.objects.bulk_create([Audience(product=product, kind=k, value=v) for k, v in terms])
    return product


def _check_pass_on(user: Any, item: ExternalItem, terms: list[tuple[str, str]], note: str,
                   source_address: str | None) -> tuple[list[tuple[str, str]], str]:
    access.require(user, access.VIEW, item, source_address=source_address)
    if not services.is_worker(user):
        raise PermissionDenied("The center's analysts and supervisors pass alerts on.")
    if item.product_id:
        raise _err("item", "This item was already passed on.", "done")
    terms = audiences.clean_terms(terms)
    if not terms:
        raise _err("audience", "Choose at least one audience.", "required")
    note = (note or "").strip()
    if len(note) > 5000:
        raise _err("note", "At most 5,000 characters.", "too_long")
    return terms, note


def preview_pass_on(user: Any, item: ExternalItem, terms: list[tuple[str, str]], note: str = ""
                    ) -> tuple[list[distribution.Candidate], list[distribution.Candidate]]:
    """Who would receive the item (and who not, and why), computed exactly as `pass_on` will."""
    terms, note = _check_pass_on(user, item, terms, note, None)
    with transaction.atomic():
        product = _build(user, item, terms, note)
        result = distribution.recipients(product)
        transaction.set_rollback(True)
    return result


def pass_on(user: Any, item: ExternalItem, terms: list[tuple[str, str]], *, note: str = "",
            need_to_know: str = "", expected: str | None = None, source_address: str | None = None) -> Product:
    """One step: a product of the external type carrying the item and its original markings, released
    to the chosen audience (recipients decided by `core.access`, as for any product). It is not
    reviewed again: the center passes on the originator's words unchanged, under their markings."""
    terms, note = _check_pass_on(user, item, terms, note, source_address)
    with transaction.atomic():
        item = ExternalItem.objects.select_for_update().get(pk=item.pk)
        if item.product_id:
            raise _err("item", "This item was already passed on.", "done")
        product = _build(user, item, terms, note)
        if item.file_uuid:
            data = files.read(item.file_uuid)
            att = Attachment.objects.create(product=product, filename=item.filename, content_type=item.file_type,
                                            size=len(data), sha256=hashlib.sha256(data).hexdigest(),
                                            uploaded_by=user, caption="Original bulletin as received")
            files.write(att.uuid, data)
        services._version(product, "passed_on", user)
        audit.record(user, "products.pass_on", product, source_address=source_address,
                     detail={"external_item": item.pk})
        product = distribution.publish(user, product, need_to_know=need_to_know, expected=expected,
                                       source_address=source_address)
        item.product = product
        item.save(update_fields=["product"])
    return product
