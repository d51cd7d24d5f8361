"""Privacy pages: the public redress form, and the privacy officer's console (review queue, record
oversight, dissemination log, purges, unusual access, redress cases, the annual report).

Thin: parse, call a service, render. Every console page is for the privacy officer only.
"""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from fusioncenter.core import access, clock
from fusioncenter.core.markings import banner_line
from fusioncenter.core.models import Organization, User
from fusioncenter.core.requestinfo import source_address
from fusioncenter.core.roles import Role

from . import conf, dissemination, forms, oversight, redress, registry, retention
from .models import Dissemination, ImminentDangerRelease, RecordClassPolicy, RedressCase, ReviewItem, Tombstone

THANKS_KEY = "privacy_redress_reference"


def _officer(request: HttpRequest) -> None:
    if getattr(request.user, "role", None) != Role.PRIVACY_OFFICER:
        raise PermissionDenied("The privacy console is for the privacy officer.")


def _errors_into(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for name, errors in exc.error_dict.items():
            form.add_error(name if name in form.fields else None, [e.message % (e.params or {}) for e in errors])
    else:
        form.add_error(None, exc.messages)


# --- public ------------------------------------------------------------------------------------------


def redress_form(request: HttpRequest) -> HttpResponse:
    """No account needed: a person who believes the center holds wrong information about them."""
    form = forms.RedressForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            case = redress.submit(form.cleaned_data, honeypot=form.cleaned_data["website"],
                                  source_address=source_address(request))
        except redress.RateLimited as exc:
            return render(request, "privacy/redress_form.html", {"form": form, "limited": str(exc),
                                                                 "due_days": _due_days()}, status=429)
        except ValidationError as exc:
            _errors_into(form, exc)
        else:
            request.session[THANKS_KEY] = case.reference if case else redress._reference()
            return redirect("privacy:redress_thanks")
    return render(request, "privacy/redress_form.html", {"form": form, "due_days": _due_days()},
                  status=400 if form.errors else 200)


def _due_days() -> int:
    return conf.get("FUSIONCENTER_PRIVACY_REDRESS_DUE_DAYS")


def redress_thanks(request: HttpRequest) -> HttpResponse:
    reference = request.session.pop(THANKS_KEY, None)
    if not reference:
        return redirect("privacy:redress")
    return render(request, "privacy/redress_thanks.html", {"reference": reference})


# --- console -----------------------------------------------------------------------------------------


@login_required
def console(request: HttpRequest) -> HttpResponse:
    _officer(request)
    today = clock.today()
    queue = retention.open_queue()
    cases = redress.open_cases()
    findings = oversight.unusual_access()
    return render(request, "privacy/console.html", {
        "queue": queue[:10], "queue_total": len(queue), "overdue_reviews": sum(1 for r in queue if r.overdue),
        "cases": cases[:10], "cases_total": cases.count(), "overdue_cases": cases.filter(due_on__lt=today).count(),
        "findings": len(findings), "danger_pending": dissemination.imminent_danger_releases(pending_only=True).count(),
        "purges": Tombstone.objects.all()[:5],
        "disseminations": Dissemination.objects.select_related("recipient_user", "recipient_organization")[:5],
        "lookup": forms.RecordLookupForm(), "policies": RecordClassPolicy.objects.all(),
        "record_types": registry.record_types(), "report_form": forms.ReportForm(),
    })


@login_required
def reviews(request: HttpRequest) -> HttpResponse:
    _officer(request)
    return render(request, "privacy/reviews.html", {"rows": retention.open_queue()})


def _record_context(label: str, object_id: str) -> dict:
    rt = registry.get(label)
    record = registry.load(label, object_id) if rt else None
    return {
        "record_type": rt, "record": record, "label": label, "object_id": object_id,
        "title": rt.title(record) if record is not None else f"{label} {object_id}",
        "record_url": rt.url(record) if (record is not None and rt.url) else "",
        "marking": banner_line(record.tlp, record.les, record.cui) if record is not None else "",
        "policy": RecordClassPolicy.objects.filter(code=rt.policy_code(record)).first() if record is not None
        else None,
        "review_date": rt.review_date(record) if record is not None else None,
        "retention_date": rt.retention_date(record) if record is not None else None,
        "history": retention.history(label, object_id),
        "tombstones": Tombstone.objects.filter(record_type=label, original_id=str(object_id)),
    }


@login_required
def review_detail(request: HttpRequest, pk: int) -> HttpResponse:
    _officer(request)
    item = get_object_or_404(ReviewItem, pk=pk)
    revalidate_form = forms.RevalidateForm(prefix="r")
    purge_form = forms.PurgeForm(prefix="p")
    ctx = _record_context(item.record_type, item.object_id)
    if request.method == "POST" and item.status == ReviewItem.Status.OPEN:
        addr = source_address(request)
        if "revalidate" in request.POST:
            revalidate_form = forms.RevalidateForm(request.POST, prefix="r")
            if revalidate_form.is_valid():
                d = revalidate_form.cleaned_data
                try:
                    retention.revalidate(request.user, item.record_type, item.object_id,
                                         justification=d["justification"],
                                         reasonable_suspicion=d["reasonable_suspicion"],
                                         criminal_predicate=d["criminal_predicate"],
                                         current_activity_confirmed=d["current_activity_confirmed"],
                                         lawfully_obtained=d["lawfully_obtained"],
                                         new_date=d["new_date"], source_address=addr)
                except ValidationError as exc:
                    _errors_into(revalidate_form, exc)
                except access.AccessDenied as exc:
                    raise PermissionDenied(str(exc)) from None
                else:
                    messages.success(request, f"Validated: {ctx['title']} is kept and due for review again later.")
                    return redirect("privacy:reviews")
        elif "purge" in request.POST:
            purge_form = forms.PurgeForm(request.POST, prefix="p")
            if purge_form.is_valid():
                try:
                    tomb = retention.purge(request.user, item.record_type, item.object_id, source_address=addr)
                except ValidationError as exc:
                    _errors_into(purge_form, exc)
                except access.AccessDenied as exc:
                    raise PermissionDenied(str(exc)) from None
                else:
                    messages.success(request, f"Purged {tomb.record_type} {tomb.original_id}. A tombstone and the "
                                              "audit entry remain.")
                    return redirect("privacy:reviews")
    return render(request, "privacy/review_detail.html", {
        **ctx, "item": item, "revalidate_form": revalidate_form, "purge_form": purge_form, "today": clock.today(),
    }, status=400 if (revalidate_form.errors or purge_form.errors) else 200)


@login_required
def record(request: HttpRequest) -> HttpResponse:
    """Who viewed a record, who received it, its reviews: looked up by type and number."""
    _officer(request)
    form = forms.RecordLookupForm(request.GET or None)
    ctx: dict = {"form": form}
    if form.is_bound and form.is_valid():
        label, oid = form.cleaned_data["record_type"], form.cleaned_data["object_id"].strip()
        ctx.update(_record_context(label, oid))
        ctx["views"] = oversight.who_viewed(label, oid)
        ctx["sent"] = dissemination.for_record(label, oid)
        ctx["looked_up"] = True
    return render(request, "privacy/record.html", ctx)


@login_required
def disseminations(request: HttpRequest) -> HttpResponse:
    _officer(request)
    qs = Dissemination.objects.select_related("recipient_user", "recipient_organization", "by")
    user = organization = None
    if request.GET.get("user"):
        user = User.objects.filter(pk=request.GET["user"]).first() if request.GET["user"].isdigit() else None
        if user is None:
            raise Http404("No such user.")
        qs = dissemination.for_recipient(user=user)
    if request.GET.get("organization"):
        oid = request.GET["organization"]
        organization = Organization.objects.filter(pk=oid).first() if oid.isdigit() else None
        if organization is None:
            raise Http404("No such organization.")
        qs = dissemination.for_recipient(organization=organization)
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    return render(request, "privacy/disseminations.html", {
        "page": page, "filter_user": user, "filter_organization": organization,
        "organizations": Organization.objects.filter(pk__in=Dissemination.objects.values("recipient_organization")),
    })


@login_required
def tombstones(request: HttpRequest) -> HttpResponse:
    _officer(request)
    page = Paginator(Tombstone.objects.select_related("purged_by"), 50).get_page(request.GET.get("page"))
    return render(request, "privacy/tombstones.html", {"page": page})


@login_required
def unusual(request: HttpRequest) -> HttpResponse:
    _officer(request)
    form = forms.UnusualForm(request.GET or None)
    days = (form.cleaned_data.get("days") or 30) if form.is_bound and form.is_valid() else 30
    until = clock.now()
    findings = oversight.unusual_access(until - dt.timedelta(days=days), until)
    return render(request, "privacy/unusual.html", {"form": form, "findings": findings, "days": days})


@login_required
def cases(request: HttpRequest) -> HttpResponse:
    _officer(request)
    show_all = request.GET.get("all") == "1"
    qs = RedressCase.objects.all() if show_all else redress.open_cases()
    return render(request, "privacy/cases.html", {"cases": qs, "show_all": show_all})


@login_required
def case_detail(request: HttpRequest, pk: int) -> HttpResponse:
    _officer(request)
    case = get_object_or_404(RedressCase, pk=pk)
    start_form = forms.CaseStartForm(prefix="s")
    decide_form = forms.CaseDecideForm(prefix="d")
    answer_form = forms.CaseAnswerForm(prefix="a")
    if request.method == "POST":
        addr = source_address(request)
        try:
            if "start" in request.POST:
                start_form = forms.CaseStartForm(request.POST, prefix="s")
                if start_form.is_valid():
                    d = start_form.cleaned_data
                    redress.start_review(request.user, case, record_type=d["record_type"],
                                         object_id=d["object_id"].strip(), note=d["note"], source_address=addr)
                    return redirect("privacy:case", pk=case.pk)
            elif "decide" in request.POST:
                decide_form = forms.CaseDecideForm(request.POST, prefix="d")
                if decide_form.is_valid():
                    d = decide_form.cleaned_data
                    n = redress.decide(request.user, case, corrected=d["decision"] == "corrected",
                                       outcome=d["outcome"], source_address=addr)
                    if d["decision"] == "corrected":
                        messages.success(request, f"Correction recorded; {n} recipient(s) notified.")
                    return redirect("privacy:case", pk=case.pk)
            elif "answer" in request.POST:
                answer_form = forms.CaseAnswerForm(request.POST, prefix="a")
                if answer_form.is_valid():
                    redress.answer(request.user, case, answer_text=answer_form.cleaned_data["answer"],
                                   source_address=addr)
                    return redirect("privacy:case", pk=case.pk)
        except ValidationError as exc:
            target = start_form if "start" in request.POST else decide_form if "decide" in request.POST \
                else answer_form
            _errors_into(target, exc)
        case.refresh_from_db()
    bad = start_form.errors or decide_form.errors or answer_form.errors
    return render(request, "privacy/case_detail.html", {
        "case": case, "start_form": start_form, "decide_form": decide_form, "answer_form": answer_form,
        "events": case.events.select_related("by"),
        "sent": dissemination.for_record(case.record_type, case.object_id) if case.object_id else [],
    }, status=400 if bad else 200)


@login_required
def report(request: HttpRequest) -> HttpResponse:
    _officer(request)
    form = forms.ReportForm(request.GET or None)
    if form.is_bound and form.is_valid():
        year = form.cleaned_data["year"]
        return render(request, "privacy/report.html", {"form": form, "year": year,
                                                        "rows": oversight.annual_report(year)})
    return render(request, "privacy/report.html", {"form": form}, status=400 if form.errors else 200)


@login_required
def report_file(request: HttpRequest, year: int, fmt: str) -> HttpResponse:
    _officer(request)
    if not 2000 <= year <= 2100 or fmt not in ("csv", "pdf"):
        raise Http404("No report for that year.")
    from fusioncenter.core import audit

    audit.record(request.user, "privacy_report_export", object_type="privacy.report", object_id=year,
                 source_address=source_address(request), detail={"format": fmt})
    if fmt == "csv":
        response = HttpResponse(oversight.report_csv(year), content_type="text/csv; charset=utf-8")
    else:
        response = HttpResponse(oversight.report_pdf(year, request.user.get_username()),
                                content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="privacy-compliance-{year}.{fmt}"'
    return response


@login_required
@require_POST
def run_retention(request: HttpRequest) -> HttpResponse:
    """Run the daily retention task now (the same as `fusioncenter retention run`)."""
    _officer(request)
    result = retention.run()
    messages.info(request, f"Retention run: {len(result.queued)} queued for review, {len(result.purged)} purged.")
    return redirect(reverse("privacy:reviews"))


# --- the imminent-danger exception (28 CFR 23.20(f)) -------------------------------------------------


def _danger_recipient(form) -> tuple[object | None, str, str]:
    """The recipient the form names: (user or organization, outside name, outside description)."""
    d = form.cleaned_data
    kind = d["recipient_kind"]
    if kind == "user":
        username = (d.get("recipient_username") or "").strip()
        user = User.objects.filter(username=username).first() if username else None
        if user is None:
            form.add_error("recipient_username", "No user with that user name.")
        return user, "", ""
    if kind == "organization":
        if d.get("recipient_organization") is None:
            form.add_error("recipient_organization", "Choose the agency.")
        return d.get("recipient_organization"), "", ""
    return None, d.get("recipient_name") or "", d.get("recipient_description") or ""


@login_required
def imminent_danger(request: HttpRequest) -> HttpResponse:
    """Record a release to someone the normal rule refuses, made to avoid imminent danger.

    Open to every signed-in user: the service decides (the sender must be able to pass the record
    on); a link from a refused dissemination can fill in the record with ?record_type=&object_id=.
    """
    initial = {k: request.GET[k] for k in ("record_type", "object_id") if k in request.GET}
    form = forms.ImminentDangerForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        record = registry.load(d["record_type"], d["object_id"].strip())
        recipient, name, description = _danger_recipient(form)
        if record is None:
            form.add_error("object_id", "No such record.")
        if not form.errors:
            try:
                row = dissemination.release_for_imminent_danger(
                    request.user, record, recipient=recipient, recipient_name=name,
                    recipient_description=description, danger_to=d["danger_to"], danger=d["danger"],
                    disclosed=d["disclosed"], channel=d["channel"], confirmed=d["confirmed"],
                    source_address=source_address(request))
            except dissemination.DisseminationRefused as exc:
                form.add_error(None, [f"Refused: {why}" for _, why in exc.refusals])
            except ValidationError as exc:
                _errors_into(form, exc)
            else:
                messages.success(request, f"Release recorded as dissemination {row.pk} and flagged for the privacy "
                                          "officer's review.")
                return redirect("core:home")
    return render(request, "privacy/imminent_danger_form.html", {"form": form},
                  status=400 if form.errors else 200)


@login_required
def imminent_danger_list(request: HttpRequest) -> HttpResponse:
    _officer(request)
    releases = dissemination.imminent_danger_releases()
    return render(request, "privacy/imminent_danger_list.html", {
        "releases": releases, "pending": releases.filter(review=ImminentDangerRelease.Review.PENDING).count()})


@login_required
def imminent_danger_review(request: HttpRequest, pk: int) -> HttpResponse:
    _officer(request)
    release = get_object_or_404(dissemination.imminent_danger_releases(), pk=pk)
    form = forms.ImminentDangerReviewForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            dissemination.review_imminent_danger(request.user, release, outcome=form.cleaned_data["outcome"],
                                                 note=form.cleaned_data["note"],
                                                 source_address=source_address(request))
        except ValidationError as exc:
            _errors_into(form, exc)
        else:
            messages.success(request, "Review recorded.")
            return redirect("privacy:imminent_danger_list")
    return render(request, "privacy/imminent_danger_review.html", {
        "release": release, "d": release.dissemination, "form": form}, status=400 if form.errors else 200)
