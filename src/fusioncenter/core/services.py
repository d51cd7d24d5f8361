"""Domain operations on partners, people and credentials. Each one validates, checks who may do
it, writes the change and its audit entry in one transaction."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass

import pyotp
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from . import audit, clock, signin, token_cache
from .models import ApiToken, Center, FailedSignIn, Organization, RecoveryCode, TOTPDevice, User
from .roles import Role

TOKEN_PREFIX = "fc_"


def _require_admin(actor: User | str) -> None:
    if actor == audit.SYSTEM:
        return
    if not (getattr(actor, "is_authenticated", False) and actor.role == Role.ADMINISTRATOR and actor.is_active):
        raise PermissionDenied("Only an administrator may manage accounts and partners.")


@dataclass
class NewUser:
    user: User
    totp_uri: str | None


@transaction.atomic
def create_user(
    actor: User | str,
    *,
    username: str,
    password: str,
    role: str,
    organization: Organization,
    email: str = "",
    first_name: str = "",
    last_name: str = "",
    sworn: bool = False,
    cfr23_trained_on: dt.date | None = None,
    home_center: Center | None = None,
    title: str = "",
    phone: str = "",
    source: str = "",
) -> NewUser:
    """Create an account. Every role needs MFA, so an authenticator secret is created now and its
    provisioning URI returned for the command line; the web flow enrols by QR code at first sign-in."""
    _require_admin(actor)
    errors: dict[str, list[str]] = {}
    if role not in Role.values:
        errors["role"] = [f"Unknown role '{role}'. Choose one of: {', '.join(Role.values)}."]
    if User.objects.filter(username=username).exists():
        errors["username"] = ["That username is taken."]
    if role == Role.PARTNER_OFFICER and not sworn:
        errors["sworn"] = ["A partner officer is sworn law enforcement; use partner_member otherwise."]
    candidate = User(username=username, email=email, first_name=first_name, last_name=last_name)
    try:
        validate_password(password, candidate)
    except ValidationError as exc:
        errors["password"] = list(exc.messages)
    if errors:
        raise ValidationError(errors)
    user = User(
        username=username,
        email=email,
        first_name=first_name,
        last_name=last_name,
        role=role,
        organization=organization,
        sworn=sworn,
        cfr23_trained_on=cfr23_trained_on,
        home_center=home_center,
        title=title,
        phone=phone,
        is_staff=role == Role.ADMINISTRATOR,
        password_changed_at=clock.now(),
    )
    user.set_password(password)
    user.full_clean(exclude=["password"])
    user.save()
    device = TOTPDevice.objects.create(user=user, secret=pyotp.random_base32())
    uri = signin.provisioning_uri(user, device)
    audit.record(actor, "create", user, source_address=source, detail={"role": role, "organization": organization.pk})
    return NewUser(user, uri)


USER_FIELDS = (
    "email",
    "first_name",
    "last_name",
    "role",
    "organization",
    "sworn",
    "cfr23_trained_on",
    "home_center",
    "title",
    "phone",
    "is_active",
)


@transaction.atomic
def update_user(actor: User, user: User, source: str = "", **changes) -> User:
    _require_admin(actor)
    unknown = set(changes) - set(USER_FIELDS)
    if unknown:
        raise ValidationError({name: ["This field cannot be changed here."] for name in unknown})
    changed = []
    for name, value in changes.items():
        if getattr(user, name) != value:
            setattr(user, name, value)
            changed.append(name)
    if user.pk == actor.pk and ("role" in changed or "is_active" in changed):
        raise ValidationError({"role": ["Administrators cannot change their own role or disable themselves."]})
    if "role" in changed:
        user.is_staff = user.role == Role.ADMINISTRATOR
        changed.append("is_staff")
    user.full_clean(exclude=["password"])
    if changed:
        user.save(update_fields=changed)
        audit.record(actor, "update", user, source_address=source, detail={"fields": sorted(set(changed))})
    return user


@transaction.atomic
def unlock_user(actor: User, user: User, source: str = "") -> None:
    _require_admin(actor)
    user.locked_at = None
    user.save(update_fields=["locked_at"])
    FailedSignIn.objects.filter(user=user).delete()
    audit.record(actor, "account_released", user, source_address=source)


@transaction.atomic
def reset_mfa(actor: User, user: User, source: str = "") -> None:
    """Remove the user's authenticator and recovery codes; they enrol again at next sign-in."""
    _require_admin(actor)
    TOTPDevice.objects.filter(user=user).delete()
    RecoveryCode.objects.filter(user=user).delete()
    audit.record(actor, "mfa_reset", user, source_address=source)


@transaction.atomic
def set_password(actor: User | str, user: User, password: str, source: str = "") -> None:
    if actor != audit.SYSTEM and getattr(actor, "pk", None) != user.pk:
        _require_admin(actor)
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise ValidationError({"password": list(exc.messages)})
    user.set_password(password)
    user.password_changed_at = clock.now()
    user.save(update_fields=["password", "password_changed_at"])
    audit.record(actor, "password_changed", user, source_address=source)


ORG_FIELDS = (
    "name",
    "acronym",
    "discipline",
    "ori",
    "county",
    "center",
    "is_fusion_center",
    "phone",
    "email",
    "active",
)


@transaction.atomic
def save_organization(
    actor: User | str, organization: Organization | None = None, source: str = "", **fields
) -> Organization:
    _require_admin(actor)
    creating = organization is None
    organization = organization or Organization()
    for name, value in fields.items():
        if name not in ORG_FIELDS:
            raise ValidationError({name: ["Unknown organization field."]})
        setattr(organization, name, value)
    organization.full_clean()
    organization.save()
    audit.record(
        actor,
        "create" if creating else "update",
        organization,
        source_address=source,
        detail={"fields": sorted(fields)},
    )
    return organization


def _hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


@transaction.atomic
def create_token(actor: User | str, user: User, name: str = "", source: str = "") -> str:
    """Issue a bearer token for a partner system; the raw token is returned once and never stored."""
    if actor != audit.SYSTEM and getattr(actor, "pk", None) != user.pk:
        _require_admin(actor)
    if not user.is_active:
        raise ValidationError({"user": ["The account is disabled."]})
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(user=user, name=name[:100], prefix=raw[:12], key_hash=_hash_token(raw))
    audit.record(actor, "token_created", token, source_address=source, detail={"user": user.pk})
    return raw


def user_for_token(raw: str) -> User | None:
    """The active, unlocked user a bearer token belongs to, or None.

    A token seen in the last few seconds is answered from `token_cache` (no query); see that module
    for why revocation stays correct.
    """
    if not raw or not raw.startswith(TOKEN_PREFIX):
        return None
    key_hash = _hash_token(raw)
    now = clock.now()
    cached = token_cache.get(key_hash)
    if cached is not None:
        token_id, last_used_at, user = cached
    else:
        token = (
            ApiToken.objects.select_related("user", "user__organization")
            .filter(key_hash=key_hash, revoked_at__isnull=True)
            .first()
        )
        if token is None or not token.user.is_active or token.user.locked_at is not None:
            return None
        token_id, last_used_at, user = token.pk, token.last_used_at, token.user
    if last_used_at is None or (now - last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=token_id).update(last_used_at=now)
        last_used_at = now
    if cached is None or last_used_at is not cached[1]:
        token_cache.put(key_hash, token_id, last_used_at, user)
    return user


@transaction.atomic
def revoke_token(actor: User, token: ApiToken, source: str = "") -> None:
    if actor.pk != token.user_id:
        _require_admin(actor)
    token.revoked_at = clock.now()
    token.save(update_fields=["revoked_at"])
    audit.record(actor, "token_revoked", token, source_address=source)


IDLE_DISABLE_DAYS = 90


@transaction.atomic
def disable_idle_accounts(as_of: dt.date | None = None) -> int:
    """CJIS AC-2: disable accounts not used for 90 days (never signed in: counted from creation)."""
    from django.db.models import Q

    cutoff = clock.now() - dt.timedelta(days=IDLE_DISABLE_DAYS)
    if as_of is not None:
        cutoff = dt.datetime.combine(as_of, dt.time(), tzinfo=dt.UTC) - dt.timedelta(days=IDLE_DISABLE_DAYS)
    idle = User.objects.filter(is_active=True).filter(
        Q(last_login__lt=cutoff) | Q(last_login__isnull=True, date_joined__lt=cutoff)
    )
    count = 0
    for user in idle.select_for_update():
        user.is_active = False
        user.save(update_fields=["is_active"])
        audit.record("system", "account_disabled", user, detail={"reason": "idle 90 days"})
        count += 1
    return count
