"""Missing-person cases of the clearinghouse, their photos, status history, public listings and sightings.

The split that keeps sensitive details out of public outputs is structural, as in the alerts app: a
`MissingPersonCase` is law-enforcement information and holds everything the agency sent, including
the fields in `SENSITIVE_FIELDS`; a `PublicListing` is the public copy (record class public,
TLP:CLEAR) made from `PUBLIC_FIELDS` only when the agency clears the case for release. Public pages,
posters, the Atom feed and the anonymous PFIF export read listings alone, so a sensitive field cannot
reach them by a template mistake.
"""

from __future__ import annotations

import datetime as dt

from django.db import models

from fusioncenter.core import clock
from fusioncenter.core.models import County, MarkedRecord, Organization, User


class PersonType(models.TextChoices):
    CHILD = "child", "Child"
    ADULT = "adult", "Adult"


class NcicCategory(models.TextChoices):
    """NCIC Missing Person File message keys (MKE)."""

    EMD = "EMD", "Disability"
    EME = "EME", "Endangered"
    EMI = "EMI", "Involuntary"
    EMJ = "EMJ", "Juvenile"
    EMV = "EMV", "Catastrophe Victim"
    EMO = "EMO", "Other"


class NcmecCategory(models.TextChoices):
    """NCMEC case types."""

    ENDANGERED_RUNAWAY = "endangered_runaway", "Endangered Runaway"
    FAMILY_ABDUCTION = "family_abduction", "Family Abduction"
    NONFAMILY_ABDUCTION = "nonfamily_abduction", "Nonfamily Abduction"
    LOST_INJURED_OTHERWISE = "lost_injured_otherwise", "Lost, Injured, or Otherwise Missing"
    CRITICALLY_MISSING_YOUNG_ADULT = "critically_missing_young_adult", "Critically Missing Young Adult"
    MISSING_FROM_CARE = "missing_from_care", "Missing From Care"
    INFANT_ABDUCTION = "infant_abduction", "Infant Abduction"
    LONG_TERM_MISSING = "long_term_missing", "Long Term Missing"


class Sex(models.TextChoices):
    FEMALE = "female", "Female"
    MALE = "male", "Male"
    OTHER = "other", "Other"
    UNKNOWN = "", "Unknown"


class CaseStatus(models.TextChoices):
    MISSING = "missing", "Missing"
    LOCATED_SAFE = "located_safe", "Located safe"
    RECOVERED = "recovered", "Recovered"
    DECEASED = "deceased", "Deceased"
    CLOSED = "closed", "Closed"


RESOLVED_STATUSES = frozenset({CaseStatus.LOCATED_SAFE, CaseStatus.RECOVERED, CaseStatus.DECEASED, CaseStatus.CLOSED})


class MissingPersonCase(MarkedRecord):
    """One missing child or adult. Law enforcement only; the public sees its `PublicListing`."""

    # Released only through the listing, and only once the agency clears the case.
    PUBLIC_FIELDS = (
        "person_type",
        "given_name",
        "family_name",
        "alternate_names",
        "sex",
        "date_of_birth",
        "age_at_disappearance",
        "race",
        "height_in",
        "weight_lb",
        "hair_color",
        "eye_color",
        "complexion",
        "scars_marks_tattoos",
        "clothing",
        "last_seen_at",
        "last_seen_place",
        "last_seen_city",
        "circumstances",
        "vehicles",
        "public_contact",
    )
    # Never in a public output (tests put a marker string in each and search every public output).
    SENSITIVE_FIELDS = (
        "investigative_notes",
        "reporting_party_name",
        "reporting_party_phone",
        "medical_details",
        "ncic_number",
        "agency_case_number",
        "investigator_name",
        "investigator_phone",
        "investigator_email",
        "companions",
        "last_seen_latitude",
        "last_seen_longitude",
    )

    reference = models.CharField(max_length=24, unique=True, help_text="Clearinghouse case number.")
    external_id = models.CharField(
        max_length=300, blank=True, db_index=True, help_text="PFIF person_record_id of an imported record."
    )
    person_type = models.CharField(max_length=8, choices=PersonType.choices)
    ncic_category = models.CharField("NCIC category", max_length=3, choices=NcicCategory.choices)
    ncic_child_abduction = models.BooleanField("NCIC flag CA (child abduction)", default=False)
    ncmec_category = models.CharField("NCMEC case type", max_length=40, choices=NcmecCategory.choices, blank=True)
    status = models.CharField(max_length=16, choices=CaseStatus.choices, default=CaseStatus.MISSING)
    opened_at = models.DateTimeField(default=clock.now)
    resolved_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(default=clock.now)

    # The person.
    given_name = models.CharField(max_length=100)
    family_name = models.CharField(max_length=100)
    alternate_names = models.CharField(max_length=300, blank=True)
    sex = models.CharField(max_length=8, choices=Sex.choices, blank=True)
    date_of_birth = models.DateField(null=True, blank=True)
    age_at_disappearance = models.PositiveSmallIntegerField(null=True, blank=True)
    race = models.CharField(max_length=60, blank=True)
    height_in = models.PositiveSmallIntegerField("height (inches)", null=True, blank=True)
    weight_lb = models.PositiveSmallIntegerField("weight (pounds)", null=True, blank=True)
    hair_color = models.CharField(max_length=40, blank=True)
    eye_color = models.CharField(max_length=40, blank=True)
    complexion = models.CharField(max_length=40, blank=True)
    scars_marks_tattoos = models.TextField(blank=True)
    clothing = models.TextField(blank=True)
    cognitive_impairment = models.BooleanField(null=True, blank=True, help_text="Dementia, Alzheimer's or other.")
    veteran_or_service_member = models.BooleanField(null=True, blank=True)

    # Last seen.
    last_seen_at = models.DateTimeField()
    last_seen_place = models.CharField(max_length=300)
    last_seen_city = models.CharField(max_length=100, blank=True)
    last_seen_zip = models.CharField("last seen ZIP code", max_length=10, blank=True)
    last_seen_latitude = models.FloatField(null=True, blank=True)
    last_seen_longitude = models.FloatField(null=True, blank=True)
    last_seen_county = models.ForeignKey(County, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    routing_reason = models.CharField(max_length=400, blank=True)
    circumstances = models.TextField(blank=True, help_text="Public summary of the circumstances.")
    vehicles = models.JSONField(default=list, blank=True, help_text="[{year, make, model, color, plate, state}]")
    companions = models.JSONField(default=list, blank=True, help_text="[{name, relationship, description}]")

    # Agencies and contacts.
    reporting_agency = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    agency_case_number = models.CharField(max_length=60, blank=True)
    ncic_number = models.CharField("NCIC number", max_length=20, blank=True)
    investigating_agency = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    investigator_name = models.CharField(max_length=200, blank=True)
    investigator_phone = models.CharField(max_length=40, blank=True)
    investigator_email = models.EmailField(blank=True)
    public_contact = models.CharField(max_length=200, help_text="Whom the public calls with information.")
    reporting_party_name = models.CharField(max_length=200, blank=True)
    reporting_party_phone = models.CharField(max_length=40, blank=True)
    investigative_notes = models.TextField(blank=True)
    medical_details = models.TextField(blank=True)

    # Release to the public (the agency's decision).
    released_to_public = models.BooleanField(default=False)
    released_at = models.DateTimeField(null=True, blank=True)
    released_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")

    alert_requests = models.ManyToManyField("alerts.AlertRequest", blank=True, related_name="+")
    # Retention (the privacy app's case-support class), counted from the resolution: clearinghouse/retention.py.
    review_due = models.DateField(null=True, blank=True)
    retention_until = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["-opened_at"]

    def __str__(self) -> str:
        return self.reference

    @property
    def full_name(self) -> str:
        return f"{self.given_name} {self.family_name}".strip()

    @property
    def is_open(self) -> bool:
        return self.status == CaseStatus.MISSING

    def age_on(self, day: dt.date) -> int | None:
        """Age on `day`: from the birth date when known, else the age at disappearance plus the years since."""
        if self.date_of_birth:
            dob = self.date_of_birth
            return day.year - dob.year - ((day.month, day.day) < (dob.month, dob.day))
        if self.age_at_disappearance is not None:
            return self.age_at_disappearance + max(0, (day - self.last_seen_at.date()).days // 365)
        return None


class CaseStatusChange(models.Model):
    """History of a case's status, one row per change (the first row is the opening)."""

    case = models.ForeignKey(MissingPersonCase, on_delete=models.CASCADE, related_name="history")
    at = models.DateTimeField(default=clock.now)
    actor = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    from_status = models.CharField(max_length=16, blank=True)
    to_status = models.CharField(max_length=16, choices=CaseStatus.choices)
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["at", "id"]


class CasePhoto(models.Model):
    """A re-encoded photo (metadata stripped), with the date it was taken. Served through views only."""

    case = models.ForeignKey(MissingPersonCase, on_delete=models.CASCADE, related_name="photos")
    file = models.CharField(max_length=255, help_text="Path under MEDIA_ROOT.")
    sha256 = models.CharField(max_length=64)
    size = models.PositiveIntegerField()
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    taken_on = models.DateField(help_text="When the photo was taken.")
    description = models.CharField(max_length=300, blank=True)
    releasable = models.BooleanField(default=True, help_text="May appear on the public page and poster.")
    uploaded_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    uploaded_at = models.DateTimeField(default=clock.now)

    class Meta:
        ordering = ["-taken_on", "-id"]


class PublicListing(MarkedRecord):
    """The public copy of a released case: public fields only. Withdrawn (content emptied) on resolution."""

    case = models.OneToOneField(MissingPersonCase, on_delete=models.CASCADE, related_name="listing")
    content = models.JSONField(default=dict, help_text="The case's PUBLIC_FIELDS, serialized.")
    photo = models.ForeignKey(CasePhoto, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    photo_taken_on = models.DateField(null=True, blank=True)
    county_name = models.CharField(max_length=80, blank=True)
    agency_name = models.CharField(max_length=200)
    published_at = models.DateTimeField(default=clock.now)
    updated_at = models.DateTimeField(default=clock.now)
    withdrawn_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-published_at"]


class Sighting(models.Model):
    """A sighting sent by the public for a listed case. Seen by those who may see the case."""

    case = models.ForeignKey(MissingPersonCase, on_delete=models.CASCADE, related_name="sightings")
    received_at = models.DateTimeField(default=clock.now)
    seen_at = models.DateTimeField(null=True, blank=True)
    place = models.CharField(max_length=300)
    zip_code = models.CharField(max_length=10, blank=True)
    county = models.ForeignKey(County, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    description = models.TextField()
    reporter_name = models.CharField(max_length=200, blank=True)
    reporter_phone = models.CharField(max_length=40, blank=True)
    reporter_email = models.EmailField(blank=True)
    reviewed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-received_at"]
