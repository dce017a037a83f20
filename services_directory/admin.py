from django import forms
from django.contrib import admin

from services_directory import models
from services_directory.services import (
    directory_changed,
    normalise_phrase,
    search_points_refresh,
    search_vector_refresh,
    synonyms_changed,
)


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
    list_display = [
        "name",
        "organization",
        "is_active",
        "talk_now_priority",
        "intake_status",
        "last_verified",
        "is_demo",
    ]
    list_filter = ["is_active", "is_demo", "is_synthetic", "is_crisis_line", "cost", "intake_status"]
    search_fields = ["name", "slug", "organization__name"]
    readonly_fields = ["hsds_id", "created_at", "updated_at"]
    list_select_related = ["organization"]
    raw_id_fields = ["organization"]
    inlines = [AttributeInline, PhoneInline, ScheduleInline, ClosureInline, ServiceAreaInline]
    show_full_result_count = False

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        # Name, text, keywords or types may have changed: the stored search vector follows.
        search_vector_refresh(service_ids=[form.instance.pk])


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

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        # The coordinates may have moved: the search points of the services here follow.
        search_points_refresh(location_ids=[obj.pk])
        directory_changed()


@admin.register(models.TaxonomyTerm)
class TaxonomyTermAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "taxonomy", "position"]
    list_filter = ["taxonomy"]
    search_fields = ["name", "code"]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        synonyms_changed()  # term ids and names are cached for searches and listings

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        synonyms_changed()


@admin.register(models.Taxonomy)
class TaxonomyAdmin(admin.ModelAdmin):
    list_display = ["name", "slug"]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        synonyms_changed()


class SearchSynonymForm(forms.ModelForm):
    class Meta:
        model = models.SearchSynonym
        fields = ["phrase", "terms", "expands_to", "is_crisis", "leads_to_self_check", "is_active", "note"]

    def clean_phrase(self) -> str:
        # Queries are matched as lower-case words without accents or punctuation; store phrases so.
        phrase = normalise_phrase(self.cleaned_data["phrase"])
        if not phrase:
            raise forms.ValidationError("Type at least one word.")
        return phrase


@admin.register(models.SearchSynonym)
class SearchSynonymAdmin(admin.ModelAdmin):
    form = SearchSynonymForm
    list_display = ["phrase", "expands_to", "is_crisis", "leads_to_self_check", "is_active", "updated_at"]
    list_filter = ["is_active", "is_crisis", "leads_to_self_check"]
    search_fields = ["phrase", "expands_to"]
    filter_horizontal = ["terms"]

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        synonyms_changed()

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        synonyms_changed()


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


# --- Listing health (check_listings) ------------------------------------------------------------------


@admin.register(models.ListingCheck)
class ListingCheckAdmin(admin.ModelAdmin):
    list_display = [
        "service",
        "checked_at",
        "phone_ok",
        "website_ok",
        "website_status",
        "stale",
        "reminder_sent_at",
    ]
    list_filter = ["phone_ok", "website_ok", "stale"]
    search_fields = ["service__name", "service__slug"]
    readonly_fields = [field.name for field in models.ListingCheck._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False  # made by the weekly check only


# --- HSDS refresh and import (services_directory/refresh.py) ---


@admin.register(models.RefreshReport)
class RefreshReportAdmin(admin.ModelAdmin):
    """What each refresh or import did, per source: read-only for staff."""

    list_display = [
        "started_at",
        "source",
        "outcome",
        "added",
        "updated",
        "deactivated",
        "rejected",
        "flagged_count",
    ]
    list_filter = ["outcome", "source"]
    date_hierarchy = "started_at"
    readonly_fields = [
        "source",
        "started_at",
        "finished_at",
        "outcome",
        "added",
        "updated",
        "unchanged",
        "deactivated",
        "rejected",
        "message",
        "problem_list",
        "flagged_list",
    ]
    exclude = ["problems", "flagged"]

    @admin.display(description="kept local changes")
    def flagged_count(self, obj) -> int:
        return len(obj.flagged)

    @admin.display(description="records skipped (id, field, reason)")
    def problem_list(self, obj) -> str:
        return "\n".join(f"{p['id']} {p['field']}: {p['reason']}" for p in obj.problems) or "none"

    @admin.display(description="local changes kept, for review (id: fields)")
    def flagged_list(self, obj) -> str:
        return "\n".join(f"{f['id']}: {', '.join(f['fields'])}" for f in obj.flagged) or "none"

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(models.ImportedRecord)
class ImportedRecordAdmin(admin.ModelAdmin):
    list_display = ["service", "source", "imported_at", "locally_changed"]
    list_filter = ["source"]
    search_fields = ["service__name"]
    readonly_fields = ["service", "source", "values", "values_hash", "imported_at", "locally_changed"]

    def has_add_permission(self, request) -> bool:
        return False
