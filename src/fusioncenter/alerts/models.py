"""Public alert programs, requests, issued alerts with their CAP messages, and the crime alert network.

The split that keeps sensitive information out of public outputs is structural: an `AlertRequest`
(law enforcement only) holds what the requesting agency sent, including the sensitive fields listed
in `AlertRequest.SENSITIVE_FIELDS`; an `Alert` holds only the public copy made at approval, and
public pages, the feed, CAP messages and the poster read the `Alert` alone.
"""

from __future__ import annotations

from django.db import models

from fusioncenter.core import clock
from fusioncenter.core.markings import TLP, RecordClass
from fusioncenter.core.models import County, MarkedRecord, Organization, Region, User


class AlertProgram(models.Model):
    """One alert program (AMBER, Silver, ...): criteria and CAP defaults, loaded from data/programs.json."""

    code = models.CharField(max_length=32, unique=True)
    name = models.CharField(max_length=120)
    event = models.CharField(max_length=120, help_text="CAP <event>.")
    category = models.CharField(max_length=16, default="Rescue", help_text="CAP <category>.")
    same_code = models.CharField(max_length=3, blank=True, help_text="EAS/SAME event code (CAE, MEP).")
    urgency = models.CharField(max_length=16, default="Immediate")
    severity = models.CharField(max_length=16, default="Severe")
    certainty = models.CharField(max_length=16, default="Likely")
    audience = models.CharField(max_length=16, default="public")
    wcan_stream = models.CharField(max_length=16, blank=True)
    channels = models.JSONField(default=list, blank=True)
    blocked_channels = models.JSONField(default=list, blank=True)
    expires_hours = models.PositiveIntegerField(default=24)
    criteria = models.JSONField(default=list)
    active = models.BooleanField(default=True)
    order = models.PositiveSmallIntegerField(default=50)

    class Meta:
        ordering = ["order", "code"]

    def __str__(self) -> str:
        return self.name

    def spec(self) -> dict:
        """The program as the pure criteria evaluation reads it."""
        return {
            "code": self.code,
            "name": self.name,
            "event": self.event,
            "category": self.category,
            "criteria": self.criteria,
        }


class AlertPhoto(models.Model):
    """A re-encoded photo (metadata stripped). Served through a view, never directly."""

    file = models.CharField(max_length=255, help_text="Path under MEDIA_ROOT.")
    mime_type = models.CharField(max_length=40)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    description = models.CharField(max_length=300, blank=True, help_text="Alternative text.")
    uploaded_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    uploaded_at = models.DateTimeField(default=clock.now)

    def __str__(self) -> str:
        return f"photo {self.pk}"


class RequestStatus(models.TextChoices):
    REQUESTED = "requested", "Requested"
    APPROVED = "approved", "Approved and issued"
    DECLINED = "declined", "Declined"


class AlertRequest(MarkedRecord):
    """What a law-enforcement agency asks for. Law enforcement only; the sensitive fields never leave it."""

    SENSITIVE_FIELDS = (
        "requester_phone",
        "case_number",
        "ncic_number",
        "investigative_notes",
        "medical_details",
    )
    PUBLIC_FIELDS = (
        "subject_name",
        "subject_age",
        "subject_sex",
        "subject_description",
        "clothing",
        "suspect_name",
        "suspect_description",
        "vehicle_description",
        "vehicle_plate",
        "last_seen_place",
        "last_seen_at",
        "direction",
        "circumstances",
        "public_contact",
    )
    ANSWER_FIELDS = (
        "abduction_believed",
        "danger_of_harm",
        "runaway_or_family_abduction",
        "life_in_danger",
        "ncic_entered",
        "cannot_return_unaided",
        "location_unknown",
        "qualifies_for_other_alert",
        "cognitive_impairment",
        "missing_due_to_condition",
        "veteran_or_service_member",
        "service_related_condition",
        "person_at_risk",
    )

    program = models.ForeignKey(AlertProgram, on_delete=models.PROTECT, related_name="requests")
    status = models.CharField(max_length=16, choices=RequestStatus.choices, default=RequestStatus.REQUESTED)
    requested_at = models.DateTimeField(default=clock.now)
    exercise = models.CharField(
        max_length=16,
        default="Actual",
        choices=[("Actual", "Actual"), ("Exercise", "Exercise"), ("Test", "Test")],
        help_text="Test and Exercise alerts never reach public channels.",
    )
    # Public information (copied to the Alert at approval).
    subject_name = models.CharField(max_length=200)
    subject_age = models.PositiveSmallIntegerField(null=True, blank=True)
    subject_sex = models.CharField(max_length=20, blank=True)
    subject_description = models.TextField(blank=True, help_text="Height, weight, hair, eyes, marks.")
    clothing = models.TextField(blank=True)
    suspect_name = models.CharField(max_length=200, blank=True)
    suspect_description = models.TextField(blank=True)
    vehicle_description = models.CharField(max_length=300, blank=True)
    vehicle_plate = models.CharField(max_length=20, blank=True)
    last_seen_place = models.CharField(max_length=300, blank=True)
    last_seen_at = models.DateTimeField(null=True, blank=True)
    last_seen_county = models.ForeignKey(County, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    disappeared_at = models.DateTimeField(null=True, blank=True)
    direction = models.CharField(max_length=200, blank=True, help_text="Direction of travel.")
    circumstances = models.TextField(blank=True, help_text="Public summary of the circumstances.")
    public_contact = models.CharField(
        max_length=200, help_text="Whom the public calls, e.g. 911 or the agency's number."
    )
    photo = models.ForeignKey(AlertPhoto, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    area_counties = models.ManyToManyField(County, related_name="+", blank=True)
    statewide = models.BooleanField(default=False)
    # Criteria answers.
    abduction_believed = models.BooleanField(null=True, blank=True)
    danger_of_harm = models.BooleanField(null=True, blank=True)
    runaway_or_family_abduction = models.BooleanField(null=True, blank=True)
    life_in_danger = models.BooleanField(null=True, blank=True)
    ncic_entered = models.BooleanField(null=True, blank=True)
    cannot_return_unaided = models.BooleanField(null=True, blank=True)
    location_unknown = models.BooleanField(null=True, blank=True)
    qualifies_for_other_alert = models.BooleanField(null=True, blank=True)
    cognitive_impairment = models.BooleanField(null=True, blank=True)
    missing_due_to_condition = models.BooleanField(null=True, blank=True)
    veteran_or_service_member = models.BooleanField(null=True, blank=True)
    service_related_condition = models.BooleanField(null=True, blank=True)
    person_at_risk = models.BooleanField(null=True, blank=True)
    # Sensitive: law enforcement only, never in public outputs.
    requester_phone = models.CharField(
        max_length=40, blank=True, help_text="Sensitive: callback number for the coordinator."
    )
    case_number = models.CharField(max_length=60, blank=True, help_text="Sensitive: agency case number (OCA).")
    ncic_number = models.CharField(max_length=20, blank=True, help_text="Sensitive: NCIC entry number.")
    investigative_notes = models.TextField(blank=True, help_text="Sensitive: never published.")
    medical_details = models.TextField(blank=True, help_text="Sensitive: medical history for responders.")
    # Decision.
    decided_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_reason = models.TextField(blank=True)
    criteria_snapshot = models.JSONField(default=dict, blank=True)
    # Retention (the privacy app's case-support class): see alerts/retention.py.
    review_due = models.DateField(null=True, blank=True)
    retention_until = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["-requested_at"]

    def __str__(self) -> str:
        return f"{self.program.code} request {self.pk}"

    def criteria_fields(self) -> dict:
        """The request as a plain dict for `criteria.evaluate`."""
        out = {name: getattr(self, name) for name in self.PUBLIC_FIELDS + self.ANSWER_FIELDS}
        out["disappeared_at"] = self.disappeared_at
        out["requested_at"] = self.requested_at
        return out


class AlertStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    CANCELLED = "cancelled", "Cancelled"
    EXPIRED = "expired", "Expired"


class CancelReason(models.TextChoices):
    FOUND = "found", "Found"
    EXPIRED = "expired", "Expired"
    OTHER = "other", "Other"


class Alert(MarkedRecord):
    """An issued alert: the public copy of a request. Public, TLP:CLEAR when Actual."""

    request = models.OneToOneField(AlertRequest, on_delete=models.PROTECT, related_name="alert")
    program = models.ForeignKey(AlertProgram, on_delete=models.PROTECT, related_name="alerts")
    status = models.CharField(max_length=16, choices=AlertStatus.choices, default=AlertStatus.ACTIVE)
    cap_status = models.CharField(max_length=16, default="Actual")
    issued_at = models.DateTimeField(default=clock.now)
    updated_at = models.DateTimeField(default=clock.now)
    expires_at = models.DateTimeField()
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancel_reason = models.CharField(max_length=16, choices=CancelReason.choices, blank=True)
    cancel_note = models.CharField(max_length=300, blank=True, help_text="Public text of the cancellation.")
    headline = models.CharField(max_length=160)
    subject_name = models.CharField(max_length=200)
    subject_age = models.PositiveSmallIntegerField(null=True, blank=True)
    subject_sex = models.CharField(max_length=20, blank=True)
    subject_description = models.TextField(blank=True)
    clothing = models.TextField(blank=True)
    suspect_name = models.CharField(max_length=200, blank=True)
    suspect_description = models.TextField(blank=True)
    vehicle_description = models.CharField(max_length=300, blank=True)
    vehicle_plate = models.CharField(max_length=20, blank=True)
    last_seen_place = models.CharField(max_length=300, blank=True)
    last_seen_at = models.DateTimeField(null=True, blank=True)
    direction = models.CharField(max_length=200, blank=True)
    circumstances = models.TextField(blank=True)
    public_contact = models.CharField(max_length=200)
    agency_name = models.CharField(max_length=200)
    photo = models.ForeignKey(AlertPhoto, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    counties = models.ManyToManyField(County, related_name="+", blank=True)
    statewide = models.BooleanField(default=False)

    class Meta:
        ordering = ["-issued_at"]

    def __str__(self) -> str:
        return self.headline

    @property
    def is_public(self) -> bool:
        return self.cap_status == "Actual" and self.record_class == RecordClass.PUBLIC and self.tlp == TLP.CLEAR


class AlertMessage(models.Model):
    """One CAP 1.2 message of an alert (Alert, Update, Cancel). Immutable once written."""

    alert = models.ForeignKey(Alert, on_delete=models.PROTECT, related_name="messages")
    seq = models.PositiveIntegerField()
    msg_type = models.CharField(max_length=8)
    identifier = models.CharField(max_length=200, unique=True)
    sender = models.CharField(max_length=200)
    sent = models.CharField(max_length=25, help_text="As written in the message, with its offset.")
    sent_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    references = models.TextField(blank=True)
    xml = models.TextField()
    digest = models.CharField(max_length=64, help_text="SHA-256 of the XML.")
    signed = models.BooleanField(default=False)
    note = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["alert", "seq"]
        constraints = [models.UniqueConstraint(fields=["alert", "seq"], name="alert_message_seq")]

    def __str__(self) -> str:
        return self.identifier

    @property
    def reference_triple(self) -> str:
        return f"{self.sender},{self.identifier},{self.sent}"


class AlertEvent(models.Model):
    """History of a request and its alert: one row per step, with the reason where one was given."""

    request = models.ForeignKey(AlertRequest, on_delete=models.CASCADE, related_name="events")
    message = models.ForeignKey(AlertMessage, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    at = models.DateTimeField(default=clock.now)
    actor = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    action = models.CharField(max_length=32)
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.action} at {self.at:%Y-%m-%d %H:%M}"


# --- Wisconsin Crime Alert Network ----------------------------------------------------------------


class BusinessType(models.Model):
    """WCAN audience category (editable reference data; "General Public" for individuals)."""

    code = models.CharField(max_length=32, unique=True)
    name = models.CharField(max_length=120)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Stream(models.Model):
    """An alert stream a subscriber picks (AMBER, Silver, other missing persons, crime); data/wcan.json."""

    code = models.CharField(max_length=32, unique=True)
    name = models.CharField(max_length=200)
    order = models.PositiveSmallIntegerField(default=50)

    class Meta:
        ordering = ["order", "code"]

    def __str__(self) -> str:
        return self.name


class Subscriber(models.Model):
    """A business or member of the public who receives crime alerts. No account: managed by a signed link."""

    email = models.EmailField(blank=True, db_index=True)
    phone = models.CharField(max_length=20, blank=True, help_text="E.164.")
    name = models.CharField(max_length=120, blank=True)
    business_name = models.CharField(max_length=200, blank=True)
    business_type = models.ForeignKey(BusinessType, on_delete=models.PROTECT, related_name="subscribers")
    neighborhood_watch = models.BooleanField(default=False)
    statewide = models.BooleanField(default=False)
    counties = models.ManyToManyField(County, related_name="+", blank=True)
    regions = models.ManyToManyField(Region, related_name="+", blank=True)
    streams = models.ManyToManyField(Stream, related_name="subscribers")
    token_nonce = models.CharField(max_length=32, help_text="Part of the signed manage link; replaced to revoke links.")
    created_at = models.DateTimeField(default=clock.now)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"subscriber {self.pk}"

    @property
    def active(self) -> bool:
        return self.confirmed_at is not None and self.cancelled_at is None


class CrimeAlert(MarkedRecord):
    """A WCAN alert composed by a law-enforcement officer. Its text goes to the public subscribers."""

    alert_type = models.CharField(max_length=32)
    stream = models.ForeignKey(Stream, on_delete=models.PROTECT, related_name="+")
    title = models.CharField(max_length=140)
    body = models.TextField()
    agency_name = models.CharField(max_length=200)
    contact = models.CharField(max_length=200, help_text="Whom recipients call with information.")
    statewide = models.BooleanField(default=False)
    counties = models.ManyToManyField(County, related_name="+", blank=True)
    regions = models.ManyToManyField(Region, related_name="+", blank=True)
    business_types = models.ManyToManyField(BusinessType, related_name="+", blank=True)
    photos = models.ManyToManyField(AlertPhoto, related_name="+", blank=True)
    expires_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)
    recipient_count = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-id"]


__all__ = [
    "Alert",
    "AlertEvent",
    "AlertMessage",
    "AlertPhoto",
    "AlertProgram",
    "AlertRequest",
    "BusinessType",
    "CrimeAlert",
    "Organization",
    "Stream",
    "Subscriber",
]
