from django.urls import path

from . import views

app_name = "alerts"

urlpatterns = [
    path("alerts/", views.public_list, name="public_list"),
    path("alerts/feed.atom", views.feed, name="feed"),
    path("alerts/<int:pk>/", views.public_detail, name="public_detail"),
    path("alerts/<int:pk>/photo.jpg", views.public_photo, name="public_photo"),
    path("alerts/<int:pk>/cap.xml", views.cap_latest, name="cap_latest"),
    path("alerts/<int:pk>/cap/<int:seq>.xml", views.cap_message, name="cap_message"),
    path("alerts/<int:pk>/poster.pdf", views.poster, name="poster"),
    path("alerts/<int:pk>/manage/", views.alert_manage, name="alert_manage"),
    path("alerts/<int:pk>/update/", views.alert_update, name="alert_update"),
    path("alerts/<int:pk>/cancel/", views.alert_cancel, name="alert_cancel"),
    path("alerts/requests/", views.queue, name="queue"),
    path("alerts/requests/new/", views.request_new, name="request_new"),
    path("alerts/requests/<int:pk>/", views.request_detail, name="request_detail"),
    path("alerts/requests/<int:pk>/photo.jpg", views.request_photo, name="request_photo"),
    path("alerts/requests/<int:pk>/approve/", views.request_approve, name="request_approve"),
    path("alerts/requests/<int:pk>/decline/", views.request_decline, name="request_decline"),
    path("crime-alerts/subscribe", views.wcan_subscribe, name="wcan_subscribe"),
    path("crime-alerts/subscribe/", views.wcan_subscribe),
    path("crime-alerts/confirm/<str:token>/", views.wcan_confirm, name="wcan_confirm"),
    path("crime-alerts/manage/<str:token>/", views.wcan_manage, name="wcan_manage"),
    path("crime-alerts/compose/", views.crime_compose, name="crime_compose"),
    path("crime-alerts/reach/", views.crime_reach, name="crime_reach"),
    path("crime-alerts/<int:pk>/photos/<int:photo_pk>.jpg", views.crime_photo, name="crime_photo"),
]
