"""Forms of the clearinghouse pages. They parse and shape input; the services validate and decide."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.utils import timezone

from fusioncenter.alerts.criteria import label as answer_label
from fusioncenter.alerts.models import AlertProgram, AlertRequest
from fusioncenter.core.models import County, Organization
from fusioncenter.core.roles import LAW_ENFORCEMENT_DISCIPLINES

from .models import CaseStatus, NcicCategory, NcmecCategory, PersonType, Sex
from .services import COMPANION_KEYS, VEHICLE_KEYS

DT_WIDGET = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _aware(value: dt.datetime | None) -> dt.datetime | None:
    if value is not None and timezone.is_naive(value):
        return timezone.make_aware(value)
    return value


def _agencies():
    return Organization.objects.filter(discipline__in=LAW_ENFORCEMENT_DISCIPLINES, active=True)


def _lines(rows: list[dict], keys: tuple[str, ...]) -> str:
    return "\n".join(" | ".join(r.get(k, "") for k in keys) for r in rows or [])


def _parse_lines(text: str, keys: tuple[str, ...]) -> list[dict[str, str]]:
    out = []
    for line in (text or "").splitlines():
        if line.strip():
            parts = [p.strip() for p in line.split("|")]
            out.append(dict(zip(keys, parts + [""] * len(keys), strict=False)))
    return out


class CaseForm(forms.Form):
    person_type = forms.ChoiceField(
        label="Child or adult",
        choices=[("", "Decide from the age"), *PersonType.choices],
        required=False,
        help_text="Under 18 is a child.",
    )
    ncic_category = forms.ChoiceField(label="NCIC category", choices=[("", "Choose"), *NcicCategory.choices])
    ncic_child_abduction = forms.BooleanField(label="NCIC flag: child abduction (CA)", required=False)
    ncmec_category = forms.ChoiceField(
        label="NCMEC case type", choices=[("", "None"), *NcmecCategory.choices], required=False
    )
    given_name = forms.CharField(label="Given name", max_length=100)
    family_name = forms.CharField(label="Family name", max_length=100)
    alternate_names = forms.CharField(label="Other names used", max_length=300, required=False)
    sex = forms.ChoiceField(label="Sex", choices=Sex.choices, required=False)
    date_of_birth = forms.DateField(label="Date of birth", required=False, widget=DATE_WIDGET)
    age_at_disappearance = forms.IntegerField(label="Age when last seen", required=False, min_value=0, max_value=120)
    race = forms.CharField(label="Race", max_length=60, required=False)
    height_in = forms.IntegerField(label="Height (inches)", required=False, min_value=10, max_value=100)
    weight_lb = forms.IntegerField(label="Weight (pounds)", required=False, min_value=2, max_value=900)
    hair_color = forms.CharField(label="Hair colour", max_length=40, required=False)
    eye_color = forms.CharField(label="Eye colour", max_length=40, required=False)
    complexion = forms.CharField(label="Complexion", max_length=40, required=False)
    scars_marks_tattoos = forms.CharField(
        label="Scars, marks, tattoos", required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    clothing = forms.CharField(
        label="Clothing when last seen", required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    cognitive_impairment = forms.NullBooleanField(
        label="Cognitive impairment (dementia, Alzheimer's, other)", required=False
    )
    veteran_or_service_member = forms.NullBooleanField(label="Veteran or service member", required=False)
    last_seen_at = forms.DateTimeField(label="Last seen (date and time)", widget=DT_WIDGET)
    last_seen_place = forms.CharField(label="Last seen at (address or place)", max_length=300)
    last_seen_city = forms.CharField(label="City", max_length=100, required=False)
    last_seen_zip = forms.CharField(
        label="ZIP code", max_length=10, required=False, help_text="Used with the map point to find the county."
    )
    last_seen_latitude = forms.FloatField(label="Latitude", required=False)
    last_seen_longitude = forms.FloatField(label="Longitude", required=False)
    circumstances = forms.CharField(
        label="Circumstances (public summary)", required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    vehicles = forms.CharField(
        label="Vehicles",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="One per line: year | colour | make | model | plate | state",
    )
    companions = forms.CharField(
        label="Companions (not published)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="One per line: name | relationship | description",
    )
    reporting_agency = forms.ModelChoiceField(
        label="Reporting agency", queryset=Organization.objects.none(), required=False
    )
    agency_case_number = forms.CharField(label="Agency case number", max_length=60, required=False)
    ncic_number = forms.CharField(label="NCIC number (not published)", max_length=20, required=False)
    investigating_agency = forms.ModelChoiceField(label="Investigating agency", queryset=Organization.objects.none())
    investigator_name = forms.CharField(label="Investigator", max_length=200, required=False)
    investigator_phone = forms.CharField(label="Investigator's phone", max_length=40, required=False)
    investigator_email = forms.EmailField(label="Investigator's e-mail", required=False)
    public_contact = forms.CharField(label="Number the public should call", max_length=200)
    reporting_party_name = forms.CharField(label="Reporting party (not published)", max_length=200, required=False)
    reporting_party_phone = forms.CharField(
        label="Reporting party's phone (not published)", max_length=40, required=False
    )
    investigative_notes = forms.CharField(
        label="Investigative notes (not published)", required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    medical_details = forms.CharField(
        label="Medical details (not published)", required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, staff: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["investigating_agency"].queryset = _agencies()
        if staff:
            self.fields["reporting_agency"].queryset = _agencies()
            self.fields["reporting_agency"].required = True
        else:
            del self.fields["reporting_agency"]

    @classmethod
    def initial_for(cls, case) -> dict:
        data = {name: getattr(case, name) for name in cls.base_fields if hasattr(case, name)}
        data["vehicles"] = _lines(case.vehicles, VEHICLE_KEYS)
        data["companions"] = _lines(case.companions, COMPANION_KEYS)
        data["last_seen_at"] = timezone.localtime(case.last_seen_at)
        return data

    def as_service_input(self) -> dict:
        d = dict(self.cleaned_data)
        d["last_seen_at"] = _aware(d["last_seen_at"])
        d["vehicles"] = _parse_lines(d["vehicles"], VEHICLE_KEYS)
        d["companions"] = _parse_lines(d["companions"], COMPANION_KEYS)
        if not d.get("person_type"):
            d.pop("person_type", None)
        if "reporting_agency" in d and d["reporting_agency"] is None:
            d.pop("reporting_agency")
        return d


class PhotoForm(forms.Form):
    photo = forms.FileField(label="Photo", help_text="JPEG, PNG, WebP or GIF, up to 8 MB. Location data is removed.")
    taken_on = forms.DateField(label="Date the photo was taken", widget=DATE_WIDGET)
    description = forms.CharField(label="Description (alternative text)", max_length=300, required=False)
    releasable = forms.BooleanField(label="May appear on the public page and poster", required=False, initial=True)


class StatusForm(forms.Form):
    status = forms.ChoiceField(label="New status", choices=CaseStatus.choices)
    note = forms.CharField(
        label="Note", required=False, widget=forms.Textarea(attrs={"rows": 2}), help_text="Required when reopening."
    )


class SightingForm(forms.Form):
    place = forms.CharField(label="Where did you see the person?", max_length=300)
    seen_at = forms.DateTimeField(label="When (date and time)", required=False, widget=DT_WIDGET)
    zip_code = forms.CharField(label="ZIP code of the place", max_length=10, required=False)
    description = forms.CharField(
        label="What did you see?",
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Clothing, direction, vehicle, who they were with.",
    )
    reporter_name = forms.CharField(
        label="Your name (optional)",
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    reporter_phone = forms.CharField(
        label="Your phone (optional)",
        max_length=40,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "tel", "type": "tel"}),
    )
    reporter_email = forms.CharField(
        label="Your e-mail (optional)",
        max_length=254,
        required=False,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    # The honeypot: hidden from people, filled by form-filling robots.
    website = forms.CharField(
        label="Leave this field empty",
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"tabindex": "-1", "autocomplete": "off"}),
    )

    def as_service_input(self) -> dict:
        d = dict(self.cleaned_data)
        d.pop("website", None)
        d["seen_at"] = _aware(d.get("seen_at"))
        return d


class MatchForm(forms.Form):
    age_min = forms.IntegerField(label="Estimated age, from", required=False, min_value=0, max_value=120)
    age_max = forms.IntegerField(label="Estimated age, to", required=False, min_value=0, max_value=120)
    sex = forms.ChoiceField(label="Sex", choices=Sex.choices, required=False)
    height_in = forms.IntegerField(label="Height (inches)", required=False, min_value=10, max_value=100)
    weight_lb = forms.IntegerField(label="Weight (pounds)", required=False, min_value=2, max_value=900)
    hair_color = forms.CharField(label="Hair colour", required=False, max_length=40)
    eye_color = forms.CharField(label="Eye colour", required=False, max_length=40)
    scars_marks_tattoos = forms.CharField(label="Scars, marks, tattoos", required=False, max_length=1000)
    found_at = forms.DateTimeField(label="Located or found (date and time)", required=False, widget=DT_WIDGET)
    county = forms.ModelChoiceField(label="County where located", queryset=County.objects.all(), required=False)
    latitude = forms.FloatField(label="Latitude", required=False, min_value=-90, max_value=90)
    longitude = forms.FloatField(label="Longitude", required=False, min_value=-180, max_value=180)

    def clean(self):
        d = super().clean()
        if d.get("age_min") is not None and d.get("age_max") is not None and d["age_min"] > d["age_max"]:
            self.add_error("age_max", "The upper age must not be below the lower one.")
        if not any(v not in (None, "") for v in d.values()):
            raise forms.ValidationError("Give at least one descriptor.")
        d["found_at"] = _aware(d.get("found_at"))
        return d


class ImportForm(forms.Form):
    format = forms.ChoiceField(label="Format", choices=[("pfif", "PFIF 1.4 XML"), ("csv", "CSV")])
    file = forms.FileField(label="File")
    agency = forms.ModelChoiceField(label="Agency for new cases", queryset=Organization.objects.none())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agency"].queryset = _agencies()


TRI = [("", "Not answered"), ("yes", "Yes"), ("no", "No")]


class AlertForm(forms.Form):
    program = forms.ModelChoiceField(
        label="Alert program to request", queryset=AlertProgram.objects.filter(active=True), required=False
    )

    def __init__(self, *args, prefilled: dict | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        for name in AlertRequest.ANSWER_FIELDS:
            value = (prefilled or {}).get(name)
            self.fields[name] = forms.ChoiceField(
                label=answer_label(name).capitalize(),
                choices=TRI,
                required=False,
                initial="" if value is None else ("yes" if value else "no"),
            )

    def answers(self) -> dict:
        data = self.cleaned_data if hasattr(self, "cleaned_data") else {}
        return {n: {"yes": True, "no": False}.get(data.get(n, "")) for n in AlertRequest.ANSWER_FIELDS}
