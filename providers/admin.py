from django.contrib import admin

from providers.models import ChangeRequest, Invitation, ProviderMembership


@admin.register(ProviderMembership)
class ProviderMembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "organisation", "created_at"]
    list_filter = ["organisation"]
    search_fields = ["user__username", "organisation__name"]
    autocomplete_fields = ["user", "organisation"]


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    """Invitations are sent from the portal (it e-mails the link); here they can only be read."""

    list_display = ["email", "organisation", "created_at", "expires_at", "status"]
    search_fields = ["email", "organisation__name"]
    readonly_fields = [f.name for f in Invitation._meta.fields]

    def has_add_permission(self, request):
        return False


@admin.register(ChangeRequest)
class ChangeRequestAdmin(admin.ModelAdmin):
    """Read-only here: review happens in the portal's queue, which applies changes safely."""

    list_display = ["pk", "kind", "organisation", "status", "created_by", "submitted_at", "reviewed_by"]
    list_filter = ["status", "kind"]
    search_fields = ["organisation__name", "service__name", "created_by__username"]
    readonly_fields = [f.name for f in ChangeRequest._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
