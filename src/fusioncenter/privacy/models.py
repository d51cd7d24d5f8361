"""Privacy records: record-class policies, the review queue and its history, tombstones, the
dissemination log and redress cases.

None of these tables copies a record's personal content: they name records by type and id (as the
audit does), so a purge of the record leaves nothing of the person here except what the purge
itself blanks (review justifications, need-to-know statements).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from fusioncenter.core import clock
from fusioncenter.core.markings import RecordClass


class RecordClassPolicy(models.Model):
    """One information class of the privacy policy (tip/lead, criminal intelligence, ISE-SAR, ...).

    Loaded from `privacy/data/record_classes.json`; the privacy officer may edit it in the admin. It is
    a finer classification than core's access classes: `access_class` says which of those applies.
    """

    code = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=120)
    description = models.TextField(blank=True)
    access_class = models.CharField(max_length=32, choices=RecordClass.choices)
    default_for_access_class = models.BooleanField(
        default=False, help_text="The policy assumed for a record that says only its access class."
    )
    retention_days = models.PositiveIntegerField(
        help_text="Days a record is kept from entry or from its last validation before it must be reviewed."
    )
    max_retention_days = models.PositiveIntegerField(
        help_text="The longest a validation may extend the record (28 CFR 23.20(h): 5 years)."
    )
    temporary = models.BooleanField(default=False, help_text="A temporary file with its own clock (tips, leads).")
    requires_reasonable_suspicion = models.BooleanField(default=False)
    requires_criminal_predicate = models.BooleanField(default=False)
    revalidation_allowed = models.BooleanField(default=True)
    legal_basis = models.CharField(max_length=300, blank=True)
    order = models.PositiveSmallIntegerField(default=50)

    class Meta:
        ordering = ["order", "code"]
        verbose_name = "record class policy"
        verbose_name_plural = "record class policies"

    def __str__(self) -> str:
        return self.name


class ReviewItem(models.Model):
    """A record in the privacy officer's review queue: due for review or validation."""

    class Status(models.TextChoices):
        OPEN = "open", "Awaiting review"
        REVALIDATED = "revalidated", "Revalidated"
        PURGED = "purged", "Purged"
        GONE = "gone", "Record no longer exists"

    record_type = models.CharField(max_length=100, db_index=True)
    object_id = models.CharField(max_length=64)
    policy_code = models.CharField(max_length=40)
    access_class = models.CharField(max_length=32)
    due_on = models.DateField(help_text="The record's review date when it was queued.")
    purge_on = models.DateField(null=True, blank=True, help_text="Purged automatically after this date.")
    queued_at = models.DateTimeField(default=clock.now)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.OPEN, db_index=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                    related_name="+")

    class Meta:
        ordering = ["due_on", "id"]
        indexes = [models.Index(fields=["record_type", "object_id"])]
        constraints = [
            models.UniqueConstraint(fields=["record_type", "object_id"], condition=models.Q(status="open"),
                                    name="privacy_one_open_review")
        ]


class ReviewHistory(models.Model):
    """One validation (28 CFR 23.20(h): reviewer, date and reason), or the purge that ended the record."""

    class Action(models.TextChoices):
        REVALIDATED = "revalidated", "Revalidated"
        PURGED = "purged", "Purged"

    record_type = models.CharField(max_length=100, db_index=True)
    object_id = models.CharField(max_length=64, db_index=True)
    action = models.CharField(max_length=16, choices=Action.choices)
    policy_code = models.CharField(max_length=40)
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                 related_name="+")
    at = models.DateTimeField(default=clock.now)
    previous_review_date = models.DateField(null=True, blank=True)
    new_review_date = models.DateField(null=True, blank=True)
    previous_retention = models.DateField(null=True, blank=True)
    new_retention = models.DateField(null=True, blank=True)
    justification = models.TextField(blank=True, help_text="Blanked when the record is purged.")
    reasonable_suspicion = models.TextField(blank=True, help_text="Blanked when the record is purged.")
    criminal_predicate = models.CharField(max_length=300, blank=True, help_text="Blanked when the record is purged.")
    lawfully_obtained = models.BooleanField(
        null=True, blank=True,
        help_text="Criminal intelligence: the reviewer confirmed nothing in it was obtained in violation of law "
                  "(28 CFR 23.20(d)). Empty for other classes.")

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name_plural = "review history"


class Tombstone(models.Model):
    """What is left of a purged record: its type, id, class and why; never personal content."""

    class Reason(models.TextChoices):
        RETENTION_EXPIRED = "retention_expired", "Retention period ended without validation"
        REVIEW_DECISION = "review_decision", "Purged at review"
        REDRESS = "redress", "Purged after a redress request"

    record_type = models.CharField(max_length=100, db_index=True)
    original_id = models.CharField(max_length=64)
    access_class = models.CharField(max_length=32)
    policy_code = models.CharField(max_length=40)
    purged_at = models.DateTimeField(default=clock.now, db_index=True)
    reason = models.CharField(max_length=24, choices=Reason.choices)
    purged_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                  related_name="+", help_text="Empty when the retention task purged it.")
    summary = models.JSONField(default=dict, blank=True, help_text="Counts and codes only.")

    class Meta:
        ordering = ["-purged_at", "-id"]
        indexes = [models.Index(fields=["record_type", "original_id"])]


class Dissemination(models.Model):
    """One release of a record to one recipient (28 CFR 23.20(g)): append-only."""

    class Channel(models.TextChoices):
        EXPORT = "export", "Export (file)"
        PRODUCT = "product", "Intelligence product"
        EMAIL = "email", "E-mail"
        API = "api", "API read by a partner system"
        PORTAL = "portal", "Shown in the portal"
        SPOKEN = "spoken", "Told by telephone or in person"

    class Basis(models.TextChoices):
        NEED_TO_KNOW = "need_to_know", "Right-to-know and need-to-know (28 CFR 23.20(e))"
        IMMINENT_DANGER = "imminent_danger", "Imminent danger to life or property (28 CFR 23.20(f))"

    record_type = models.CharField(max_length=100, db_index=True)
    object_id = models.CharField(max_length=64, db_index=True)
    version = models.CharField(max_length=40, blank=True)
    access_class = models.CharField(max_length=32)
    marking = models.CharField(max_length=200, help_text="The banner line as released.")
    recipient_user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                       related_name="+")
    recipient_organization = models.ForeignKey("core.Organization", on_delete=models.PROTECT, null=True,
                                               blank=True, related_name="+")
    recipient_name = models.CharField(max_length=200, blank=True,
                                      help_text="A person outside the system (imminent-danger releases only).")
    recipient_description = models.CharField(max_length=300, blank=True,
                                             help_text="Their position, agency and how they were reached.")
    basis = models.CharField(max_length=16, choices=Basis.choices, default=Basis.NEED_TO_KNOW, db_index=True)
    right_to_know = models.CharField(max_length=300, help_text="The recipient's right-to-know basis.")
    need_to_know = models.TextField(help_text="The sender's statement. Replaced when the record is purged.")
    channel = models.CharField(max_length=16, choices=Channel.choices)
    at = models.DateTimeField(default=clock.now, db_index=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["record_type", "object_id"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(recipient_user__isnull=False) | models.Q(recipient_organization__isnull=False)
                | ~models.Q(recipient_name=""),
                name="privacy_dissemination_has_recipient",
            )
        ]

    @property
    def imminent_danger(self) -> bool:
        return self.basis == self.Basis.IMMINENT_DANGER

    @property
    def recipient_label(self) -> str:
        """Who received it, for lists: the user, the agency, or the outside person and their position."""
        if self.recipient_user_id:
            return str(self.recipient_user)
        if self.recipient_organization_id:
            return str(self.recipient_organization)
        return f"{self.recipient_name} ({self.recipient_description})" if self.recipient_description \
            else self.recipient_name


class ImminentDangerRelease(models.Model):
    """The facts of a release under the imminent-danger exception (28 CFR 23.20(f)), for review after it.

    One per `Dissemination` with basis imminent_danger. The privacy officer reviews each one after the
    fact and records whether the exception applied; the danger and what was told are blanked when the
    record is purged.
    """

    class DangerTo(models.TextChoices):
        LIFE = "life", "Life"
        PROPERTY = "property", "Property"
        BOTH = "both", "Life and property"

    class Review(models.TextChoices):
        PENDING = "pending", "Awaiting the privacy officer's review"
        JUSTIFIED = "justified", "Justified: the exception applied"
        NOT_JUSTIFIED = "not_justified", "Not justified: the exception did not apply"

    dissemination = models.OneToOneField(Dissemination, on_delete=models.PROTECT, related_name="danger")
    danger_to = models.CharField(max_length=8, choices=DangerTo.choices)
    danger = models.TextField(help_text="The written description of the imminent danger. Blanked on purge.")
    disclosed = models.TextField(help_text="What was told or given to the recipient. Blanked on purge.")
    normal_refusal = models.CharField(max_length=300, help_text="Why the normal rule would not release it.")
    review = models.CharField(max_length=16, choices=Review.choices, default=Review.PENDING, db_index=True)
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="+")
    reviewed_at = models.DateTimeField(null=True, blank=True)
    review_note = models.TextField(blank=True)

    class Meta:
        ordering = ["-dissemination__at", "-id"]


class RedressCase(models.Model):
    """A request from a person who believes the center holds wrong information about them."""

    class Status(models.TextChoices):
        RECEIVED = "received", "Received"
        UNDER_REVIEW = "under_review", "Under review"
        CORRECTED = "corrected", "Corrected"
        NO_CHANGE = "no_change", "No change"
        ANSWERED = "answered", "Answered"

    reference = models.CharField(max_length=24, unique=True, help_text="Given to the requester.")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.RECEIVED, db_index=True)
    received_at = models.DateTimeField(default=clock.now)
    due_on = models.DateField()
    # The requester's own information, kept to answer them (the policy's redress section).
    name = models.CharField(max_length=200)
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=40, blank=True)
    postal_address = models.CharField(max_length=300, blank=True)
    description = models.TextField(help_text="What the person believes is wrong.")
    # The record it concerns, once the privacy officer has found it.
    record_type = models.CharField(max_length=100, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    assigned_to = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                    related_name="+")
    outcome = models.TextField(blank=True, help_text="What was decided and why (internal).")
    answer = models.TextField(blank=True, help_text="What the requester was told.")
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["due_on", "id"]

    def __str__(self) -> str:
        return self.reference

    @property
    def is_open(self) -> bool:
        return self.status != self.Status.ANSWERED

    @property
    def overdue(self) -> bool:
        return self.is_open and self.due_on < clock.today()


class RedressEvent(models.Model):
    """One step of a redress case: who moved it, when, from which status to which, and a note."""

    case = models.ForeignKey(RedressCase, on_delete=models.CASCADE, related_name="events")
    from_status = models.CharField(max_length=16, blank=True)
    to_status = models.CharField(max_length=16)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                           related_name="+")
    at = models.DateTimeField(default=clock.now)
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["at", "id"]
