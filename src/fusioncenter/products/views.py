"""Product pages: list, write, review, release, read, feedback, PDF. Thin: parse, call a service, render.

A product the reader may not see answers 404, exactly as one that does not exist.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from fusioncenter.core import access
from fusioncenter.core.requestinfo import source_address
from fusioncenter.core.roles import CENTER_STAFF_ROLES, Role

from . import audiences, distribution, files, forms, reference, services
from . import render as rendering
from .models import Attachment, Product, ProductType, Status, Version


def _load(request: HttpRequest, pk: int) -> Product:
    try:
        return services.get_for(request.user, pk, source_address=source_address(request))
    except access.AccessDenied:
        raise Http404("No such product.")


def _staff(user) -> bool:
    return user.role in CENTER_STAFF_ROLES


@login_required
def product_list(request: HttpRequest) -> HttpResponse:
    qs = services.visible_products(request.user)
    type_code = request.GET.get("type", "")
    if type_code:
        qs = qs.filter(product_type__code=type_code)
    status = request.GET.get("status", "")
    if status in Status.values:
        qs = qs.filter(status=status)
    page = Paginator(qs, 25).get_page(request.GET.get("page"))
    rows = [{"p": p, "banner": rendering.banner(p), "tlp_class": rendering.tlp_class(p.tlp)} for p in page]
    return render(request, "products/list.html", {
        "page": page, "rows": rows, "types": ProductType.objects.filter(active=True), "type_code": type_code,
        "status": status, "statuses": Status.choices, "staff": _staff(request.user),
        "to_review": services.reviewable_by(request.user)[:20], "worker": services.is_worker(request.user),
    })


@login_required
def new(request: HttpRequest) -> HttpResponse:
    if not services.is_worker(request.user):
        raise PermissionDenied("Only the center's analysts and supervisors write products.")
    reference.ensure_types()
    return render(request, "products/new.html", {"types": ProductType.objects.filter(active=True, external=False)})


@login_required
def create(request: HttpRequest, type_code: str) -> HttpResponse:
    if not services.is_worker(request.user):
        raise PermissionDenied("Only the center's analysts and supervisors write products.")
    ptype = get_object_or_404(ProductType, code=type_code, active=True, external=False)
    form = forms.ProductForm(ptype, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            product = services.create(request.user, ptype.code, form.as_service_input(),
                                      source_address=source_address(request))
        except ValidationError as exc:
            forms.put_errors(form, exc)
        else:
            messages.success(request, f"Draft {product.number} saved.")
            return redirect("products:detail", pk=product.pk)
    return render(request, "products/form.html", {"form": form, "ptype": ptype, "product": None},
                  status=400 if request.method == "POST" else 200)


@login_required
def edit(request: HttpRequest, pk: int) -> HttpResponse:
    product = _load(request, pk)
    if not access.decide(request.user, access.EDIT, product) or product.status != Status.DRAFT:
        raise PermissionDenied("Only a draft can be edited, by its author or its center's analysts.")
    initial = forms.ProductForm.initial_for(product, services.audience_terms(product))
    form = forms.ProductForm(product.product_type, request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.update(request.user, product, form.as_service_input(), source_address=source_address(request))
        except ValidationError as exc:
            forms.put_errors(form, exc)
        else:
            messages.success(request, "Draft saved.")
            return redirect("products:detail", pk=product.pk)
    return render(request, "products/form.html", {"form": form, "ptype": product.product_type, "product": product},
                  status=400 if request.method == "POST" else 200)


@login_required
def quick(request: HttpRequest) -> HttpResponse:
    """A situational awareness report in under two minutes: two fields, then the recipient check."""
    if not services.is_worker(request.user):
        raise PermissionDenied("Only the center's analysts and supervisors send reports.")
    reference.ensure_types()
    form = forms.QuickReportForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            product = services.quick_report(request.user, form.cleaned_data["title"], form.cleaned_data["what"],
                                            form.audience_terms(), form.cleaned_data["tlp"],
                                            source_address=source_address(request))
        except ValidationError as exc:
            forms.put_errors(form, exc)
        else:
            if product.status == Status.APPROVED:
                return redirect("products:publish", pk=product.pk)
            messages.info(request, f"{product.number} needs {product.get_status_display().lower()} first.")
            return redirect("products:detail", pk=product.pk)
    return render(request, "products/quick.html", {"form": form}, status=400 if request.method == "POST" else 200)


def _detail_context(request: HttpRequest, product: Product) -> dict:
    user = request.user
    staff = _staff(user)
    worker = services.is_worker(user, product)
    references, hidden = services.references_for(user, product)
    withdrawn_hidden = product.status == Status.WITHDRAWN and not staff
    stage = product.status
    can_review = stage in services.REVIEW_STAGES and product.created_by_id != user.pk and (
        (stage == Status.PEER_REVIEW and worker)
        or (stage == Status.SUPERVISOR_REVIEW and worker and user.role == Role.SUPERVISOR)
        or (stage == Status.PRIVACY_REVIEW and user.role == Role.PRIVACY_OFFICER))
    releaser = worker and (user.role == Role.SUPERVISOR or product.created_by_id == user.pk)
    recipient = services.is_recipient(user, product)
    ctx = {
        "product": product, "banner": rendering.banner(product), "tlp_class": rendering.tlp_class(product.tlp),
        "sections": [] if withdrawn_hidden else [{"s": s, "html": rendering.markdown_html(s.body)}
                                                 for s in product.sections.all()],
        "withdrawn_hidden": withdrawn_hidden,
        "references": references, "hidden_references": hidden,
        "attachments": [] if withdrawn_hidden else list(product.attachments.all()),
        "staff": staff, "worker": worker,
        "audience": [audiences.describe(k, v) for k, v in services.audience_terms(product)] if staff else [],
        "can_edit": stage == Status.DRAFT and bool(access.decide(user, access.EDIT, product)),
        "can_submit": stage == Status.DRAFT and worker,
        "can_review": can_review, "can_publish": stage == Status.APPROVED and worker,
        "can_correct": stage == Status.PUBLISHED and releaser, "can_withdraw": stage == Status.PUBLISHED and releaser,
        "review_form": forms.ReviewForm(), "comment_form": forms.CommentForm(),
        "reference_form": forms.ReferenceForm(), "attachment_form": forms.AttachmentForm(),
        "withdraw_form": forms.WithdrawForm(),
        "recipient": recipient,
        "feedback_form": forms.FeedbackForm() if recipient and stage == Status.PUBLISHED else None,
    }
    if staff:
        ctx.update({
            "comments": product.comments.select_related("author"),
            "reviews": product.reviews.select_related("reviewer"),
            "versions": product.versions.select_related("created_by"),
            "receipts": distribution.read_receipts(product),
            "figures": services.feedback_figures(product),
            "disseminations": distribution.dissemination_rows(product).count(),
        })
        if product.is_released:
            from fusioncenter.delivery import services as delivery

            ctx["delivery"] = delivery.status_for(product)
    return ctx


@login_required
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    product = _load(request, pk)
    if services.is_recipient(request.user, product):
        services.record_open(request.user, product)
    return render(request, "products/detail.html", _detail_context(request, product))


@login_required
@require_POST
def act(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    product = _load(request, pk)
    addr = source_address(request)
    try:
        if action == "submit":
            product = services.submit(request.user, product, source_address=addr)
            messages.success(request, f"Submitted: now {product.get_status_display().lower()}.")
        elif action in ("approve", "return"):
            form = forms.ReviewForm(request.POST)
            comment = form.cleaned_data["comment"] if form.is_valid() else ""
            product = services.review(request.user, product, action == "approve", comment, source_address=addr)
            messages.success(request, f"Recorded. The product is now: {product.get_status_display().lower()}.")
        elif action == "comment":
            form = forms.CommentForm(request.POST)
            services.add_comment(request.user, product, form.data.get("body", ""), source_address=addr)
            messages.success(request, "Comment added.")
        elif action == "withdraw":
            distribution.withdraw(request.user, product, request.POST.get("reason", ""), source_address=addr)
            messages.success(request, "Withdrawn; every recipient is notified.")
        elif action == "reference":
            _add_reference(request, product, addr)
            messages.success(request, "Reference added.")
        elif action == "attach":
            upload = request.FILES.get("file")
            if upload is None:
                raise ValidationError({"file": ["Choose a file."]})
            services.add_attachment(request.user, product, upload.name, upload.read(files.MAX_BYTES + 1),
                                    request.POST.get("caption", ""), source_address=addr)
            messages.success(request, "File added.")
        elif action == "feedback":
            form = forms.FeedbackForm(request.POST)
            data = form.cleaned_data if form.is_valid() else request.POST
            services.give_feedback(request.user, product, data, source_address=addr)
            messages.success(request, "Thank you for your feedback.")
        else:
            raise Http404("No such action.")
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("products:detail", pk=product.pk)


def _add_reference(request: HttpRequest, product: Product, addr: str | None) -> None:
    form = forms.ReferenceForm(request.POST)
    if not form.is_valid():
        raise ValidationError({"reference": ["Choose a record type and give its number."]})
    label, key = form.cleaned_data["record_type"], form.cleaned_data["receipt"].strip()
    object_id = key
    if label == "sar.report" and not key.isdigit():
        from django.apps import apps as django_apps

        found = django_apps.get_model(label).objects.filter(receipt=key.upper()).values_list("pk", flat=True).first()
        object_id = str(found or "")
    services.add_reference(request.user, product, label, object_id, form.cleaned_data["note"], source_address=addr)


@login_required
def publish(request: HttpRequest, pk: int) -> HttpResponse:
    """The recipient list (and who is left out, and why), then one button to send."""
    product = _load(request, pk)
    if not services.is_worker(request.user, product):
        raise PermissionDenied("Only the analysts and supervisors of the product's center release it.")
    if product.status != Status.APPROVED:
        messages.error(request, "Only an approved product can be released.")
        return redirect("products:detail", pk=product.pk)
    form = forms.PublishForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            distribution.publish(request.user, product, need_to_know=form.cleaned_data["need_to_know"],
                                 expected=form.cleaned_data["expected"] or None,
                                 source_address=source_address(request))
        except ValidationError as exc:
            forms.put_errors(form, exc)
        else:
            messages.success(request, f"{product.number} released.")
            return redirect("products:detail", pk=product.pk)
    included, excluded = distribution.recipients(product)
    form.initial["expected"] = distribution.fingerprint(included)
    if form.is_bound:
        form.data = form.data.copy()
        form.data["expected"] = distribution.fingerprint(included)
    return render(request, "products/publish.html", {
        "product": product, "banner": rendering.banner(product), "tlp_class": rendering.tlp_class(product.tlp),
        "form": form, "included": included, "excluded": excluded, "sensitive": distribution.sensitive(product),
        "audience": [audiences.describe(k, v) for k, v in services.audience_terms(product)],
        "pdf_travels": distribution.open_marking(product),
    }, status=400 if request.method == "POST" else 200)


@login_required
def correct(request: HttpRequest, pk: int) -> HttpResponse:
    product = _load(request, pk)
    form = forms.CorrectionForm(product, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            distribution.correct(request.user, product, form.sections(), form.cleaned_data["note"],
                                 source_address=source_address(request))
        except ValidationError as exc:
            forms.put_errors(form, exc)
        else:
            messages.success(request, "Correction released; every recipient is notified.")
            return redirect("products:detail", pk=product.pk)
    return render(request, "products/correct.html", {"product": product, "form": form,
                                                     "banner": rendering.banner(product),
                                                     "tlp_class": rendering.tlp_class(product.tlp)},
                  status=400 if request.method == "POST" else 200)


@login_required
def diff(request: HttpRequest, pk: int) -> HttpResponse:
    product = _load(request, pk)
    if not _staff(request.user):
        raise Http404("No such page.")
    versions = list(product.versions.all())
    if not versions:
        raise Http404("No versions.")
    try:
        a = int(request.GET.get("a", versions[0].seq))
        b = int(request.GET.get("b", versions[-1].seq))
    except ValueError:
        raise Http404("No such version.")
    old = get_object_or_404(Version, product=product, seq=a)
    new_ = get_object_or_404(Version, product=product, seq=b)
    return render(request, "products/diff.html", {
        "product": product, "old": old, "new": new_, "rows": rendering.diff_rows(old.snapshot, new_.snapshot),
        "versions": versions, "banner": rendering.banner(product), "tlp_class": rendering.tlp_class(product.tlp)})


def _pdf_allowed(request: HttpRequest, product: Product) -> None:
    if product.status == Status.WITHDRAWN and not _staff(request.user):
        raise Http404("Withdrawn.")


@login_required
def pdf(request: HttpRequest, pk: int) -> HttpResponse:
    from . import pdf as pdf_module

    product = _load(request, pk)
    _pdf_allowed(request, product)
    references, _ = services.references_for(request.user, product)
    data = pdf_module.product_pdf(product, references)
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{product.number}.pdf"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
def attachment(request: HttpRequest, uuid: str) -> HttpResponse:
    att = get_object_or_404(Attachment.objects.select_related("product"), uuid=uuid)
    product = _load(request, att.product_id)
    _pdf_allowed(request, product)
    try:
        handle = files.path_for(att.uuid).open("rb")
    except OSError:
        raise Http404("The file is gone.")
    response = FileResponse(handle, content_type=att.content_type, as_attachment=not att.is_image,
                            filename=att.filename)
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
def figures(request: HttpRequest) -> HttpResponse:
    if not _staff(request.user):
        raise PermissionDenied("Feedback figures are for the center's staff.")
    return render(request, "products/figures.html", {"rows": services.feedback_by_type(request.user)})
