from django.apps import AppConfig


class SarConfig(AppConfig):
    name = "fusioncenter.sar"
    label = "sar"
    verbose_name = "Suspicious activity reports"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from fusioncenter.core import home_panels, navigation
        from fusioncenter.core.roles import Role

        from .panels import sar_panel

        staff = {Role.ANALYST, Role.SUPERVISOR, Role.PRIVACY_OFFICER}
        navigation.register("Report queue", "sar:queue", staff, order=20)
        navigation.register("SAR dashboard", "sar:dashboard", staff, order=21)
        navigation.register("Submit a SAR", "sar:new", {Role.PARTNER_OFFICER, Role.LIAISON_OFFICER, Role.ANALYST},
                            order=22)
        home_panels.register(sar_panel, order=20)

        from . import indexing, retention

        retention.register()
        indexing.register()
