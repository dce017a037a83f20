import pytest
import redis
from django.db import connection
from django.test import Client

from config.cache import ResilientRedisCache
from config.views import server_error


@pytest.mark.django_db
def test_unknown_urls_get_the_styled_404_with_the_crisis_line():
    response = Client().get("/no/such/page/")
    assert response.status_code == 404
    html = response.content.decode()
    assert "We can't find that page" in html
    assert 'href="tel:1300789978"' in html and "Exit this page" in html


@pytest.mark.urls("tests.urls_for_tests")
@pytest.mark.django_db
def test_a_failing_view_gets_the_styled_500():
    response = Client(raise_request_exception=False).get("/test-only/broken/")
    assert response.status_code == 500
    assert b"something went wrong on our side" in response.content
    assert b"tel:1300789978" in response.content


def test_the_500_page_renders_without_the_database(django_assert_num_queries, monkeypatch):
    def no_database(*args, **kwargs):
        raise AssertionError("the 500 page touched the database")

    monkeypatch.setattr(connection, "cursor", no_database)
    response = server_error(None)
    assert response.status_code == 500
    assert b"Exit this page" in response.content


@pytest.mark.django_db
def test_healthz_reports_database_and_redis(redis_url):
    response = Client().get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "redis": "ok"}
    assert "no-cache" in response.headers["Cache-Control"]


@pytest.mark.django_db
def test_healthz_is_200_when_redis_is_down(settings):
    settings.REDIS_URL = "redis://127.0.0.1:9/0"
    response = Client().get("/healthz")
    assert response.status_code == 200
    assert response.json()["redis"] == "down"
    assert response.json()["status"] == "degraded"


@pytest.mark.django_db
def test_healthz_refuses_post():
    assert Client().post("/healthz").status_code == 405


def test_the_cache_fails_open_when_redis_is_away():
    cache = ResilientRedisCache("redis://127.0.0.1:9/0", {"OPTIONS": {"socket_connect_timeout": 0.2}})
    assert cache.get("k", "default") == "default"
    assert cache.get_many(["a", "b"]) == {}
    cache.set("k", 1)  # skipped, not raised
    assert cache.delete("k") is False
    with pytest.raises(redis.ConnectionError):
        cache.add("lock", 1)  # operations whose answer means something still tell their caller
