"""Suspicious activity reports: the report, its people, vehicles, files, history, links and disseminations.

A report is a `MarkedRecord`, so `core.access` decides who sees it. It arrives as a law-enforcement
tip (not intelligence); only a vetting disposition changes its class (criminal intelligence) or
flags it as an ISE-SAR. Every state change is a `Transition` row written by `services`.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models

from fusioncenter.core import clock
from fusioncenter.core.models import County, MarkedRecord, Organization


class Source(models.TextChoices):
    PUBLIC_WEB = "public_web", "Public web form"
    PARTNER_FORM = "partner_form", "Partner form"
    API = "api", "Partner system (API)"


class State(models.TextChoices):
    RECEIVED = "received", "Received: awaiting initial review"
    VETTING = "vetting", "Analyst vetting"
    ISE_SAR = "ise_sar", "ISE-SAR (potential nexus to terrorism)"
    CRIMINAL_INTELLIGENCE = "criminal_intelligence", "Criminal intelligence"
    REFERRED = "referred", "Referred to an agency"
    TIP_LEAD = "tip_lead", "Kept as a tip or lead"
    UNFOUNDED = "unfounded", "Closed as unfounded"
    MERGED = "merged", "Merged into another report"


OPEN_STATES = (State.RECEIVED, State.VETTING)
DISPOSITIONS = (State.ISE_SAR, State.CRIMINAL_INTELLIGENCE, State.REFERRED, State.TIP_LEAD, State.UNFOUNDED)


class Report(MarkedRecord):
    receipt = models.CharField(max_length=24, unique=True, help_text="Given to the reporter; not the database id.")
    source = models.CharField(max_length=16, choices=Source.choices)
    state = models.CharField(max_length=24, choices=State.choices, default=State.RECEIVED, db_index=True)
    received_at = models.DateTimeField(default=clock.now, db_index=True)

    # What, when, where.
    summary = models.CharField(max_length=200, help_text="What happened, in a line.")
    narrative = models.TextField(blank=True)
    observed_at = models.DateTimeField(null=True, blank=True)
    observed_end = models.DateTimeField(null=True, blank=True)
    location_address = models.CharField(max_length=300, blank=True)
    location_place = models.CharField(max_length=200, blank=True, help_text="Place name, e.g. a building or park.")
    zip_code = models.CharField(max_length=10, blank=True)
    latitude = models.FloatField(null=True, blank=True)
    longitude = models.FloatField(null=True, blank=True)
    county = models.ForeignKey(County, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    routing_flagged = models.BooleanField(default=False)
    routing_reason = models.CharField(max_length=300, blank=True)

    # Who reported it (privacy fields).
    anonymous = models.BooleanField(default=True)
    reporter_name = models.CharField(max_length=200, blank=True)
    reporter_phone = models.CharField(max_length=40, blank=True)
    reporter_email = models.EmailField(blank=True)
    reporting_agency = models.ForeignKey(Organization, on_delete=models.PROTECT, null=True, blank=True,
                                         related_name="+")
    reporting_officer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                                          blank=True, related_name="+")
    reporting_officer_name = models.CharField(max_length=200, blank=True)

    # Grading.
    grading_scheme = models.CharField(max_length=16, default="us4x4")
    source_reliability = models.CharField(max_length=24, default="unknown")
    content_validity = models.CharField(max_length=24, default="cannot_be_judged")

    # Vetting.
    initial_review_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                                          blank=True, related_name="+")
    initial_review_at = models.DateTimeField(null=True, blank=True)
    solely_protected_attested = models.BooleanField(
        null=True, blank=True,
        help_text="Supervisor's answer: is the report based solely on protected activity? (None: not answered)",
    )
    ise_sar = models.BooleanField(default=False)
    nexus_justification = models.TextField(blank=True)
    criminal_predicate = models.TextField(blank=True)
    criminal_activity = models.CharField(max_length=200, blank=True)
    additional_facts = models.TextField(blank=True)
    referred_to = models.ForeignKey(Organization, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    referred_to_name = models.CharField(max_length=200, blank=True)
    disposition_at = models.DateTimeField(null=True, blank=True)
    disposition_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                       related_name="+")
    retention_until = models.DateField(null=True, blank=True)
    review_due = models.DateField(null=True, blank=True)

    merged_into = models.ForeignKey("self", on_delete=models.SET_NULL, null=True, blank=True, related_name="merged")
    state_before_merge = models.CharField(max_length=24, blank=True)
    extraction_done = models.BooleanField(default=False)

    class Meta:
        ordering = ["-received_at", "-id"]
        indexes = [models.Index(fields=["center", "state", "received_at"])]

    def __str__(self) -> str:
        return self.receipt

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES

    @property
    def category_codes(self) -> list[str]:
        return [c.code for c in self.categories.all()]


class ReportCategory(models.Model):
    """One ISE-SAR behavior category of a report (a row, so queues and dashboards can count by it)."""

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="categories")
    code = models.CharField(max_length=16, db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["report", "code"], name="sar_category_once")]
        ordering = ["code"]


class Subject(models.Model):
    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="subjects")
    name = models.CharField(max_length=200, blank=True)
    name_key = models.CharField(max_length=200, blank=True, db_index=True, help_text="Normalized for matching.")
    aliases = models.JSONField(default=list, blank=True)
    date_of_birth = models.DateField(null=True, blank=True)
    age_min = models.PositiveSmallIntegerField(null=True, blank=True)
    age_max = models.PositiveSmallIntegerField(null=True, blank=True)
    sex = models.CharField(max_length=20, blank=True)
    race = models.CharField(max_length=60, blank=True)
    height_in = models.PositiveSmallIntegerField("height (inches)", null=True, blank=True)
    weight_lb = models.PositiveSmallIntegerField("weight (pounds)", null=True, blank=True)
    hair = models.CharField(max_length=40, blank=True)
    eyes = models.CharField(max_length=40, blank=True)
    description = models.CharField(max_length=500, blank=True, help_text="Clothing, build, other marks.")
    identifiers = models.JSONField(default=list, blank=True, help_text='[{"kind": "dl", "value": "..."}]')

    class Meta:
        ordering = ["id"]


class Vehicle(models.Model):
    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="vehicles")
    plate = models.CharField(max_length=12, blank=True)
    plate_key = models.CharField(max_length=12, blank=True, db_index=True)
    plate_state = models.CharField(max_length=2, blank=True)
    vin = models.CharField("VIN", max_length=17, blank=True, db_index=True)
    make = models.CharField(max_length=40, blank=True)
    model = models.CharField(max_length=40, blank=True)
    year = models.PositiveSmallIntegerField(null=True, blank=True)
    color = models.CharField(max_length=40, blank=True)

    class Meta:
        ordering = ["id"]


class Identifier(models.Model):
    """A phone, e-mail or address tied to a report (entered, or accepted from the narrative)."""

    class Kind(models.TextChoices):
        PHONE = "phone", "Phone number"
        EMAIL = "email", "E-mail address"
        ADDRESS = "address", "Street address"

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="identifiers")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    value = models.CharField(max_length=300)
    key = models.CharField(max_length=300, db_index=True, help_text="Normalized value for matching.")

    class Meta:
        ordering = ["kind", "id"]


class Attachment(models.Model):
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="attachments")
    filename = models.CharField(max_length=120, help_text="A safe display name, never used as a path.")
    content_type = models.CharField(max_length=40)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_at = models.DateTimeField(default=clock.now)

    class Meta:
        ordering = ["id"]


class Transition(models.Model):
    """One step of the workflow: who, when, why, from which state to which."""

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="transitions")
    action = models.CharField(max_length=32)
    from_state = models.CharField(max_length=24, blank=True)
    to_state = models.CharField(max_length=24, blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                           related_name="+")
    at = models.DateTimeField(default=clock.now)
    reason = models.TextField(blank=True)
    detail = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "id"]


class Link(models.Model):
    """Two reports a reviewer judged related (the policy's 'associate, don't merge' default)."""

    from_report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="links_out")
    to_report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="links_in")
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    at = models.DateTimeField(default=clock.now)
    reason = models.CharField(max_length=500)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["from_report", "to_report"], name="sar_link_once")]


class Suggestion(models.Model):
    """A phone, e-mail, plate, VIN or address found in the narrative, offered to the analyst."""

    class Kind(models.TextChoices):
        PHONE = "phone", "Phone number"
        EMAIL = "email", "E-mail address"
        PLATE = "plate", "License plate"
        VIN = "vin", "VIN"
        ADDRESS = "address", "Street address"

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        ACCEPTED = "accepted", "Accepted"
        REJECTED = "rejected", "Rejected"

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="suggestions")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    value = models.CharField(max_length=300)
    normalized = models.CharField(max_length=300)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["kind", "id"]
        constraints = [models.UniqueConstraint(fields=["report", "kind", "normalized"], name="sar_suggestion_once")]
