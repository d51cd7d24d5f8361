from django.apps import AppConfig


class PrivacyConfig(AppConfig):
    name = "fusioncenter.privacy"
    label = "privacy"
    verbose_name = "Privacy, civil rights and civil liberties"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from fusioncenter.core import home_panels, navigation, schedule
        from fusioncenter.core.roles import Role

        from .panels import privacy_panel

        officer = {Role.PRIVACY_OFFICER}
        navigation.register("Privacy console", "privacy:console", officer, order=60)
        navigation.register("Review queue", "privacy:reviews", officer, order=61)
        navigation.register("Redress requests", "privacy:cases", officer, order=62)
        home_panels.register(privacy_panel, order=15)
        schedule.register_daily("privacy.retention", _retention)


def _retention(day):
    from .retention import run

    return run(as_of=day)
