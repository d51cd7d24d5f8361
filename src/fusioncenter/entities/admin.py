"""Admin: read-only views of the index for administrators (changes go through the services)."""

from django.contrib import admin

from .models import ImportBatch, MatchDecision


class ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ImportBatch)
class ImportBatchAdmin(ReadOnly):
    list_display = ("filename", "organization", "status", "total", "imported", "rejected", "created_at")


@admin.register(MatchDecision)
class MatchDecisionAdmin(ReadOnly):
    list_display = ("kind", "status", "entity_id", "other_id", "decided_by", "at")
