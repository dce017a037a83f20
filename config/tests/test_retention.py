"""The retention purge deletes exactly what docs/retention.md says, and nothing else."""

from __future__ import annotations

import datetime

import pytest
from django.apps import apps
from django.utils import timezone

from config.retention import RULES, retention_purge
from usage.models import UsageBatch

pytestmark = pytest.mark.django_db
NOW = timezone.now()


def days_ago(days: int) -> datetime.datetime:
    return NOW - datetime.timedelta(days=days)


def installed(label: str) -> bool:
    try:
        apps.get_model(label)
    except LookupError:
        return False
    return True


def test_usage_batch_keys_are_kept_30_days():
    old = UsageBatch.objects.create(key="old")
    recent = UsageBatch.objects.create(key="recent")
    UsageBatch.objects.filter(pk=old.pk).update(moved_at=days_ago(31))
    UsageBatch.objects.filter(pk=recent.pk).update(moved_at=days_ago(29))

    deleted = retention_purge(now=NOW)

    assert deleted["usage.UsageBatch"] == 1
    assert list(UsageBatch.objects.values_list("key", flat=True)) == ["recent"]
    assert retention_purge(now=NOW)["usage.UsageBatch"] == 0, "a second run deletes nothing more"


@pytest.mark.skipif(not installed("providers.Invitation"), reason="arrives with the portal")
def test_invitations_go_30_days_after_they_expire():
    from services_directory.services import organization_upsert

    invitation = apps.get_model("providers", "Invitation")
    organisation = organization_upsert(
        slug="retention-test",
        fields={
            "name": "Retention test",
            "description": "An organisation.",
            "source_url": "https://example.org/",
            "last_verified": NOW.date(),
        },
    )
    gone = invitation.objects.create(
        email="a@example.org", organisation=organisation, token_hash="a" * 64, expires_at=days_ago(31)
    )
    kept = invitation.objects.create(
        email="b@example.org", organisation=organisation, token_hash="b" * 64, expires_at=days_ago(29)
    )
    retention_purge(now=NOW)
    assert not invitation.objects.filter(pk=gone.pk).exists()
    assert invitation.objects.filter(pk=kept.pk).exists()


def test_every_rule_that_applies_names_a_date_field_its_model_has():
    for rule in RULES:
        if not installed(rule.label):
            continue
        model = apps.get_model(rule.label)
        names = {field.name for field in model._meta.get_fields()}
        assert names & set(rule.date_fields), rule.label
