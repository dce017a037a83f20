"""Site-wide views: health check and error pages.

Error pages render without a request context, so they need neither the database nor a session:
a 500 caused by a database outage still shows the styled page with the crisis line.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from config.context_processors import site

logger = logging.getLogger(__name__)


def _error_page(template: str, status: int, **extra) -> HttpResponse:
    return HttpResponse(render_to_string(template, {**site(), **extra}, request=None), status=status)


def bad_request(request: HttpRequest, exception=None) -> HttpResponse:
    return _error_page("400.html", 400)


def permission_denied(request: HttpRequest, exception=None) -> HttpResponse:
    return _error_page("403.html", 403)


def page_not_found(request: HttpRequest, exception=None) -> HttpResponse:
    return _error_page("404.html", 404)


def server_error(request: HttpRequest) -> HttpResponse:
    return _error_page("500.html", 500)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    return _error_page("403_cross_site.html", 403)


def _database_status() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:  # any driver error means "down"; the detail goes to the log, not the response
        logger.exception("Health check: database unavailable")
        return "down"
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
    return "ok"


@require_safe
@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """200 while the database answers (Redis being down degrades counting, not the site)."""
    database = _database_status()
    redis_status = _redis_status()
    status = "ok" if database == "ok" and redis_status in {"ok", "not configured"} else "degraded"
    return JsonResponse(
        {"status": status, "database": database, "redis": redis_status},
        status=200 if database == "ok" else 503,
    )
