"""Intelligence products: types (data), the product and its sections, review, versions, references,
files, audiences, dissemination records, read receipts, feedback, and external alert intake.

A product is a `MarkedRecord`, so `core.access` decides who may see it; its audience becomes explicit
`core.Share` rows on publication, so TLP:AMBER and AMBER+STRICT products reach exactly their audience.
Every change goes through `services`/`distribution`/`external`.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models

from fusioncenter.core import clock
from fusioncenter.core.models import MarkedRecord


class ProductType(models.Model):
    """A kind of product and its template of sections; loaded from data/product_types.json."""

    code = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=100)
    description = models.CharField(max_length=300, blank=True)
    order = models.PositiveSmallIntegerField(default=50)
    sections = models.JSONField(default=list, help_text="[{key, title, hint, required}] in order.")
    default_tlp = models.CharField(max_length=16, default="AMBER")
    default_record_class = models.CharField(max_length=32, default="law_enforcement")
    default_les = models.BooleanField(default=False)
    expedited = models.BooleanField(
        default=False, help_text="Fast facts: a center worker may release it without peer and supervisor review "
        "(privacy review still applies when it names a person or holds criminal intelligence).")
    external = models.BooleanField(default=False, help_text="Used for alerts passed on from outside.")
    expires_hours = models.PositiveIntegerField(null=True, blank=True, help_text="e.g. a BOLO expires.")
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["order", "name"]

    def __str__(self) -> str:
        return self.name


class Status(models.TextChoices):
    DRAFT = "draft", "Draft"
    PEER_REVIEW = "peer_review", "Peer review"
    SUPERVISOR_REVIEW = "supervisor_review", "Supervisor approval"
    PRIVACY_REVIEW = "privacy_review", "Privacy review"
    APPROVED = "approved", "Approved: ready to send"
    PUBLISHED = "published", "Published"
    WITHDRAWN = "withdrawn", "Withdrawn"


class Product(MarkedRecord):
    number = models.CharField(max_length=32, unique=True, help_text="e.g. WSIC-2026-0007; not the database id.")
    product_type = models.ForeignKey(ProductType, on_delete=models.PROTECT, related_name="products")
    title = models.CharField(max_length=200)
    status = models.CharField(max_length=24, choices=Status.choices, default=Status.DRAFT, db_index=True)
    version = models.PositiveIntegerField(default=1)
    names_person = models.BooleanField(
        default=False, help_text="The product names or identifies a person (privacy review required).")
    created_at = models.DateTimeField(default=clock.now)
    updated_at = models.DateTimeField(default=clock.now)
    published_at = models.DateTimeField(null=True, blank=True, db_index=True)
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                     related_name="+")
    expires_at = models.DateTimeField(null=True, blank=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdrawn_reason = models.CharField(max_length=500, blank=True)
    peer_reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                      related_name="+")
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                    related_name="+")
    privacy_reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                                            blank=True, related_name="+")
    # Passed-on external alerts keep what the originator wrote, word for word.
    origin = models.CharField(max_length=200, blank=True, help_text="Originator of an external alert.")
    original_marking = models.CharField(max_length=300, blank=True, help_text="The marking as received.")
    # Retention (privacy app): set on creation and again on release, moved only by a revalidation.
    review_due = models.DateField(null=True, blank=True)
    retention_until = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["-published_at", "-created_at", "-id"]

    def __str__(self) -> str:
        return self.number

    def save(self, *args, **kwargs) -> None:
        if self.retention_until is None:
            from .retention import set_dates

            set_dates(self)
        super().save(*args, **kwargs)

    @property
    def needs_privacy_review(self) -> bool:
        return self.names_person or self.record_class == "criminal_intelligence"

    @property
    def is_released(self) -> bool:
        return self.status in (Status.PUBLISHED, Status.WITHDRAWN)


class Section(models.Model):
    """One section of the template, with its own portion marking (e.g. "(U//LES)")."""

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="sections")
    key = models.SlugField(max_length=40)
    title = models.CharField(max_length=120)
    portion_marking = models.CharField(max_length=60, blank=True)
    body = models.TextField(blank=True, help_text="Markdown.")
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["order", "id"]
        constraints = [models.UniqueConstraint(fields=["product", "key"], name="products_section_key")]


class Version(models.Model):
    """A snapshot taken at each hand-over and each release; diffs are computed between snapshots."""

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField(help_text="The product version this snapshot belongs to.")
    seq = models.PositiveIntegerField(help_text="Snapshot order within the product.")
    event = models.CharField(max_length=32)
    snapshot = models.JSONField()
    note = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=clock.now)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")

    class Meta:
        ordering = ["seq"]
        constraints = [models.UniqueConstraint(fields=["product", "seq"], name="products_version_seq")]


class Review(models.Model):
    """One review step's outcome (approve or return), with the reviewer's comment."""

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="reviews")
    stage = models.CharField(max_length=24, choices=Status.choices)
    outcome = models.CharField(max_length=16, choices=[("approved", "Approved"), ("returned", "Returned")])
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    comment = models.TextField(blank=True)
    at = models.DateTimeField(default=clock.now)

    class Meta:
        ordering = ["at", "id"]


class Comment(models.Model):
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    section_key = models.SlugField(max_length=40, blank=True)
    body = models.TextField()
    at = models.DateTimeField(default=clock.now)

    class Meta:
        ordering = ["at", "id"]


class Reference(models.Model):
    """A report or entity the product draws on; shown to a reader only if `core.access` lets them see it."""

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="references")
    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE)
    object_id = models.CharField(max_length=64)
    note = models.CharField(max_length=200, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["product", "content_type", "object_id"],
                                               name="products_reference_once")]


class Attachment(models.Model):
    """An image (re-encoded without metadata) or a PDF, stored outside the web root."""

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="attachments")
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    filename = models.CharField(max_length=120)
    content_type = models.CharField(max_length=40)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    caption = models.CharField(max_length=200, blank=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    uploaded_at = models.DateTimeField(default=clock.now)

    @property
    def is_image(self) -> bool:
        return self.content_type.startswith("image/")


class AudienceKind(models.TextChoices):
    DISCIPLINE = "discipline", "Discipline"
    ORGANIZATION = "organization", "Organization"
    COUNTY = "county", "County"
    REGION = "region", "Region"
    ROLE = "role", "Role"
    LIAISON = "liaison", "Liaison officer network"
    CENTER = "center", "Center's area"
    USER = "user", "Named person"


class Audience(models.Model):
    """One term of a product's audience; the audience is the union of its terms."""

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="audience")
    kind = models.CharField(max_length=16, choices=AudienceKind.choices)
    value = models.CharField(max_length=64, help_text="A code or id, by kind (discipline code, org id, FIPS...).")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["product", "kind", "value"], name="products_audience_once")]


class Dissemination(models.Model):
    """One release of one version to one recipient on one channel (append-only)."""

    class Kind(models.TextChoices):
        RELEASE = "release", "Release"
        CORRECTION = "correction", "Correction notice"
        WITHDRAWAL = "withdrawal", "Withdrawal notice"

    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="disseminations")
    version = models.PositiveIntegerField()
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.RELEASE)
    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    organization = models.ForeignKey("core.Organization", on_delete=models.PROTECT, null=True, related_name="+")
    channel = models.CharField(max_length=16)
    marking = models.CharField(max_length=200)
    right_to_know = models.CharField(max_length=300)
    need_to_know = models.CharField(max_length=500, blank=True)
    message_id = models.BigIntegerField(null=True, help_text="The delivery outbox message.")
    at = models.DateTimeField(default=clock.now, db_index=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["product", "recipient"])]


class Receipt(models.Model):
    """Whether a recipient has opened the product (first and last opening)."""

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="receipts")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    delivered_at = models.DateTimeField(default=clock.now)
    opened_at = models.DateTimeField(null=True, blank=True)
    last_opened_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["product", "user"], name="products_receipt_once")]


class Feedback(models.Model):
    """A recipient's rating and short survey; one per recipient per product (may be revised)."""

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="feedback")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    usefulness = models.PositiveSmallIntegerField(help_text="1 (not useful) to 5 (very useful).")
    relevant = models.BooleanField(help_text="Relevant to my agency's mission.")
    timely = models.BooleanField(help_text="Arrived in time to act on.")
    action = models.CharField(max_length=24, help_text="What the recipient did with it.")
    comment = models.CharField(max_length=500, blank=True)
    at = models.DateTimeField(default=clock.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["product", "user"], name="products_feedback_once")]


class FeedSubscription(models.Model):
    """A CAP or Atom feed of federal or partner alerts the center watches."""

    class Kind(models.TextChoices):
        CAP = "cap", "CAP 1.2 (one alert or an Atom feed of CAP alerts)"
        ATOM = "atom", "Atom feed"

    name = models.CharField(max_length=120)
    url = models.URLField(max_length=500)
    kind = models.CharField(max_length=8, choices=Kind.choices)
    active = models.BooleanField(default=True)
    default_tlp = models.CharField(max_length=16, default="CLEAR", help_text="For items with no TLP of their own.")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(default=clock.now)
    last_fetched_at = models.DateTimeField(null=True, blank=True)
    last_result = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class ExternalItem(MarkedRecord):
    """An alert or bulletin received from outside (a feed or an upload), with its original marking."""

    class Source(models.TextChoices):
        FEED = "feed", "Feed"
        UPLOAD = "upload", "Upload"

    source = models.CharField(max_length=8, choices=Source.choices)
    subscription = models.ForeignKey(FeedSubscription, on_delete=models.SET_NULL, null=True, blank=True,
                                     related_name="items")
    identifier = models.CharField(max_length=300, help_text="The originator's id (CAP identifier, Atom id).")
    originator = models.CharField(max_length=200, blank=True)
    title = models.CharField(max_length=300)
    body = models.TextField(blank=True)
    original_marking = models.CharField(max_length=300, blank=True)
    link = models.URLField(max_length=500, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    received_at = models.DateTimeField(default=clock.now)
    file_uuid = models.UUIDField(null=True, blank=True)
    filename = models.CharField(max_length=120, blank=True)
    file_type = models.CharField(max_length=40, blank=True)
    product = models.ForeignKey(Product, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    # Retention (privacy app), from receipt; moved only by a revalidation.
    review_due = models.DateField(null=True, blank=True)
    retention_until = models.DateField(null=True, blank=True)

    def save(self, *args, **kwargs) -> None:
        if self.retention_until is None:
            from .retention import set_dates

            set_dates(self)
        super().save(*args, **kwargs)

    class Meta:
        ordering = ["-received_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["subscription", "identifier"],
                                               name="products_external_once",
                                               condition=models.Q(subscription__isnull=False))]
