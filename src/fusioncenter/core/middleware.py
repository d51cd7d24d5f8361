"""Security headers and the CJIS session rules (30 minutes idle, 12 hours at most)."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

from . import audit, clock
from .requestinfo import source_address

CSP = (
    "default-src 'self'; img-src 'self' data: blob:; style-src 'self'; script-src 'self'; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; "
    "frame-ancestors 'none'; form-action 'self'"
)
# The interactive API docs (Swagger UI, served from the installed package) run an inline start-up script.
CSP_API_DOCS = CSP.replace("script-src 'self'", "script-src 'self' 'unsafe-inline'").replace(
    "style-src 'self'", "style-src 'self' 'unsafe-inline'"
)


class SecurityHeadersMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        policy = CSP_API_DOCS if request.path.startswith("/api/v1/docs") else CSP
        response.headers.setdefault("Content-Security-Policy", policy)
        response.headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=(self)")
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            # Nothing a signed-in user sees may stay in a shared browser's cache.
            response.headers.setdefault("Cache-Control", "no-store")
        return response


class SessionPolicyMiddleware:
    """End a session after the idle limit or the absolute limit, and for a locked or disabled account."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            now = clock.now().timestamp()
            started = request.session.get("signed_in_at", now)
            last_seen = request.session.get("last_seen", now)
            reason = None
            if now - last_seen > settings.FUSIONCENTER_SESSION_IDLE_SECONDS:
                reason = "idle"
            elif now - started > settings.FUSIONCENTER_SESSION_MAX_SECONDS:
                reason = "maximum length"
            elif not user.is_active or user.locked_at is not None:
                reason = "account locked or disabled"
            if reason:
                audit.record(
                    user, "session_ended", user, source_address=source_address(request), detail={"reason": reason}
                )
                logout(request)
                if request.path.startswith("/api/"):
                    return self.get_response(request)
                messages.info(request, "Your session ended (" + reason + "). Please sign in again.")
                return redirect(settings.LOGIN_URL)
            request.session["last_seen"] = now
            request.session.setdefault("signed_in_at", now)
        return self.get_response(request)
