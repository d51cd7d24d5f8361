from django.urls import path

from . import views, views_external

app_name = "products"

urlpatterns = [
    path("products/", views.product_list, name="list"),
    path("products/new/", views.new, name="new"),
    path("products/new/<slug:type_code>/", views.create, name="create"),
    path("products/quick/", views.quick, name="quick"),
    path("products/feedback/", views.figures, name="figures"),
    path("products/files/<uuid:uuid>/", views.attachment, name="attachment"),
    path("products/external/", views_external.inbox, name="external"),
    path("products/external/subscribe/", views_external.subscribe, name="subscribe"),
    path("products/external/feeds/<int:pk>/fetch/", views_external.fetch_now, name="fetch"),
    path("products/external/<int:pk>/", views_external.item, name="external_item"),
    path("products/external/<int:pk>/file/", views_external.item_file, name="external_file"),
    path("products/<int:pk>/", views.detail, name="detail"),
    path("products/<int:pk>/edit/", views.edit, name="edit"),
    path("products/<int:pk>/act/<slug:action>/", views.act, name="act"),
    path("products/<int:pk>/publish/", views.publish, name="publish"),
    path("products/<int:pk>/correct/", views.correct, name="correct"),
    path("products/<int:pk>/versions/", views.diff, name="diff"),
    path("products/<int:pk>/pdf/", views.pdf, name="pdf"),
]
