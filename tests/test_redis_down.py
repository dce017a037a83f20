"""With Redis down (REDIS_URL at a closed port) every public page still answers, quickly."""

from __future__ import annotations

import time

import pytest
from django.test import Client

from tests.public_urls import public_urls
from usage import counter
from usage.models import UsageCount

CLOSED_PORT = "redis://127.0.0.1:9/0"


def point_redis_at_a_closed_port(settings) -> None:
    settings.REDIS_URL = CLOSED_PORT
    settings.CACHES = {
        "default": {
            "BACKEND": "config.cache.ResilientRedisCache",  # as configured in settings
            "LOCATION": CLOSED_PORT,
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }
    counter._redis_down_until.clear()  # start from "Redis looked fine a moment ago"


@pytest.fixture
def redis_down(settings):
    point_redis_at_a_closed_port(settings)


@pytest.mark.django_db
def test_every_public_page_answers_quickly_when_redis_is_down(settings):
    client = Client()
    urls = public_urls()
    for url in urls:  # warm up first: templates, the questionnaire and the like load once per process
        client.get(url)
    point_redis_at_a_closed_port(settings)
    started = time.monotonic()
    slow = []
    for url in urls:
        page_started = time.monotonic()
        response = client.get(url)
        assert response.status_code == 200, url
        if time.monotonic() - page_started > 1:
            slow.append(url)
    assert not slow, f"pages waited on Redis: {slow}"
    assert time.monotonic() - started < 2 + 0.2 * len(urls)
    assert not UsageCount.objects.exists(), "counts are dropped, not written elsewhere"


@pytest.mark.django_db
def test_health_check_reports_redis_down_but_the_site_up(redis_down):
    response = Client().get("/healthz")
    assert response.status_code == 200
    assert response.json()["redis"] == "down"
