"""Pages of the alert programs and the crime alert network. Thin: parse, call a service, render.

Public pages (list, alert page, photo, CAP, poster, feed, subscription) read through
`services.public_alerts` / `services.public_alert`, which filter with `core.access.visible` for an
anonymous caller; staff pages check `core.access.require` on the request.
"""

from __future__ import annotations

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_POST

from fusioncenter.core import access, clock
from fusioncenter.core.models import County, Region
from fusioncenter.core.requestinfo import source_address

from . import content, criteria, photos, services, wcan
from .forms import (
    ApproveForm,
    CancelForm,
    CrimeAlertForm,
    DeclineForm,
    RequestForm,
    SubscriptionForm,
    UpdateForm,
)
from .models import Alert, AlertProgram, AlertRequest, AlertStatus, BusinessType, CrimeAlert, RequestStatus


def _form_errors(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errs in exc.error_dict.items():
            target = field if field in form.fields else None
            for e in errs:
                form.add_error(target, " ".join(e.messages))
    else:
        form.add_error(None, " ".join(exc.messages))


def law_enforcement_only(view):
    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs):
        if not services.may_request(request.user):
            raise PermissionDenied("Law enforcement only.")
        return view(request, *args, **kwargs)

    return wrapper


def _visible_request(request: HttpRequest, pk: int) -> AlertRequest:
    req = get_object_or_404(AlertRequest.objects.select_related("program", "owner_organization", "photo"), pk=pk)
    try:
        access.require(request.user, access.VIEW, req, source_address=source_address(request))
    except access.AccessDenied as exc:
        raise Http404 from exc
    return req


# --- public ----------------------------------------------------------------------------------------


@require_GET
def public_list(request: HttpRequest) -> HttpResponse:
    alerts = services.public_alerts().order_by("-issued_at")
    return render(request, "alerts/public_list.html", {"alerts": alerts})


def _public(pk: int) -> Alert:
    try:
        return services.public_alert(pk)
    except Alert.DoesNotExist as exc:
        raise Http404 from exc


@require_GET
def public_detail(request: HttpRequest, pk: int) -> HttpResponse:
    alert = _public(pk)
    return render(
        request,
        "alerts/public_detail.html",
        {
            "alert": alert,
            "active": services.is_live(alert),
            "description": content.public_description(alert),
        },
    )


@require_GET
def public_photo(request: HttpRequest, pk: int) -> HttpResponse:
    alert = _public(pk)
    if not services.is_live(alert) or not alert.photo_id:
        raise Http404
    response = HttpResponse(photos.read(alert.photo), content_type=alert.photo.mime_type)
    response["Cache-Control"] = "public, max-age=300"
    return response


@require_GET
def cap_latest(request: HttpRequest, pk: int) -> HttpResponse:
    alert = _public(pk)
    message = alert.messages.order_by("-seq").first()
    if message is None:
        raise Http404
    return HttpResponse(message.xml.encode(), content_type="application/cap+xml; charset=utf-8")


@require_GET
def cap_message(request: HttpRequest, pk: int, seq: int) -> HttpResponse:
    alert = _public(pk)
    message = get_object_or_404(alert.messages, seq=seq)
    return HttpResponse(message.xml.encode(), content_type="application/cap+xml; charset=utf-8")


@require_GET
def poster(request: HttpRequest, pk: int) -> HttpResponse:
    from .poster import poster_pdf

    alert = _public(pk)
    if not services.is_live(alert):
        raise Http404
    response = HttpResponse(poster_pdf(alert), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="alert-{alert.pk}.pdf"'
    return response


@require_GET
def feed(request: HttpRequest) -> HttpResponse:
    from .feeds import atom_feed

    return HttpResponse(atom_feed(), content_type="application/atom+xml; charset=utf-8")


# --- requests (law enforcement) ---------------------------------------------------------------------


@law_enforcement_only
def queue(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", RequestStatus.REQUESTED)
    if status not in RequestStatus.values:
        status = RequestStatus.REQUESTED
    qs = (
        access.visible(request.user, AlertRequest.objects.filter(status=status))
        .select_related("program", "owner_organization")
        .order_by("-requested_at")
    )
    page = Paginator(qs, 25).get_page(request.GET.get("page"))
    rows = [(req, services.evaluate(req)) for req in page]
    return render(
        request,
        "alerts/queue.html",
        {
            "page": page,
            "rows": rows,
            "status": status,
            "statuses": RequestStatus.choices,
            "coordinator": services.is_coordinator(request.user),
        },
    )


@law_enforcement_only
def request_new(request: HttpRequest) -> HttpResponse:
    initial = {}
    program = AlertProgram.objects.filter(code=request.GET.get("program", "")).first()
    if program:
        initial["program"] = program
    form = RequestForm(request.POST or None, request.FILES or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            req = services.submit_request(
                request.user,
                form.cleaned_data["program"],
                form.request_fields(),
                area_counties=form.cleaned_data["area_counties"],
                photo_upload=form.cleaned_data.get("photo"),
                source=source_address(request),
            )
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, "The request was sent to the alert coordinator.")
            return redirect("alerts:request_detail", pk=req.pk)
    programs = AlertProgram.objects.filter(active=True)
    return render(request, "alerts/request_form.html", {"form": form, "programs": programs})


@law_enforcement_only
def request_detail(request: HttpRequest, pk: int) -> HttpResponse:
    req = _visible_request(request, pk)
    return _request_page(request, req)


def _request_page(request: HttpRequest, req, approve_form=None, decline_form=None, status: int = 200) -> HttpResponse:
    """The request page with its criteria checklist; re-shown with a form's errors after a refused decision."""
    return render(
        request,
        "alerts/request_detail.html",
        {
            "req": req,
            "evaluation": services.evaluate(req),
            "alert": Alert.objects.filter(request=req).first(),
            "events": req.events.select_related("actor"),
            "coordinator": services.is_coordinator(request.user) and req.status == RequestStatus.REQUESTED,
            "approve_form": approve_form or ApproveForm(),
            "decline_form": decline_form or DeclineForm(),
            "MET": criteria.MET,
            "MISSING": criteria.MISSING,
        },
        status=status,
    )


@law_enforcement_only
@require_GET
def request_photo(request: HttpRequest, pk: int) -> HttpResponse:
    req = _visible_request(request, pk)
    if not req.photo_id:
        raise Http404
    return HttpResponse(photos.read(req.photo), content_type=req.photo.mime_type)


@law_enforcement_only
@require_POST
def request_approve(request: HttpRequest, pk: int) -> HttpResponse:
    req = _visible_request(request, pk)
    form = ApproveForm(request.POST)
    if form.is_valid():
        try:
            alert = services.approve(
                request.user,
                req,
                override_reason=form.cleaned_data["override_reason"],
                expires_hours=form.cleaned_data["expires_hours"],
                source=source_address(request),
            )
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, "Approved: the alert is issued.")
            return redirect("alerts:alert_manage", pk=alert.pk)
    return _request_page(request, req, approve_form=form, status=422)


@law_enforcement_only
@require_POST
def request_decline(request: HttpRequest, pk: int) -> HttpResponse:
    req = _visible_request(request, pk)
    form = DeclineForm(request.POST)
    if form.is_valid():
        try:
            services.decline(request.user, req, form.cleaned_data["reason"], source=source_address(request))
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, "Declined. The requesting agency sees your reason.")
            return redirect("alerts:request_detail", pk=req.pk)
    return _request_page(request, req, decline_form=form, status=422)


def _managed_alert(request: HttpRequest, pk: int) -> Alert:
    alert = get_object_or_404(Alert.objects.select_related("program", "request"), pk=pk)
    _visible_request(request, alert.request_id)
    return alert


def _manage_context(request: HttpRequest, alert: Alert, update_form=None, cancel_form=None) -> dict:
    initial = {name: getattr(alert, name) for name in UpdateForm.base_fields if hasattr(alert, name)}
    return {
        "alert": alert,
        "messages_list": alert.messages.order_by("seq"),
        "events": alert.request.events.select_related("actor"),
        "may_manage": services.may_manage_alert(request.user, alert) and alert.status == AlertStatus.ACTIVE,
        "update_form": update_form or UpdateForm(initial=initial),
        "cancel_form": cancel_form or CancelForm(),
    }


@law_enforcement_only
def alert_manage(request: HttpRequest, pk: int) -> HttpResponse:
    alert = _managed_alert(request, pk)
    return render(request, "alerts/alert_manage.html", _manage_context(request, alert))


@law_enforcement_only
@require_POST
def alert_update(request: HttpRequest, pk: int) -> HttpResponse:
    alert = _managed_alert(request, pk)
    form = UpdateForm(request.POST)
    if form.is_valid():
        data = dict(form.cleaned_data)
        note, extend = data.pop("note"), data.pop("extend_hours")
        changes = {k: v for k, v in data.items() if getattr(alert, k) != v}
        try:
            services.update_alert(
                request.user, alert, changes, note=note, extend_hours=extend, source=source_address(request)
            )
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, "Update issued.")
            return redirect("alerts:alert_manage", pk=alert.pk)
    return render(request, "alerts/alert_manage.html", _manage_context(request, alert, update_form=form), status=422)


@law_enforcement_only
@require_POST
def alert_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    alert = _managed_alert(request, pk)
    form = CancelForm(request.POST)
    if form.is_valid():
        try:
            services.cancel_alert(
                request.user,
                alert,
                form.cleaned_data["reason"],
                note=form.cleaned_data["note"],
                source=source_address(request),
            )
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, "The alert is cancelled.")
            return redirect("alerts:alert_manage", pk=alert.pk)
    return render(request, "alerts/alert_manage.html", _manage_context(request, alert, cancel_form=form), status=422)


# --- Wisconsin Crime Alert Network ------------------------------------------------------------------


def wcan_subscribe(request: HttpRequest) -> HttpResponse:
    form = SubscriptionForm(request.POST or None)
    if request.method == "POST" and request.POST.get("website"):
        # The honeypot: a field people never see. Bots get the usual answer and nothing happens.
        return render(
            request,
            "alerts/wcan_message.html",
            {
                "title": "Check your messages",
                "text": "We sent a confirmation link.",
            },
        )
    if request.method == "POST" and form.is_valid():
        try:
            wcan.subscribe(form.cleaned_data, source=source_address(request))
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            return render(
                request,
                "alerts/wcan_message.html",
                {
                    "title": "Check your messages",
                    "text": "We sent a confirmation link. Your subscription starts when you open it (within 7 days).",
                },
            )
    return render(
        request,
        "alerts/wcan_subscribe.html",
        {"form": form, "title": "Subscribe to crime alerts"},
        status=422 if form.errors else 200,
    )


def wcan_confirm(request: HttpRequest, token: str) -> HttpResponse:
    # A GET shows a button; only the POST confirms, so link scanners in mail systems do not subscribe anyone.
    if wcan.subscriber_for(token, "confirm") is None:
        return render(
            request,
            "alerts/wcan_message.html",
            {
                "title": "This link does not work",
                "text": "It has expired or was already replaced. Please subscribe again.",
            },
            status=404,
        )
    if request.method == "POST":
        sub = wcan.confirm(token, source=source_address(request))
        return render(
            request,
            "alerts/wcan_message.html",
            {
                "title": "Subscription confirmed",
                "text": "You will receive the alerts you chose.",
                "manage_url": wcan.manage_url(sub),
            },
        )
    return render(request, "alerts/wcan_confirm.html", {})


def wcan_manage(request: HttpRequest, token: str) -> HttpResponse:
    sub = wcan.subscriber_for(token, "manage")
    if sub is None:
        return render(
            request,
            "alerts/wcan_message.html",
            {
                "title": "This link does not work",
                "text": "The subscription was cancelled or the link was replaced.",
            },
            status=404,
        )
    if request.method == "POST" and request.POST.get("action") == "cancel":
        wcan.unsubscribe(sub, source=source_address(request))
        return render(
            request,
            "alerts/wcan_message.html",
            {
                "title": "Subscription cancelled",
                "text": "You will receive no more alerts. Your contact details were erased.",
            },
        )
    initial = {
        "email": sub.email,
        "phone": sub.phone,
        "name": sub.name,
        "business_name": sub.business_name,
        "business_type": sub.business_type,
        "neighborhood_watch": sub.neighborhood_watch,
        "statewide": sub.statewide,
        "counties": sub.counties.all(),
        "regions": sub.regions.all(),
        "streams": sub.streams.all(),
    }
    form = SubscriptionForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            wcan.update_subscription(sub, form.cleaned_data, source=source_address(request))
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, "Your subscription was saved.")
            return redirect("alerts:wcan_manage", token=token)
    return render(
        request,
        "alerts/wcan_subscribe.html",
        {"form": form, "title": "Your crime alert subscription", "manage": True},
        status=422 if form.errors else 200,
    )


def _reach_from(data) -> dict[str, int]:
    alert_type = data.get("alert_type") or "crime_prevention"
    counties = County.objects.filter(pk__in=[v for v in data.getlist("counties") if v.isdigit()])
    regions = Region.objects.filter(pk__in=[v for v in data.getlist("regions") if v.isdigit()])
    types = BusinessType.objects.filter(pk__in=[v for v in data.getlist("business_types") if v.isdigit()])
    statewide = data.get("statewide") in ("on", "true", "1")
    if not statewide and not counties and not regions:
        return {"subscribers": 0, "email": 0, "sms": 0}
    return wcan.reach(
        wcan.recipients(
            stream=wcan.stream_for_type(alert_type),
            statewide=statewide,
            counties=counties,
            regions=regions,
            business_types=types,
        )
    )


def _may_send(request: HttpRequest) -> None:
    if not wcan.may_send_crime_alert(request.user):
        raise PermissionDenied("Crime alerts are sent by law-enforcement officers.")


@login_required
def crime_compose(request: HttpRequest) -> HttpResponse:
    _may_send(request)
    form = CrimeAlertForm(request.POST or None, request.FILES or None)
    reach = None
    if request.method == "POST":
        reach = _reach_from(request.POST)
        if request.POST.get("action") == "send" and form.is_valid():
            data = form.cleaned_data
            try:
                alert = wcan.send_crime_alert(
                    request.user,
                    data,
                    counties=data["counties"],
                    regions=data["regions"],
                    business_types=data["business_types"],
                    photo_uploads=[data.get("photo1"), data.get("photo2"), data.get("photo3")],
                    source=source_address(request),
                )
            except ValidationError as exc:
                _form_errors(form, exc)
            else:
                n = alert.recipient_count
                messages.success(request, f"Sent to {n} subscriber{'' if n == 1 else 's'}.")
                return redirect("alerts:crime_compose")
    sent = access.visible(request.user, CrimeAlert.objects.filter(owner_organization=request.user.organization))[:10]
    return render(
        request,
        "alerts/crime_compose.html",
        {"form": form, "reach": reach, "sent": sent},
        status=422 if form.errors else 200,
    )


@login_required
@require_GET
def crime_reach(request: HttpRequest) -> JsonResponse:
    _may_send(request)
    return JsonResponse(_reach_from(request.GET))


@require_GET
def crime_photo(request: HttpRequest, pk: int, photo_pk: int) -> HttpResponse:
    alert = get_object_or_404(access.visible(None, CrimeAlert.objects.filter(expires_at__gt=clock.now())), pk=pk)
    photo = get_object_or_404(alert.photos, pk=photo_pk)
    return HttpResponse(photos.read(photo), content_type=photo.mime_type)
