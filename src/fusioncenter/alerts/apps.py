from django.apps import AppConfig


class AlertsConfig(AppConfig):
    name = "fusioncenter.alerts"
    label = "alerts"
    verbose_name = "Public alerts"
