"""The REST API at /api/v1 (Django Ninja).

Partner systems authenticate with `Authorization: Bearer <token>` (`fusioncenter token create`);
the pages' own scripts may use the signed-in session (with CSRF). Each app contributes a `router`
in its `api.py` (with a `PREFIX`), found here at start-up, so no app edits this file. Errors are
JSON naming the field and the rule that was broken.
"""

from __future__ import annotations

import importlib
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.security import HttpBearer, SessionAuth

from .core import services
from .core.access import AccessDenied


class BearerToken(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Any:
        user = services.user_for_token(token)
        if user is not None:
            request.user = user
            request.auth_method = "token"
        return user


class Session(SessionAuth):
    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        user = super().authenticate(request, key)
        if user is not None:
            request.auth_method = "session"
        return user


api = NinjaAPI(
    title=f"{settings.FUSIONCENTER_SHORT_NAME} fusioncenter API",
    version="1",
    description="Partner-system access to the fusion center. Every call passes the same access decision and "
    "audit as the pages. Authenticate with `Authorization: Bearer <token>`.",
    urls_namespace="api",
    auth=[BearerToken(), Session()],
)


def error_body(errors: list[dict[str, str]], detail: str) -> dict:
    return {"detail": detail, "errors": errors}


@api.exception_handler(NinjaValidationError)
def on_schema_error(request: HttpRequest, exc: NinjaValidationError):
    errors = []
    for err in exc.errors:
        loc = [str(p) for p in err.get("loc", []) if p not in ("body", "payload", "query", "path")]
        errors.append(
            {
                "field": ".".join(loc) or "body",
                "rule": err.get("type", "invalid"),
                "message": err.get("msg", "Invalid value."),
            }
        )
    return api.create_response(request, error_body(errors, "The request is not valid."), status=422)


@api.exception_handler(DjangoValidationError)
def on_rule_error(request: HttpRequest, exc: DjangoValidationError):
    errors = []
    if hasattr(exc, "error_dict"):
        for field, field_errors in exc.error_dict.items():
            for e in field_errors:
                errors.append({"field": field, "rule": e.code or "invalid", "message": " ".join(e.messages)})
    else:
        for e in exc.error_list:
            errors.append({"field": "__all__", "rule": e.code or "invalid", "message": " ".join(e.messages)})
    return api.create_response(request, error_body(errors, "The request breaks a rule."), status=422)


@api.exception_handler(AccessDenied)
def on_access_denied(request: HttpRequest, exc: AccessDenied):
    if exc.decision.needs_statement:
        return api.create_response(
            request,
            error_body(
                [{"field": "X-Need-To-Know", "rule": "need_to_know", "message": exc.decision.reason}],
                "State your need to know in the X-Need-To-Know header.",
            ),
            status=403,
        )
    # Outside the caller's reach is answered as if it did not exist.
    return api.create_response(request, {"detail": "Not found.", "errors": []}, status=404)


@api.exception_handler(Http404)
def on_not_found(request: HttpRequest, exc: Http404):
    return api.create_response(request, {"detail": "Not found.", "errors": []}, status=404)


@api.exception_handler(PermissionDenied)
def on_forbidden(request: HttpRequest, exc: PermissionDenied):
    message = str(exc) or "You may not do this."
    return api.create_response(
        request, error_body([{"field": "__all__", "rule": "permission", "message": message}], message), status=403
    )


@api.exception_handler(AuthenticationError)
def on_unauthenticated(request: HttpRequest, exc: AuthenticationError):
    return api.create_response(
        request, {"detail": "Authentication required: send Authorization: Bearer <token>.", "errors": []}, status=401
    )


@api.exception_handler(HttpError)
def on_http_error(request: HttpRequest, exc: HttpError):
    return api.create_response(request, {"detail": str(exc), "errors": []}, status=exc.status_code)


def _mount_app_routers() -> None:
    for config in apps.get_app_configs():
        if not config.name.startswith("fusioncenter."):
            continue
        try:
            module = importlib.import_module(f"{config.name}.api")
        except ModuleNotFoundError as exc:
            if exc.name == f"{config.name}.api":
                continue
            raise
        router = getattr(module, "router", None)
        if router is not None:
            api.add_router(getattr(module, "PREFIX", "/" + config.label), router)


_mount_app_routers()
