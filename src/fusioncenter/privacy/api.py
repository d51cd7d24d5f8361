"""Privacy API (/api/v1/privacy): the imminent-danger release (28 CFR 23.20(f)).

The normal dissemination has an API (exports, partner reads), so its one exception has one too, with
the same service, rules and refusals as the page: a release is refused when the normal rule would allow
the recipient, the danger must be described, and the privacy officer is notified and reviews it.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest
from ninja import Field, Router, Schema, Status

from fusioncenter.core.models import Organization, User
from fusioncenter.core.requestinfo import source_address

from . import dissemination, registry

PREFIX = "/privacy"
router = Router(tags=["privacy"])


class ImminentDangerIn(Schema):
    record_type: str = Field(..., max_length=100, description="The record's type, e.g. sar.report")
    record_id: str = Field(..., min_length=1, max_length=64)
    recipient_user: int | None = Field(None, description="A user of the system, by id")
    recipient_organization: int | None = Field(None, description="An agency of the system, by id")
    recipient_name: str = Field("", max_length=200, description="A person outside the system")
    recipient_description: str = Field("", max_length=300, description="Their position, agency, how reached")
    danger_to: Literal["life", "property", "both"]
    danger: str = Field(..., max_length=5000, description="The imminent danger, in writing")
    disclosed: str = Field(..., max_length=5000, description="What was told or given")
    channel: Literal["spoken", "email", "export", "api", "portal"]
    confirmed: bool = Field(..., description="The release was necessary to avoid imminent danger")


class ImminentDangerOut(Schema):
    dissemination: int
    release: int
    basis: str
    review: str
    at: dt.datetime


@router.post("/imminent-danger-releases", response={201: ImminentDangerOut},
             summary="Record a release made to avoid imminent danger (28 CFR 23.20(f)); reviewed afterwards")
def create_imminent_danger_release(request: HttpRequest, payload: ImminentDangerIn):
    record = registry.load(payload.record_type, payload.record_id)
    if record is None:
        raise Http404
    if payload.recipient_user is not None and payload.recipient_organization is not None:
        raise ValidationError({"recipient_user": ["Name one recipient: a user, an agency or a person outside."]},
                              code="invalid")
    recipient = None
    if payload.recipient_user is not None:
        recipient = User.objects.filter(pk=payload.recipient_user).first()
        if recipient is None:
            raise ValidationError({"recipient_user": ["No such user."]}, code="invalid")
    elif payload.recipient_organization is not None:
        recipient = Organization.objects.filter(pk=payload.recipient_organization).first()
        if recipient is None:
            raise ValidationError({"recipient_organization": ["No such organization."]}, code="invalid")
    row = dissemination.release_for_imminent_danger(
        request.user, record, recipient=recipient, recipient_name=payload.recipient_name,
        recipient_description=payload.recipient_description, danger_to=payload.danger_to, danger=payload.danger,
        disclosed=payload.disclosed, channel=payload.channel, confirmed=payload.confirmed,
        source_address=source_address(request))
    return Status(201, {"dissemination": row.pk, "release": row.danger.pk, "basis": row.basis,
                        "review": row.danger.review, "at": row.at})
