"""Shared pieces of the SAR services: roles, limits, error helpers, reading with access checks."""

from __future__ import annotations

import re
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError

from fusioncenter.core import access, ratelimit
from fusioncenter.core.models import Center, Organization, User
from fusioncenter.core.roles import Role

from ..models import (
    Report,
)

SUBMIT_ROLES = frozenset({Role.PARTNER_OFFICER, Role.LIAISON_OFFICER, Role.ANALYST, Role.SUPERVISOR})
WORKER_ROLES = frozenset({Role.ANALYST, Role.SUPERVISOR})
MAX_SUBJECTS = 20
MAX_VEHICLES = 20
MIN_REASON = 5


RateLimited = ratelimit.RateLimited  # too many public submissions from one address; the view answers 429



def _error(field: str, message: str, code: str) -> ValidationError:
    return ValidationError({field: [ValidationError(message, code=code)]})


def _errors(problems: dict[str, str], code: str) -> ValidationError:
    return ValidationError({f: [ValidationError(m, code=code)] for f, m in problems.items()})


def _clean_text(value: Any, limit: int) -> str:
    """Strip control characters (keep newlines and tabs) and trim; escaping happens on output."""
    text = "" if value is None else str(value)
    text = re.sub(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]", "", text)
    return text.strip()[:limit]



# --- reading -------------------------------------------------------------------------------------------


def get_for(user: Any, report_id: int, *, need_to_know: str | None = None, source_address: str = "") -> Report:
    """The report if the user may see it (audited as `core.access` requires); AccessDenied otherwise."""
    report = Report.objects.select_related("center", "county", "reporting_agency", "referred_to",
                                           "merged_into").filter(pk=report_id).first()
    if report is None:
        raise access.AccessDenied(access.deny("No such report."))
    access.require(user, access.VIEW, report, need_to_know=need_to_know, source_address=source_address)
    return report


def is_worker(user: Any, report: Report) -> bool:
    """An analyst or supervisor of the report's center: works the report's queue."""
    return (access.is_signed_in(user) and user.role in WORKER_ROLES and report.center_id is not None
            and report.center_id == access.user_center_id(user))



def _require_worker(user: User, report: Report, what: str, source_address: str) -> None:
    access.require(user, access.EDIT, report, source_address=source_address)
    if not is_worker(user, report):
        raise PermissionDenied(f"Only the analysts and supervisors of {report.center.code} may {what}.")


def _reason(reason: str) -> str:
    reason = _clean_text(reason, 2000)
    if len(reason) < MIN_REASON:
        raise _error("reason", f"Say why (at least {MIN_REASON} characters).", "required")
    return reason


def fusion_org(center: Center) -> Organization | None:
    """The center's own organization: owner of the public's reports."""
    return Organization.objects.filter(center=center, is_fusion_center=True).order_by("pk").first()
