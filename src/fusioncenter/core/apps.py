from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "fusioncenter.core"
    label = "core"
    verbose_name = "Core: partners, jurisdictions, access and audit"
    default_auto_field = "django.db.models.BigAutoField"
