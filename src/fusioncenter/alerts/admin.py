"""Reference data an administrator may edit: programs (criteria as JSON), business types, streams."""

from django.contrib import admin

from .models import AlertProgram, BusinessType, Stream


@admin.register(AlertProgram)
class AlertProgramAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "same_code", "category", "active", "order")
    list_editable = ("active", "order")


@admin.register(BusinessType)
class BusinessTypeAdmin(admin.ModelAdmin):
    list_display = ("code", "name")


@admin.register(Stream)
class StreamAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "order")
