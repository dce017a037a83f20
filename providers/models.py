"""Who may edit which organisation's listings, and the invitations that let them in."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


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
