from django.urls import path

from . import views

app_name = "clearinghouse"

urlpatterns = [
    path("missing/", views.public_list, name="public_list"),
    path("missing/feed.atom", views.feed, name="feed"),
    path("missing/<int:pk>/", views.public_detail, name="public_detail"),
    path("missing/<int:pk>/photo.jpg", views.public_photo, name="public_photo"),
    path("missing/<int:pk>/poster-<str:lang>.pdf", views.poster, name="poster"),
    path("missing/<int:pk>/sighting", views.sighting, name="sighting"),
    path("missing/cases/", views.case_list, name="case_list"),
    path("missing/cases/new/", views.case_new, name="case_new"),
    path("missing/cases/<int:pk>/", views.case_detail, name="case_detail"),
    path("missing/cases/<int:pk>/edit/", views.case_edit, name="case_edit"),
    path("missing/cases/<int:pk>/alert/", views.case_alert, name="case_alert"),
    path("missing/cases/<int:pk>/photos/<int:photo_pk>.jpg", views.case_photo, name="case_photo"),
    path("missing/match/", views.match, name="match"),
    path("missing/statistics/", views.statistics, name="statistics"),
    path("missing/exchange/", views.exchange_page, name="exchange"),
    path("missing/exchange/export.pfif.xml", views.export_pfif, name="export_pfif"),
    path("missing/exchange/export.csv", views.export_csv, name="export_csv"),
]
