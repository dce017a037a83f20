"""Celery tasks of the usage app.

aggregate_usage: moves the anonymous counters from Redis into the database. Safe to re-run at any
time and to run concurrently with counting; a lock stops two runs overlapping.
"""

from celery import shared_task
from django.conf import settings
from django.core.cache import cache

from usage.aggregation import aggregate_usage as aggregate


@shared_task(bind=True, acks_late=True, soft_time_limit=300, time_limit=360)
def aggregate_usage(self) -> int:
    if not settings.REDIS_URL:
        return 0  # the embedded default counts straight into the database
    # The lock expires before the visibility timeout, so a crashed run never blocks the next one.
    if not cache.add("lock:aggregate_usage", "1", timeout=360):
        return 0
    try:
        return aggregate()
    finally:
        cache.delete("lock:aggregate_usage")
