"""Reads for portal pages."""

from __future__ import annotations

from datetime import timedelta

from django.db.models import QuerySet, Sum
from django.utils import timezone

from providers.listing import row_text, service_snapshot
from providers.models import ChangeRequest, Invitation
from services_directory.models import Location, Organization, Service
from usage.models import UsageCount
from usage.suppression import THRESHOLD, Status, display


def invitation_list() -> QuerySet[Invitation]:
    return Invitation.objects.select_related("organisation", "invited_by")[:200]


def organisations_for(*, user) -> QuerySet[Organization]:
    """The organisations whose listings this person may edit."""
    return Organization.objects.filter(provider_memberships__user=user).order_by("name")


def services_for(*, user) -> QuerySet[Service]:
    """Services this person may see and edit: only their organisations' (others' ids give 404)."""
    return Service.objects.filter(organization__provider_memberships__user=user).distinct()


def locations_for(*, user) -> QuerySet[Location]:
    return Location.objects.filter(organization__provider_memberships__user=user).distinct()


def changes_for(*, user) -> QuerySet[ChangeRequest]:
    return (
        ChangeRequest.objects.for_user(user)
        .exclude(status=ChangeRequest.Status.WITHDRAWN)
        .select_related("service", "location", "created_by")
        .distinct()
    )


def suppressed(count: int) -> str:
    """One count as the public statistics publish it (usage.suppression): 1 to 4 shows as "<5"."""
    status = Status.SHOWN if count == 0 or count >= THRESHOLD else Status.PRIMARY
    return display(status, count)


def service_views(*, service: Service, days: int = 30) -> str:
    since = timezone.localdate() - timedelta(days=days)
    total = (
        UsageCount.objects.filter(
            event="listing_view", dimension=f"service={service.slug[:60]}", date__gte=since
        ).aggregate(total=Sum("count"))["total"]
        or 0
    )
    return suppressed(total)


def service_page(*, service: Service) -> dict:
    snapshot = service_snapshot(service)
    return {
        "service": service,
        "phones": service.phones.all(),
        "hours": [row_text("schedules", row) for row in snapshot["schedules"]],
        "closures": [row_text("closures", row) for row in snapshot["closures"]],
        "locations": Location.objects.filter(service_at_locations__service=service),
        "changes": service.change_requests.exclude(status=ChangeRequest.Status.WITHDRAWN).select_related(
            "created_by"
        )[:20],
        "history": service.history.select_related("history_user")[:20],
        "reports": service.reports.all()[:50],
        "views_30_days": service_views(service=service),
    }


def dashboard_for(*, user) -> dict:
    organisations = list(organisations_for(user=user).prefetch_related("services", "locations"))
    return {
        "organisations": organisations,
        "changes": changes_for(user=user)[:10],
        "awaiting_review": ChangeRequest.objects.awaiting_review().count() if user.is_staff else 0,
    }


def moderation_queue() -> QuerySet[ChangeRequest]:
    return (
        ChangeRequest.objects.awaiting_review()
        .select_related("organisation", "service", "location", "created_by")
        .order_by("submitted_at")
    )
