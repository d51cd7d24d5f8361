from django.urls import path

from . import views

app_name = "delivery"

urlpatterns = [
    path("inbox/", views.inbox, name="inbox"),
    path("inbox/read-all/", views.mark_all_read, name="mark_all_read"),
    path("inbox/<int:pk>/", views.notice, name="notice"),
    path("inbox/<int:pk>/read/", views.mark_read, name="mark_read"),
    path("inbox/l/<str:token>/", views.personal_link, name="link"),
]
