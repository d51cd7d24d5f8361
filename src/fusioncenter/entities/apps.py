from django.apps import AppConfig


class EntitiesConfig(AppConfig):
    name = "fusioncenter.entities"
    label = "entities"
    verbose_name = "Entity index and analysis"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from fusioncenter.core import navigation
        from fusioncenter.core.roles import Role

        from .review import REVIEW_ROLES

        navigation.register("Search", "entities:search", None, order=10)
        navigation.register("Match review", "entities:review", REVIEW_ROLES, order=30)
        navigation.register("Import partner records", "entities:imports", {Role.ANALYST, Role.SUPERVISOR}, order=31)
        from .imports import register

        register()
        try:  # the privacy app's purge reaches the index (mentions, links, search text)
            from fusioncenter.privacy.registry import register_purge_hook
        except ImportError:  # pragma: no cover - privacy not installed
            return
        from .services import purge_hook

        register_purge_hook(purge_hook)
