from django.apps import AppConfig


class ClearinghouseConfig(AppConfig):
    name = "fusioncenter.clearinghouse"
    label = "clearinghouse"
    verbose_name = "Missing persons clearinghouse"

    def ready(self) -> None:
        from fusioncenter.core import home_panels, navigation
        from fusioncenter.core.roles import Role

        from .panels import clearinghouse_panel

        le = {Role.ANALYST, Role.SUPERVISOR, Role.ALERT_COORDINATOR, Role.PARTNER_OFFICER, Role.PRIVACY_OFFICER}
        navigation.register("Missing persons", "clearinghouse:case_list", roles=le, order=35)
        navigation.register(
            "Match a found person",
            "clearinghouse:match",
            roles={Role.ANALYST, Role.SUPERVISOR, Role.ALERT_COORDINATOR, Role.PARTNER_OFFICER},
            order=36,
        )
        navigation.register(
            "Missing-person statistics",
            "clearinghouse:statistics",
            roles={Role.ANALYST, Role.SUPERVISOR, Role.ALERT_COORDINATOR, Role.PRIVACY_OFFICER},
            order=37,
        )
        home_panels.register(clearinghouse_panel, order=35)
        from .retention import register as register_retention  # privacy: review and purge of cases

        register_retention()
        from fusioncenter.alerts import coordinators  # coordinators added later see earlier cases

        from .models import MissingPersonCase
        from .services import COORDINATOR_REASON, LEGACY_REASON

        coordinators.register(MissingPersonCase, COORDINATOR_REASON, legacy_reasons=(LEGACY_REASON,),
                               keep=lambda qs, org_id: qs.filter(investigating_agency_id=org_id))
        from .indexing import register as register_indexing  # the entity index and search

        register_indexing()
