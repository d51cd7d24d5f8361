from django.urls import path

from . import views

app_name = "entities"

urlpatterns = [
    path("search/", views.search_page, name="search"),
    path("search/watch", views.watch_search_view, name="watch_search"),
    path("entities/review/", views.review_page, name="review"),
    path("entities/imports/", views.imports_page, name="imports"),
    path("entities/imports/<int:pk>/", views.import_page, name="import"),
    path("entities/<int:pk>/", views.entity_page, name="entity"),
    path("entities/<int:pk>/merge", views.merge_view, name="merge"),
    path("entities/<int:pk>/split", views.split_view, name="split"),
    path("entities/<int:pk>/watch", views.watch_view, name="watch"),
    path("entities/decisions/<int:pk>/<str:action>", views.decide, name="decide"),
    path("entities/mentions/<int:pk>/<str:action>", views.decide_automatic, name="decide_automatic"),
]
