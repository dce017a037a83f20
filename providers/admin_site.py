"""The admin site at /providers/admin/: staff only, and only after the second factor."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode
from django_otp.admin import OTPAdminSite


class PortalAdminSite(OTPAdminSite):
    """OTPAdminSite (has_permission needs a verified device) that signs in through the portal.

    The admin's own login form would be a second way in that skipped the portal's lock-out and
    enrolment rules, so its login page sends people to the portal's sign-in instead.
    """

    site_header = "Pause administration"
    site_title = "Pause administration"
    index_title = "Administration"
    site_url = "/providers/"

    def __init__(self, name: str = "admin"):
        # OTPAdminSite defaults its name to "otpadmin"; keep the usual "admin" URL namespace.
        super().__init__(name)

    def login(self, request, extra_context=None):
        user = request.user
        if user.is_authenticated and user.is_verified():
            # Fully signed in but not staff: the admin is not for them.
            raise PermissionDenied
        next_url = request.GET.get("next") or reverse("admin:index", current_app=self.name)
        step = "providers:challenge" if user.is_authenticated else "providers:sign_in"
        return redirect(f"{reverse(step)}?{urlencode({'next': next_url})}")
