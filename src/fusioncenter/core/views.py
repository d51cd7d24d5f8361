"""Pages of the core app: sign-in with MFA, home per role, partner directory, user administration.

Views are thin: they parse the request, call a service or `core.access`, and render.
"""

from __future__ import annotations

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from . import audit, clock, home_panels, jurisdictions, services, signin
from .forms import (
    AcknowledgeForm,
    CodeForm,
    DirectoryFilterForm,
    PasswordChangeForm,
    SignInForm,
    UserEditForm,
    UserForm,
    user_initial,
)
from .models import AuditEntry, County, Organization, TOTPDevice, User
from .requestinfo import source_address
from .roles import Role

PENDING_KEY = "pending_sign_in"
PENDING_SECONDS = 300


_migration_check: dict[str, float | int] = {"at": 0.0, "pending": -1}
MIGRATION_CHECK_SECONDS = 30


def _pending_migrations() -> int:
    """Count unapplied migrations; cached briefly, since loading the migration graph costs ~30 ms."""
    now = time.monotonic()
    if _migration_check["pending"] != 0 or now - _migration_check["at"] > MIGRATION_CHECK_SECONDS:
        executor = MigrationExecutor(connection)
        _migration_check["pending"] = len(executor.migration_plan(executor.loader.graph.leaf_nodes()))
        _migration_check["at"] = now
    return int(_migration_check["pending"])


@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """Liveness and readiness: the database engine answers and every migration is applied."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        pending, ok = _pending_migrations(), True
    except Exception:  # noqa: BLE001 - a health check reports, it does not raise
        pending, ok = 0, False
    body = {
        "status": "ok" if ok and not pending else "degraded",
        "database": {"engine": connection.vendor, "reachable": ok},
        "migrations": {"all_applied": ok and not pending, "pending": pending},
    }
    return JsonResponse(body, status=200 if ok else 503)


def _admin_only(request: HttpRequest) -> None:
    if request.user.role != Role.ADMINISTRATOR:
        raise PermissionDenied("Administrators only.")


# --- sign-in ------------------------------------------------------------------------------------------


def sign_in(request: HttpRequest) -> HttpResponse:
    """Step 0: the use notice (CJIS AC-8), acknowledged once per visit. Step 1: username and password."""
    if request.user.is_authenticated:
        return redirect("core:home")
    acknowledged = request.session.get("notice_acknowledged", False)
    if not acknowledged:
        form = AcknowledgeForm(request.POST if request.method == "POST" else None)
        if request.method == "POST" and form.is_valid():
            request.session["notice_acknowledged"] = True
            return redirect("core:login")
        return render(request, "core/notice.html", {"form": form})
    form = SignInForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        result = signin.check_password(
            form.cleaned_data["username"], form.cleaned_data["password"], source_address(request)
        )
        if result.user is None:
            form.add_error(None, result.message)
        else:
            request.session.cycle_key()
            request.session[PENDING_KEY] = {
                "user": result.user.pk,
                "at": clock.now().timestamp(),
                "next": request.GET.get("next", ""),
            }
            return redirect("core:enrol" if result.next_step == "enrol" else "core:verify")
    return render(request, "core/sign_in.html", {"form": form})


def _pending_user(request: HttpRequest) -> User | None:
    pending = request.session.get(PENDING_KEY)
    if not pending or clock.now().timestamp() - pending["at"] > PENDING_SECONDS:
        request.session.pop(PENDING_KEY, None)
        return None
    return User.objects.filter(pk=pending["user"], is_active=True, locked_at__isnull=True).first()


def _complete_sign_in(request: HttpRequest, user: User) -> HttpResponse:
    pending = request.session.pop(PENDING_KEY, {})
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    now = clock.now().timestamp()
    request.session["signed_in_at"] = now
    request.session["last_seen"] = now
    target = pending.get("next") or ""
    if not target.startswith("/") or target.startswith("//"):
        target = reverse("core:home")
    return redirect(target)


def verify_code(request: HttpRequest) -> HttpResponse:
    """Step 2: the second factor."""
    user = _pending_user(request)
    if user is None:
        messages.info(request, "Please sign in again.")
        return redirect("core:login")
    form = CodeForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        ok, message = signin.check_second_factor(user, form.cleaned_data["code"], source_address(request))
        if ok:
            return _complete_sign_in(request, user)
        form.add_error("code", message)
        if "locked" in message:
            request.session.pop(PENDING_KEY, None)
    return render(request, "core/verify.html", {"form": form})


def enrol(request: HttpRequest) -> HttpResponse:
    """First sign-in: enrol an authenticator app by QR code, then show the recovery codes once."""
    user = _pending_user(request)
    if user is None:
        messages.info(request, "Please sign in again.")
        return redirect("core:login")
    device = signin.start_enrolment(user)
    if device.confirmed_at is not None:
        return redirect("core:verify")
    form = CodeForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        codes, message = signin.confirm_enrolment(user, form.cleaned_data["code"], source_address(request))
        if codes:
            response = _complete_sign_in(request, user)
            return render(request, "core/recovery_codes.html", {"codes": codes, "next": response.url})
        form.add_error("code", message)
    uri = signin.provisioning_uri(user, device)
    return render(request, "core/enrol.html", {"form": form, "qr": signin.qr_svg(uri), "secret": device.secret})


@require_POST
def sign_out(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        audit.record(request.user, "sign_out", request.user, source_address=source_address(request))
    logout(request)
    messages.info(request, "You are signed out.")
    return redirect("core:login")


@login_required
def change_password(request: HttpRequest) -> HttpResponse:
    form = PasswordChangeForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        if not request.user.check_password(form.cleaned_data["current_password"]):
            form.add_error("current_password", "The current password is not correct.")
        else:
            try:
                services.set_password(
                    request.user, request.user, form.cleaned_data["new_password"], source_address(request)
                )
            except ValidationError as exc:
                for message in exc.message_dict.get("password", []):
                    form.add_error("new_password", message)
            else:
                login(request, request.user, backend="django.contrib.auth.backends.ModelBackend")
                messages.success(request, "Your password was changed.")
                return redirect("core:home")
    return render(request, "core/password.html", {"form": form})


# --- home, directory, jurisdictions ----------------------------------------------------------------------


@login_required
def home(request: HttpRequest) -> HttpResponse:
    panels = home_panels.for_user(request.user)
    return render(request, "core/home.html", {"panels": panels, "role_label": request.user.get_role_display()})


@login_required
def partner_directory(request: HttpRequest) -> HttpResponse:
    form = DirectoryFilterForm(request.GET or None)
    orgs = (
        Organization.objects.filter(active=True)
        .select_related("county", "center")
        .annotate(people=Count("members", filter=Q(members__is_active=True)))
        .order_by("name")
    )
    if form.is_valid():
        if form.cleaned_data["q"]:
            orgs = orgs.filter(Q(name__icontains=form.cleaned_data["q"]) | Q(acronym__icontains=form.cleaned_data["q"]))
        if form.cleaned_data["discipline"]:
            orgs = orgs.filter(discipline=form.cleaned_data["discipline"])
        if form.cleaned_data["center"]:
            orgs = orgs.filter(center=form.cleaned_data["center"])
    page = Paginator(orgs, 50).get_page(request.GET.get("page"))
    return render(request, "core/partners.html", {"form": form, "page": page})


@login_required
def organization_detail(request: HttpRequest, pk: int) -> HttpResponse:
    org = get_object_or_404(Organization.objects.select_related("county", "center"), pk=pk, active=True)
    members = org.members.filter(is_active=True).order_by("last_name", "first_name")
    return render(request, "core/organization.html", {"org": org, "members": members})


@login_required
def counties(request: HttpRequest) -> HttpResponse:
    county_list = County.objects.select_related("center", "region").order_by("name")
    return render(
        request,
        "core/counties.html",
        {
            "counties": county_list,
            "map_svg": jurisdictions.county_map_svg(
                {c.fips: c.center.code for c in county_list}, title="Wisconsin counties by fusion center"
            ),
        },
    )


# --- administration --------------------------------------------------------------------------------------


@login_required
def user_list(request: HttpRequest) -> HttpResponse:
    _admin_only(request)
    users = User.objects.select_related("organization").order_by("username")
    query = request.GET.get("q", "").strip()
    if query:
        users = users.filter(
            Q(username__icontains=query) | Q(last_name__icontains=query) | Q(organization__name__icontains=query)
        )
    enrolled = set(TOTPDevice.objects.filter(confirmed_at__isnull=False).values_list("user_id", flat=True))
    page = Paginator(users, 50).get_page(request.GET.get("page"))
    return render(request, "core/users.html", {"page": page, "enrolled": enrolled, "q": query})


@login_required
def user_create(request: HttpRequest) -> HttpResponse:
    _admin_only(request)
    form = UserForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        try:
            services.create_user(request.user, source=source_address(request), **data)
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                for message in errors:
                    form.add_error(field if field in form.fields else None, message)
        else:
            messages.success(request, f"Account {data['username']} created. They enrol MFA at first sign-in.")
            return redirect("core:users")
    return render(request, "core/user_form.html", {"form": form, "creating": True})


@login_required
def user_edit(request: HttpRequest, pk: int) -> HttpResponse:
    _admin_only(request)
    target = get_object_or_404(User, pk=pk)
    form = UserEditForm(request.POST if request.method == "POST" else None, initial=user_initial(target))
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k != "username"}
        try:
            services.update_user(request.user, target, source=source_address(request), **data)
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                for message in errors:
                    form.add_error(field if field in form.fields else None, message)
        else:
            messages.success(request, f"Account {target.username} saved.")
            return redirect("core:users")
    return render(request, "core/user_form.html", {"form": form, "target": target, "creating": False})


@login_required
@require_POST
def user_unlock(request: HttpRequest, pk: int) -> HttpResponse:
    _admin_only(request)
    target = get_object_or_404(User, pk=pk)
    services.unlock_user(request.user, target, source_address(request))
    messages.success(request, f"Account {target.username} released.")
    return redirect("core:users")


@login_required
@require_POST
def user_reset_mfa(request: HttpRequest, pk: int) -> HttpResponse:
    _admin_only(request)
    target = get_object_or_404(User, pk=pk)
    services.reset_mfa(request.user, target, source_address(request))
    messages.success(request, f"{target.username} will enrol a new authenticator at next sign-in.")
    return redirect("core:users")


@login_required
def audit_log(request: HttpRequest) -> HttpResponse:
    if request.user.role not in (Role.ADMINISTRATOR, Role.PRIVACY_OFFICER):
        raise PermissionDenied("Administrators and the privacy officer only.")
    entries = AuditEntry.objects.order_by("-seq")
    for key in ("action", "actor", "object_type", "object_id", "outcome"):
        value = request.GET.get(key, "").strip()
        if value:
            entries = entries.filter(**{key: value})
    page = Paginator(entries, 100).get_page(request.GET.get("page"))
    verification = audit.verify() if request.GET.get("verify") else None
    audit.record(request.user, "view_audit", object_type="core.auditentry", source_address=source_address(request))
    return render(
        request,
        "core/audit.html",
        {
            "page": page,
            "verification": verification,
            "filters": request.GET,
            "session_minutes": settings.FUSIONCENTER_SESSION_IDLE_SECONDS // 60,
        },
    )
