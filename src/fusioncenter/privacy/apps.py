from django.apps import AppConfig


class PrivacyConfig(AppConfig):
    name = "fusioncenter.privacy"
    label = "privacy"
    verbose_name = "Privacy, civil rights and civil liberties"
