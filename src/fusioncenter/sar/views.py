"""SAR pages: the public report form, the partner form, each center's queue, the report page with its
vetting actions, and the dashboard. Thin: parse, call `services` or `queries`, render."""

from __future__ import annotations

import functools

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from fusioncenter.core import access, clock, jurisdictions
from fusioncenter.core.markings import banner_line
from fusioncenter.core.requestinfo import source_address
from fusioncenter.core.roles import Role

from . import attachments, categories, charts, forms, queries, receipts, services
from .models import Report, Source, State, Suggestion

RECEIPTS_KEY = "sar_receipts"
STAFF_ROLES = {Role.ANALYST, Role.SUPERVISOR, Role.PRIVACY_OFFICER}


def _files(request: HttpRequest, field: str = "attachments") -> list[tuple[str, bytes]]:
    return [(f.name, f.read(attachments.MAX_BYTES + 1)) for f in request.FILES.getlist(field)]


# --- the public form -----------------------------------------------------------------------------------


def public_report(request: HttpRequest) -> HttpResponse:
    """"If you see something, say something": no account, anonymous if the reporter wishes."""
    form = forms.PublicReportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            result = services.submit_public(form.as_service_input(), _files(request),
                                            honeypot=form.cleaned_data["website"],
                                            source_address=source_address(request))
        except services.RateLimited as exc:
            return render(request, "429.html", {"message": str(exc)}, status=429)
        except ValidationError as exc:
            forms.put_errors(form, exc)
        else:
            request.session[RECEIPTS_KEY] = (request.session.get(RECEIPTS_KEY, []) + [result.receipt])[-10:]
            return redirect("sar:public_thanks", receipt=result.receipt)
    map_svg = jurisdictions.county_map_svg({}, title="Wisconsin counties: choose the county where it happened")
    return render(request, "sar/public_report.html", {"form": form, "map_svg": map_svg,
                                                      "categories": categories.all_categories()},
                  status=400 if request.method == "POST" else 200)


def public_thanks(request: HttpRequest, receipt: str) -> HttpResponse:
    """The receipt, shown only to the browser that sent the report (it reveals nothing else)."""
    if not receipts.is_well_formed(receipt) or receipt not in request.session.get(RECEIPTS_KEY, []):
        raise Http404
    return render(request, "sar/public_thanks.html", {"receipt": receipt})


# --- partner form --------------------------------------------------------------------------------------


@login_required
def partner_new(request: HttpRequest) -> HttpResponse:
    if request.user.role not in services.SUBMIT_ROLES:
        raise PermissionDenied("Only partner officers, liaison officers and the center's staff submit SARs.")
    form = forms.PartnerReportForm(request.POST or None, request.FILES or None)
    subjects = forms.SubjectFormSet(request.POST or None, prefix="subjects")
    vehicles = forms.VehicleFormSet(request.POST or None, prefix="vehicles")
    if request.method == "POST" and form.is_valid() and subjects.is_valid() and vehicles.is_valid():
        data = dict(form.cleaned_data)
        data.pop("attachments", None)
        data["observed_at"] = forms._aware(data["observed_at"])
        data["observed_end"] = forms._aware(data.get("observed_end"))
        data["subjects"] = [s for s in (f.as_service_input() for f in subjects.forms) if s]
        data["vehicles"] = [v for v in (f.as_service_input() for f in vehicles.forms) if v]
        try:
            report = services.submit_partner(request.user, data, _files(request), source=Source.PARTNER_FORM,
                                             source_address=source_address(request))
        except ValidationError as exc:
            forms.put_errors(form, exc)
        else:
            messages.success(request, f"Report {report.receipt} received and routed to {report.center.code}.")
            try:
                access.require(request.user, access.VIEW, report, source_address=source_address(request))
            except access.AccessDenied:
                return redirect("sar:new")
            return redirect("sar:detail", pk=report.pk)
    return render(request, "sar/partner_form.html", {"form": form, "subjects": subjects, "vehicles": vehicles,
                                                     "categories": categories.all_categories()})


# --- queue, report, actions ----------------------------------------------------------------------------


@login_required
def queue(request: HttpRequest) -> HttpResponse:
    data = request.GET.copy()
    if "center" not in data:
        data["center"] = queries.default_center(request.user)
    form = forms.QueueFilterForm(data)
    filters = form.cleaned_data if form.is_valid() else {}
    reports = queries.queue(request.user, state=filters.get("state", ""), category=filters.get("category", ""),
                            county=filters.get("county", ""), center=filters.get("center", ""),
                            flagged=filters.get("flagged", False), q=filters.get("q", ""))
    page = Paginator(reports, 50).get_page(request.GET.get("page"))
    now = clock.now()
    rows = [{"report": r, "age_days": (now - r.received_at).days,
             "labels": [categories.label(c) for c in r.category_codes]} for r in page]
    return render(request, "sar/queue.html", {"form": form, "page": page, "rows": rows})


def _load(request: HttpRequest, pk: int, need_to_know: str | None = None) -> Report:
    return services.get_for(request.user, pk, need_to_know=need_to_know, source_address=source_address(request))


def _detail_context(request: HttpRequest, report: Report, bound: dict | None = None) -> dict:
    bound = bound or {}
    actions = []
    for name in services.allowed_actions(request.user, report):
        form = bound.get(name) or forms.ACTION_FORMS[name](prefix=name, initial={
            "categories": report.category_codes})
        actions.append({"name": name, "label": services.RULES[name].label, "form": form})
    worker = services.is_worker(request.user, report)
    if worker and not report.extraction_done:
        services.run_extraction(report)
    related = services.related(request.user, report) if worker else []
    return {
        "report": report,
        "detail": queries.detail(request.user, report),
        "banner": banner_line(report.tlp, report.les, report.cui),
        "tlp_class": "tlp-" + report.tlp.lower().replace("+", "-"),
        "labels": [categories.by_code().get(c) for c in report.category_codes],
        "grading": queries.grading_label(report),
        "worker": worker,
        "actions": actions,
        "related": related,
        "suggestions": report.suggestions.all() if worker else [],
        "transfer_form": bound.get("transfer") or forms.TransferForm(),
        "export_form": bound.get("export") or forms.ExportForm(),
        # Passing a SAR on needs law-enforcement right to know (the export service asks core.access too);
        # a submitter reading back their own report is not offered the form.
        "can_export": report.state in (State.ISE_SAR, State.CRIMINAL_INTELLIGENCE)
        and access.has_law_enforcement_access(request.user),
        "history": report.transitions.select_related("by") if worker or request.user.role == Role.PRIVACY_OFFICER
        else [],
        "disseminations": services.disseminations(report) if worker or request.user.role == Role.PRIVACY_OFFICER
        else [],
    }


@login_required
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    statement = None
    ntk_form = forms.NeedToKnowForm(request.POST or None)
    if request.method == "POST" and ntk_form.is_valid():
        statement = ntk_form.cleaned_data["need_to_know"]
    try:
        report = _load(request, pk, statement)
    except access.AccessDenied as exc:
        if exc.decision.needs_statement:
            return render(request, "sar/need_to_know.html", {"form": ntk_form, "reason": exc.decision.reason},
                          status=403)
        raise Http404 from None
    return render(request, "sar/detail.html", _detail_context(request, report))


def _back(report: Report) -> HttpResponse:
    return redirect("sar:detail", pk=report.pk)


def _denied_to_404(fn):
    """A record outside the user's reach is answered as if it did not exist."""
    @functools.wraps(fn)
    def wrapped(request: HttpRequest, *args, **kwargs):
        try:
            return fn(request, *args, **kwargs)
        except access.AccessDenied:
            raise Http404 from None
    return wrapped


@login_required
@require_POST
@_denied_to_404
def act(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    report = _load(request, pk)
    form_class = forms.ACTION_FORMS.get(action)
    if form_class is None:
        raise Http404
    form = form_class(request.POST, prefix=action)
    if form.is_valid():
        try:
            services.transition(request.user, report, action, form.cleaned_data["reason"], forms.action_fields(form),
                                source_address=source_address(request))
        except ValidationError as exc:
            forms.put_errors(form, exc)
        else:
            messages.success(request, f"Recorded: {services.RULES[action].label}.")
            return _back(report)
    messages.error(request, "The action was not recorded: see the problems below.")
    context = _detail_context(request, Report.objects.get(pk=report.pk), {action: form})
    context["open_action"] = action
    return render(request, "sar/detail.html", context, status=422)


@login_required
@require_POST
@_denied_to_404
def transfer(request: HttpRequest, pk: int) -> HttpResponse:
    report = _load(request, pk)
    form = forms.TransferForm(request.POST)
    if form.is_valid():
        try:
            services.transfer(request.user, report, form.cleaned_data["center"], form.cleaned_data["reason"],
                              source_address=source_address(request))
        except ValidationError as exc:
            forms.put_errors(form, exc)
        else:
            messages.success(request, f"Transferred to {form.cleaned_data['center'].code}.")
            try:
                return _back(_load(request, pk))
            except access.AccessDenied:
                return redirect("sar:queue")
    return render(request, "sar/detail.html", _detail_context(request, report, {"transfer": form}), status=422)


@login_required
@require_POST
@_denied_to_404
def link(request: HttpRequest, pk: int) -> HttpResponse:
    report = _load(request, pk)
    form = forms.LinkForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Give the report and a reason (at least 5 characters).")
        return _back(report)
    op = request.POST.get("op", "link")
    fn = {"link": services.link, "unlink": services.unlink, "merge": services.merge}.get(op)
    if fn is None:
        raise Http404
    try:
        fn(request.user, report, form.cleaned_data["other"], form.cleaned_data["reason"],
           source_address=source_address(request))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, {"link": "Reports linked.", "unlink": "Link removed.",
                                   "merge": "Report merged (reversible)."}[op])
    return _back(report)


@login_required
@require_POST
@_denied_to_404
def unmerge(request: HttpRequest, pk: int) -> HttpResponse:
    report = _load(request, pk)
    form = forms.ReasonForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Say why (at least 5 characters).")
        return _back(report)
    try:
        services.unmerge(request.user, report, form.cleaned_data["reason"], source_address=source_address(request))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, "Merge undone.")
    return _back(report)


@login_required
@require_POST
@_denied_to_404
def suggestion(request: HttpRequest, pk: int, sid: int) -> HttpResponse:
    report = _load(request, pk)
    item = report.suggestions.filter(pk=sid).first()
    if item is None:
        raise Http404
    accept = request.POST.get("decision") == "accept"
    try:
        services.decide_suggestion(request.user, item, accept, source_address=source_address(request))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, f"{Suggestion.Kind(item.kind).label} {'accepted' if accept else 'rejected'}.")
    return _back(report)


@login_required
@require_POST
@_denied_to_404
def export(request: HttpRequest, pk: int) -> HttpResponse:
    form = forms.ExportForm(request.POST)
    statement = request.POST.get("need_to_know") or None
    report = _load(request, pk, statement)
    if form.is_valid():
        d = form.cleaned_data
        try:
            content_type, body = services.export(request.user, report, d["format"], d["privacy"],
                                                 recipient_user=d["recipient_user"],
                                                 recipient_organization=d["recipient_organization"],
                                                 need_to_know=d["need_to_know"],
                                                 source_address=source_address(request))
        except ValidationError as exc:
            forms.put_errors(form, exc)
        else:
            response = HttpResponse(body, content_type=f"{content_type}; charset=utf-8")
            response["Content-Disposition"] = (f'attachment; filename="{report.receipt}-{d["privacy"]}.'
                                               f'{d["format"]}"')
            return response
    return render(request, "sar/detail.html", _detail_context(request, report, {"export": form}), status=422)


@login_required
@_denied_to_404
def attachment(request: HttpRequest, uuid: str) -> HttpResponse:
    att, data = services.attachment_for(request.user, uuid, source_address=source_address(request))
    response = HttpResponse(data, content_type=att.content_type)
    response["Content-Disposition"] = f'attachment; filename="{att.filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


# --- dashboard -----------------------------------------------------------------------------------------


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    if request.user.role not in STAFF_ROLES:
        raise PermissionDenied("The SAR dashboard is for the center's analysts, supervisors and privacy officer.")
    center = request.GET.get("center", queries.default_center(request.user))
    data = queries.dashboard(request.user, center=center if center in ("WSIC", "STAC") or not center else "")
    values, legend = jurisdictions.count_categories(data["by_county"])
    map_svg = jurisdictions.county_map_svg(values, title="Reports by county", legend=legend,
                                           link_template=reverse("sar:queue") + "?county={fips}&center=")
    trend = [(w["week"].strftime("%b %d"), w["count"]) for w in data["trend"]]
    chart = charts.bar_chart_svg(trend, "Reports received per week", "sar-trend")
    return render(request, "sar/dashboard.html", {"data": data, "map_svg": map_svg, "chart": chart,
                                                  "center": center, "trend": data["trend"]})
