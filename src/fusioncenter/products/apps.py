from django.apps import AppConfig


class ProductsConfig(AppConfig):
    name = "fusioncenter.products"
    label = "products"
    verbose_name = "Intelligence products"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from fusioncenter.core import home_panels, navigation, schedule
        from fusioncenter.core.roles import Role

        from .panels import products_panel

        navigation.register("Products", "products:list", None, order=30)
        workers = {Role.ANALYST, Role.SUPERVISOR}
        navigation.register("Quick situation report", "products:quick", workers, order=31)
        navigation.register("Federal alerts", "products:external", workers | {Role.ALERT_COORDINATOR}, order=32)
        home_panels.register(products_panel, order=30)
        from . import email_pdf, retention

        email_pdf.register()
        retention.register()
        # Feeds are polled every five minutes and expired BOLOs withdrawn within a minute.
        schedule.register_frequent("products.fetch_feeds", _fetch_feeds)
        schedule.register_frequent("products.expire_products", _expire)
        from .indexing import register as register_indexing  # the entity index and search

        register_indexing()


def _fetch_feeds() -> int:
    from .external import fetch_all

    return fetch_all(due_only=True)


def _expire() -> int:
    from .distribution import expire_due

    return expire_due()
