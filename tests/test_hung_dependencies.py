"""Hung dependencies (issue 19, item 6): Redis or PostgreSQL that accept a connection and never answer.

A refused connection is easy (tests/test_redis_down.py); a hung one costs a full timeout per call
unless something remembers it failed (config/breaker.py). Each test starts its own hung TCP server on
127.0.0.1 (tests/hung_server.py).
"""

from __future__ import annotations

import json
import subprocess
import sys
import time

import pytest
from django.conf import settings
from django.core.cache import cache
from django.test import Client

from config import breaker
from content.crisis import CRISIS_LINE
from tests import gunicorn_server
from tests.hung_server import freezable_proxy, hung_tcp_server
from tests.public_urls import public_urls

GUNICORN_PORT = 8017
HUNG_DB_PORT = 8018
HUNG_REDIS_PORT = 8019


@pytest.fixture(autouse=True)
def _forget_failures():
    breaker.reset()
    yield
    breaker.reset()


@pytest.fixture
def hung_redis(settings):
    with hung_tcp_server(HUNG_REDIS_PORT) as address:
        url = f"redis://{address}/0"
        settings.REDIS_URL = url
        settings.CACHES = {
            "default": {
                "BACKEND": "config.cache.ResilientRedisCache",  # as configured in settings
                "LOCATION": url,
                "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
            }
        }
        yield url


@pytest.mark.django_db
def test_a_hung_redis_costs_one_timeout_then_nothing(settings):
    client = Client()
    urls = public_urls()
    for url in urls:  # warm up: templates, the questionnaire and the like load once per process
        client.get(url)
    searches = ["/services/?q=counselling", "/services/?q=men&near=3000", "/services/?q=help&state=VIC"]
    with hung_tcp_server(HUNG_REDIS_PORT) as address:
        url = f"redis://{address}/0"
        settings.REDIS_URL = url
        settings.CACHES = {
            "default": {
                "BACKEND": "config.cache.ResilientRedisCache",
                "LOCATION": url,
                "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
            }
        }
        first_started = time.monotonic()
        assert client.get(searches[0]).status_code == 200
        first = time.monotonic() - first_started
        timings = {}
        for path in [*searches, *urls]:
            started = time.monotonic()
            response = client.get(path)
            assert response.status_code == 200, path
            timings[path] = time.monotonic() - started
    # The first search meets the hung Redis once (0.5 s socket timeout), not once per cache read.
    assert first < 1.2, first
    slow = {path: round(seconds, 2) for path, seconds in timings.items() if seconds > 0.4}
    assert not slow, f"pages waited on the hung Redis again: {slow}"


@pytest.mark.django_db
def test_cache_reads_are_misses_and_locks_refuse_at_once_while_redis_hangs(hung_redis):
    started = time.monotonic()
    assert cache.get("anything", "fallback") == "fallback"  # one socket timeout
    assert time.monotonic() - started < 1.2
    started = time.monotonic()
    for _ in range(20):
        assert cache.get("anything") is None
        assert cache.get_many(["a", "b"]) == {}
        cache.set("k", 1)
    import redis

    with pytest.raises(redis.ConnectionError):
        cache.add("lock", 1)  # a lock or rate limit is refused, not silently granted
    assert time.monotonic() - started < 0.2


@pytest.mark.django_db(transaction=True)
def test_health_check_answers_within_two_seconds_saying_redis_is_down(hung_redis):
    started = time.monotonic()
    response = Client().get("/healthz")
    assert time.monotonic() - started < 2
    assert response.status_code == 200  # the site works without Redis
    assert response.json() == {"status": "degraded", "database": "ok", "redis": "down"}


def test_a_hung_database_gives_the_503_page_with_the_crisis_line_within_5_seconds(tmp_path, redis_url):
    with (
        hung_tcp_server(HUNG_DB_PORT) as address,
        gunicorn_server.gunicorn(
            tmp_path,
            port=GUNICORN_PORT,
            DATABASE_URL=f"postgres://postgres@{address}/pause",
            REDIS_URL=redis_url,
        ) as server,
    ):
        # /services/ needs the database; the first request meets the hung server, the next do not.
        for attempt in range(3):
            status, headers, body, seconds = gunicorn_server.get(server["port"], "/services/?q=men")
            assert status == 503, (attempt, status, body[:300])
            assert seconds < 5, (attempt, seconds)
            if attempt:
                assert seconds < 0.5, (attempt, seconds)
            assert headers["Retry-After"] == "30"
            assert CRISIS_LINE.number in body and f'href="tel:{CRISIS_LINE.tel}"' in body
            assert "data-quick-exit" in body and "Exit this page" in body
        breaker_wait = 5.5  # config/breaker.py: the database is tried again after 5 s
        time.sleep(breaker_wait)
        status, _, body, seconds = gunicorn_server.get(server["port"], "/healthz")
        assert seconds < 2, seconds
        assert status == 503
        assert json.loads(body) == {"status": "degraded", "database": "down", "redis": "ok"}
        status, _, _, seconds = gunicorn_server.get(server["port"], "/healthz")
        assert status == 503 and seconds < 2
        log = server["log"].read_text()
    assert "Service Unavailable: /services/" in log or '"GET /services/ HTTP/1.1" 503' in log


@pytest.mark.django_db(transaction=True)
def test_a_database_that_hangs_after_connecting_still_gives_the_503_page_within_5_seconds(
    tmp_path, redis_url
):
    """The case of issue 19: workers keep their connection, the database then stops answering; the
    first request on each worker used to hang for gunicorn's 30 s and end in a dropped connection."""
    from conftest import require

    require(settings.DATABASES["default"]["ENGINE"].endswith("postgresql"), "PostgreSQL")
    db = settings.DATABASES["default"]
    with (
        freezable_proxy(HUNG_DB_PORT, (db["HOST"], int(db["PORT"]))) as proxy,
        gunicorn_server.gunicorn(
            tmp_path, port=GUNICORN_PORT, REDIS_URL=redis_url,
            DATABASE_URL=f"postgres://{db['USER']}@127.0.0.1:{HUNG_DB_PORT}/{db['NAME']}",
        ) as server,
    ):  # fmt: skip
        status, _, _, _ = gunicorn_server.get(server["port"], "/services/?q=men")
        assert status == 200  # the worker now keeps a connection (CONN_MAX_AGE)
        proxy.freeze()
        for attempt in range(2):
            status, headers, body, seconds = gunicorn_server.get(server["port"], "/services/?q=men")
            assert status == 503 and seconds < 5, (attempt, status, seconds)
            assert CRISIS_LINE.number in body and "data-quick-exit" in body
            assert headers["Retry-After"] == "30"
        status, _, body, seconds = gunicorn_server.get(server["port"], "/healthz")
        assert status == 503 and seconds < 2 and json.loads(body)["database"] == "down"
        log = server["log"].read_text()
    assert "WORKER TIMEOUT" not in log


@pytest.mark.django_db
def test_web_processes_have_a_statement_timeout_and_jobs_do_not():
    from conftest import require

    require(settings.DATABASES["default"]["ENGINE"].endswith("postgresql"), "PostgreSQL")
    code = (
        "import os, time, django; {setup}; from django.db import connection, OperationalError;"
        "cursor = connection.cursor(); cursor.execute('SHOW statement_timeout'); print(cursor.fetchone()[0]);"
        "started = time.monotonic();\n"
        "try:\n cursor.execute('SELECT pg_sleep(4)'); print('finished')\n"
        "except OperationalError as error: print(type(error.__cause__).__name__)\n"
        "print(round(time.monotonic() - started, 1))"
    )
    env = {
        "DATABASE_URL": gunicorn_server.database_url_of_tests(),
        "DJANGO_SETTINGS_MODULE": "config.settings",
    }
    import os

    base_env = {k: v for k, v in os.environ.items() if k != "PAUSE_PROCESS"}
    web = subprocess.run(
        [sys.executable, "-c", code.format(setup="import config.wsgi")],
        cwd=settings.BASE_DIR, env={**base_env, **env}, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    timeout_shown, outcome, seconds = web.stdout.split()
    assert (timeout_shown, outcome) == ("3s", "QueryCanceled"), web.stdout + web.stderr
    assert float(seconds) < 3.6
    job = subprocess.run(
        [sys.executable, "-c", code.format(setup="django.setup()").replace("pg_sleep(4)", "pg_sleep(0.1)")],
        cwd=settings.BASE_DIR, env={**base_env, **env}, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert job.stdout.split()[:2] == ["0", "finished"], job.stdout + job.stderr


def test_publishing_to_a_hung_broker_fails_within_about_two_seconds():
    """The Celery settings (CELERY_BROKER_TRANSPORT_OPTIONS and friends) bound a publish from a page."""
    from celery import Celery
    from kombu.exceptions import OperationalError as KombuOperationalError

    with hung_tcp_server(HUNG_REDIS_PORT) as address:
        app = Celery("probe")
        app.config_from_object("django.conf:settings", namespace="CELERY")
        app.conf.broker_url = f"redis://{address}/0"
        app.conf.task_always_eager = False
        started = time.monotonic()
        with pytest.raises(KombuOperationalError):
            app.send_task("probe.never_runs", ignore_result=True)
        assert time.monotonic() - started < 3


RAN: list[str] = []


@pytest.mark.django_db(transaction=True)
def test_enqueue_skips_a_broker_that_failed_moments_ago(settings, caplog):
    from celery import shared_task

    from config.jobs import enqueue

    @shared_task(name="tests.hung.record")
    def record(value: str) -> None:
        RAN.append(value)

    enqueue(record, "broker up")  # eager in tests: runs at once
    breaker.mark_down("redis", settings.CELERY_BROKER_URL)
    enqueue(record, "broker down")
    assert RAN == ["broker up"]
    assert "Could not queue tests.hung.record: broker unavailable" in caplog.text
