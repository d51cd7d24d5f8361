"""Forms of the privacy pages. Validation of substance is in the services; these parse and label."""

from __future__ import annotations

from django import forms

from fusioncenter.core import clock

from . import registry


class RedressForm(forms.Form):
    name = forms.CharField(label="Your full name", max_length=200,
                           widget=forms.TextInput(attrs={"autocomplete": "name"}))
    email = forms.EmailField(label="Your e-mail", required=False, max_length=254,
                             widget=forms.EmailInput(attrs={"autocomplete": "email"}))
    phone = forms.CharField(label="Your phone", required=False, max_length=40,
                            widget=forms.TextInput(attrs={"autocomplete": "tel", "type": "tel"}))
    postal_address = forms.CharField(label="Your postal address", required=False, max_length=300,
                                     widget=forms.TextInput(attrs={"autocomplete": "street-address"}))
    description = forms.CharField(
        label="What information do you believe is wrong?", max_length=5000,
        help_text="Tell us what you believe the center holds about you and why it is wrong. Do not send "
                  "identity documents; we will contact you if we need to confirm who you are.",
        widget=forms.Textarea(attrs={"rows": 6}),
    )
    # The honeypot: hidden from people, filled in by form-filling robots.
    website = forms.CharField(label="Leave this field empty", required=False, max_length=200,
                              widget=forms.TextInput(attrs={"tabindex": "-1", "autocomplete": "off"}))


class RevalidateForm(forms.Form):
    justification = forms.CharField(
        label="Why the record still meets the policy", widget=forms.Textarea(attrs={"rows": 4}),
        help_text="State the current facts. Updating identifiers alone is not validation.",
    )
    reasonable_suspicion = forms.CharField(
        label="Reasonable suspicion (criminal intelligence)", required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Facts that still give a trained officer a basis to believe the subject is involved in a "
                  "definable criminal activity (28 CFR 23.20(c)).",
    )
    criminal_predicate = forms.CharField(label="Criminal predicate (criminal intelligence)", required=False,
                                         max_length=300, help_text="The definable criminal activity or enterprise.")
    current_activity_confirmed = forms.BooleanField(
        label="The subject is still suspected of current criminal activity", required=False)
    lawfully_obtained = forms.BooleanField(
        label="No information in this record was obtained in violation of any law (28 CFR 23.20(d))",
        required=False)
    new_date = forms.DateField(label="New review date", required=False,
                               widget=forms.DateInput(attrs={"type": "date"}),
                               help_text="Leave empty for the policy's period.")


class PurgeForm(forms.Form):
    confirm = forms.BooleanField(label="Purge this record everywhere. This cannot be undone.")


class RecordLookupForm(forms.Form):
    record_type = forms.ChoiceField(label="Record type")
    object_id = forms.CharField(label="Record number", max_length=64)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["record_type"].choices = [(rt.label, rt.verbose_name) for rt in registry.record_types()]


class CaseStartForm(forms.Form):
    record_type = forms.ChoiceField(label="Record type", required=False)
    object_id = forms.CharField(label="Record number", max_length=64, required=False,
                                help_text="The record the request concerns, if found.")
    note = forms.CharField(label="Note", required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["record_type"].choices = [("", "Not found yet")] + [
            (rt.label, rt.verbose_name) for rt in registry.record_types()]


class CaseDecideForm(forms.Form):
    decision = forms.ChoiceField(label="Decision", widget=forms.RadioSelect, choices=[
        ("corrected", "Corrected: the record was corrected, recipients are notified"),
        ("no_change", "No change"),
    ])
    outcome = forms.CharField(label="What was found and done", widget=forms.Textarea(attrs={"rows": 3}))


class CaseAnswerForm(forms.Form):
    answer = forms.CharField(label="Answer sent to the requester", widget=forms.Textarea(attrs={"rows": 4}))


class ReportForm(forms.Form):
    year = forms.IntegerField(label="Year", min_value=2000, max_value=2100)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].initial = clock.today().year - 1


class UnusualForm(forms.Form):
    days = forms.IntegerField(label="Days back", min_value=1, max_value=366, initial=30, required=False)


class ImminentDangerForm(forms.Form):
    """The imminent-danger release (28 CFR 23.20(f)): who, what, to whom, and the danger, in writing."""

    record_type = forms.ChoiceField(label="Record type")
    object_id = forms.CharField(label="Record number", max_length=64)
    recipient_kind = forms.ChoiceField(label="Who received it", widget=forms.RadioSelect, choices=[
        ("user", "A user of this system"),
        ("organization", "An agency in this system"),
        ("outside", "A person outside the system (for example a school principal or a utility manager)"),
    ])
    recipient_username = forms.CharField(label="Their user name", max_length=150, required=False)
    recipient_organization = forms.ModelChoiceField(label="The agency", required=False, queryset=None)
    recipient_name = forms.CharField(label="Their name", max_length=200, required=False)
    recipient_description = forms.CharField(label="Their position, agency and how you reached them", max_length=300,
                                            required=False)
    danger_to = forms.ChoiceField(label="The danger is to", widget=forms.RadioSelect, choices=[
        ("life", "Life"), ("property", "Property"), ("both", "Life and property")])
    danger = forms.CharField(
        label="The imminent danger", widget=forms.Textarea(attrs={"rows": 4}), max_length=5000,
        help_text="Who or what is threatened, by what, and how soon. The privacy officer reviews this.")
    disclosed = forms.CharField(label="What you told or gave them", widget=forms.Textarea(attrs={"rows": 3}),
                                max_length=5000, help_text="Only what was necessary to avoid the danger.")
    channel = forms.ChoiceField(label="How it was passed on", choices=[
        ("spoken", "By telephone or in person"), ("email", "E-mail"), ("export", "A file")])
    confirmed = forms.BooleanField(
        label="The recipient has no right or need to know under the normal rule, and the release is necessary "
              "to avoid imminent danger to life or property.", required=False)

    def __init__(self, *args, **kwargs):
        from fusioncenter.core.models import Organization

        super().__init__(*args, **kwargs)
        self.fields["record_type"].choices = [(rt.label, rt.verbose_name) for rt in registry.record_types()]
        self.fields["recipient_organization"].queryset = Organization.objects.filter(active=True).order_by("name")


class ImminentDangerReviewForm(forms.Form):
    outcome = forms.ChoiceField(label="Review outcome", widget=forms.RadioSelect, choices=[
        ("justified", "Justified: the exception applied"),
        ("not_justified", "Not justified: the exception did not apply"),
    ])
    note = forms.CharField(label="What the review found", widget=forms.Textarea(attrs={"rows": 3}))
