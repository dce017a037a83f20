"""Celery tasks of the services directory.

refresh_directory: refresh listings from the open data feeds in HSDS_SOURCES (services_directory.refresh).
Safe to re-run at any time (upserts by HSDS id); a lock stops two runs overlapping. Network failures
are retried with exponential backoff; invalid data is never retried (it is reported instead).
"""

from celery import shared_task
from django.core.cache import cache

from services_directory import refresh

LOCK = "lock:refresh_directory"
SOFT_TIME_LIMIT = 1500
TIME_LIMIT = 1800  # well below the broker's visibility timeout (3600 s)
MAX_RETRIES = 4


@shared_task(
    bind=True, acks_late=True, soft_time_limit=SOFT_TIME_LIMIT, time_limit=TIME_LIMIT, max_retries=MAX_RETRIES
)
def refresh_directory(self) -> dict:
    # The lock outlives the hard time limit, so a crashed run never blocks the next night's.
    if not cache.add(LOCK, "1", timeout=TIME_LIMIT + 60):
        return {"skipped": "a refresh is already running"}
    try:
        summary = refresh.directory_refresh()
    finally:
        cache.delete(LOCK)
    if summary.network_failures and self.request.retries < MAX_RETRIES:
        # Backoff 2, 4, 8, 16 minutes. Re-running every source is safe: the refresh is idempotent.
        raise self.retry(countdown=120 * 2**self.request.retries)
    return summary.as_dict()
