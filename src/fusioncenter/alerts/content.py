"""What a CAP message of an alert says, built from the public `Alert` only.

Kept apart from the services so the public text (description, area, links) has one definition,
shared by the CAP builder, the WCAN notices, the pages and the poster.
"""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlsplit

from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from fusioncenter.core import clock
from fusioncenter.core.models import County
from fusioncenter.core.site import absolute_url

from . import cap, geo, photos
from .models import Alert

STATEWIDE_SAME = "055000"  # SAME: 0 + state FIPS 55 + 000 = the whole state


def cap_sender() -> str:
    configured = getattr(settings, "FUSIONCENTER_CAP_SENDER", "")
    if configured:
        return configured
    host = urlsplit(settings.FUSIONCENTER_BASE_URL).hostname or "localhost"
    return f"{settings.FUSIONCENTER_SHORT_NAME.lower()}@{host}"


absolute = absolute_url  # the alert pages' name for it


def public_description(alert: Alert) -> str:
    """The public text of an alert, built only from the Alert's public fields."""
    local = timezone.localtime
    parts = []
    who = alert.subject_name + (f", age {alert.subject_age}" if alert.subject_age is not None else "")
    who += f", {alert.subject_sex}" if alert.subject_sex else ""
    parts.append(f"{alert.program.event}. Missing: {who}.")
    if alert.subject_description:
        parts.append(f"Description: {alert.subject_description}")
    if alert.clothing:
        parts.append(f"Last seen wearing: {alert.clothing}")
    if alert.last_seen_place or alert.last_seen_at:
        when = f" on {local(alert.last_seen_at):%B %-d, %Y at %-I:%M %p} Central" if alert.last_seen_at else ""
        parts.append(f"Last seen: {alert.last_seen_place}{when}.")
    if alert.direction:
        parts.append(f"Direction of travel: {alert.direction}.")
    if alert.suspect_name or alert.suspect_description:
        parts.append(f"Suspect: {' '.join(x for x in (alert.suspect_name, alert.suspect_description) if x)}")
    if alert.vehicle_description or alert.vehicle_plate:
        plate = f", plate {alert.vehicle_plate}" if alert.vehicle_plate else ""
        parts.append(f"Vehicle: {alert.vehicle_description}{plate}.")
    if alert.circumstances:
        parts.append(alert.circumstances)
    return "\n".join(parts)


def area_for(alert: Alert) -> cap.Area:
    counties = list(County.objects.order_by("name")) if alert.statewide else list(alert.counties.order_by("name"))
    if alert.statewide:
        desc, codes = "Statewide, Wisconsin", [STATEWIDE_SAME]
    else:
        names = [c.name for c in counties]
        desc = (
            (", ".join(names[:-1]) + " and " + names[-1] if len(names) > 1 else names[0])
            + (" counties" if len(names) > 1 else " County")
            + ", Wisconsin"
        )
        codes = [c.same_code for c in counties]
    try:
        polygons = geo.cap_polygons([c.fips for c in counties])
    except FileNotFoundError:
        polygons = []
    return cap.Area(description=desc, polygons=polygons, same_codes=codes)


def build_content(alert: Alert, msg_type: str, seq: int, references: list[str], note: str) -> cap.Content:
    program = alert.program
    identifier = f"{settings.FUSIONCENTER_SHORT_NAME}-{program.code}-{alert.pk}-{seq}".replace(" ", "")
    web = absolute(reverse("alerts:public_detail", args=[alert.pk]))
    if msg_type == "Cancel":
        outcome = {"found": "The person has been found.", "expired": "The alert has expired."}.get(
            alert.cancel_reason, "The alert has been cancelled."
        )
        headline = f"{program.name} CANCELLED. {outcome}"
        issued = f"{timezone.localtime(alert.issued_at):%B %-d, %Y}"
        description = f"The {program.name} issued {issued} is cancelled. {outcome}"
        if alert.cancel_note and alert.cancel_reason == "other":
            description += f" {alert.cancel_note}"
        instruction = "No further action is needed. Thank you for your help."
        resources, cmam, cmam_long = [], f"{program.name} cancelled. {outcome}", ""
    else:
        headline = alert.headline
        description = public_description(alert)
        instruction = (
            f"If you see the person, the suspect or the vehicle, call {alert.public_contact} "
            "immediately. Do not approach."
        )
        resources = []
        if alert.photo_id:
            resources.append(
                cap.Resource(
                    description=f"Photo of {alert.subject_name}",
                    mime_type=alert.photo.mime_type,
                    size=alert.photo.size,
                    uri=absolute(reverse("alerts:public_photo", args=[alert.pk])),
                    digest=photos.sha1(alert.photo),
                )
            )
        vehicle = " ".join(
            x for x in (alert.vehicle_plate and f"LIC/{alert.vehicle_plate}", alert.vehicle_description) if x
        )
        cmam = f"{program.name}: {alert.last_seen_place} {vehicle}".strip()
        cmam_long = f"{alert.headline}. Call {alert.public_contact}. {web}"
    wea = "WEA" in program.channels
    return cap.Content(
        identifier=identifier,
        sender=cap_sender(),
        sent=clock.now(),
        status=alert.cap_status,
        msg_type=msg_type,
        event=program.event,
        category=program.category,
        urgency=program.urgency if msg_type != "Cancel" else "Past",
        severity=program.severity if msg_type != "Cancel" else "Minor",
        certainty=program.certainty if msg_type != "Cancel" else "Observed",
        same_code=program.same_code,
        expires=alert.expires_at if msg_type != "Cancel" else clock.now() + dt.timedelta(hours=1),
        sender_name=f"{settings.FUSIONCENTER_NAME} for {alert.agency_name}",
        headline=headline,
        description=description,
        instruction=instruction,
        web=web,
        contact=alert.public_contact,
        areas=[area_for(alert)],
        references=references,
        note=note,
        cmam_text=cmam if wea else "",
        cmam_long=cmam_long if wea else "",
        blocked_channels=list(program.blocked_channels),
        resources=resources,
        response_type="AllClear" if msg_type == "Cancel" else "Monitor",
    )
