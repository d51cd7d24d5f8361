"""URL map: pages per app, the REST API at /api/v1, health and admin."""

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
