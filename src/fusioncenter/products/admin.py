from django.contrib import admin

from .models import FeedSubscription, ProductType


@admin.register(ProductType)
class ProductTypeAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "default_tlp", "expedited", "active")


@admin.register(FeedSubscription)
class FeedSubscriptionAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "url", "active", "last_fetched_at", "last_result")
