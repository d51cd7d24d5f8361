"""Forms for the public report page, the partner form and the vetting actions.

Forms only parse and check shapes; the rules (what a report needs, what a transition needs) are in
`services`, whose errors are put back on the matching fields.
"""

from __future__ import annotations

import datetime as dt

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from fusioncenter.core.models import Center, County, Organization

from . import categories, grading, lawful_acquisition
from .services import MIN_REASON

YES_NO = [("no", "No"), ("yes", "Yes")]


def _county_choices() -> list[tuple[str, str]]:
    return [("", "I don't know / choose on the map")] + [(c.fips, c.name) for c in County.objects.order_by("name")]


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input; the files' contents are checked by `attachments`, not here."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": "image/jpeg,image/png,application/pdf"}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, (list, tuple)):
            return [single(item, initial) for item in data if item]
        return [single(data, initial)] if data else []


def _category_choices_with_definitions() -> list[tuple[str, str]]:
    return [(c.code, f"{c.label} ({c.code}){' *' if c.requires_additional_facts else ''}: {c.definition}")
            for c in categories.all_categories()]


def _grade_choices(axis: str) -> list:
    groups = [(s.label, list(getattr(s, axis))) for s in grading.SCHEMES.values()]
    return [("", "Not graded (default)")] + groups


class WhereMixin(forms.Form):
    location_address = forms.CharField(label="Street address", max_length=300, required=False,
                                       widget=forms.TextInput(attrs={"autocomplete": "off"}))
    location_place = forms.CharField(label="Place name", max_length=200, required=False,
                                     help_text="For example a store, park, building or highway mile marker.")
    county = forms.ChoiceField(label="County", required=False)
    zip_code = forms.CharField(label="ZIP code", max_length=10, required=False,
                               widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}))
    latitude = forms.FloatField(label="Latitude", required=False, min_value=-90, max_value=90,
                                widget=forms.NumberInput(attrs={"step": "any"}))
    longitude = forms.FloatField(label="Longitude", required=False, min_value=-180, max_value=180,
                                 widget=forms.NumberInput(attrs={"step": "any"}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["county"].choices = _county_choices()


def _aware(value: dt.datetime | None) -> dt.datetime | None:
    if value is not None and timezone.is_naive(value):
        return timezone.make_aware(value)
    return value


class PublicReportForm(WhereMixin):
    """The public page: plain words, few required fields, phone-first."""

    summary = forms.CharField(label="What did you see?", max_length=200,
                              help_text="One sentence. For example: “A man was taking pictures of the water "
                                        "plant's gate and fence.”")
    observed_at = forms.DateTimeField(
        label="When did it happen?", required=False, help_text="Your best guess is fine.",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d"],
    )
    narrative = forms.CharField(label="Tell us more", required=False, max_length=20000,
                                widget=forms.Textarea(attrs={"rows": 6}),
                                help_text="What happened, in your own words. What made it seem unusual?")
    people = forms.CharField(label="People you saw", required=False, max_length=500,
                             widget=forms.Textarea(attrs={"rows": 3}),
                             help_text="How many, what they looked like, what they wore, what they did.")
    vehicle_plate = forms.CharField(label="License plate", required=False, max_length=12)
    vehicle_state = forms.CharField(label="Plate state", required=False, max_length=2,
                                    help_text="Two letters, for example WI.")
    vehicle_description = forms.CharField(label="Vehicle make, model and color", required=False, max_length=120)
    anonymous = forms.ChoiceField(
        label="Do you want to leave your contact details?", widget=forms.RadioSelect, initial="yes",
        choices=[("yes", "No, I want to stay anonymous"), ("no", "Yes, you may contact me")],
    )
    reporter_name = forms.CharField(label="Your name", required=False, max_length=200,
                                    widget=forms.TextInput(attrs={"autocomplete": "name"}))
    reporter_phone = forms.CharField(label="Your phone", required=False, max_length=40,
                                     widget=forms.TextInput(attrs={"autocomplete": "tel", "type": "tel"}))
    reporter_email = forms.EmailField(label="Your e-mail", required=False,
                                      widget=forms.EmailInput(attrs={"autocomplete": "email"}))
    attachments = MultipleFileField(
        label="Photos or documents (optional)", required=False,
        help_text="Up to 5 files: JPEG or PNG photos, or PDF documents, 10 MB each. We remove location data "
                  "from photos.",
    )
    # The honeypot: hidden from people (CSS and aria-hidden), filled in by form-filling robots.
    website = forms.CharField(label="Leave this field empty", required=False, max_length=200,
                              widget=forms.TextInput(attrs={"tabindex": "-1", "autocomplete": "off"}))

    def as_service_input(self) -> dict:
        d = self.cleaned_data
        narrative = d["narrative"]
        vehicles = []
        if d["vehicle_plate"] or d["vehicle_description"]:
            vehicles.append({"plate": d["vehicle_plate"], "plate_state": d["vehicle_state"],
                             "make": d["vehicle_description"][:40]})
        subjects = [{"description": d["people"]}] if d["people"] else []
        return {
            "summary": d["summary"], "narrative": narrative, "observed_at": _aware(d["observed_at"]),
            "location_address": d["location_address"], "location_place": d["location_place"],
            "county": d["county"], "zip_code": d["zip_code"], "latitude": d["latitude"], "longitude": d["longitude"],
            "anonymous": d["anonymous"] != "no", "reporter_name": d["reporter_name"],
            "reporter_phone": d["reporter_phone"], "reporter_email": d["reporter_email"],
            "subjects": subjects, "vehicles": vehicles, "categories": [],
        }


class PartnerReportForm(WhereMixin):
    summary = forms.CharField(label="Summary", max_length=200, help_text="What happened, in a line.")
    observed_at = forms.DateTimeField(
        label="Observed from", widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
    )
    observed_end = forms.DateTimeField(
        label="Observed until", required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
    )
    categories = forms.MultipleChoiceField(
        label="ISE-SAR behavior categories", widget=forms.CheckboxSelectMultiple,
        help_text="Choose every category that applies. * The behavior may be lawful on its own: vetting will need "
                  "additional facts.",
    )
    narrative = forms.CharField(label="Narrative", max_length=20000, widget=forms.Textarea(attrs={"rows": 8}))
    reporting_officer_name = forms.CharField(label="Reporting officer", max_length=200, required=False,
                                             help_text="Leave empty to use your own name.")
    grading_scheme = forms.ChoiceField(label="Grading scheme", choices=grading.scheme_choices(),
                                       initial=grading.DEFAULT_SCHEME)
    source_reliability = forms.ChoiceField(label="Source reliability", required=False)
    content_validity = forms.ChoiceField(label="Content validity", required=False)
    attachments = MultipleFileField(label="Attachments", required=False,
                                    help_text="Up to 5 files: JPEG, PNG or PDF, 10 MB each.")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["categories"].choices = _category_choices_with_definitions()
        self.fields["source_reliability"].choices = _grade_choices("reliability")
        self.fields["content_validity"].choices = _grade_choices("validity")


class SubjectForm(forms.Form):
    name = forms.CharField(label="Name", max_length=200, required=False)
    aliases = forms.CharField(label="Aliases", max_length=300, required=False, help_text="Separate with commas.")
    date_of_birth = forms.DateField(label="Date of birth", required=False,
                                    widget=forms.DateInput(attrs={"type": "date"}))
    age_min = forms.IntegerField(label="Age from", required=False, min_value=0, max_value=120)
    age_max = forms.IntegerField(label="Age to", required=False, min_value=0, max_value=120)
    sex = forms.CharField(label="Sex", max_length=20, required=False)
    race = forms.CharField(label="Race", max_length=60, required=False,
                           help_text="Only as part of a description of a specific person.")
    height_in = forms.IntegerField(label="Height (inches)", required=False, min_value=0, max_value=108)
    weight_lb = forms.IntegerField(label="Weight (pounds)", required=False, min_value=0, max_value=1000)
    hair = forms.CharField(label="Hair", max_length=40, required=False)
    eyes = forms.CharField(label="Eyes", max_length=40, required=False)
    identifier_kind = forms.ChoiceField(label="Identifier type", required=False, choices=[
        ("", "None"), ("dl", "Driver's license"), ("state_id", "State ID"), ("passport", "Passport"),
        ("ssn", "SSN"), ("phone", "Phone"), ("email", "E-mail"), ("other", "Other")])
    identifier_value = forms.CharField(label="Identifier", max_length=100, required=False)

    def as_service_input(self) -> dict | None:
        d = getattr(self, "cleaned_data", None) or {}
        if not any(v not in (None, "") for v in d.values()):
            return None
        out = {k: d.get(k) for k in ("name", "date_of_birth", "age_min", "age_max", "sex", "race", "height_in",
                                     "weight_lb", "hair", "eyes")}
        out["aliases"] = [a.strip() for a in (d.get("aliases") or "").split(",") if a.strip()]
        out["identifiers"] = ([{"kind": d["identifier_kind"], "value": d["identifier_value"]}]
                              if d.get("identifier_kind") and d.get("identifier_value") else [])
        return out


class VehicleForm(forms.Form):
    plate = forms.CharField(label="Plate", max_length=12, required=False)
    plate_state = forms.CharField(label="Plate state", max_length=2, required=False)
    vin = forms.CharField(label="VIN", max_length=17, required=False)
    make = forms.CharField(label="Make", max_length=40, required=False)
    model = forms.CharField(label="Model", max_length=40, required=False)
    year = forms.IntegerField(label="Year", required=False, min_value=1900, max_value=2100)
    color = forms.CharField(label="Color", max_length=40, required=False)

    def as_service_input(self) -> dict | None:
        d = getattr(self, "cleaned_data", None) or {}
        if not any(v not in (None, "") for v in d.values()):
            return None
        return dict(d)


SubjectFormSet = forms.formset_factory(SubjectForm, extra=1, max_num=20, validate_max=True)
VehicleFormSet = forms.formset_factory(VehicleForm, extra=1, max_num=20, validate_max=True)


# --- the queue -----------------------------------------------------------------------------------------


class QueueFilterForm(forms.Form):
    state = forms.ChoiceField(label="State", required=False)
    category = forms.ChoiceField(label="Category", required=False)
    county = forms.ChoiceField(label="County", required=False)
    center = forms.ChoiceField(label="Center", required=False)
    flagged = forms.BooleanField(label="Routing flagged only", required=False)
    q = forms.CharField(label="Receipt or words in the summary", required=False, max_length=100)

    def __init__(self, *args, **kwargs):
        from .models import State

        super().__init__(*args, **kwargs)
        self.fields["state"].choices = [("", "All but merged"), ("open", "Open (received or vetting)")] + [
            (s.value, s.label) for s in State]
        self.fields["category"].choices = [("", "Any")] + categories.choices()
        self.fields["county"].choices = [("", "Any")] + [(c.fips, c.name) for c in County.objects.order_by("name")]
        self.fields["center"].choices = [("", "All centers I can see")] + [
            (c.code, c.code) for c in Center.objects.order_by("code")]


# --- vetting actions -----------------------------------------------------------------------------------


class ReasonForm(forms.Form):
    reason = forms.CharField(label="Reason", min_length=MIN_REASON, max_length=2000,
                             widget=forms.Textarea(attrs={"rows": 2}),
                             help_text="Recorded with your name and the time.")


def _attest_field() -> forms.ChoiceField:
    return forms.ChoiceField(
        label="Is the report based solely on protected activity (speech, religion, assembly, association, "
              "petition) or on a person's race, ethnicity, national origin, religion, sex, sexual orientation or "
              "gender identity?",
        choices=YES_NO, widget=forms.RadioSelect, required=False,  # the service explains a missing answer
        help_text="You must answer. A report based solely on these cannot become an ISE-SAR or intelligence.")


class InitialReviewForm(ReasonForm):
    complete = forms.BooleanField(label="The report is complete: what, when, where and who are documented.",
                                  required=False)
    solely_protected_activity = _attest_field()
    field_order = ["complete", "solely_protected_activity", "reason"]


class GuardedForm(ReasonForm):
    categories = forms.MultipleChoiceField(label="Behavior categories", widget=forms.CheckboxSelectMultiple,
                                           required=False)
    additional_facts = forms.CharField(
        label="Additional facts", required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Required when every category chosen may be lawful on its own (marked *).")
    solely_protected_activity = _attest_field()
    acknowledge_warnings = forms.BooleanField(
        label="I have read any warning about protected activity; the justification rests on conduct.", required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["categories"].choices = [
            (c.code, f"{c.label} ({c.code}){' *' if c.requires_additional_facts else ''}")
            for c in categories.all_categories()
        ]


class IseSarForm(GuardedForm):
    justification = forms.CharField(label="Potential nexus to terrorism", max_length=5000,
                                    widget=forms.Textarea(attrs={"rows": 4}),
                                    help_text="The facts and context that make this a potential nexus to terrorism.")
    field_order = ["categories", "justification", "additional_facts", "solely_protected_activity",
                   "acknowledge_warnings", "reason"]


class CriminalIntelligenceForm(GuardedForm):
    criminal_activity = forms.CharField(label="Criminal activity", max_length=200,
                                        help_text="The definable criminal activity or enterprise.")
    criminal_predicate = forms.CharField(label="Criminal predicate (reasonable suspicion)", max_length=5000,
                                         widget=forms.Textarea(attrs={"rows": 4}))
    source_of_information = forms.CharField(
        label="Source of the information: how it was obtained", max_length=2000, required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Who reported or collected it, and by what means (28 CFR 23.20(d)).")
    lawfully_obtained = forms.BooleanField(label=lawful_acquisition.STATEMENT, required=False)
    field_order = ["categories", "criminal_activity", "criminal_predicate", "additional_facts",
                   "source_of_information", "lawfully_obtained", "solely_protected_activity",
                   "acknowledge_warnings", "reason"]


class ReferForm(ReasonForm):
    referred_to_organization = forms.ModelChoiceField(
        label="Agency", queryset=Organization.objects.filter(active=True).order_by("name"), required=False)
    referred_to_name = forms.CharField(label="Or another agency (name)", max_length=200, required=False)
    field_order = ["referred_to_organization", "referred_to_name", "reason"]


class TipLeadForm(ReasonForm):
    retention_until = forms.DateField(label="Keep until", required=False,
                                      widget=forms.DateInput(attrs={"type": "date"}),
                                      help_text="Leave empty for the default retention of a tip or lead.")
    field_order = ["retention_until", "reason"]


ACTION_FORMS: dict[str, type[forms.Form]] = {
    "initial_review": InitialReviewForm,
    "ise_sar": IseSarForm,
    "criminal_intelligence": CriminalIntelligenceForm,
    "refer": ReferForm,
    "tip_lead": TipLeadForm,
    "unfounded": ReasonForm,
    "reopen": ReasonForm,
}


def action_fields(form: forms.Form) -> dict:
    """The service's `fields` for a transition, from a valid action form."""
    d = dict(form.cleaned_data)
    d.pop("reason", None)
    if "solely_protected_activity" in d:
        answer = d["solely_protected_activity"]
        d["solely_protected_activity"] = None if answer not in ("yes", "no") else answer == "yes"
    if "categories" in d and not d["categories"]:
        d.pop("categories")
    if isinstance(d.get("referred_to_organization"), Organization):
        d["referred_to_organization"] = d["referred_to_organization"].pk
    return d


class TransferForm(forms.Form):
    center = forms.ModelChoiceField(label="Send to center", queryset=Center.objects.order_by("code"),
                                    to_field_name="code")
    reason = forms.CharField(label="Reason", min_length=MIN_REASON, max_length=500)


class LinkForm(forms.Form):
    other = forms.IntegerField(label="Report id", min_value=1)
    reason = forms.CharField(label="Reason", min_length=MIN_REASON, max_length=500)


class ExportForm(forms.Form):
    format = forms.ChoiceField(label="Format", choices=[("xml", "ISE-SAR exchange (XML)"), ("json", "JSON")])
    privacy = forms.ChoiceField(label="Privacy fields", widget=forms.RadioSelect, initial="summary", choices=[
        ("summary", "Summary: privacy fields removed"), ("detailed", "Detailed: privacy fields included")])
    recipient_organization = forms.TypedChoiceField(
        label="Recipient agency", required=False, coerce=int, empty_value=None,
        help_text="An agency of the partner directory, or leave empty and name a person below.")
    recipient_user = forms.CharField(label="Or a person: their user name", max_length=150, required=False)
    need_to_know = forms.CharField(label="The recipient's need to know", max_length=1000,
                                   widget=forms.Textarea(attrs={"rows": 2}),
                                   help_text="The law-enforcement activity the report is needed for "
                                             "(28 CFR 23.20(e)). Recorded in the dissemination log.")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from fusioncenter.core.models import Organization

        self.fields["recipient_organization"].choices = [("", "(a person, named below)")] + [
            (o.pk, o.name) for o in Organization.objects.filter(active=True).order_by("name")]


class NeedToKnowForm(forms.Form):
    need_to_know = forms.CharField(label="Your need to know", min_length=10, max_length=1000,
                                   widget=forms.Textarea(attrs={"rows": 3}),
                                   help_text="The law-enforcement activity this record is needed for "
                                             "(28 CFR 23.20(e)).")


def put_errors(form: forms.Form, exc: ValidationError) -> None:
    """Put a service's ValidationError on the form's fields (or on the form when no field matches)."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            for e in errors:
                message = " ".join(e.messages)
                if field in form.fields:
                    form.add_error(field, message)
                else:  # e.g. "location" (several fields) or "subjects.0.vin" (a row of a formset)
                    form.add_error(None, f"{field}: {message}" if "." in field else message)
    else:
        for message in exc.messages:
            form.add_error(None, message)
