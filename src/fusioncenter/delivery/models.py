"""The outbox: a message's content once, one delivery row per recipient and channel, portal notices.

A `Delivery` row is the unit of work and of truth: workers claim it (with a lease), send it and mark
it; the sender reads totals from these rows. `idempotency_key` is unique, so enqueueing the same
recipient of the same message twice creates nothing, and the same key names the e-mail's Message-ID
so a receiving server can drop a copy sent again after a crash.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from fusioncenter.core import clock


class Channel(models.TextChoices):
    EMAIL = "email", "E-mail"
    SMS = "sms", "Text message"
    PORTAL = "portal", "Portal inbox"


class Status(models.TextChoices):
    PENDING = "pending", "Waiting to send"
    SENDING = "sending", "Sending"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed"
    CANCELLED = "cancelled", "Cancelled"


class Message(models.Model):
    """What is sent, stored once however many recipients it has."""

    key = models.CharField(
        max_length=200, unique=True, null=True, blank=True,
        help_text="The sender's idempotency key for the whole send (e.g. 'alerts.alert:12:issue'); "
        "sending again with the same key adds only missing recipients.",
    )
    subject = models.CharField(max_length=200)
    text_body = models.TextField()
    html_body = models.TextField(blank=True)
    sms_body = models.CharField(max_length=480, blank=True, help_text="Short text for SMS; derived if empty.")
    sender_label = models.CharField(max_length=120, blank=True)
    source_type = models.CharField(max_length=100, blank=True, help_text="app_label.model it belongs to.")
    source_id = models.CharField(max_length=64, blank=True)
    # A reference, never a copy: the e-mail channel asks the registered provider for the file at send
    # time, per recipient, so the outbox holds no intelligence content and a withdrawal still stops it.
    attachment_provider = models.CharField(
        max_length=60, blank=True, help_text="Registered attachment provider (e.g. 'products.pdf'); blank: none.")
    attachment_ref = models.CharField(max_length=64, blank=True, help_text="What the provider renders (an id).")
    link_path = models.CharField(
        max_length=300, blank=True,
        help_text="Site path each e-mail recipient's personal link leads to (see delivery.links); blank: none.")
    created_at = models.DateTimeField(default=clock.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    expired_at = models.DateTimeField(
        null=True, blank=True, help_text="When retention blanked the bodies (see delivery.retention).")

    class Meta:
        indexes = [models.Index(fields=["source_type", "source_id"], name="delivery_msg_source")]
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"Message {self.pk}"

    @property
    def portal_text(self) -> str:
        """The text as the inbox shows it: without the e-mail's personal-link line."""
        from .links import fill_text

        return fill_text(self.text_body, None)


class Delivery(models.Model):
    """One recipient on one channel of one message: its state, attempts, lease and result."""

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="deliveries")
    channel = models.CharField(max_length=16, choices=Channel.choices)
    address = models.CharField(max_length=254, help_text="E-mail address, E.164 phone number or user id.")
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="deliveries"
    )
    idempotency_key = models.CharField(max_length=64, unique=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=clock.now)
    claimed_by = models.CharField(max_length=64, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    lease_expires_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=200, blank=True, help_text="A code and category, never content.")
    provider_message_id = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(default=clock.now)
    opened_at = models.DateTimeField(null=True, blank=True, help_text="First use of the personal link.")

    class Meta:
        verbose_name_plural = "deliveries"
        indexes = [
            # The two claim queries each read one small partial index instead of the whole table.
            models.Index(fields=["next_attempt_at", "id"], condition=Q(status="pending"),
                         name="delivery_due"),
            models.Index(fields=["lease_expires_at"], condition=Q(status="sending"), name="delivery_leased"),
            models.Index(fields=["message", "status"], name="delivery_msg_status"),
        ]

    def __str__(self) -> str:
        return f"Delivery {self.pk} ({self.channel}, {self.status})"


class PortalNotice(models.Model):
    """An entry in a signed-in user's inbox; `read_at` is the read receipt."""

    delivery = models.OneToOneField(Delivery, on_delete=models.CASCADE, related_name="notice")
    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="notices")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="portal_notices")
    created_at = models.DateTimeField(default=clock.now)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "read_at"], name="delivery_notice_unread")]

    def __str__(self) -> str:
        return f"Notice {self.pk}"
