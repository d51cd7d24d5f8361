"""URL map: pages per app (each app's `urls.py`, found at start-up), the REST API at /api/v1, health, admin."""

import importlib

from django.apps import apps
from django.contrib import admin
from django.urls import include, path

from .api import api
from .core import views as core_views

urlpatterns = [
    path("healthz", core_views.healthz, name="healthz"),
    path("api/v1/", api.urls),
    path("admin/", admin.site.urls),
    path("", include("fusioncenter.core.urls")),
]

for _config in apps.get_app_configs():
    if _config.name.startswith("fusioncenter.") and _config.label != "core":
        try:
            importlib.import_module(f"{_config.name}.urls")
        except ModuleNotFoundError as exc:
            if exc.name != f"{_config.name}.urls":
                raise
            continue
        urlpatterns.append(path("", include(f"{_config.name}.urls")))
