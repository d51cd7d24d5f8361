"""Extraction decisions, attachments and exports (disseminations)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from fusioncenter.core import access, audit, clock
from fusioncenter.core.models import Organization, User

from .. import attachments, extraction
from ..models import (
    Attachment,
    Identifier,
    Report,
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


def _export_recipient(recipient_user: str, recipient_organization: Any) -> User | Organization:
    """The one recipient of an export: a person of the system (by user name) or a directory agency."""
    username = _clean_text(recipient_user, 150)
    org_id = recipient_organization if recipient_organization not in (None, "") else None
    if bool(username) == (org_id is not None):
        raise _error("recipient", "Name the recipient: a person (their user name) or an agency of the partner "
                     "directory, one of the two.", "required")
    if username:
        person = User.objects.select_related("organization").filter(username=username, is_active=True).first()
        if person is None:
            raise _error("recipient_user", "No active account has that user name.", "choice")
        return person
    org = Organization.objects.filter(pk=org_id, active=True).first() if str(org_id).isdigit() else None
    if org is None:
        raise _error("recipient_organization", "No active agency of the partner directory has that id.", "choice")
    return org


def export(user: User, report: Report, fmt: str, privacy: str, *, recipient_user: str = "",
           recipient_organization: Any = None, need_to_know: str = "", source_address: str = "") -> tuple[str, str]:
    """Export a report to one recipient: returns (content_type, body).

    Every export goes through the privacy app's one dissemination path
    (`privacy.dissemination.disseminate`, channel "export"): the recipient's right to know, the
    sender's authority and need-to-know statement, and a row in the dissemination log (with the
    format and privacy level as the version released) and its audit entry. A refusal names the
    rule: `need_to_know` (no statement), `right_to_know` (the recipient may not receive it),
    `permission` (the sender may not export it).
    """
    from fusioncenter.privacy import dissemination
    from fusioncenter.privacy.models import Dissemination

    from .. import export as exporter

    problems = {}
    if fmt not in FORMATS:
        problems["format"] = "Use xml or json."
    if privacy not in PRIVACY:
        problems["privacy"] = "Use summary (privacy fields removed) or detailed (privacy fields included)."
    if problems:
        raise _errors(problems, "choice")
    if report.state == State.ISE_SAR:
        pass
    elif report.state == State.CRIMINAL_INTELLIGENCE:
        if fmt == "xml":
            raise _error("format", "The ISE-SAR exchange is for ISE-SARs; export criminal intelligence as JSON.",
                         "format")
    else:
        raise _error("state", "Only an ISE-SAR or criminal intelligence is exported; vet the report first.",
                     "transition")
    recipient = _export_recipient(recipient_user, recipient_organization)
    try:
        dissemination.disseminate(user, report, [recipient], _clean_text(need_to_know, 1000),
                                  Dissemination.Channel.EXPORT, version=f"{fmt} {privacy}",
                                  source_address=source_address)
    except dissemination.DisseminationRefused as exc:
        for who, why in exc.refusals:
            if who == "sender":
                raise PermissionDenied(f"You may not export this report: {why}") from exc
        raise _error("recipient", "The recipient may not receive this report (right to know): "
                     + " ".join(why for _, why in exc.refusals), "right_to_know") from exc
    except ValidationError as exc:
        if hasattr(exc, "error_dict") and "need_to_know" in exc.error_dict:
            raise _error("need_to_know", " ".join(exc.error_dict["need_to_know"][0].messages),
                         "need_to_know") from exc
        raise
    if fmt == "xml":
        return "application/xml", exporter.to_xml(report, privacy)
    return "application/json", exporter.to_json(report, privacy)


def disseminations(report: Report) -> Any:
    """The report's releases, from the privacy app's dissemination log (newest first)."""
    from fusioncenter.privacy import dissemination

    return dissemination.for_record(report._meta.label_lower, report.pk)
