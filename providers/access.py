"""Who may open which portal page. Every portal view is wrapped in exactly one of these.

Each decorator stamps the view with `portal_access`, and a test walks every URL under /providers/
and fails on a view without the stamp, so a new page cannot be left unprotected by accident.

* `public`: anyone (sign-in, password reset, invitation links).
* `password_stage`: signed in with a password but perhaps not yet with the second factor
  (the code challenge and the authenticator set-up). Anonymous people go to sign-in.
* `signed_in`: both factors (the dashboard and one's own account).
* `provider`: both factors and a member of at least one organisation; other people get 403.
  Records are then looked up inside the person's organisations only, so others' ids give 404.
* `staff`: both factors and `is_staff`; other people get 403.
"""

from __future__ import annotations

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.urls import reverse

from providers.services import totp_device_for

LEVELS = ("public", "password_stage", "signed_in", "provider", "staff")


def _stamp(view, level: str):
    view.portal_access = level
    return view


def public(view):
    return _stamp(view, "public")


def _second_factor_redirect(request):
    """Where a person who has given only the password goes next."""
    target = "providers:challenge" if totp_device_for(user=request.user) else "providers:two_factor_setup"
    return redirect_to_login(request.get_full_path(), reverse(target))


def password_stage(view):
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path(), reverse("providers:sign_in"))
        return view(request, *args, **kwargs)

    return _stamp(wrapper, "password_stage")


def _requires(level: str, allowed):
    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            user = request.user
            if not user.is_authenticated:
                return redirect_to_login(request.get_full_path(), reverse("providers:sign_in"))
            if not user.is_verified():
                return _second_factor_redirect(request)
            if not allowed(user):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return _stamp(wrapper, level)

    return decorator


signed_in = _requires("signed_in", lambda user: user.is_active)
provider = _requires("provider", lambda user: user.is_active and user.provider_memberships.exists())
staff = _requires("staff", lambda user: user.is_active and user.is_staff)


def already_signed_in(request):
    """Send someone who is fully signed in on to where they were going."""
    return redirect("providers:dashboard")
