"""Django admin for core records.

Jurisdictions (centers, regions, counties, ZIP codes) are editable here because they are data an
administrator owns after the first load: a county moved to another region or center stays moved,
since `load_reference_data()` only fills what is missing unless forced.
"""

from __future__ import annotations

from django.contrib import admin

from . import audit
from .models import AuditEntry, Center, County, Organization, Region, ZipCode
from .requestinfo import source_address

# --- jurisdictions -------------------------------------------------------------------------------------


@admin.register(Center)
class CenterAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "is_primary", "tip_phone", "email")
    search_fields = ("code", "name")


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ("name", "county_count")
    search_fields = ("name",)

    @admin.display(description="counties")
    def county_count(self, obj: Region) -> int:
        return obj.counties.count()


@admin.register(County)
class CountyAdmin(admin.ModelAdmin):
    list_display = ("name", "fips", "same_code", "center", "region")
    list_filter = ("center", "region")
    list_editable = ("center", "region")
    search_fields = ("name", "fips")
    list_select_related = ("center", "region")
    list_per_page = 100


@admin.register(ZipCode)
class ZipCodeAdmin(admin.ModelAdmin):
    list_display = ("code", "city", "county", "latitude", "longitude")
    list_filter = ("county__center",)
    search_fields = ("code", "city", "county__name")
    list_select_related = ("county",)
    autocomplete_fields = ("county",)


# --- partners and the audit ------------------------------------------------------------------------------


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    """Edits here are audited like the services' own (the admin's LogEntry is not our audit)."""

    list_display = ("name", "acronym", "discipline", "county", "center", "is_fusion_center", "active")
    list_filter = ("discipline", "center", "active")
    search_fields = ("name", "acronym", "ori")
    list_select_related = ("county", "center")
    autocomplete_fields = ("county",)

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        audit.record(
            request.user,
            "update" if change else "create",
            obj,
            source_address=source_address(request),
            detail={"fields": sorted(form.changed_data), "via": "admin"},
        )

    def delete_model(self, request, obj):
        audit.record(request.user, "delete", obj, source_address=source_address(request), detail={"via": "admin"})
        super().delete_model(request, obj)


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    """Read-only: the audit is append-only."""

    list_display = ("seq", "at", "actor", "action", "object_type", "object_id", "outcome", "source_address")
    list_filter = ("action", "outcome")
    search_fields = ("actor", "object_type", "object_id")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
