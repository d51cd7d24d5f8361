from django.apps import AppConfig


class DeliveryConfig(AppConfig):
    name = "fusioncenter.delivery"
    label = "delivery"
    verbose_name = "Delivery outbox"
