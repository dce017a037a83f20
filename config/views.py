"""Site-wide views: health check and error pages.

Error pages render without a request context, so they need neither the database nor a session:
a 500 caused by a database outage still shows the styled page with the crisis line.
"""

from __future__ import annotations

import logging
import sys
from concurrent.futures import ThreadPoolExecutor, wait

from django.conf import settings
from django.db import InterfaceError, OperationalError, connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from config import breaker
from config.context_processors import site
from config.deadline import RequestDeadline, close_connections_after_deadline

logger = logging.getLogger(__name__)
HEALTH_DEADLINE = 1.5  # seconds; load balancers' health checks usually allow 2
# Threads for the health checks: a check stuck on a hung dependency holds one until its own timeout.
_health_pool = ThreadPoolExecutor(max_workers=4, thread_name_prefix="healthz")


def _error_page(template: str, status: int, **extra) -> HttpResponse:
    return HttpResponse(render_to_string(template, {**site(), **extra}, request=None), status=status)


def bad_request(request: HttpRequest, exception=None) -> HttpResponse:
    return _error_page("400.html", 400)


def permission_denied(request: HttpRequest, exception=None) -> HttpResponse:
    return _error_page("403.html", 403)


def page_not_found(request: HttpRequest, exception=None) -> HttpResponse:
    return _error_page("404.html", 404)


def unavailable_page() -> HttpResponse:
    """503 with the "something went wrong" page (crisis line, exit), rendered without the database."""
    response = _error_page("500.html", 503)
    response["Retry-After"] = "30"
    return response


def server_error(request: HttpRequest) -> HttpResponse:
    """500, or 503 when the database did not answer or the request ran out of time (Django calls this
    inside its `except`)."""
    error = sys.exc_info()[1]
    if isinstance(error, RequestDeadline):
        close_connections_after_deadline()
        return unavailable_page()
    if isinstance(error, (OperationalError, InterfaceError)):
        return unavailable_page()
    return _error_page("500.html", 500)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    return _error_page("403_cross_site.html", 403)


def _database_status() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:  # any driver error means "down"; the detail goes to the log, not the response
        logger.warning("Health check: database unavailable", exc_info=True)
        return "down"
    finally:
        connection.close()  # this runs in its own thread, with its own connection
    return "ok"


def _redis_status() -> str:
    if not settings.REDIS_URL:
        return "not configured"
    import redis

    try:
        client = redis.Redis.from_url(
            settings.REDIS_URL,
            socket_connect_timeout=settings.REDIS_SOCKET_TIMEOUT,
            socket_timeout=settings.REDIS_SOCKET_TIMEOUT,
        )
        client.ping()
    except redis.RedisError:
        return "down"
    breaker.mark_up(
        "redis", settings.REDIS_URL
    )  # it answers: pages may use it again without waiting out the pause
    return "ok"


@require_safe
@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """200 while the database answers (Redis being down degrades counting, not the site).

    Both checks run at once, each in its own thread, and the answer never waits more than
    HEALTH_DEADLINE seconds: a hung dependency is reported as "down" (issue 19, item 6). A check still
    waiting finishes on its own timeouts in the background.
    """
    checks = {"database": _database_status, "redis": _redis_status}
    futures = {name: _health_pool.submit(check) for name, check in checks.items()}
    done, _ = wait(futures.values(), timeout=HEALTH_DEADLINE)
    results = {name: future.result() if future in done else "down" for name, future in futures.items()}
    database, redis_status = results["database"], results["redis"]
    status = "ok" if database == "ok" and redis_status in {"ok", "not configured"} else "degraded"
    return JsonResponse(
        {"status": status, "database": database, "redis": redis_status},
        status=200 if database == "ok" else 503,
    )
