"""A real Celery worker, against the real Redis and PostgreSQL, does real work."""

import pytest

from usage.counter import count
from usage.models import UsageCount
from usage.tasks import aggregate_usage

pytestmark = [pytest.mark.worker, pytest.mark.slow]


def test_worker_moves_counts_from_redis_into_postgresql(celery_worker_queue, clean_redis):
    count("check_started")
    count("search", state="VIC")
    count("search", state="VIC")

    result = aggregate_usage.apply_async(queue=celery_worker_queue)

    assert result.get(timeout=60) == 3
    assert UsageCount.objects.get(event="search", dimension="state=VIC").count == 2
    assert UsageCount.objects.get(event="check_started", dimension="").count == 1
    assert clean_redis.keys("pause:usage*") == []


def test_worker_runs_the_retention_purge_and_respects_the_lock(celery_worker_queue, clean_redis):
    import datetime

    from django.utils import timezone

    from config.tasks import retention_purge
    from usage.models import UsageBatch

    old = UsageBatch.objects.create(key="old-batch")
    UsageBatch.objects.filter(pk=old.pk).update(moved_at=timezone.now() - datetime.timedelta(days=40))

    clean_redis.set("pause:lock:retention_purge", "another-run", px=60_000)
    assert retention_purge.apply_async(queue=celery_worker_queue).get(timeout=60) is None
    assert UsageBatch.objects.filter(pk=old.pk).exists(), "a second run never overlaps the first"

    clean_redis.delete("pause:lock:retention_purge")
    deleted = retention_purge.apply_async(queue=celery_worker_queue).get(timeout=60)
    assert deleted["usage.UsageBatch"] == 1
    assert not UsageBatch.objects.filter(pk=old.pk).exists()
    assert not clean_redis.exists("pause:lock:retention_purge"), "the lock is released after the run"


def test_worker_knows_every_scheduled_job(celery_worker_queue):
    from django.conf import settings

    from config.celery import app

    registered = app.control.inspect(destination=[f"{celery_worker_queue}@localhost"], timeout=5).registered()
    names = set(next(iter(registered.values())))
    assert {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()} <= names
