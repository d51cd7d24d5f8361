"""How the privacy app reviews and purges suspicious activity reports (registered in SarConfig.ready).

A purge removes the report, its child rows (subjects, vehicles, categories, extraction suggestions),
and its attachment files (after commit, so a rolled-back purge keeps them); reports merged into it
are unlinked, not purged. Its releases stay in the privacy app's dissemination log, which replaces
their need-to-know statements itself when a record is purged.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.urls import reverse


def purge_report(report: Any, actor: Any) -> None:
    from . import attachments
    from .models import Report

    uuids = [str(a.uuid) for a in report.attachments.all()]
    Report.objects.filter(merged_into=report).update(merged_into=None)
    report.delete()
    transaction.on_commit(lambda: [attachments.remove(u) for u in uuids])


def class_of(report: Any) -> str:
    if report.record_class == "criminal_intelligence":
        return "criminal_intelligence"
    return "ise_sar" if report.ise_sar else "tip_lead"


def register() -> None:
    from fusioncenter.privacy.registry import register_record_type

    from .models import Report

    register_record_type(
        Report,
        purge=purge_report,
        class_of=class_of,
        # review_due on a report still being vetted means "vetting due", not a retention review
        eligible=lambda qs: qs.exclude(state__in=["received", "vetting"]),
        tombstone=lambda r: {"state": r.state, "source": r.source},
        url=lambda r: reverse("sar:detail", args=[r.pk]),
        describe=lambda r: f"SAR {r.receipt}",
        label_fields=("source", "source_reliability", "content_validity"),
    )
