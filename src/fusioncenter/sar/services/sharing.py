"""Extraction decisions, attachments and exports (disseminations)."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from fusioncenter.core import access, audit, clock
from fusioncenter.core.models import User

from .. import attachments, extraction
from ..models import (
    Attachment,
    Identifier,
    Report,
    SarDissemination,
    State,
    Suggestion,
    Vehicle,
)
from .common import (
    _clean_text,
    _error,
    _errors,
    _require_worker,
)

# --- extraction ----------------------------------------------------------------------------------------


def run_extraction(report: Report) -> int:
    """Offer what the narrative holds as suggestions (idempotent). Returns how many are new."""
    made = 0
    with transaction.atomic():
        existing = set(report.suggestions.values_list("kind", "normalized"))
        for finding in extraction.extract(report.narrative):
            if (finding.kind, finding.normalized[:300]) in existing:
                continue
            Suggestion.objects.create(report=report, kind=finding.kind, value=finding.value[:300],
                                      normalized=finding.normalized[:300])
            made += 1
        Report.objects.filter(pk=report.pk).update(extraction_done=True)
        report.extraction_done = True
    return made


def decide_suggestion(user: User, suggestion: Suggestion, accept: bool, *, source_address: str = "") -> Suggestion:
    """Accept (it becomes a structured field: a vehicle or an identifier) or reject a suggestion."""
    with transaction.atomic():
        suggestion = Suggestion.objects.select_for_update().select_related("report").get(pk=suggestion.pk)
        report = suggestion.report
        _require_worker(user, report, "decide on suggestions", source_address)
        if suggestion.status != Suggestion.Status.PENDING:
            raise _error("suggestion", "This suggestion was already decided.", "decided")
        suggestion.status = Suggestion.Status.ACCEPTED if accept else Suggestion.Status.REJECTED
        suggestion.decided_by = user
        suggestion.decided_at = clock.now()
        suggestion.save()
        if accept:
            if suggestion.kind == Suggestion.Kind.PLATE:
                Vehicle.objects.create(report=report, plate=suggestion.normalized[:12],
                                       plate_key=suggestion.normalized[:12],
                                       plate_state=extraction.plate_state(suggestion.value))
            elif suggestion.kind == Suggestion.Kind.VIN:
                Vehicle.objects.create(report=report, vin=suggestion.normalized[:17])
            else:
                Identifier.objects.create(report=report, kind=suggestion.kind, value=suggestion.value,
                                          key=suggestion.normalized)
            # the accepted value joins the entity index and search (the task re-indexes idempotently)
            from ..tasks import extract_report

            report_id = report.pk
            transaction.on_commit(lambda: extract_report.enqueue(report_id))
        audit.record(user, "sar_suggestion_" + ("accept" if accept else "reject"), report,
                     source_address=source_address, detail={"suggestion": suggestion.pk, "kind": suggestion.kind})
    return suggestion


# --- attachments ---------------------------------------------------------------------------------------


def attachment_for(user: Any, uuid: str, *, source_address: str = "") -> tuple[Attachment, bytes]:
    att = Attachment.objects.select_related("report").filter(uuid=uuid).first()
    if att is None:
        raise access.AccessDenied(access.deny("No such file."))
    access.require(user, access.VIEW, att.report, source_address=source_address)
    path = attachments.path_for(str(att.uuid))
    if not path.exists():
        raise access.AccessDenied(access.deny("The file is gone."))
    audit.record(user, "sar_attachment_view", att.report, source_address=source_address,
                 detail={"attachment": str(att.uuid)})
    return att, path.read_bytes()


# --- export (dissemination) ----------------------------------------------------------------------------

FORMATS = ("xml", "json")
PRIVACY = ("summary", "detailed")


def export(user: User, report: Report, fmt: str, privacy: str, *, recipient: str, purpose: str,
           source_address: str = "") -> tuple[str, str]:
    """Export a report for a recipient: returns (content_type, body). Every export is a dissemination:
    recorded in `SarDissemination` and the audit, with the recipient and the need-to-know."""
    from .. import export as exporter

    problems = {}
    if fmt not in FORMATS:
        problems["format"] = "Use xml or json."
    if privacy not in PRIVACY:
        problems["privacy"] = "Use summary (privacy fields removed) or detailed (privacy fields included)."
    recipient = _clean_text(recipient, 200)
    purpose = _clean_text(purpose, 500)
    if len(recipient) < 3:
        problems["recipient"] = "Say who receives the export (person and agency)."
    if len(purpose) < 10:
        problems["purpose"] = "State the recipient's need to know and right to know (at least 10 characters)."
    if problems:
        raise _errors(problems, "required")
    if report.state == State.ISE_SAR:
        pass
    elif report.state == State.CRIMINAL_INTELLIGENCE:
        if fmt == "xml":
            raise _error("format", "The ISE-SAR exchange is for ISE-SARs; export criminal intelligence as JSON.",
                         "format")
    else:
        raise _error("state", "Only an ISE-SAR or criminal intelligence is exported; vet the report first.",
                     "transition")
    access.require(user, access.EXPORT, report, need_to_know=purpose, source_address=source_address)
    with transaction.atomic():
        entry = SarDissemination.objects.create(report=report, by=user, recipient=recipient, purpose=purpose,
                                                format=fmt, privacy=privacy)
        # The recipient and purpose are in the dissemination row; the audit names it by id.
        audit.record(user, "disseminate", report, source_address=source_address,
                     detail={"format": fmt, "privacy": privacy, "dissemination": entry.pk,
                             "record_class": report.record_class})
    if fmt == "xml":
        return "application/xml", exporter.to_xml(report, privacy)
    return "application/json", exporter.to_json(report, privacy)
