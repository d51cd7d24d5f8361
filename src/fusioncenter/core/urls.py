from django.urls import path

from . import views

app_name = "core"

urlpatterns = [
    path("", views.home, name="home"),
    path("accounts/sign-in/", views.sign_in, name="login"),
    path("accounts/verify/", views.verify_code, name="verify"),
    path("accounts/enrol/", views.enrol, name="enrol"),
    path("accounts/sign-out/", views.sign_out, name="logout"),
    path("accounts/password/", views.change_password, name="password"),
    path("partners/", views.partner_directory, name="partners"),
    path("partners/<int:pk>/", views.organization_detail, name="organization"),
    path("counties/", views.counties, name="counties"),
    path("manage/users/", views.user_list, name="users"),
    path("manage/users/new/", views.user_create, name="user_create"),
    path("manage/users/<int:pk>/", views.user_edit, name="user_edit"),
    path("manage/users/<int:pk>/unlock/", views.user_unlock, name="user_unlock"),
    path("manage/users/<int:pk>/reset-mfa/", views.user_reset_mfa, name="user_reset_mfa"),
    path("manage/audit/", views.audit_log, name="audit"),
]
