"""The daily retention purge and the directory's listing reports."""

import datetime

import pytest
from django.utils import timezone

from config.retention import retention_purge
from services_directory.models import ListingReport

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
