"""Celery tasks of the usage app.

aggregate_usage (hourly): moves the anonymous counters from Redis into the database, exactly once
(see usage.aggregation). Safe to re-run at any time and to run while pages keep counting; a lock
stops two runs overlapping. Retried with backoff when Redis or the database is briefly unreachable.
"""

from celery import shared_task
from django.conf import settings

from config.jobs import RETRY_ON_NETWORK, single_instance
from usage.aggregation import aggregate_usage as aggregate

TIME_LIMIT = 360


@shared_task(bind=True, soft_time_limit=300, time_limit=TIME_LIMIT, **RETRY_ON_NETWORK)
def aggregate_usage(self) -> int:
    if not settings.REDIS_URL:
        return 0  # the embedded default counts straight into the database
    with single_instance("aggregate_usage", timeout=TIME_LIMIT) as acquired:
        if not acquired:
            return 0
        return aggregate()
