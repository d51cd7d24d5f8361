from django.urls import path

from . import views

app_name = "privacy"

urlpatterns = [
    path("privacy/redress/", views.redress_form, name="redress"),
    path("privacy/redress/received/", views.redress_thanks, name="redress_thanks"),
    path("privacy/", views.console, name="console"),
    path("privacy/reviews/", views.reviews, name="reviews"),
    path("privacy/reviews/run/", views.run_retention, name="run_retention"),
    path("privacy/reviews/<int:pk>/", views.review_detail, name="review"),
    path("privacy/record/", views.record, name="record"),
    path("privacy/disseminations/", views.disseminations, name="disseminations"),
    path("privacy/imminent-danger/", views.imminent_danger, name="imminent_danger"),
    path("privacy/imminent-danger/releases/", views.imminent_danger_list, name="imminent_danger_list"),
    path("privacy/imminent-danger/releases/<int:pk>/", views.imminent_danger_review, name="imminent_danger_review"),
    path("privacy/purges/", views.tombstones, name="tombstones"),
    path("privacy/unusual-access/", views.unusual, name="unusual"),
    path("privacy/cases/", views.cases, name="cases"),
    path("privacy/cases/<int:pk>/", views.case_detail, name="case"),
    path("privacy/report/", views.report, name="report"),
    path("privacy/report/<int:year>.<str:fmt>", views.report_file, name="report_file"),
]
