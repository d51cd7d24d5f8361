"""Pages of the clearinghouse. Thin: parse, call a service, render.

Public pages (list, case page, photo, posters, feed, sighting form) read only public listings through
`services.public_listings` (the access filter for an anonymous caller). Staff pages load a case with
`services.get_case`, which runs `core.access.require`; a refusal is a 404.
"""

from __future__ import annotations

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET

from fusioncenter.core import access
from fusioncenter.core.markings import banner_line
from fusioncenter.core.requestinfo import source_address

from . import alerting, exchange, matching, photos, public, services, stats
from .forms import AlertForm, CaseForm, ImportForm, MatchForm, PhotoForm, SightingForm, StatusForm
from .models import CaseStatus, PublicListing


def _form_errors(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errs in exc.error_dict.items():
            target = field if field in form.fields else None
            for e in errs:
                form.add_error(target, f"{'' if target else field + ': '}{' '.join(e.messages)}")
    else:
        form.add_error(None, " ".join(exc.messages))


def law_enforcement(view):
    """Signed-in users with law-enforcement access (sworn or the center's staff): the case pages."""

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs):
        if not access.has_law_enforcement_access(request.user):
            raise PermissionDenied("Missing-person cases are law-enforcement information.")
        return view(request, *args, **kwargs)

    return wrapper


def _case(request: HttpRequest, pk: int):
    try:
        return services.get_case(request.user, pk, source_address(request))
    except access.AccessDenied as exc:
        raise Http404 from exc


# --- public ------------------------------------------------------------------------------------------


def _listing(pk: int) -> PublicListing:
    listing = services.public_listings().filter(case_id=pk).first()
    if listing is None:
        raise Http404
    return listing


@require_GET
def public_list(request: HttpRequest) -> HttpResponse:
    listings = services.public_listings().order_by("-published_at")
    page = Paginator(listings, 24).get_page(request.GET.get("page"))
    return render(request, "clearinghouse/public_list.html", {"page": page})


@require_GET
def public_detail(request: HttpRequest, pk: int) -> HttpResponse:
    listing = services.public_listings().filter(case_id=pk).first()
    if listing is None:
        withdrawn = access.visible(None, PublicListing.objects.filter(case_id=pk, withdrawn_at__isnull=False))
        if withdrawn.exists():
            return render(request, "clearinghouse/public_gone.html", status=410)
        raise Http404
    c = listing.content
    return render(
        request,
        "clearinghouse/public_detail.html",
        {
            "listing": listing,
            "c": c,
            "rows": public.descriptors(c),
            "last_seen": public.last_seen_text(c),
        },
    )


@require_GET
def public_photo(request: HttpRequest, pk: int) -> HttpResponse:
    listing = _listing(pk)
    if not listing.photo_id:
        raise Http404
    response = HttpResponse(photos.read(listing.photo), content_type="image/jpeg")
    response["Cache-Control"] = "public, max-age=300"
    return response


@require_GET
def poster(request: HttpRequest, pk: int, lang: str) -> HttpResponse:
    from .poster import LANGUAGES, poster_pdf

    if lang not in LANGUAGES:
        raise Http404
    listing = _listing(pk)
    response = HttpResponse(poster_pdf(listing, lang), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="missing-{pk}-{lang}.pdf"'
    return response


@require_GET
def feed(request: HttpRequest) -> HttpResponse:
    from .feeds import atom_feed

    return HttpResponse(atom_feed(), content_type="application/atom+xml; charset=utf-8")


def sighting(request: HttpRequest, pk: int) -> HttpResponse:
    listing = _listing(pk)
    form = SightingForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.submit_sighting(
                pk,
                form.as_service_input(),
                honeypot=form.cleaned_data["website"],
                source_address=source_address(request),
            )
        except services.RateLimited as exc:
            return render(request, "429.html", {"message": str(exc)}, status=429)
        except LookupError as exc:
            raise Http404 from exc
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            return render(request, "clearinghouse/sighting_thanks.html", {"listing": listing})
    return render(
        request, "clearinghouse/sighting.html", {"form": form, "listing": listing}, status=400 if form.errors else 200
    )


# --- cases -----------------------------------------------------------------------------------------------


@law_enforcement
@require_GET
def case_list(request: HttpRequest) -> HttpResponse:
    cases = services.visible_cases(request.user)
    status = request.GET.get("status", "missing")
    if status in CaseStatus.values:
        cases = cases.filter(status=status)
    page = Paginator(cases.order_by("-opened_at"), 50).get_page(request.GET.get("page"))
    return render(
        request,
        "clearinghouse/case_list.html",
        {
            "page": page,
            "status": status,
            "statuses": CaseStatus.choices,
            "may_open": services.may_open(request.user),
        },
    )


@law_enforcement
def case_new(request: HttpRequest) -> HttpResponse:
    if not services.may_open(request.user):
        raise PermissionDenied("Cases are opened by partner officers and the clearinghouse staff.")
    staff = services.is_staff(request.user)
    initial = {"investigating_agency": request.user.organization_id}
    form = CaseForm(request.POST or None, staff=staff, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            case = services.open_case(request.user, form.as_service_input(), source=source_address(request))
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, f"Case {case.reference} opened.")
            return redirect("clearinghouse:case_detail", pk=case.pk)
    return render(request, "clearinghouse/case_form.html", {"form": form, "case": None})


@law_enforcement
def case_edit(request: HttpRequest, pk: int) -> HttpResponse:
    case = _case(request, pk)
    if not services.may_edit(request.user, case):
        raise PermissionDenied("You may not change this case.")
    staff = services.is_staff(request.user)
    form = CaseForm(request.POST or None, staff=staff, initial=CaseForm.initial_for(case))
    if request.method == "POST" and form.is_valid():
        try:
            services.update_case(request.user, case, form.as_service_input(), source=source_address(request))
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, "Case updated.")
            return redirect("clearinghouse:case_detail", pk=case.pk)
    return render(request, "clearinghouse/case_form.html", {"form": form, "case": case})


@law_enforcement
def case_detail(request: HttpRequest, pk: int) -> HttpResponse:
    case = _case(request, pk)
    may_edit = services.may_edit(request.user, case)
    photo_form = PhotoForm()
    status_form = StatusForm(initial={"status": case.status})
    if request.method == "POST":
        if not may_edit:
            raise PermissionDenied("You may not change this case.")
        action = request.POST.get("action")
        src = source_address(request)
        try:
            if action == "photo":
                photo_form = PhotoForm(request.POST, request.FILES)
                if photo_form.is_valid():
                    d = photo_form.cleaned_data
                    services.add_photo(
                        request.user,
                        case,
                        d["photo"],
                        taken_on=d["taken_on"],
                        description=d["description"],
                        releasable=d["releasable"],
                        source=src,
                    )
                    messages.success(request, "Photo added.")
                    return redirect("clearinghouse:case_detail", pk=pk)
            elif action == "status":
                status_form = StatusForm(request.POST)
                if status_form.is_valid():
                    services.change_status(
                        request.user,
                        case,
                        status_form.cleaned_data["status"],
                        note=status_form.cleaned_data["note"],
                        source=src,
                    )
                    messages.success(request, "Status changed.")
                    return redirect("clearinghouse:case_detail", pk=pk)
            elif action == "release":
                services.release(request.user, case, source=src)
                messages.success(request, "Published on the public site.")
                return redirect("clearinghouse:case_detail", pk=pk)
            elif action == "withdraw":
                services.withdraw(request.user, case, source=src)
                messages.success(request, "Taken down from the public site.")
                return redirect("clearinghouse:case_detail", pk=pk)
            elif action == "reviewed":
                sighting = get_object_or_404(case.sightings, pk=request.POST.get("sighting"))
                services.mark_sighting_reviewed(request.user, sighting, source=src)
                return redirect("clearinghouse:case_detail", pk=pk)
        except ValidationError as exc:
            target = photo_form if action == "photo" else status_form
            _form_errors(target, exc)
    listing = getattr(case, "listing", None)
    return render(
        request,
        "clearinghouse/case_detail.html",
        {
            "case": case,
            "banner": banner_line(case.tlp, case.les, case.cui),
            "may_edit": may_edit,
            "photo_form": photo_form,
            "status_form": status_form,
            "listing": listing if listing and listing.withdrawn_at is None else None,
            "history": case.history.select_related("actor"),
            "sightings": case.sightings.select_related("county"),
            "photos": case.photos.all(),
            "alert_requests": case.alert_requests.select_related("program"),
        },
    )


@law_enforcement
@require_GET
def case_photo(request: HttpRequest, pk: int, photo_pk: int) -> HttpResponse:
    case = _case(request, pk)
    photo = get_object_or_404(case.photos, pk=photo_pk)
    response = HttpResponse(photos.read(photo), content_type="image/jpeg")
    response["Cache-Control"] = "private, no-store"
    return response


@law_enforcement
def case_alert(request: HttpRequest, pk: int) -> HttpResponse:
    """The pre-filled alert request and every program's criteria, so the coordinator sees what qualifies."""
    case = _case(request, pk)
    prefilled = alerting.request_fields(case)
    form = AlertForm(request.POST or request.GET or None, prefilled=prefilled)
    answers = form.answers() if form.is_bound and form.is_valid() else {}
    if request.method == "POST" and form.is_valid():
        program = form.cleaned_data["program"]
        if program is None:
            form.add_error("program", "Choose the program to request.")
        else:
            try:
                req = alerting.request_alert(request.user, case, program, answers, source=source_address(request))
            except ValidationError as exc:
                _form_errors(form, exc)
            else:
                messages.success(request, f"{req.program.name} request sent to the alert coordinator.")
                return redirect("clearinghouse:case_detail", pk=pk)
    checks = alerting.evaluate_all(case, answers)
    return render(
        request,
        "clearinghouse/case_alert.html",
        {
            "case": case,
            "form": form,
            "checks": checks,
            "prefilled": alerting.request_fields(case, answers),
            "may_edit": services.may_edit(request.user, case),
        },
    )


# --- matching, statistics, exchange ---------------------------------------------------------------------


@law_enforcement
@require_GET
def match(request: HttpRequest) -> HttpResponse:
    form = MatchForm(request.GET or None)
    candidates = None
    if form.is_bound and form.is_valid():
        candidates = matching.rank(request.user, form.cleaned_data)
    return render(request, "clearinghouse/match.html", {"form": form, "candidates": candidates})


@law_enforcement
@require_GET
def statistics(request: HttpRequest) -> HttpResponse:
    return render(request, "clearinghouse/statistics.html", {"s": stats.compute(request.user)})


@law_enforcement
def exchange_page(request: HttpRequest) -> HttpResponse:
    form = ImportForm(request.POST or None, request.FILES or None, initial={"agency": request.user.organization_id})
    if request.method == "POST" and form.is_valid():
        raw = form.cleaned_data["file"].read(exchange.MAX_IMPORT_BYTES + 1)
        try:
            if form.cleaned_data["format"] == "pfif":
                done = exchange.import_pfif(request.user, raw, form.cleaned_data["agency"], source_address(request))
            else:
                try:
                    text = raw.decode("utf-8-sig")
                except UnicodeDecodeError as exc:
                    raise ValidationError({"file": ["The CSV file must be UTF-8 text."]}) from exc
                done = exchange.import_csv(request.user, text, form.cleaned_data["agency"], source_address(request))
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, f"Imported {len(done)} cases.")
            return redirect("clearinghouse:case_list")
    return render(request, "clearinghouse/exchange.html", {"form": form}, status=400 if form.errors else 200)


@law_enforcement
@require_GET
def export_pfif(request: HttpRequest) -> HttpResponse:
    data = exchange.export_pfif(request.user, source_address(request))
    response = HttpResponse(data, content_type="application/xml; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="missing-persons-{exchange.now_stamp()}.pfif.xml"'
    return response


@law_enforcement
@require_GET
def export_csv(request: HttpRequest) -> HttpResponse:
    response = HttpResponse(
        exchange.export_csv(request.user, source_address(request)), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="missing-persons-{exchange.now_stamp()}.csv"'
    return response
