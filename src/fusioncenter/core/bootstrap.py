"""First-run set-up: the first administrator, created once, with credentials printed once."""

from __future__ import annotations

import secrets
import sys
from typing import TextIO

from . import services
from .models import Organization, User
from .roles import Role


def ensure_administrator(out: TextIO = sys.stdout, username: str = "admin") -> User | None:
    """Create the first administrator if there is none; print the password and MFA enrolment once."""
    if User.objects.filter(role=Role.ADMINISTRATOR).exists():
        return None
    org = Organization.objects.filter(is_fusion_center=True).order_by("id").first()
    if org is None:
        raise RuntimeError("Load the reference data first (fusioncenter load-reference-data).")
    password = "-".join(secrets.token_urlsafe(6) for _ in range(4))
    created = services.create_user(
        "system",
        username=username,
        password=password,
        role=Role.ADMINISTRATOR,
        organization=org,
        first_name="First",
        last_name="Administrator",
        home_center=org.center,
    )
    out.write(
        "\n=== First administrator created (shown once; store it now) ===\n"
        f"  username: {username}\n  password: {password}\n"
        "  MFA: add this account to an authenticator app with the URI below,\n"
        "  or sign in at http://127.0.0.1:8000 and scan the QR code shown there.\n"
        f"  {created.totp_uri}\n"
        "================================================================\n\n"
    )
    # The CLI's secret was never confirmed: the web flow's QR enrolment uses the same secret.
    return created.user
