"""Site-wide periodic jobs.

retention_purge (daily): deletes what docs/privacy.md keeps only for a while (see config.retention).
Safe to re-run: a second run the same day deletes nothing. A lock stops two runs overlapping.
"""

from celery import shared_task

from config.jobs import RETRY_ON_NETWORK, single_instance
from config.retention import retention_purge as purge

TIME_LIMIT = 900


@shared_task(bind=True, soft_time_limit=840, time_limit=TIME_LIMIT, **RETRY_ON_NETWORK)
def retention_purge(self) -> dict[str, int] | None:
    with single_instance("retention_purge", timeout=TIME_LIMIT) as acquired:
        if not acquired:
            return None
        return purge()
