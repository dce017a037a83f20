"""A time limit for each public request, for the one hang no timeout reaches.

A database connection that was fine and then stops answering (the server process is stuck, but its
machine still acknowledges TCP) has no client-side limit in psycopg: the statement timeout runs on the
server that is stuck, and `connect_timeout` is only for new connections. Django's health check of a
kept connection (`CONN_HEALTH_CHECKS`) then hangs the first request on every worker until gunicorn's
30 s timeout kills it, and the visitor gets a dropped connection (issue 19, item 6).

In gunicorn's sync worker each request runs in the process's main thread, so a SIGALRM timer can
interrupt it: the handler raises `RequestDeadline`, which psycopg lets through from its wait, and the
visitor gets the 503 page with the crisis line. The database connections are closed, as their state
is unknown. Portal and admin pages (`/providers/`) are left alone: staff pages may legitimately take
longer, and gunicorn's timeout still bounds them. Outside the main thread (gthread workers, runserver)
nothing is armed.
"""

from __future__ import annotations

import logging
import signal
import threading

from django.conf import settings

logger = logging.getLogger(__name__)


class RequestDeadline(Exception):
    """The request ran past REQUEST_DEADLINE_SECONDS."""


def _raise_deadline(signum, frame):
    raise RequestDeadline


def close_connections_after_deadline() -> None:
    """Drop every database connection of this thread: a query was cut off mid-protocol."""
    from django.db import connections

    for connection in connections.all(initialized_only=True):
        try:
            connection.close()
        except Exception:  # closing a broken connection may fail; it is gone either way
            connection.connection = None
    logger.warning("Request deadline passed: database connections closed")


def with_deadline(application):
    """Wrap a WSGI application so public requests end within REQUEST_DEADLINE_SECONDS."""

    def guarded(environ, start_response):
        seconds = settings.REQUEST_DEADLINE_SECONDS
        if (
            seconds <= 0
            or threading.current_thread() is not threading.main_thread()
            or environ.get("PATH_INFO", "").startswith(settings.PROVIDERS_PREFIX)
        ):
            return application(environ, start_response)
        previous = signal.signal(signal.SIGALRM, _raise_deadline)
        signal.setitimer(signal.ITIMER_REAL, seconds)
        try:
            return application(environ, start_response)
        except RequestDeadline:
            # Before Django's own error handling (e.g. in the health check of a kept connection).
            signal.setitimer(signal.ITIMER_REAL, 0)
            close_connections_after_deadline()
            from config.views import unavailable_page

            response = unavailable_page()
            start_response(
                "503 Service Unavailable",
                [(k, v) for k, v in response.items()],
            )
            return [response.content]
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)

    return guarded
