from django.apps import AppConfig


class DeliveryConfig(AppConfig):
    name = "fusioncenter.delivery"
    label = "delivery"
    verbose_name = "Delivery outbox"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from fusioncenter.core import home_panels, navigation

        from .views import inbox_panel

        navigation.register("Inbox", "delivery:inbox", roles=None, order=90)
        home_panels.register(inbox_panel, order=5)
