from django.contrib.admin.apps import AdminConfig


class PortalAdminConfig(AdminConfig):
    """The Django admin, whose default site asks for the second factor (see providers.admin_site)."""

    default_site = "providers.admin_site.PortalAdminSite"
