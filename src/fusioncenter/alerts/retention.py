"""How the privacy app keeps and purges alert requests (registered in AlertsConfig.ready).

An alert request holds a person's description, a photo, sensitive investigative fields, and (once
approved) the public `Alert` made from it with its CAP messages, its poster and its place in the
public feed and pages. It falls under the privacy policy's case-support class: reviewed, and purged
unless validated, that many days after the request. A request whose alert is still active is not
eligible (the danger is current); the retention task takes it up once the alert is cancelled or
expired.

A purge deletes, in the privacy purge's transaction: the public alert and every CAP message kept of
it, the request, its history, the photo rows; then every purge hook (the outbox messages and the
entity index) runs for the alert as well as for the request (privacy runs them for the request);
after commit, the photo files are overwritten and deleted. Posters, the public page, the photo URL,
the CAP URLs and the feed are all made from the `Alert` row on request, so they are gone with it.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from fusioncenter.core import clock, uploads

POLICY = "case_support"
DEFAULT_DAYS = 1095  # the shipped case-support period, if the policy row is missing

log = logging.getLogger(__name__)


def retention_days() -> int:
    """The case-support period from the privacy policy data (editable by the privacy officer)."""
    try:
        from fusioncenter.privacy import policies
    except ImportError:  # pragma: no cover - privacy not installed
        return DEFAULT_DAYS
    policy = policies.get(POLICY)
    return policy.retention_days if policy else DEFAULT_DAYS


def stamp(req: Any) -> None:
    """Set the request's review and retention dates from its request date (caller saves)."""
    start = timezone.localdate(req.requested_at) if req.requested_at else clock.today()
    req.review_due = req.retention_until = start + dt.timedelta(days=retention_days())


def erase_file(name: str) -> None:
    """Overwrite and delete one file under MEDIA_ROOT (a purged photo)."""
    uploads.erase_media(name)


def purge_request(req: Any, actor: Any) -> None:
    from fusioncenter.privacy.registry import purge_hooks

    from .models import Alert, AlertMessage, AlertPhoto, AlertRequest

    alert = Alert.objects.filter(request=req).first()
    photo_ids = {pk for pk in (req.photo_id, alert.photo_id if alert else None) if pk}
    files = list(AlertPhoto.objects.filter(pk__in=photo_ids).values_list("file", flat=True))
    if alert is not None:
        for hook in purge_hooks():
            hook("alerts.alert", str(alert.pk))
        AlertMessage.objects.filter(alert=alert).delete()
        alert.delete()
    AlertRequest.objects.filter(pk=req.pk).delete()
    AlertPhoto.objects.filter(pk__in=photo_ids).delete()
    transaction.on_commit(lambda: [erase_file(f) for f in files])


def tombstone(req: Any) -> dict:
    alert = getattr(req, "alert", None) if _has_alert(req) else None
    return {"program": req.program.code, "status": req.status, "exercise": req.exercise,
            "alert_status": alert.status if alert else None, "photo": bool(req.photo_id)}


def _has_alert(req: Any) -> bool:
    from .models import Alert

    return Alert.objects.filter(request=req).exists()


def register() -> None:
    from fusioncenter.privacy.registry import register_record_type

    from .models import AlertRequest

    register_record_type(
        AlertRequest,
        class_of=lambda r: POLICY,
        purge=purge_request,
        tombstone=tombstone,
        eligible=lambda qs: qs.exclude(alert__status="active"),
        url=lambda r: reverse("alerts:request_detail", args=[r.pk]),
        describe=lambda r: f"Alert request {r.pk}",
    )
