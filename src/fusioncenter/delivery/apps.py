from django.apps import AppConfig


class DeliveryConfig(AppConfig):
    name = "fusioncenter.delivery"
    label = "delivery"
    verbose_name = "Delivery outbox"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from fusioncenter.core import home_panels, navigation, schedule

        from .views import inbox_panel

        navigation.register("Inbox", "delivery:inbox", roles=None, order=90)
        home_panels.register(inbox_panel, order=5)
        schedule.register_daily("delivery.retention", _retention)
        try:  # a privacy purge of any record also empties the outbox of it
            from fusioncenter.privacy.registry import register_purge_hook
        except ImportError:  # pragma: no cover - privacy not installed
            return
        from .retention import purge_hook

        register_purge_hook(purge_hook)


def _retention(day):
    from .retention import expire

    return expire(day)
