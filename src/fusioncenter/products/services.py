"""Authoring and review of intelligence products. Every change: validate, check access, write, audit,
in one transaction. Distribution (publish, correct, withdraw) is in `distribution`; federal and
external alerts in `external`.

The review path: draft → peer review → supervisor approval → privacy review (only when the product
names a person or holds criminal intelligence) → approved → published. A reviewer is never the
author. An expedited type (the situational awareness report) skips peer and supervisor review, so a
duty analyst can send fast facts in minutes; privacy review still applies to it.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.apps import apps as django_apps
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Avg, Count, Q, QuerySet

from fusioncenter.core import access, audit, clock
from fusioncenter.core.markings import TLP, RecordClass, validate_cui_banner
from fusioncenter.core.models import MarkedRecord
from fusioncenter.core.roles import CENTER_STAFF_ROLES, CENTER_WORKER_ROLES, Role

from . import audiences, files, reference, render
from .models import (
    Attachment,
    Audience,
    Comment,
    Dissemination,
    Feedback,
    Product,
    ProductType,
    Receipt,
    Reference,
    Review,
    Section,
    Status,
    Version,
)

REVIEW_STAGES = (Status.PEER_REVIEW, Status.SUPERVISOR_REVIEW, Status.PRIVACY_REVIEW)
EDITABLE = (Status.DRAFT,)
MAX_ATTACHMENTS = 10
FEEDBACK_ACTIONS = {
    "none": "No action needed",
    "briefed": "Briefed my staff or patrol",
    "changed_posture": "Changed our security posture or operations",
    "opened_case": "Opened or supported a case",
    "shared": "Shared it within my agency",
}
# Where a reference to another app's record links to (label → URL name taking the pk).
REFERENCE_URLS = {"sar.report": "sar:detail"}
REFERENCE_LABELS = {"sar.report": lambda obj: f"SAR {obj.receipt}: {obj.summary}"}


def _err(field: str, message: str, code: str = "invalid") -> ValidationError:
    return ValidationError({field: [ValidationError(message, code=code)]})


# --- reading ---------------------------------------------------------------------------------------


def _released_or_staff(user: Any) -> Q:
    """Drafts and reviews are the center's business: other readers see only released products."""
    if access.is_signed_in(user) and user.role in CENTER_STAFF_ROLES:
        return Q()
    return Q(status__in=[Status.PUBLISHED, Status.WITHDRAWN])


def visible_products(user: Any) -> QuerySet:
    """The products `user` may see (through `core.access`), newest first."""
    qs = Product.objects.filter(_released_or_staff(user)).select_related("product_type", "center")
    return access.visible(user, qs)


def get_for(user: Any, pk: Any, *, source_address: str | None = None) -> Product:
    """One product for `user`, or AccessDenied (shown as 404) whether it is hidden or absent."""
    product = Product.objects.select_related("product_type", "center", "created_by").filter(pk=pk).first()
    if product is None:
        raise access.AccessDenied(access.deny("No such product."))
    if not Product.objects.filter(_released_or_staff(user), pk=product.pk).exists():
        raise access.AccessDenied(access.deny("Not released yet."))
    access.require(user, access.VIEW, product, source_address=source_address)
    return product


def is_worker(user: Any, product: Product | None = None) -> bool:
    """An analyst or supervisor of the product's center (or of any center, without a product)."""
    if not access.is_signed_in(user) or user.role not in CENTER_WORKER_ROLES:
        return False
    return product is None or (product.center_id is not None and product.center_id == access.user_center_id(user))


def snapshot(product: Product) -> dict:
    return {
        "title": product.title,
        "version": product.version,
        "tlp": product.tlp, "les": product.les, "cui": product.cui, "record_class": product.record_class,
        "banner": render.banner(product),
        "sections": [{"key": s.key, "title": s.title, "portion_marking": s.portion_marking, "body": s.body}
                     for s in product.sections.all()],
    }


def _version(product: Product, event: str, actor: Any, note: str = "") -> Version:
    last = product.versions.order_by("-seq").first()
    return Version.objects.create(product=product, number=product.version, seq=(last.seq + 1) if last else 1,
                                  event=event, snapshot=snapshot(product), note=note[:500],
                                  created_by=actor if access.is_signed_in(actor) else None)


# --- authoring -------------------------------------------------------------------------------------


def _next_number(center_code: str) -> str:
    year = clock.today().year
    prefix = f"{center_code}-{year}-"
    last = (Product.objects.filter(number__startswith=prefix).order_by("-number")
            .values_list("number", flat=True).first())
    seq = int(last.rsplit("-", 1)[1]) + 1 if last else 1
    return f"{prefix}{seq:04d}"


def _clean_markings(data: dict, ptype: ProductType, errors: dict) -> dict:
    tlp = data.get("tlp") or ptype.default_tlp
    record_class = data.get("record_class") or ptype.default_record_class
    cui = (data.get("cui") or "").strip()
    if tlp not in TLP.values:
        errors["tlp"] = [ValidationError("Choose a TLP 2.0 label.", code="invalid")]
    if record_class not in RecordClass.values:
        errors["record_class"] = [ValidationError("Choose a record class.", code="invalid")]
    problem = validate_cui_banner(cui)
    if problem:
        errors["cui"] = [ValidationError(problem, code="cui_banner")]
    les = bool(data["les"]) if data.get("les") is not None else ptype.default_les
    return {"tlp": tlp, "record_class": record_class, "cui": cui, "les": les}


def _portion(value: str, field: str, errors: dict) -> str:
    value = (value or "").strip().upper()
    if value and not (value.startswith("(") and value.endswith(")") and len(value) <= 60):
        errors[field] = [ValidationError('A portion mark is written in brackets, e.g. "(U//LES)".',
                                         code="portion_marking")]
    return value


def _write_sections(product: Product, bodies: dict, marks: dict, errors: dict) -> None:
    known = {s["key"]: s for s in product.product_type.sections}
    unknown = set(bodies) - set(known)
    if unknown:
        errors["sections"] = [ValidationError(f"Unknown section {sorted(unknown)[0]!r}.", code="invalid")]
        return
    default_mark = render.default_portion_marking(product.tlp, product.les, product.cui)
    for order, (key, spec) in enumerate(known.items()):
        body = str(bodies.get(key) or "")
        if len(body) > 50_000:
            errors[f"section_{key}"] = [ValidationError("A section may hold at most 50,000 characters.",
                                                        code="too_long")]
            continue
        mark = _portion(marks.get(key, ""), f"mark_{key}", errors) or default_mark
        Section.objects.update_or_create(product=product, key=key, defaults={
            "title": spec["title"], "body": body, "portion_marking": mark, "order": order})


def _title(data: dict, errors: dict) -> str:
    title = str(data.get("title") or "").strip()
    if not title:
        errors["title"] = [ValidationError("A title is required.", code="required")]
    elif len(title) > 200 or "\n" in title:
        errors["title"] = [ValidationError("The title is one line of at most 200 characters.", code="too_long")]
    return title


def create(user: Any, type_code: str, data: dict, *, source_address: str | None = None) -> Product:
    """A new draft. `data`: title, tlp, les, cui, record_class, names_person, sections {key: markdown},
    portion_marks {key: mark}, audience [(kind, value)]."""
    if not is_worker(user):
        raise PermissionDenied("Only the center's analysts and supervisors write products.")
    reference.ensure_types()
    ptype = ProductType.objects.filter(code=type_code, active=True).first()
    if ptype is None:
        raise _err("product_type", "Choose a product type.", "required")
    errors: dict = {}
    title = _title(data, errors)
    markings = _clean_markings(data, ptype, errors)
    terms = audiences.clean_terms(data.get("audience") or [])
    if errors:
        raise ValidationError(errors)
    center = user.center
    with transaction.atomic():
        for attempt in range(5):
            try:
                with transaction.atomic():
                    product = Product.objects.create(
                        number=_next_number(center.code if center else "FC"), product_type=ptype, title=title,
                        names_person=bool(data.get("names_person")), center=center,
                        owner_organization=user.organization, created_by=user, **markings)
                break
            except IntegrityError:
                if attempt == 4:
                    raise
        _write_sections(product, data.get("sections") or {}, data.get("portion_marks") or {}, errors)
        if errors:
            raise ValidationError(errors)
        Audience.objects.bulk_create([Audience(product=product, kind=k, value=v) for k, v in terms])
        _version(product, "created", user)
        audit.record(user, "products.create", product, source_address=source_address,
                     detail={"type": ptype.code, "tlp": product.tlp})
    return product


def update(user: Any, product: Product, data: dict, *, source_address: str | None = None) -> Product:
    """Change a draft (markings, title, sections, audience). Only drafts change; a published product
    is changed by a correction (`distribution.correct`)."""
    access.require(user, access.EDIT, product, source_address=source_address)
    if product.status not in EDITABLE:
        raise _err("status", "Only a draft can be edited; return it to draft first.", "not_editable")
    errors: dict = {}
    title = _title(data, errors)
    markings = _clean_markings(data, product.product_type, errors)
    terms = audiences.clean_terms(data.get("audience") or [])
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        product = Product.objects.select_for_update().get(pk=product.pk)
        if product.status not in EDITABLE:
            raise _err("status", "Only a draft can be edited.", "not_editable")
        for name, value in markings.items():
            setattr(product, name, value)
        product.title = title
        product.names_person = bool(data.get("names_person"))
        product.updated_at = clock.now()
        product.save()
        _write_sections(product, data.get("sections") or {}, data.get("portion_marks") or {}, errors)
        if errors:
            raise ValidationError(errors)
        product.audience.all().delete()
        Audience.objects.bulk_create([Audience(product=product, kind=k, value=v) for k, v in terms])
        _version(product, "edited", user)
        audit.record(user, "products.update", product, source_address=source_address,
                     detail={"tlp": product.tlp, "audience_terms": len(terms)})
    return product


def audience_terms(product: Product) -> list[tuple[str, str]]:
    return list(product.audience.values_list("kind", "value"))


def quick_report(user: Any, title: str, what: str, terms: list[tuple[str, str]], tlp: str = TLP.GREEN, *,
                 source_address: str | None = None) -> Product:
    """A situational awareness report from the quick form: created and submitted together, so a
    refused submission leaves no stray draft behind."""
    with transaction.atomic():
        product = create(user, "situational_awareness", {"title": title, "tlp": tlp, "sections": {"what": what},
                                                          "audience": terms}, source_address=source_address)
        return submit(user, product, source_address=source_address)


# --- review ----------------------------------------------------------------------------------------


def _check_complete(product: Product) -> None:
    errors: dict = {}
    bodies = {s.key: s.body for s in product.sections.all()}
    for spec in product.product_type.sections:
        if spec.get("required") and not (bodies.get(spec["key"]) or "").strip():
            errors[f"section_{spec['key']}"] = [ValidationError(f"{spec['title']} is required.", code="required")]
    if not product.audience.exists():
        errors["audience"] = [ValidationError("Choose at least one audience.", code="required")]
    if product.tlp == TLP.RED and product.audience.exclude(kind="user").exists():
        errors["audience"] = [ValidationError("TLP:RED goes to named people only: choose people, not groups.",
                                              code="tlp_red")]
    if errors:
        raise ValidationError(errors)


def _after_supervisor(product: Product) -> str:
    return Status.PRIVACY_REVIEW if product.needs_privacy_review else Status.APPROVED


def _transition(user: Any, product: Product, to: str, action: str, source_address: str | None,
                **detail: Any) -> Product:
    old = product.status
    product.status = to
    product.updated_at = clock.now()
    product.save(update_fields=["status", "updated_at", "peer_reviewer", "approved_by", "privacy_reviewed_by"])
    audit.record(user, action, product, source_address=source_address, detail={"from": old, "to": to, **detail})
    return product


def _share_with_reviewers(user: Any, product: Product) -> None:
    """TLP:RED is for named people: name the center's analysts and supervisors (the review team) by a
    share each, so they can review it; the privacy officer sees it by oversight."""
    from django.contrib.auth import get_user_model

    from fusioncenter.core.models import Share

    ct = ContentType.objects.get_for_model(Product)
    have = set(Share.objects.filter(content_type=ct, object_id=str(product.pk), user__isnull=False)
               .values_list("user_id", flat=True))
    team = get_user_model().objects.filter(
        Q(home_center_id=product.center_id) | Q(home_center__isnull=True, organization__center_id=product.center_id),
        role__in=list(CENTER_WORKER_ROLES), is_active=True).exclude(pk__in=have)
    Share.objects.bulk_create([Share(content_type=ct, object_id=str(product.pk), user=member, granted_by=user,
                                     reason=f"Review of TLP:RED product {product.number}") for member in team])


def submit(user: Any, product: Product, *, source_address: str | None = None) -> Product:
    """Hand a draft to review (or, for an expedited type, straight to release or privacy review)."""
    access.require(user, access.EDIT, product, source_address=source_address)
    if not is_worker(user, product):
        raise PermissionDenied("Only the center's analysts and supervisors submit products.")
    with transaction.atomic():
        product = Product.objects.select_for_update().get(pk=product.pk)
        if product.status != Status.DRAFT:
            raise _err("status", "Only a draft can be submitted.", "wrong_status")
        _check_complete(product)
        to = _after_supervisor(product) if product.product_type.expedited else Status.PEER_REVIEW
        if product.tlp == TLP.RED:
            _share_with_reviewers(user, product)
        _version(product, "submitted", user)
        return _transition(user, product, to, "products.submit", source_address)


def review(user: Any, product: Product, approve: bool, comment: str = "", *,
           source_address: str | None = None) -> Product:
    """The reviewer of the current stage approves (moving it on) or returns it to draft with a reason."""
    comment = (comment or "").strip()
    if len(comment) > 5000:
        raise _err("comment", "A comment may hold at most 5,000 characters.", "too_long")
    access.require(user, access.VIEW, product, source_address=source_address)
    with transaction.atomic():
        product = Product.objects.select_for_update().get(pk=product.pk)
        stage = product.status
        if stage not in REVIEW_STAGES:
            raise _err("status", "The product is not waiting for a review.", "wrong_status")
        if product.created_by_id == user.pk:
            raise PermissionDenied("An author does not review their own product.")
        if stage == Status.PEER_REVIEW and not is_worker(user, product):
            raise PermissionDenied("Peer review is done by an analyst or supervisor of the product's center.")
        if stage == Status.SUPERVISOR_REVIEW and not (user.role == Role.SUPERVISOR and is_worker(user, product)):
            raise PermissionDenied("Supervisor approval is given by a supervisor of the product's center.")
        if stage == Status.PRIVACY_REVIEW and user.role != Role.PRIVACY_OFFICER:
            raise PermissionDenied("Privacy review is done by the privacy officer.")
        if not approve and not comment:
            raise _err("comment", "Say why the product is returned.", "required")
        Review.objects.create(product=product, stage=stage, outcome="approved" if approve else "returned",
                              reviewer=user, comment=comment)
        if comment:
            Comment.objects.create(product=product, author=user, body=comment)
        if not approve:
            return _transition(user, product, Status.DRAFT, "products.return", source_address, stage=stage)
        if stage == Status.PEER_REVIEW:
            product.peer_reviewer = user
            to = Status.SUPERVISOR_REVIEW
        elif stage == Status.SUPERVISOR_REVIEW:
            product.approved_by = user
            to = _after_supervisor(product)
        else:
            product.privacy_reviewed_by = user
            to = Status.APPROVED
        _version(product, f"approved_{stage}", user)
        return _transition(user, product, to, "products.approve", source_address, stage=stage)


def reviewable_by(user: Any) -> QuerySet:
    """Products waiting for this user's review."""
    if not access.is_signed_in(user):
        return Product.objects.none()
    qs = visible_products(user).exclude(created_by=user)
    if user.role == Role.PRIVACY_OFFICER:
        return qs.filter(status=Status.PRIVACY_REVIEW)
    center_id = access.user_center_id(user)
    stages = [Status.PEER_REVIEW] if user.role == Role.ANALYST else (
        [Status.PEER_REVIEW, Status.SUPERVISOR_REVIEW] if user.role == Role.SUPERVISOR else [])
    return qs.filter(status__in=stages, center_id=center_id)


def add_comment(user: Any, product: Product, body: str, section_key: str = "", *,
                source_address: str | None = None) -> Comment:
    access.require(user, access.VIEW, product, source_address=source_address)
    if user.role not in CENTER_STAFF_ROLES:
        raise PermissionDenied("Comments are the center's working notes.")
    body = (body or "").strip()
    if not body:
        raise _err("body", "Write a comment.", "required")
    if len(body) > 5000:
        raise _err("body", "A comment may hold at most 5,000 characters.", "too_long")
    if section_key and not product.sections.filter(key=section_key).exists():
        raise _err("section_key", "No such section.")
    with transaction.atomic():
        comment = Comment.objects.create(product=product, author=user, body=body, section_key=section_key)
        audit.record(user, "products.comment", product, source_address=source_address, detail={"comment": comment.pk})
    return comment


# --- references and files --------------------------------------------------------------------------


def _reference_model(label: str) -> type[MarkedRecord]:
    try:
        model = django_apps.get_model(label)
    except (LookupError, ValueError):
        raise _err("reference", "Unknown record type.")
    if not issubclass(model, MarkedRecord):
        raise _err("reference", "Only access-controlled records can be referenced.")
    return model


def add_reference(user: Any, product: Product, label: str, object_id: str, note: str = "", *,
                  source_address: str | None = None) -> Reference:
    """Cite a report or entity. The author must be able to see it; readers see it only if they may."""
    access.require(user, access.EDIT, product, source_address=source_address)
    if product.status not in EDITABLE:
        raise _err("status", "References are added to drafts.", "not_editable")
    model = _reference_model(label)
    target = model.objects.filter(pk=object_id).first() if str(object_id).isdigit() else None
    if target is None:
        raise _err("reference", "No such record.", "not_found")
    try:
        access.require(user, access.VIEW, target, source_address=source_address)
    except access.AccessDenied:
        raise _err("reference", "No such record.", "not_found")
    with transaction.atomic():
        ref, _ = Reference.objects.get_or_create(
            product=product, content_type=ContentType.objects.get_for_model(model), object_id=str(target.pk),
            defaults={"note": (note or "").strip()[:200]})
        audit.record(user, "products.reference", product, source_address=source_address,
                     detail={"type": model._meta.label_lower, "id": str(target.pk)})
    return ref


def references_for(user: Any, product: Product) -> tuple[list[dict], int]:
    """The references this reader may see (label, url, note), and how many are withheld."""
    from django.urls import NoReverseMatch, reverse

    shown, hidden = [], 0
    for ref in product.references.select_related("content_type"):
        model = ref.content_type.model_class()
        target = model.objects.filter(pk=ref.object_id).first() if model else None
        if target is None or not access.decide(user, access.VIEW, target):
            hidden += 1
            continue
        key = model._meta.label_lower
        label = REFERENCE_LABELS.get(key, lambda o: f"{o._meta.verbose_name} {o.pk}")(target)
        try:
            url = reverse(REFERENCE_URLS[key], args=[target.pk]) if key in REFERENCE_URLS else ""
        except NoReverseMatch:
            url = ""
        shown.append({"label": label, "url": url, "note": ref.note})
    return shown, hidden


def add_attachment(user: Any, product: Product, name: str, data: bytes, caption: str = "", *,
                   source_address: str | None = None) -> Attachment:
    access.require(user, access.EDIT, product, source_address=source_address)
    if product.status not in EDITABLE:
        raise _err("file", "Files are added to drafts.", "not_editable")
    if product.attachments.count() >= MAX_ATTACHMENTS:
        raise _err("file", f"At most {MAX_ATTACHMENTS} files per product.", "too_many")
    clean = files.clean_upload(name, data, "file")
    with transaction.atomic():
        att = Attachment.objects.create(product=product, filename=clean.filename, content_type=clean.content_type,
                                        size=len(clean.data), sha256=clean.sha256, caption=(caption or "")[:200],
                                        uploaded_by=user)
        files.write(att.uuid, clean.data)
        audit.record(user, "products.attach", product, source_address=source_address,
                     detail={"attachment": att.pk, "type": clean.content_type})
    return att


# --- reading receipts and feedback -----------------------------------------------------------------


def record_open(user: Any, product: Product) -> None:
    """The recipient opened the product: set the read receipt and mark its inbox notices read."""
    from fusioncenter.delivery import services as delivery

    if not access.is_signed_in(user):
        return
    now = clock.now()
    with transaction.atomic():
        receipt = Receipt.objects.select_for_update().filter(product=product, user=user).first()
        if receipt is None:
            return
        first = receipt.opened_at is None
        receipt.opened_at = receipt.opened_at or now
        receipt.last_opened_at = now
        receipt.save(update_fields=["opened_at", "last_opened_at"])
        if first:
            audit.record(user, "products.opened", product)
    for notice in delivery.inbox(user).filter(message__source_type=product._meta.label_lower,
                                              message__source_id=str(product.pk), read_at__isnull=True):
        delivery.mark_read(user, notice.pk)


def is_recipient(user: Any, product: Product) -> bool:
    return Dissemination.objects.filter(product=product, recipient=user).exists()


def give_feedback(user: Any, product: Product, data: dict, *, source_address: str | None = None) -> Feedback:
    """A recipient rates the product and answers the short survey (once; a second answer replaces it)."""
    access.require(user, access.VIEW, product, source_address=source_address)
    if product.status != Status.PUBLISHED or not is_recipient(user, product):
        raise PermissionDenied("Feedback comes from the product's recipients.")
    errors: dict = {}
    try:
        usefulness = int(data.get("usefulness"))
    except (TypeError, ValueError):
        usefulness = 0
    if not 1 <= usefulness <= 5:
        errors["usefulness"] = [ValidationError("Rate usefulness from 1 to 5.", code="range")]
    action = data.get("action") or ""
    if action not in FEEDBACK_ACTIONS:
        errors["action"] = [ValidationError("Choose what you did with the product.", code="invalid")]
    comment = (data.get("comment") or "").strip()
    if len(comment) > 500:
        errors["comment"] = [ValidationError("At most 500 characters.", code="too_long")]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        fb, created = Feedback.objects.update_or_create(product=product, user=user, defaults={
            "usefulness": usefulness, "relevant": bool(data.get("relevant")), "timely": bool(data.get("timely")),
            "action": action, "comment": comment, "at": clock.now()})
        audit.record(user, "products.feedback", product, source_address=source_address,
                     detail={"usefulness": usefulness, "new": created})
    return fb


def _figures(qs: QuerySet) -> dict:
    agg = qs.aggregate(n=Count("id"), mean=Avg("usefulness"), relevant=Count("id", filter=Q(relevant=True)),
                       timely=Count("id", filter=Q(timely=True)))
    n = agg["n"] or 0
    actions = dict(qs.values_list("action").annotate(c=Count("id")).order_by())
    return {
        "responses": n,
        "mean_usefulness": round(agg["mean"], 2) if agg["mean"] is not None else None,
        "relevant_pct": round(100 * agg["relevant"] / n) if n else None,
        "timely_pct": round(100 * agg["timely"] / n) if n else None,
        "actions": [{"code": c, "label": FEEDBACK_ACTIONS[c], "count": actions.get(c, 0)} for c in FEEDBACK_ACTIONS],
    }


def feedback_figures(product: Product) -> dict:
    figures = _figures(Feedback.objects.filter(product=product))
    recipients = Receipt.objects.filter(product=product)
    figures["recipients"] = recipients.count()
    figures["opened"] = recipients.filter(opened_at__isnull=False).count()
    return figures


def feedback_by_type(user: Any) -> list[dict]:
    """Figures per product type, over the products this user may see."""
    ids = visible_products(user).values("pk")
    rows = []
    for ptype in ProductType.objects.all():
        figures = _figures(Feedback.objects.filter(product__in=ids, product__product_type=ptype))
        figures["type"] = ptype
        figures["published"] = Product.objects.filter(pk__in=ids, product_type=ptype,
                                                      status=Status.PUBLISHED).count()
        rows.append(figures)
    return rows


def terms_from(pairs: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    return [(str(k), str(v)) for k, v in pairs]
