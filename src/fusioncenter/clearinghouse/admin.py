"""Admin: read-mostly views for the administrator; changes go through the services and the pages."""

from django.contrib import admin

from .models import MissingPersonCase


@admin.register(MissingPersonCase)
class MissingPersonCaseAdmin(admin.ModelAdmin):
    list_display = ("reference", "status", "ncic_category", "ncmec_category", "opened_at")
    list_filter = ("status", "ncic_category")
    search_fields = ("reference",)

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
