"""A worker killed with kill -9 in the middle of the nightly refresh (issue 19, item 5).

Before: the database rolled back, but the dead run's lock lived for the task's whole 30-minute limit,
and the retry found it and ended as "succeeded" having done nothing. Now the lock lives only
JOB_LOCK_TTL_SECONDS past its holder's last heartbeat, a run that finds it taken is reported as
skipped (log and RefreshReport) and tried again when it is free, and that retry does the work.

Two real Celery workers on their own queues (tests/fixtures/services.py starts them the same way):
A is killed while its import waits inside its transaction (a table lock held by this test keeps it
there); B gets the retry at once.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from http.server import ThreadingHTTPServer
from pathlib import Path

import psycopg
import pytest
from django.conf import settings

from config.celery import app as celery_app
from config.jobs import LOCK_PREFIX
from services_directory.models import RefreshReport, Service
from services_directory.tasks import refresh_directory
from services_directory.tests.test_refresh import SERVICE, Feeds, Handler, json_route

ROOT = Path(settings.BASE_DIR)
LOCK_TTL = 4  # seconds, for the workers (JOB_LOCK_TTL_SECONDS); production uses 60
pytestmark = pytest.mark.slow


def _database_url() -> str:
    db = settings.DATABASES["default"]
    return f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"


def _start_worker(queue: str, env: dict, log: Path) -> subprocess.Popen:
    with log.open("w") as log_file:  # the worker keeps its own copy of the descriptor
        worker = _popen_worker(queue, env, log_file)
    deadline = time.monotonic() + 60
    while "ready" not in log.read_text():
        if worker.poll() is not None or time.monotonic() > deadline:
            pytest.fail(f"Celery worker did not start:\n{log.read_text()}")
        time.sleep(0.2)
    return worker


def _popen_worker(queue: str, env: dict, log_file) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool=solo", "-Q", queue,
         "--without-heartbeat", "--without-gossip", "--without-mingle", "--loglevel=INFO",
         f"--hostname={queue}@localhost"],
        cwd=ROOT, env=env, stdout=log_file, stderr=subprocess.STDOUT,
    )  # fmt: skip


@pytest.fixture
def feed_url():
    feeds = Feeds()
    feeds.routes["/feed.json"] = json_route([SERVICE])
    handler = type("BoundHandler", (Handler,), {"feeds": feeds})
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    httpd.daemon_threads = True
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}/feed.json"
    finally:
        httpd.shutdown()
        httpd.server_close()


def _waiting_import(conn: psycopg.Connection) -> bool:
    """True once another backend of this database waits on our table lock inside a transaction."""
    row = conn.execute(
        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
        " AND wait_event_type = 'Lock' AND xact_start IS NOT NULL"
    ).fetchone()
    return row[0] > 0


def test_a_worker_killed_mid_import_does_not_make_the_retry_skip_silently(
    transactional_db, gazetteer, clean_redis, redis_url, feed_url, tmp_path
):
    from conftest import require

    require(settings.DATABASES["default"]["ENGINE"].endswith("postgresql"), "PostgreSQL")
    env = {
        **os.environ,
        "DATABASE_URL": _database_url(),
        "REDIS_URL": redis_url,
        "HSDS_SOURCES": feed_url,
        "JOB_LOCK_TTL_SECONDS": str(LOCK_TTL),
        "PYTHONUNBUFFERED": "1",
    }
    queue_a, queue_b = (f"test-kill-{uuid.uuid4().hex[:8]}" for _ in range(2))
    worker_a = _start_worker(queue_a, env, tmp_path / "worker-a.log")
    worker_b = _start_worker(queue_b, env, tmp_path / "worker-b.log")
    celery_app.conf.task_always_eager = False
    blocker = psycopg.connect(_database_url())
    # pg_stat_activity is a snapshot per transaction: watch from a connection outside one.
    watcher = psycopg.connect(_database_url(), autocommit=True)
    try:
        # Hold the import inside its transaction: it needs the listings table, which we lock.
        blocker.execute("LOCK TABLE services_directory_service IN ACCESS EXCLUSIVE MODE")
        refresh_directory.apply_async(queue=queue_a)
        deadline = time.monotonic() + 30
        while not _waiting_import(watcher):
            assert time.monotonic() < deadline, (tmp_path / "worker-a.log").read_text()
            time.sleep(0.1)
        time.sleep(LOCK_TTL)  # longer than the lock's life: only the heartbeat keeps it
        assert clean_redis.get(LOCK_PREFIX + "refresh_directory"), "a live run keeps its lock"

        os.kill(worker_a.pid, signal.SIGKILL)  # mid-import
        worker_a.wait(timeout=10)
        blocker.rollback()  # the table is free again
        assert not Service.objects.filter(hsds_id=SERVICE["id"]).exists(), "the dead run rolled back"
        assert clean_redis.pttl(LOCK_PREFIX + "refresh_directory") > 0, "the dead run's lock is still there"

        started = time.monotonic()
        result = refresh_directory.apply_async(queue=queue_b).get(timeout=60)
        took = time.monotonic() - started
    finally:
        celery_app.conf.task_always_eager = True
        blocker.close()
        watcher.close()
        for worker in (worker_a, worker_b):
            if worker.poll() is None:
                worker.terminate()
                try:
                    worker.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    worker.kill()

    # The retry met the dead lock: reported, not a silent success...
    skipped = RefreshReport.objects.filter(outcome=RefreshReport.Outcome.SKIPPED)
    assert skipped.count() >= 1, (tmp_path / "worker-b.log").read_text()
    assert "Nothing was imported" in skipped.first().message
    log_b = (tmp_path / "worker-b.log").read_text()
    assert "refresh_directory skipped" in log_b
    # ...and once the dead lock ran out (within LOCK_TTL), the same task did the work.
    assert took < LOCK_TTL + 15, took
    assert result["network_failures"] == [] and len(result["reports"]) == 1
    done = RefreshReport.objects.get(pk=result["reports"][0])
    assert done.outcome == RefreshReport.Outcome.DONE and done.added == 1
    assert done.started_at > skipped.order_by("started_at").first().started_at
    assert Service.objects.filter(hsds_id=SERVICE["id"]).exists()
