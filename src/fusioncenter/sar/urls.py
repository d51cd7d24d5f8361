from django.urls import path

from . import views

app_name = "sar"

urlpatterns = [
    path("report", views.public_report, name="public_report"),
    path("report/", views.public_report),
    path("report/thanks/<str:receipt>", views.public_thanks, name="public_thanks"),
    path("sar/", views.queue, name="queue"),
    path("sar/new/", views.partner_new, name="new"),
    path("sar/dashboard/", views.dashboard, name="dashboard"),
    path("sar/files/<uuid:uuid>/", views.attachment, name="attachment"),
    path("sar/<int:pk>/", views.detail, name="detail"),
    path("sar/<int:pk>/act/<slug:action>/", views.act, name="act"),
    path("sar/<int:pk>/transfer/", views.transfer, name="transfer"),
    path("sar/<int:pk>/link/", views.link, name="link"),
    path("sar/<int:pk>/unmerge/", views.unmerge, name="unmerge"),
    path("sar/<int:pk>/suggestions/<int:sid>/", views.suggestion, name="suggestion"),
    path("sar/<int:pk>/export/", views.export, name="export"),
]
