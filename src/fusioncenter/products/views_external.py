"""Pages for federal and external alerts: feeds, uploaded bulletins, and passing an item on."""

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

from . import distribution, external, files, forms, services
from . import render as rendering
from .models import ExternalItem, FeedSubscription


def _manager(request: HttpRequest) -> None:
    if request.user.role not in external.MANAGER_ROLES:
        raise PermissionDenied("Federal and external alerts are handled by the center's staff.")


def _item(request: HttpRequest, pk: int) -> ExternalItem:
    item = ExternalItem.objects.filter(pk=pk).first()
    if item is None:
        raise Http404("No such item.")
    try:
        access.require(request.user, access.VIEW, item, source_address=source_address(request))
    except access.AccessDenied:
        raise Http404("No such item.")
    return item


@login_required
def inbox(request: HttpRequest) -> HttpResponse:
    _manager(request)
    upload_form = forms.UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and upload_form.is_valid():
        upload = upload_form.cleaned_data["file"]
        try:
            item = external.upload(request.user, upload.name, upload.read(files.MAX_BYTES + 1),
                                   upload_form.cleaned_data, source_address=source_address(request))
        except ValidationError as exc:
            forms.put_errors(upload_form, exc)
        else:
            messages.success(request, "Bulletin received. Choose who it goes to.")
            return redirect("products:external_item", pk=item.pk)
    page = Paginator(external.visible_items(request.user), 25).get_page(request.GET.get("page"))
    return render(request, "products/external.html", {
        "page": page, "upload_form": upload_form, "subscriptions": FeedSubscription.objects.all(),
        "subscription_form": forms.SubscriptionForm(),
    }, status=400 if request.method == "POST" else 200)


@login_required
@require_POST
def subscribe(request: HttpRequest) -> HttpResponse:
    _manager(request)
    form = forms.SubscriptionForm(request.POST)
    if form.is_valid():
        try:
            external.subscribe(request.user, **form.cleaned_data)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, "Subscribed.")
    else:
        messages.error(request, "The subscription is not valid: " + "; ".join(
            f"{form.fields[k].label}: {' '.join(v)}" for k, v in form.errors.items() if k in form.fields))
    return redirect("products:external")


@login_required
@require_POST
def fetch_now(request: HttpRequest, pk: int) -> HttpResponse:
    _manager(request)
    sub = get_object_or_404(FeedSubscription, pk=pk)
    new = external.fetch(sub, actor=request.user)
    sub.refresh_from_db()
    messages.info(request, f"{sub.name}: {sub.last_result}" if new or sub.last_result else "Fetched.")
    return redirect("products:external")


@login_required
def item(request: HttpRequest, pk: int) -> HttpResponse:
    _manager(request)
    obj = _item(request, pk)
    form = forms.PassOnForm(request.POST or None)
    preview = None
    if request.method == "POST" and form.is_valid():
        terms = form.audience_terms()
        try:
            if "send" in request.POST:
                product = external.pass_on(request.user, obj, terms, note=form.cleaned_data["note"],
                                           need_to_know=form.cleaned_data["need_to_know"],
                                           expected=form.cleaned_data["expected"] or None,
                                           source_address=source_address(request))
                messages.success(request, f"Passed on as {product.number}.")
                return redirect("products:detail", pk=product.pk)
            included, excluded = external.preview_pass_on(request.user, obj, terms, form.cleaned_data["note"])
            preview = {"included": included, "excluded": excluded}
            form.data = form.data.copy()
            form.data["expected"] = distribution.fingerprint(included)
        except ValidationError as exc:
            forms.put_errors(form, exc)
    return render(request, "products/external_item.html", {
        "item": obj, "form": form, "preview": preview, "banner": rendering.banner(obj),
        "tlp_class": rendering.tlp_class(obj.tlp), "worker": services.is_worker(request.user),
    })


@login_required
def item_file(request: HttpRequest, pk: int) -> HttpResponse:
    _manager(request)
    obj = _item(request, pk)
    if not obj.file_uuid:
        raise Http404("No file.")
    try:
        handle = files.path_for(obj.file_uuid).open("rb")
    except OSError:
        raise Http404("The file is gone.")
    response = FileResponse(handle, content_type=obj.file_type, as_attachment=True, filename=obj.filename)
    response["X-Content-Type-Options"] = "nosniff"
    return response
