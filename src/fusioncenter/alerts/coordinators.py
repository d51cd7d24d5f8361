"""Access that follows the alert-coordinator role, not the date a record was filed.

Alert requests (and missing-person cases) are TLP:AMBER, law-enforcement-only records of the
requesting agency. The alert coordinators reach them through a core `Share` to the coordinators'
organization, so that `core.access` stays the one decision. Shares made only at filing left out a
coordinator whose organization had none when a record was filed. So the shares follow the role:

* when an account is saved as an active alert coordinator, its organization gets the coordinator
  share of every record it lacks one for (`grant`);
* when an account stops being one (role changed, disabled, moved) and its organization has no active
  coordinator left, the coordinator shares of that organization are removed (`revoke`), except where
  the organization has its own reason to see the record (the clearinghouse's investigating agency).

Each app that shares with coordinators registers a `CoordinatorRecords` here; the post_save receiver
on the user model calls `sync_organization` for the old and new organization.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction

from fusioncenter.core import audit
from fusioncenter.core.models import Share, User
from fusioncenter.core.roles import Role

REQUEST_REASON = "Alert request for review by the alert coordinator."
WATCHED_FIELDS = frozenset({"role", "is_active", "organization", "organization_id"})


@dataclass(frozen=True)
class CoordinatorRecords:
    """One record type shared with the coordinators' organizations."""

    model: type[models.Model]
    reason: str
    # reasons written by earlier versions, revoked like `reason`
    legacy_reasons: tuple[str, ...] = ()
    # records the organization sees for another reason, whose share revocation must leave alone
    keep: Callable[[models.QuerySet, int], models.QuerySet] | None = None


_types: list[CoordinatorRecords] = []


def register(model: type[models.Model], reason: str, *, legacy_reasons: tuple[str, ...] = (),
             keep: Callable[[models.QuerySet, int], models.QuerySet] | None = None) -> None:
    if all(t.model is not model for t in _types):
        _types.append(CoordinatorRecords(model, reason, legacy_reasons, keep))


def has_coordinator(org_id: int) -> bool:
    return User.objects.filter(organization_id=org_id, role=Role.ALERT_COORDINATOR, is_active=True).exists()


def grant(rt: CoordinatorRecords, org_id: int) -> int:
    """Share every record of the type that the organization does not own and lacks a share of."""
    ct = ContentType.objects.get_for_model(rt.model)
    have = set(Share.objects.filter(content_type=ct, organization_id=org_id).values_list("object_id", flat=True))
    ids = rt.model._default_manager.exclude(owner_organization_id=org_id).values_list("pk", flat=True)
    missing = [str(pk) for pk in ids if str(pk) not in have]
    Share.objects.bulk_create([Share(content_type=ct, object_id=pk, organization_id=org_id, reason=rt.reason)
                               for pk in missing])
    return len(missing)


def revoke(rt: CoordinatorRecords, org_id: int) -> int:
    ct = ContentType.objects.get_for_model(rt.model)
    shares = Share.objects.filter(content_type=ct, organization_id=org_id, user__isnull=True,
                                  reason__in=(rt.reason, *rt.legacy_reasons))
    if rt.keep is not None:
        kept = rt.keep(rt.model._default_manager.all(), org_id).values_list("pk", flat=True)
        shares = shares.exclude(object_id__in=[str(pk) for pk in kept])
    count, _ = shares.delete()
    return count


def sync_organization(org_id: int | None) -> dict[str, int]:
    """Make the organization's coordinator shares match whether it has an active coordinator now."""
    if not org_id:
        return {}
    out: dict[str, int] = {}
    with transaction.atomic():
        active = has_coordinator(org_id)
        for rt in _types:
            n = grant(rt, org_id) if active else revoke(rt, org_id)
            if n:
                out[rt.model._meta.label_lower] = n
        if out:
            audit.record(audit.SYSTEM, "alerts_coordinator_shares_granted" if active else
                         "alerts_coordinator_shares_revoked", object_type="core.organization", object_id=org_id,
                         detail=out)
    return out


def _before_save(sender: Any, instance: User, update_fields=None, **kwargs: Any) -> None:
    """Remember the organization the account had, so a move also re-syncs the one it left."""
    if instance.pk and (update_fields is None or set(update_fields) & WATCHED_FIELDS):
        instance._coordinator_org_before = User.objects.filter(pk=instance.pk).values_list(
            "organization_id", flat=True).first()


def _after_save(sender: Any, instance: User, created: bool, update_fields=None, **kwargs: Any) -> None:
    before = instance.__dict__.pop("_coordinator_org_before", instance.organization_id)
    if created:
        if instance.role == Role.ALERT_COORDINATOR and instance.is_active:
            sync_organization(instance.organization_id)
        return  # a new account of another role takes nothing away from its organization
    if update_fields is not None and not (set(update_fields) & WATCHED_FIELDS):
        return  # sign-ins, password changes: nothing that moves access
    if not created and instance.role != Role.ALERT_COORDINATOR and before == instance.organization_id \
            and not _had_coordinator_shares(instance.organization_id):
        return  # an ordinary account of an organization without coordinator shares: nothing to do
    sync_organization(instance.organization_id)
    if before and before != instance.organization_id:
        sync_organization(before)


def _had_coordinator_shares(org_id: int | None) -> bool:
    if not org_id:
        return False
    return Share.objects.filter(organization_id=org_id, user__isnull=True,
                                reason__in=[r for t in _types for r in (t.reason, *t.legacy_reasons)]).exists()


def connect() -> None:
    from django.db.models.signals import post_save, pre_save

    pre_save.connect(_before_save, sender=User, dispatch_uid="alerts.coordinators.before")
    post_save.connect(_after_save, sender=User, dispatch_uid="alerts.coordinators.after")


def register_requests() -> None:
    from .models import AlertRequest

    register(AlertRequest, REQUEST_REASON)
