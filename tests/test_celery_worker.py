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
