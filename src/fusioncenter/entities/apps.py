from django.apps import AppConfig


class EntitiesConfig(AppConfig):
    name = "fusioncenter.entities"
    label = "entities"
    verbose_name = "Entity index and analysis"
