"""Forms of the alert pages. They parse and label; the rules live in services and criteria."""

from __future__ import annotations

from django import forms

from fusioncenter.core.models import County, Region

from .models import AlertProgram, AlertRequest, BusinessType, CancelReason, Stream

YES_NO = [("", "Not known yet"), ("true", "Yes"), ("false", "No")]


class _Styled:
    """USWDS classes on every widget, so templates stay plain."""

    def _style(self) -> None:
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.CheckboxSelectMultiple | forms.RadioSelect):
                continue
            if isinstance(widget, forms.CheckboxInput):
                widget.attrs.setdefault("class", "usa-checkbox__input")
            elif isinstance(widget, forms.Select | forms.SelectMultiple):
                widget.attrs.setdefault("class", "usa-select")
            elif isinstance(widget, forms.Textarea):
                widget.attrs.setdefault("class", "usa-textarea")
                widget.attrs.setdefault("rows", 3)
            else:
                widget.attrs.setdefault("class", "usa-input")


def _datetime(label: str, required: bool = False, help_text: str = "") -> forms.DateTimeField:
    return forms.DateTimeField(
        label=label,
        required=required,
        help_text=help_text,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )


def _yes_no(label: str) -> forms.TypedChoiceField:
    return forms.TypedChoiceField(
        label=label,
        choices=YES_NO,
        required=False,
        empty_value=None,
        coerce=lambda v: {"true": True, "false": False}.get(v),
    )


class RequestForm(_Styled, forms.Form):
    program = forms.ModelChoiceField(AlertProgram.objects.filter(active=True), label="Alert program")
    exercise = forms.ChoiceField(
        choices=[("Actual", "Actual alert"), ("Exercise", "Exercise"), ("Test", "Test")],
        label="Kind",
        help_text="Exercises and tests never reach the public.",
    )
    subject_name = forms.CharField(label="Name of the missing person", max_length=200)
    subject_age = forms.IntegerField(label="Age", min_value=0, max_value=130, required=False)
    subject_sex = forms.CharField(label="Sex", max_length=20, required=False)
    subject_description = forms.CharField(
        label="Description of the person",
        required=False,
        widget=forms.Textarea,
        help_text="Height, weight, hair, eyes, marks.",
    )
    clothing = forms.CharField(label="Clothing", required=False, widget=forms.Textarea)
    photo = forms.ImageField(label="Photo", required=False, help_text="JPEG, PNG, WebP or GIF, up to 5 MB.")
    disappeared_at = _datetime("Time of the disappearance")
    last_seen_at = _datetime("Last seen at (time)")
    last_seen_place = forms.CharField(label="Last seen at (place)", max_length=300, required=False)
    last_seen_county = forms.ModelChoiceField(County.objects.all(), label="County last seen", required=False)
    direction = forms.CharField(label="Direction of travel", max_length=200, required=False)
    suspect_name = forms.CharField(label="Suspect name", max_length=200, required=False)
    suspect_description = forms.CharField(label="Suspect description", required=False, widget=forms.Textarea)
    vehicle_description = forms.CharField(label="Vehicle (year, make, model, colour)", max_length=300, required=False)
    vehicle_plate = forms.CharField(label="Licence plate", max_length=20, required=False)
    circumstances = forms.CharField(
        label="Circumstances (public)",
        required=False,
        widget=forms.Textarea,
        help_text="Published as written. Keep investigative detail in the notes below.",
    )
    public_contact = forms.CharField(
        label="Number the public should call", max_length=200, help_text="e.g. 911, or the agency's line."
    )
    area_counties = forms.ModelMultipleChoiceField(
        County.objects.all(),
        label="Counties to alert",
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 8}),
        help_text="Hold Ctrl (or Cmd) to choose several.",
    )
    statewide = forms.BooleanField(label="Alert statewide", required=False)
    abduction_believed = _yes_no("Is an abduction believed to have occurred?")
    danger_of_harm = _yes_no("Is the person in danger of death or serious bodily harm?")
    runaway_or_family_abduction = _yes_no("Is this a runaway or a family abduction?")
    life_in_danger = _yes_no("Is the person's life in danger?")
    ncic_entered = _yes_no("Entered into NCIC?")
    cannot_return_unaided = _yes_no("Unable to return home without assistance (condition or disability)?")
    location_unknown = _yes_no("Is the person's location unknown?")
    qualifies_for_other_alert = _yes_no("Does the case qualify for another alert (e.g. AMBER)?")
    cognitive_impairment = _yes_no("Alzheimer's, dementia or another permanent cognitive impairment?")
    missing_due_to_condition = _yes_no("Missing because of the condition?")
    veteran_or_service_member = _yes_no("Veteran or service member?")
    service_related_condition = _yes_no("Service-related physical or mental health condition?")
    person_at_risk = _yes_no("Is the person at risk?")
    requester_phone = forms.CharField(label="Your callback number (not published)", max_length=40, required=False)
    case_number = forms.CharField(label="Agency case number (not published)", max_length=60, required=False)
    ncic_number = forms.CharField(label="NCIC number (not published)", max_length=20, required=False)
    investigative_notes = forms.CharField(
        label="Investigative notes (not published)", required=False, widget=forms.Textarea
    )
    medical_details = forms.CharField(label="Medical details (not published)", required=False, widget=forms.Textarea)

    ANSWERS = AlertRequest.ANSWER_FIELDS
    SENSITIVE = AlertRequest.SENSITIVE_FIELDS

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._style()

    def answer_fields(self) -> list:
        return [self[name] for name in self.ANSWERS]

    def request_fields(self) -> dict:
        data = dict(self.cleaned_data)
        for name in ("program", "photo", "area_counties"):
            data.pop(name, None)
        return data


class ApproveForm(_Styled, forms.Form):
    override_reason = forms.CharField(
        label="Reason to approve although criteria are not met", required=False, widget=forms.Textarea
    )
    expires_hours = forms.IntegerField(label="Expires after (hours)", min_value=1, max_value=336, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._style()


class DeclineForm(_Styled, forms.Form):
    reason = forms.CharField(label="Reason for declining", widget=forms.Textarea)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._style()


class UpdateForm(_Styled, forms.Form):
    headline = forms.CharField(label="Headline", max_length=160)
    subject_description = forms.CharField(label="Description of the person", required=False, widget=forms.Textarea)
    clothing = forms.CharField(label="Clothing", required=False, widget=forms.Textarea)
    last_seen_place = forms.CharField(label="Last seen at (place)", max_length=300, required=False)
    direction = forms.CharField(label="Direction of travel", max_length=200, required=False)
    suspect_description = forms.CharField(label="Suspect description", required=False, widget=forms.Textarea)
    vehicle_description = forms.CharField(label="Vehicle", max_length=300, required=False)
    vehicle_plate = forms.CharField(label="Licence plate", max_length=20, required=False)
    circumstances = forms.CharField(label="Circumstances (public)", required=False, widget=forms.Textarea)
    public_contact = forms.CharField(label="Number the public should call", max_length=200)
    extend_hours = forms.IntegerField(
        label="Extend: expires this many hours from now", min_value=1, max_value=336, required=False
    )
    note = forms.CharField(label="What changed", max_length=300)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._style()


class CancelForm(_Styled, forms.Form):
    reason = forms.ChoiceField(label="Reason", choices=[("", "Choose")] + list(CancelReason.choices))
    note = forms.CharField(
        label="Public note",
        max_length=300,
        required=False,
        help_text="Required for 'Other'. Published with the cancellation.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._style()


class SubscriptionForm(_Styled, forms.Form):
    email = forms.EmailField(label="E-mail address", required=False)
    phone = forms.CharField(
        label="Mobile number for text messages",
        max_length=30,
        required=False,
        help_text="Optional. Message and data rates may apply.",
    )
    name = forms.CharField(label="Your name", max_length=120, required=False)
    business_name = forms.CharField(label="Business name", max_length=200, required=False)
    business_type = forms.ModelChoiceField(
        BusinessType.objects.all(), label="Business type", help_text="Individuals choose General Public."
    )
    neighborhood_watch = forms.BooleanField(label="I belong to a neighbourhood watch", required=False)
    streams = forms.ModelMultipleChoiceField(
        Stream.objects.all(), label="Alerts to receive", widget=forms.CheckboxSelectMultiple
    )
    statewide = forms.BooleanField(label="The whole state", required=False)
    regions = forms.ModelMultipleChoiceField(
        Region.objects.all(), label="Regions", required=False, widget=forms.CheckboxSelectMultiple
    )
    counties = forms.ModelMultipleChoiceField(
        County.objects.all(),
        label="Counties",
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 8}),
        help_text="Hold Ctrl (or Cmd) to choose several.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._style()

    def clean(self):
        data = super().clean()
        if not data.get("email") and not (data.get("phone") or "").strip() and "email" not in self.errors:
            self.add_error("email", "Give an e-mail address, a mobile number, or both.")
        if not data.get("statewide") and not data.get("counties") and not data.get("regions"):
            self.add_error("counties", "Choose counties or regions, or statewide.")
        return data


class CrimeAlertForm(_Styled, forms.Form):
    alert_type = forms.ChoiceField(label="Kind of alert")
    title = forms.CharField(label="Title", max_length=140)
    body = forms.CharField(label="Text of the alert", widget=forms.Textarea(attrs={"rows": 6}))
    contact = forms.CharField(label="Contact for information (name and phone)", max_length=200)
    photo1 = forms.ImageField(label="Photo 1", required=False)
    photo2 = forms.ImageField(label="Photo 2", required=False)
    photo3 = forms.ImageField(label="Photo 3", required=False)
    statewide = forms.BooleanField(label="Statewide", required=False)
    regions = forms.ModelMultipleChoiceField(
        Region.objects.all(), label="Regions", required=False, widget=forms.CheckboxSelectMultiple
    )
    counties = forms.ModelMultipleChoiceField(
        County.objects.all(),
        label="Counties",
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 8}),
        help_text="Hold Ctrl (or Cmd) to choose several.",
    )
    business_types = forms.ModelMultipleChoiceField(
        BusinessType.objects.all(),
        label="Audiences",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="None chosen: every business type.",
    )
    expires_at = _datetime("Expires", required=True, help_text="At most 90 days ahead.")

    def __init__(self, *args, **kwargs):
        from .wcan import crime_alert_types

        super().__init__(*args, **kwargs)
        self.fields["alert_type"].choices = [("", "Choose")] + crime_alert_types()
        self._style()
