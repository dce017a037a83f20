"""Celery tasks of the directory.

check_listings (weekly): checks every real listing's phone numbers and website and flags listings
not verified for six months (services_directory.listing_health). Safe to re-run; each listing is
saved on its own, and a run that reaches its time budget stops and leaves the rest to the next run.
A broken website is a finding, not an error, so nothing here is retried.

send_verification_reminders (monthly): e-mails providers a signed "still correct?" link for listings
that need attention, at most once a month each. Retried with backoff if the mail server is briefly
unreachable; listings already e-mailed are not e-mailed again.

refresh_directory (nightly): refreshes listings from the open data feeds in HSDS_SOURCES
(services_directory.refresh). Safe to re-run (upserts by HSDS id; one transaction per source). A
source that could not be reached is retried with exponential backoff; invalid data is never retried,
it is reported (RefreshReport). A run that finds another run's lock (a run still going, or one whose
worker was killed: its lock runs out within JOB_LOCK_TTL_SECONDS) is reported as skipped and retried
when the lock is free; it never ends as a success that did nothing.

rebuild_search_points (nightly): rewrites the search points (models.SearchPoint) from the listings,
in batches, so a write that bypassed services.search_points_refresh is corrected within a day.
Idempotent; single instance.
"""

import logging
import time

from celery import shared_task

from config.jobs import RETRY_ON_NETWORK, lock_seconds_left, single_instance
from services_directory import refresh, services
from services_directory.listing_health import listing_checks_run, verification_reminders_send

logger = logging.getLogger(__name__)

CHECK_SOFT_LIMIT = 1500
CHECK_TIME_LIMIT = 1800
REMINDER_TIME_LIMIT = 900
REFRESH_SOFT_LIMIT = 1500
REFRESH_TIME_LIMIT = 1800  # well below the broker's visibility timeout (3600 s)
REFRESH_RETRIES = 4


@shared_task(bind=True, soft_time_limit=CHECK_SOFT_LIMIT, time_limit=CHECK_TIME_LIMIT)
def check_listings(self) -> dict | None:
    with single_instance("check_listings", timeout=CHECK_TIME_LIMIT) as acquired:
        if not acquired:
            return None
        # Stop a minute before the soft limit; the next run starts with the listings not reached.
        summary = listing_checks_run(deadline=time.monotonic() + CHECK_SOFT_LIMIT - 60)
        return vars(summary)


@shared_task(bind=True, soft_time_limit=840, time_limit=REMINDER_TIME_LIMIT, **RETRY_ON_NETWORK)
def send_verification_reminders(self) -> int | None:
    with single_instance("send_verification_reminders", timeout=REMINDER_TIME_LIMIT) as acquired:
        if not acquired:
            return None
        return verification_reminders_send()


@shared_task(
    bind=True,
    acks_late=True,
    soft_time_limit=REFRESH_SOFT_LIMIT,
    time_limit=REFRESH_TIME_LIMIT,
    max_retries=REFRESH_RETRIES,
)
def refresh_directory(self) -> dict | None:
    with single_instance("refresh_directory", timeout=REFRESH_TIME_LIMIT) as acquired:
        if not acquired:
            _refresh_skipped(self)
        summary = refresh.directory_refresh()
    if summary.network_failures and self.request.retries < REFRESH_RETRIES:
        # Back off 2, 4, 8, 16 minutes. Re-running every source is safe: the refresh is idempotent.
        raise self.retry(countdown=120 * 2**self.request.retries)
    return summary.as_dict()


class RefreshSkipped(RuntimeError):
    """The refresh could not take its lock on any try: it did nothing (the task ends as failed)."""


def _refresh_skipped(task) -> None:
    """Report the skip (log and RefreshReport) and retry once the lock is free; never end as success.

    A lock held by a killed worker runs out within JOB_LOCK_TTL_SECONDS (config.jobs), so the retry
    does the work. If the lock is still held after REFRESH_RETRIES tries, the task fails loudly.
    """
    seconds_left = lock_seconds_left("refresh_directory")
    report = refresh.refresh_skipped_report(seconds_left=seconds_left, attempt=task.request.retries)
    logger.warning(
        "refresh_directory skipped: lock held for %.0f s more at most (report %s)", seconds_left, report.pk
    )
    raise task.retry(
        countdown=max(seconds_left + 1, 1),
        max_retries=REFRESH_RETRIES,
        exc=RefreshSkipped(f"refresh_directory skipped: lock held (report {report.pk})"),
    )


REBUILD_TIME_LIMIT = 1800


@shared_task(bind=True, soft_time_limit=REBUILD_TIME_LIMIT - 300, time_limit=REBUILD_TIME_LIMIT)
def rebuild_search_points(self) -> int | None:
    with single_instance("rebuild_search_points", timeout=REBUILD_TIME_LIMIT) as acquired:
        if not acquired:
            return None
        return services.search_points_rebuild()
