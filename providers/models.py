"""Who may edit which organisation's listings, and the invitations that let them in."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from simple_history import register

from services_directory.models import Closure, Location, Phone, Schedule, Service


class ProviderMembership(models.Model):
    """A person who may keep one organisation's listings current."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="provider_memberships"
    )
    organisation = models.ForeignKey(
        "services_directory.Organization", on_delete=models.CASCADE, related_name="provider_memberships"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["organisation__name", "user__username"]
        constraints = [
            models.UniqueConstraint(fields=["user", "organisation"], name="provider_membership_unique")
        ]

    def __str__(self) -> str:
        return f"{self.user} at {self.organisation}"


class InvitationQuerySet(models.QuerySet):
    def pending(self):
        return self.filter(accepted_at__isnull=True, revoked_at__isnull=True, expires_at__gt=timezone.now())


class Invitation(models.Model):
    """An invitation for one e-mail address to join one organisation.

    Only a SHA-256 hash of the token is stored: the link in the e-mail is the only copy of the token,
    so a leaked database cannot be used to accept invitations. A token works once and expires.
    """

    email = models.EmailField()
    organisation = models.ForeignKey(
        "services_directory.Organization", on_delete=models.CASCADE, related_name="invitations"
    )
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = InvitationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Invitation for {self.email}"

    @property
    def status(self) -> str:
        if self.accepted_at:
            return "accepted"
        if self.revoked_at:
            return "revoked"
        if self.expires_at <= timezone.now():
            return "expired"
        return "pending"


class ChangeRequestQuerySet(models.QuerySet):
    def for_user(self, user) -> ChangeRequestQuerySet:
        """Change requests of the organisations this person belongs to."""
        return self.filter(organisation__provider_memberships__user=user)

    def awaiting_review(self) -> ChangeRequestQuerySet:
        return self.filter(status=ChangeRequest.Status.SUBMITTED)


class ChangeRequest(models.Model):
    """A provider's proposed edit of a published listing, held until staff approve it.

    `base` is the published listing as the editor saw it when they opened the form; `proposed` is
    what they want it to be (same shape, see providers.listing). Comparing `base` with the listing
    as it is at review time shows whether someone else changed it meanwhile (a conflict). A draft
    keeps the raw form input in `form_data`, so an unfinished edit can be saved even if invalid.
    """

    class Kind(models.TextChoices):
        SERVICE = "service", "Service details"
        LOCATION = "location", "Location details"
        COPY = "copy", "Copy service to another location"

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        SUBMITTED = "submitted", "Waiting for review"
        APPROVED = "approved", "Approved and published"
        REJECTED = "rejected", "Not approved"
        WITHDRAWN = "withdrawn", "Withdrawn"

    organisation = models.ForeignKey(
        "services_directory.Organization", on_delete=models.CASCADE, related_name="change_requests"
    )
    kind = models.CharField(max_length=10, choices=Kind.choices)
    service = models.ForeignKey(
        "services_directory.Service",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="change_requests",
    )
    location = models.ForeignKey(
        "services_directory.Location",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="change_requests",
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT, db_index=True)
    base = models.JSONField(default=dict, blank=True)
    proposed = models.JSONField(default=dict, blank=True)
    form_data = models.JSONField(default=dict, blank=True)
    note = models.TextField("why", max_length=1000, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    review_reason = models.TextField(max_length=1000, blank=True)
    result_service = models.ForeignKey(
        "services_directory.Service", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    objects = ChangeRequestQuerySet.as_manager()

    class Meta:
        ordering = ["-updated_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(service__isnull=False) | models.Q(location__isnull=False),
                name="change_request_has_target",
            )
        ]

    def __str__(self) -> str:
        return f"Change request {self.pk} ({self.get_kind_display()})"

    @property
    def subject(self):
        return self.service if self.kind != self.Kind.LOCATION else self.location


# The audit trail of the published listing: who changed what, when and why (django-simple-history).
# The historical tables belong to this app so the directory's own models stay as they are.
for _model in (Service, Location, Phone, Schedule, Closure):
    register(_model, app="providers", **({"excluded_fields": ["search_vector"]} if _model is Service else {}))
