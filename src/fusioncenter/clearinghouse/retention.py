"""How the privacy app keeps and purges missing-person cases (registered in ClearinghouseConfig.ready).

A case falls under the privacy policy's case-support class, counted from its resolution: a case is
kept while the person is missing (open cases are not eligible: the retention task never queues or
purges them), and reviewed, then purged unless validated, that many days after it was resolved.
The dates are stamped when the case is opened and each time its status changes.

A purge deletes, in the privacy purge's transaction: the case with its history, photos, public
listing and sightings (they cascade); every purge hook (the outbox, the entity index) runs for each
sighting as well (privacy runs them for the case); after commit, the photo files are overwritten and
deleted. The public page, the poster, the photo URL and the feed are made from the listing and the
case on request, so they are gone with them. Alert requests made from the case are records of their
own under the same policy, purged on their own clock.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from fusioncenter.alerts.retention import POLICY, erase_file, retention_days
from fusioncenter.core import clock


def stamp(case: Any) -> None:
    """Set the review and retention dates: from the resolution, or from the opening while open (caller saves)."""
    start = case.resolved_at or case.opened_at
    day = timezone.localdate(start) if start else clock.today()
    case.review_due = case.retention_until = day + dt.timedelta(days=retention_days())


def purge_case(case: Any, actor: Any) -> None:
    from fusioncenter.privacy.registry import purge_hooks

    from .models import MissingPersonCase

    files = list(case.photos.values_list("file", flat=True))
    for sighting_id in case.sightings.values_list("pk", flat=True):
        for hook in purge_hooks():
            hook("clearinghouse.sighting", str(sighting_id))
    case.alert_requests.clear()
    MissingPersonCase.objects.filter(pk=case.pk).delete()
    transaction.on_commit(lambda: [erase_file(f) for f in files])


def register() -> None:
    from fusioncenter.privacy.registry import register_record_type

    from .models import MissingPersonCase

    register_record_type(
        MissingPersonCase,
        class_of=lambda c: POLICY,
        purge=purge_case,
        tombstone=lambda c: {"status": c.status, "person_type": c.person_type, "ncic": c.ncic_category,
                             "listed": c.released_to_public, "photos": c.photos.count()},
        eligible=lambda qs: qs.exclude(status="missing"),
        url=lambda c: reverse("clearinghouse:case_detail", args=[c.pk]),
        describe=lambda c: f"Missing-person case {c.reference}",
    )
