from django.contrib import admin

from services_directory import models


class PhoneInline(admin.TabularInline):
    model = models.Phone
    fk_name = "service"
    extra = 0
    fields = ["number", "type", "description", "call_cost", "position"]


class ScheduleInline(admin.TabularInline):
    model = models.Schedule
    fk_name = "service"
    extra = 0
    fields = ["byday", "opens_at", "closes_at", "time_zone", "valid_from", "valid_to", "description"]


class ServiceAreaInline(admin.TabularInline):
    model = models.ServiceArea
    extra = 0
    fields = ["scope", "name", "states", "postcodes", "latitude", "longitude", "radius_km"]


class AttributeInline(admin.TabularInline):
    model = models.ServiceAttribute
    extra = 0
    autocomplete_fields = ["term"]
    fields = ["term"]


class ClosureInline(admin.TabularInline):
    model = models.Closure
    extra = 0


@admin.register(models.Service)
class ServiceAdmin(admin.ModelAdmin):
    list_display = ["name", "organization", "is_active", "intake_status", "last_verified", "is_demo"]
    list_filter = ["is_active", "is_demo", "is_synthetic", "cost", "intake_status"]
    search_fields = ["name", "slug", "organization__name"]
    readonly_fields = ["hsds_id", "created_at", "updated_at"]
    list_select_related = ["organization"]
    raw_id_fields = ["organization"]
    inlines = [AttributeInline, PhoneInline, ScheduleInline, ClosureInline, ServiceAreaInline]
    show_full_result_count = False


@admin.register(models.Organization)
class OrganizationAdmin(admin.ModelAdmin):
    list_display = ["name", "last_verified", "is_demo"]
    search_fields = ["name", "slug"]
    readonly_fields = ["hsds_id"]
    show_full_result_count = False


@admin.register(models.Location)
class LocationAdmin(admin.ModelAdmin):
    list_display = ["__str__", "city", "state_province", "postal_code"]
    search_fields = ["name", "city", "postal_code"]
    raw_id_fields = ["organization"]
    readonly_fields = ["hsds_id"]
    show_full_result_count = False


@admin.register(models.TaxonomyTerm)
class TaxonomyTermAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "taxonomy", "position"]
    list_filter = ["taxonomy"]
    search_fields = ["name", "code"]


@admin.register(models.Taxonomy)
class TaxonomyAdmin(admin.ModelAdmin):
    list_display = ["name", "slug"]


@admin.register(models.SearchSynonym)
class SearchSynonymAdmin(admin.ModelAdmin):
    list_display = ["phrase", "expands_to", "is_active", "updated_at"]
    list_filter = ["is_active"]
    search_fields = ["phrase", "expands_to"]
    filter_horizontal = ["terms"]


@admin.register(models.ListingReport)
class ListingReportAdmin(admin.ModelAdmin):
    list_display = ["service", "problem", "status", "created_at"]
    list_filter = ["status", "problem"]
    raw_id_fields = ["service"]
    readonly_fields = ["service", "problem", "details", "created_at"]


@admin.register(models.Place)
class PlaceAdmin(admin.ModelAdmin):
    list_display = ["locality", "state", "postcode", "latitude", "longitude"]
    list_filter = ["state"]
    search_fields = ["locality", "postcode"]
    show_full_result_count = False
