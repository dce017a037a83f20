"""The daily retention purge and the directory's listing reports."""

import datetime

import pytest
from django.utils import timezone

from config.retention import retention_purge
from services_directory.models import ListingReport, Service

NOW = timezone.now()


def days_ago(days: int) -> datetime.datetime:
    return NOW - datetime.timedelta(days=days)


@pytest.mark.django_db
def test_handled_listing_reports_are_kept_12_months_and_open_ones_until_handled(make_service):
    service = make_service()
    handled_old = ListingReport.objects.create(service=service, problem="phone", status="handled")
    dismissed_old = ListingReport.objects.create(service=service, problem="hours", status="dismissed")
    handled_recent = ListingReport.objects.create(service=service, problem="phone", status="handled")
    open_old = ListingReport.objects.create(service=service, problem="phone", status="new")
    ListingReport.objects.filter(pk__in=[handled_old.pk, dismissed_old.pk]).update(handled_at=days_ago(366))
    ListingReport.objects.filter(pk=handled_recent.pk).update(handled_at=days_ago(300))
    ListingReport.objects.filter(pk=open_old.pk).update(created_at=days_ago(800))

    assert retention_purge(now=NOW)["services_directory.ListingReport"] == 2
    assert set(ListingReport.objects.values_list("pk", flat=True)) == {handled_recent.pk, open_old.pk}
    assert retention_purge(now=NOW)["services_directory.ListingReport"] == 0


@pytest.mark.skipif(not hasattr(Service, "history"), reason="listing history arrives with the portal")
@pytest.mark.django_db
def test_audit_history_is_kept_24_months(make_service):
    service = make_service()
    history = Service.history.model  # wherever the portal registers it
    assert history.objects.filter(id=service.pk).exists(), "the change was audited"
    history.objects.filter(id=service.pk).update(history_date=days_ago(731))
    service.name = "Renamed program"
    service.save()  # a recent change, kept
    deleted = retention_purge(now=NOW)
    assert deleted[history._meta.label] >= 1
    assert list(history.objects.filter(id=service.pk).values_list("name", flat=True)) == ["Renamed program"]


@pytest.mark.django_db
def test_refresh_reports_are_kept_12_months_even_unfinished_ones():
    from services_directory.models import RefreshReport

    old = RefreshReport.objects.create(
        source="https://example.org/a", started_at=days_ago(366), outcome="failed"
    )
    recent = RefreshReport.objects.create(
        source="https://example.org/a", started_at=days_ago(300), finished_at=days_ago(300), outcome="done"
    )
    assert retention_purge(now=NOW)["services_directory.RefreshReport"] == 1
    assert list(RefreshReport.objects.values_list("pk", flat=True)) == [recent.pk]
    assert old.pk != recent.pk
