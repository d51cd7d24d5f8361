from django.apps import AppConfig


class AlertsConfig(AppConfig):
    name = "fusioncenter.alerts"
    label = "alerts"
    verbose_name = "Public alerts"

    def ready(self) -> None:
        from fusioncenter.core import home_panels, navigation, schedule
        from fusioncenter.core.roles import Role

        from .panels import coordinator_panel

        navigation.register("Alert requests", "alerts:queue", roles={Role.ALERT_COORDINATOR}, order=30)
        navigation.register(
            "Request an alert",
            "alerts:request_new",
            roles={Role.PARTNER_OFFICER, Role.ANALYST, Role.SUPERVISOR, Role.ALERT_COORDINATOR},
            order=31,
        )
        navigation.register(
            "Send a crime alert",
            "alerts:crime_compose",
            roles={Role.PARTNER_OFFICER, Role.ALERT_COORDINATOR},
            order=32,
        )
        home_panels.register(coordinator_panel, order=30)
        # Expired alerts get their Cancel message within about a minute; public pages already treat an
        # alert past its expiry as closed.
        schedule.register_frequent("alerts.expire_alerts", _expire)
        from . import retention  # privacy: review and purge of alert requests

        retention.register()
        from . import coordinators  # shares follow the coordinator role, not the filing date

        coordinators.register_requests()
        coordinators.connect()


def _expire() -> int:
    from .services import expire_due

    return expire_due()
