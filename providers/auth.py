"""Hooks for django-axes."""

from __future__ import annotations

from providers.services import normalise_email


def axes_username(request, credentials) -> str | None:
    """The account an attempt was for, normalised as the portal stores it."""
    username = (credentials or {}).get("username")
    if username is None and request is not None and request.method == "POST":
        username = request.POST.get("username")
    return normalise_email(username) if username else None
