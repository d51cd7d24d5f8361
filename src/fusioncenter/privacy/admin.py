"""Admin: the record-class policies are edited here (the privacy officer's configuration); the logs
are read-only, because they are evidence."""

from __future__ import annotations

from django.contrib import admin

from .models import Dissemination, RecordClassPolicy, Tombstone


@admin.register(RecordClassPolicy)
class RecordClassPolicyAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "access_class", "retention_days", "max_retention_days", "temporary")


class ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Tombstone)
class TombstoneAdmin(ReadOnly):
    list_display = ("record_type", "original_id", "policy_code", "reason", "purged_at")


@admin.register(Dissemination)
class DisseminationAdmin(ReadOnly):
    list_display = ("record_type", "object_id", "channel", "recipient_user", "recipient_organization", "at")
