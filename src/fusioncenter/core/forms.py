"""Forms for sign-in, MFA and the administrator's pages. Validation only; changes go through services."""

from __future__ import annotations

from django import forms

from .models import Center, Organization, User
from .roles import Discipline, Role


class AcknowledgeForm(forms.Form):
    acknowledge = forms.BooleanField(
        required=True,
        label="I have read and understand this notice.",
        error_messages={"required": "You must acknowledge the notice to continue."},
    )


class SignInForm(forms.Form):
    username = forms.CharField(
        max_length=150, widget=forms.TextInput(attrs={"autocomplete": "username", "autocapitalize": "none"})
    )
    password = forms.CharField(widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}))


class CodeForm(forms.Form):
    code = forms.CharField(
        max_length=20,
        label="Code",
        help_text="The 6-digit code from your authenticator app, or one of your recovery codes.",
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "text", "autocapitalize": "none"}),
    )


class PasswordChangeForm(forms.Form):
    current_password = forms.CharField(widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}))
    new_password = forms.CharField(
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text="At least 12 characters. A long passphrase is best; common passwords are refused.",
    )


class UserForm(forms.Form):
    username = forms.CharField(max_length=150)
    first_name = forms.CharField(max_length=150, required=False)
    last_name = forms.CharField(max_length=150, required=False)
    email = forms.EmailField(required=False)
    title = forms.CharField(max_length=120, required=False)
    phone = forms.CharField(max_length=40, required=False)
    role = forms.ChoiceField(choices=Role.choices)
    organization = forms.ModelChoiceField(queryset=Organization.objects.filter(active=True))
    home_center = forms.ModelChoiceField(
        queryset=Center.objects.all(), required=False, help_text="For the center's own staff."
    )
    sworn = forms.BooleanField(required=False, label="Sworn law enforcement")
    cfr23_trained_on = forms.DateField(
        required=False, label="28 CFR Part 23 training completed on", widget=forms.DateInput(attrs={"type": "date"})
    )
    password = forms.CharField(
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text="An initial password of at least 12 characters.",
    )


class UserEditForm(UserForm):
    is_active = forms.BooleanField(required=False, label="Account active")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["password"]
        self.fields["username"].disabled = True


class DirectoryFilterForm(forms.Form):
    q = forms.CharField(required=False, label="Name contains")
    discipline = forms.ChoiceField(choices=[("", "Any discipline"), *Discipline.choices], required=False)
    center = forms.ModelChoiceField(queryset=Center.objects.all(), required=False, empty_label="Any center")


def user_initial(user: User) -> dict:
    return {
        name: getattr(user, name)
        for name in (
            "username",
            "first_name",
            "last_name",
            "email",
            "title",
            "phone",
            "role",
            "organization",
            "home_center",
            "sworn",
            "cfr23_trained_on",
            "is_active",
        )
    }
