"""Reads for portal pages."""

from __future__ import annotations

from django.db.models import QuerySet

from providers.models import Invitation
from services_directory.models import Organization


def invitation_list() -> QuerySet[Invitation]:
    return Invitation.objects.select_related("organisation", "invited_by")[:200]


def organisations_for(*, user) -> QuerySet[Organization]:
    """The organisations whose listings this person may edit."""
    return Organization.objects.filter(provider_memberships__user=user).order_by("name")


def dashboard_for(*, user) -> dict:
    return {"organisations": organisations_for(user=user)}
