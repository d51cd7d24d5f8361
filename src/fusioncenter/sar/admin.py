"""Read-only admin views: changes go through `services` (and their audit), never through the admin."""

from django.contrib import admin

from .models import Report


class ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Report)
class ReportAdmin(ReadOnly):
    list_display = ("receipt", "state", "center", "county", "record_class", "received_at")
    list_filter = ("state", "center", "record_class", "source")
    fields = ("receipt", "state", "center", "county", "record_class", "tlp", "source", "received_at")

