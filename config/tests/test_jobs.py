"""The Celery set-up: limits, schedule, locks, retries and publishing that never hangs."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from celery import shared_task
from celery.exceptions import Retry
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction

from config.celery import app
from config.jobs import RETRY_ON_NETWORK, enqueue, single_instance
from usage.models import UsageBatch
from usage.tasks import aggregate_usage

ROOT = Path(__file__).resolve().parents[2]


def our_tasks():
    app.loader.import_default_modules()
    app.autodiscover_tasks(["config"], force=True)
    return {name: task for name, task in app.tasks.items() if not name.startswith("celery.")}


def test_every_task_stops_well_before_redis_would_hand_it_to_another_worker():
    visibility = settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"]
    tasks = our_tasks()
    assert {"usage.tasks.aggregate_usage", "config.tasks.retention_purge"} <= set(tasks)
    for name, task in tasks.items():
        soft = task.soft_time_limit or app.conf.task_soft_time_limit
        hard = task.time_limit or app.conf.task_time_limit
        assert soft and hard, f"{name} has no time limits"
        assert soft < hard < visibility, f"{name}: soft {soft}, hard {hard}, visibility {visibility}"
        # Retries back off for at most this long; the delayed message must not outlive visibility.
        backoff_max = getattr(task, "retry_backoff_max", 0) or 0
        assert hard + backoff_max < visibility, name
        assert task.acks_late or app.conf.task_acks_late, name


def test_every_scheduled_job_names_a_real_task():
    tasks = our_tasks()
    schedule = settings.CELERY_BEAT_SCHEDULE
    assert {"aggregate-usage-hourly", "check-listings-weekly", "retention-purge-daily"} <= set(schedule)
    for entry, spec in schedule.items():
        if spec["task"].startswith("services_directory.") and spec["task"] not in tasks:
            pytest.skip("services_directory tasks arrive with its models")
        assert spec["task"] in tasks, entry


def test_json_only():
    assert app.conf.task_serializer == app.conf.result_serializer == "json"
    assert list(app.conf.accept_content) == ["json"]


# --- single_instance --------------------------------------------------------------------------------


@pytest.fixture(params=["redis", "cache"])
def lock_backend(request, settings):
    if request.param == "redis":
        request.getfixturevalue("clean_redis")
    else:
        settings.REDIS_URL = ""
    return request.param


def test_a_held_lock_keeps_a_second_run_out(lock_backend):
    with single_instance("job", timeout=30) as first:
        assert first
        with single_instance("job", timeout=30) as second:
            assert not second
        with single_instance("another-job", timeout=30) as other:
            assert other
    with single_instance("job", timeout=30) as again:
        assert again, "the lock is released when the first run ends"


def test_a_lock_is_released_even_when_the_job_fails(lock_backend):
    with pytest.raises(RuntimeError), single_instance("job", timeout=30):
        raise RuntimeError("boom")
    with single_instance("job", timeout=30) as acquired:
        assert acquired


def test_a_run_whose_lock_expired_does_not_release_the_next_runs_lock(clean_redis):
    with single_instance("job", timeout=0.2) as first:
        assert first
        time.sleep(0.3)  # a slow run outlives its lock; the next run takes it
        with single_instance("job", timeout=30) as second:
            assert second
            token = clean_redis.get("pause:lock:job")
        clean_redis.set("pause:lock:job", token)  # pretend the second run still holds it
    assert clean_redis.get("pause:lock:job") == token, "the first run must not delete a lock it lost"


def test_a_killed_run_blocks_the_next_one_only_until_its_lock_expires(clean_redis):
    clean_redis.set("pause:lock:job", "dead-worker", px=200)
    with single_instance("job", timeout=30) as acquired:
        assert not acquired
    time.sleep(0.3)
    with single_instance("job", timeout=30) as acquired:
        assert acquired


def test_a_live_run_keeps_its_lock_by_heartbeat_and_a_dead_ones_runs_out_soon(clean_redis, settings):
    settings.JOB_LOCK_TTL_SECONDS = 0.3
    with single_instance("job", timeout=30) as first:
        assert first
        time.sleep(1.0)  # three lifetimes of the lock: only the heartbeat keeps it
        with single_instance("job", timeout=30) as second:
            assert not second
        assert 0 < clean_redis.pttl("pause:lock:job") <= 300, "renewed for one lifetime at a time"
    # A holder that stops beating (a killed worker) leaves a lock that runs out within one lifetime.
    clean_redis.set("pause:lock:job", "dead-worker", px=300)
    time.sleep(0.4)
    with single_instance("job", timeout=30) as acquired:
        assert acquired


def test_a_skipped_run_is_logged(clean_redis, caplog):
    with single_instance("job", timeout=30), single_instance("job", timeout=30) as second:
        assert not second
    assert "Skipped job: another run holds its lock" in caplog.text


# --- retries --------------------------------------------------------------------------------------

CALLS: list[str] = []


@shared_task(bind=True, soft_time_limit=5, time_limit=10, **RETRY_ON_NETWORK)
def flaky(self, error: str) -> str:
    CALLS.append(error)
    if error == "network":
        raise ConnectionError("reset by peer")
    raise ValidationError("a bad record")


def test_network_errors_are_retried_with_backoff():
    CALLS.clear()
    with pytest.raises(Retry) as retry:
        flaky.apply(args=["network"], throw=False)
    assert retry.value.when > 0, "a retry waits before it runs again"
    assert set(CALLS) == {"network"}


def test_validation_errors_are_never_retried():
    CALLS.clear()
    result = flaky.apply(args=["invalid"], throw=False)
    assert result.state == "FAILURE"
    assert isinstance(result.result, ValidationError)
    assert CALLS == ["invalid"]


# --- enqueue --------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_enqueue_waits_for_the_commit(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks, transaction.atomic():
        enqueue(aggregate_usage)
    assert len(callbacks) == 1


@pytest.mark.django_db
def test_enqueue_in_a_rolled_back_transaction_queues_nothing(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        try:
            with transaction.atomic():
                enqueue(aggregate_usage)
                raise RuntimeError("the save failed")
        except RuntimeError:
            pass
    assert callbacks == []


SAVE_WHILE_REDIS_IS_DOWN = textwrap.dedent(
    """
    import time, django
    django.setup()
    from django.db import transaction
    from config.jobs import enqueue
    from usage.models import UsageBatch
    from usage.tasks import aggregate_usage

    started = time.monotonic()
    with transaction.atomic():
        UsageBatch.objects.create(key="saved-while-redis-was-down")
        enqueue(aggregate_usage)
    print(f"ELAPSED {time.monotonic() - started:.3f}")
    """
)


@pytest.mark.slow
def test_a_save_succeeds_quickly_when_the_task_cannot_be_queued(transactional_db):
    """REDIS_URL points at a closed port: the save stands and the request does not hang."""
    db = settings.DATABASES["default"]
    if db["ENGINE"].endswith("sqlite3"):
        pytest.skip("needs a database another process can reach")
    env = {
        "PATH": "/usr/bin:/bin",
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "PYTHONPATH": str(ROOT),
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "REDIS_URL": "redis://127.0.0.1:9/0",
    }
    result = subprocess.run(
        [sys.executable, "-c", SAVE_WHILE_REDIS_IS_DOWN], env=env, capture_output=True, text=True, timeout=30
    )
    assert result.returncode == 0, result.stderr
    elapsed = float(result.stdout.split("ELAPSED")[1])
    assert elapsed < 2, f"publishing took {elapsed:.2f} s"
    assert "Could not queue usage.tasks.aggregate_usage" in result.stderr
    assert UsageBatch.objects.filter(key="saved-while-redis-was-down").exists()
