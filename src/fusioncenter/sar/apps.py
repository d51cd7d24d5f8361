from django.apps import AppConfig


class SarConfig(AppConfig):
    name = "fusioncenter.sar"
    label = "sar"
    verbose_name = "Suspicious activity reports"
