from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "fusioncenter.core"
    label = "core"
    verbose_name = "Core: partners, jurisdictions, access and audit"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from . import home_panels, navigation
        from .panels import account_panel, administration_panel
        from .roles import Role

        navigation.register("Home", "core:home", None, order=0)
        navigation.register("Partner directory", "core:partners", None, order=80)
        navigation.register("Accounts", "core:users", {Role.ADMINISTRATOR}, order=90)
        navigation.register("Audit trail", "core:audit", {Role.ADMINISTRATOR, Role.PRIVACY_OFFICER}, order=91)
        home_panels.register(administration_panel, order=5)
        home_panels.register(account_panel, order=99)

        from . import schedule, server_settings, services  # noqa: F401 - server_settings registers its check

        schedule.register_daily("core.disable_idle_accounts", services.disable_idle_accounts)
