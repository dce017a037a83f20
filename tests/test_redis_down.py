"""With Redis down (REDIS_URL at a closed port) every public page still answers, quickly."""

from __future__ import annotations

import time

import pytest
from django.test import Client

from tests.public_urls import public_urls
from usage.models import UsageCount

CLOSED_PORT = "redis://127.0.0.1:9/0"


@pytest.fixture
def redis_down(settings):
    settings.REDIS_URL = CLOSED_PORT
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": CLOSED_PORT,
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }


@pytest.mark.django_db
def test_every_public_page_answers_quickly_when_redis_is_down(redis_down):
    client = Client()
    started = time.monotonic()
    slow = []
    for url in public_urls():
        page_started = time.monotonic()
        response = client.get(url)
        assert response.status_code == 200, url
        if time.monotonic() - page_started > 1:
            slow.append(url)
    assert not slow, f"pages waited on Redis: {slow}"
    assert time.monotonic() - started < 2 + 0.2 * len(public_urls())
    assert not UsageCount.objects.exists(), "counts are dropped, not written elsewhere"


@pytest.mark.django_db
def test_health_check_reports_redis_down_but_the_site_up(redis_down):
    response = Client().get("/healthz")
    assert response.status_code == 200
    assert response.json()["redis"] == "down"
