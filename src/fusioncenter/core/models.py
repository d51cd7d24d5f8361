"""Core records: jurisdictions, partner organizations, users, credentials, shares and the audit chain."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.models import AbstractUser
from django.contrib.contenttypes.models import ContentType
from django.db import models

from . import clock
from .markings import TLP, RecordClass
from .roles import CENTER_STAFF_ROLES, LAW_ENFORCEMENT_DISCIPLINES, Discipline, Role


class Center(models.Model):
    """A fusion center that works its own queue (WSIC, STAC)."""

    code = models.CharField(max_length=16, unique=True)
    name = models.CharField(max_length=200)
    is_primary = models.BooleanField(
        default=False, help_text="The statewide center: takes reports from unknown or out-of-state places."
    )
    tip_phone = models.CharField(max_length=40, blank=True)
    email = models.EmailField(blank=True)

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return self.code


class Region(models.Model):
    """An emergency-management region; editable, alerts can target it."""

    name = models.CharField(max_length=80, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class County(models.Model):
    fips = models.CharField(max_length=5, unique=True)
    name = models.CharField(max_length=80)
    same_code = models.CharField(max_length=6, help_text="SAME/EAS geocode used in CAP areas.")
    center = models.ForeignKey(Center, on_delete=models.PROTECT, related_name="counties")
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="counties", null=True, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "counties"

    def __str__(self) -> str:
        return f"{self.name} County"


class ZipCode(models.Model):
    code = models.CharField(max_length=5, primary_key=True)
    city = models.CharField(max_length=80)
    county = models.ForeignKey(County, on_delete=models.CASCADE, related_name="zip_codes")
    latitude = models.FloatField(null=True, blank=True)
    longitude = models.FloatField(null=True, blank=True)

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return self.code


class Organization(models.Model):
    """A partner agency. Every user belongs to exactly one."""

    name = models.CharField(max_length=200, unique=True)
    acronym = models.CharField(max_length=30, blank=True)
    discipline = models.CharField(max_length=32, choices=Discipline.choices)
    ori = models.CharField("ORI", max_length=9, blank=True, help_text="NCIC originating agency identifier.")
    county = models.ForeignKey(County, on_delete=models.PROTECT, null=True, blank=True, related_name="organizations")
    center = models.ForeignKey(Center, on_delete=models.PROTECT, related_name="organizations")
    is_fusion_center = models.BooleanField(default=False)
    phone = models.CharField(max_length=40, blank=True)
    email = models.EmailField(blank=True)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_law_enforcement(self) -> bool:
        return self.discipline in LAW_ENFORCEMENT_DISCIPLINES


class User(AbstractUser):
    """A person with an account. The public has none."""

    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="members", null=True, blank=True
    )
    role = models.CharField(max_length=32, choices=Role.choices, default=Role.PARTNER_MEMBER)
    sworn = models.BooleanField("sworn law enforcement", default=False)
    cfr23_trained_on = models.DateField("28 CFR Part 23 training", null=True, blank=True)
    home_center = models.ForeignKey(Center, on_delete=models.PROTECT, null=True, blank=True, related_name="staff")
    title = models.CharField(max_length=120, blank=True)
    phone = models.CharField(max_length=40, blank=True)
    locked_at = models.DateTimeField(null=True, blank=True)
    password_changed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["username"]

    @property
    def is_locked(self) -> bool:
        return self.locked_at is not None

    @property
    def is_center_staff(self) -> bool:
        return self.role in CENTER_STAFF_ROLES

    def cfr23_training_current(self, on: dt.date | None = None) -> bool:
        from django.conf import settings

        if self.cfr23_trained_on is None:
            return False
        on = on or clock.today()
        return (on - self.cfr23_trained_on).days <= settings.FUSIONCENTER_CFR23_TRAINING_VALID_DAYS

    @property
    def center(self) -> Center | None:
        """The center whose queue the user works: their home center, else their organization's."""
        if self.home_center_id:
            return self.home_center
        return self.organization.center if self.organization_id else None


class TOTPDevice(models.Model):
    """The user's authenticator app. `last_step` refuses a code used twice (replay)."""

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="totp")
    secret = models.CharField(max_length=64)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    last_step = models.BigIntegerField(default=0)


class RecoveryCode(models.Model):
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="recovery_codes")
    code_hash = models.CharField(max_length=128)
    used_at = models.DateTimeField(null=True, blank=True)


class FailedSignIn(models.Model):
    """One failed password or code; five in the window lock the account (CJIS AC-7)."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="failed_sign_ins")
    at = models.DateTimeField(default=clock.now, db_index=True)
    source_address = models.GenericIPAddressField(null=True, blank=True)


class ApiToken(models.Model):
    """A bearer token for a partner system. Only its SHA-256 is stored."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100, blank=True)
    prefix = models.CharField(max_length=12, db_index=True)
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=clock.now)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)


class MarkedRecord(models.Model):
    """Fields every access-controlled record carries, so `core.access` can decide and filter on them."""

    record_class = models.CharField(max_length=32, choices=RecordClass.choices, default=RecordClass.LAW_ENFORCEMENT)
    tlp = models.CharField("TLP", max_length=16, choices=TLP.choices, default=TLP.AMBER)
    les = models.BooleanField("LES", default=False, help_text="Law Enforcement Sensitive caveat.")
    cui = models.CharField("CUI banner", max_length=120, blank=True, help_text="e.g. CUI//SP-INV; blank when not CUI.")
    center = models.ForeignKey(Center, on_delete=models.PROTECT, related_name="+", null=True, blank=True)
    owner_organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    created_by = models.ForeignKey(User, on_delete=models.SET_NULL, related_name="+", null=True, blank=True)

    class Meta:
        abstract = True

    @property
    def audit_type(self) -> str:
        return self._meta.label_lower


class Share(models.Model):
    """An explicit grant of a record to a user or an organization, with the reason."""

    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE)
    object_id = models.CharField(max_length=64)
    user = models.ForeignKey(User, on_delete=models.CASCADE, null=True, blank=True, related_name="shares")
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, null=True, blank=True, related_name="shares"
    )
    granted_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    granted_at = models.DateTimeField(default=clock.now)
    reason = models.CharField(max_length=500)

    class Meta:
        indexes = [models.Index(fields=["content_type", "object_id"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(user__isnull=False) | models.Q(organization__isnull=False),
                name="share_has_recipient",
            )
        ]


class NeedToKnow(models.Model):
    """A user's stated need to know for one criminal-intelligence record (28 CFR 23.20(e))."""

    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE)
    object_id = models.CharField(max_length=64)
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="need_to_know")
    statement = models.CharField(max_length=1000)
    stated_at = models.DateTimeField(default=clock.now)
    expires_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["content_type", "object_id", "user"])]


class AuditEntry(models.Model):
    """One link of the tamper-evident audit chain. Names objects by type and id, never by content."""

    seq = models.BigIntegerField(unique=True)
    at = models.DateTimeField()
    actor_id = models.BigIntegerField(null=True, blank=True)
    actor = models.CharField(max_length=150, blank=True, help_text="Username, or 'anonymous' / 'system'.")
    action = models.CharField(max_length=64, db_index=True)
    object_type = models.CharField(max_length=100, blank=True, db_index=True)
    object_id = models.CharField(max_length=64, blank=True, db_index=True)
    outcome = models.CharField(max_length=16, default="success")
    source_address = models.CharField(max_length=64, blank=True)
    detail = models.JSONField(default=dict, blank=True)
    prev_hash = models.CharField(max_length=64)
    entry_hash = models.CharField(max_length=64, unique=True)

    class Meta:
        ordering = ["seq"]
        verbose_name_plural = "audit entries"
        indexes = [models.Index(fields=["actor_id", "at"]), models.Index(fields=["object_type", "object_id"])]


class AuditHead(models.Model):
    """The chain's last link. Locked while appending, so two writers never fork the chain, and
    compared by `audit verify` so entries cut from the end are noticed too."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    seq = models.BigIntegerField(default=0)
    entry_hash = models.CharField(max_length=64, default="0" * 64)


class ScheduledRun(models.Model):
    """One day's run of one daily job (see core.schedule)."""

    name = models.CharField(max_length=100)
    day = models.DateField()
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=16, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["name", "day"], name="one_run_per_job_per_day")]


class RateAttempt(models.Model):
    """One public submission (a report, a sighting, a redress request), for the per-address rate limit
    of `core.ratelimit`. Holds a keyed hash of the address, never the address, and lives only as long
    as the limit's window."""

    bucket = models.CharField(max_length=40)
    key = models.CharField(max_length=64)
    at = models.DateTimeField(db_index=True)

    class Meta:
        indexes = [models.Index(fields=["bucket", "key", "at"], name="rate_attempt_lookup")]
