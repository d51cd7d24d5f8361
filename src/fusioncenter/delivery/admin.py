"""Read-mostly admin views of the outbox for operators (state changes go through services)."""

from django.contrib import admin

from .models import Delivery, Message, PortalNotice


@admin.register(Message)
class MessageAdmin(admin.ModelAdmin):
    list_display = ("id", "subject", "source_type", "source_id", "created_at")
    search_fields = ("source_type", "source_id", "key")
    readonly_fields = [f.name for f in Message._meta.fields]


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    list_display = ("id", "message_id", "channel", "status", "attempts", "next_attempt_at", "sent_at",
                    "last_error")
    list_filter = ("status", "channel")
    readonly_fields = [f.name for f in Delivery._meta.fields]


@admin.register(PortalNotice)
class PortalNoticeAdmin(admin.ModelAdmin):
    list_display = ("id", "user_id", "message_id", "created_at", "read_at")
    readonly_fields = [f.name for f in PortalNotice._meta.fields]
