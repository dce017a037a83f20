"""The one way to count something: `count("search", state="VIC")`.

With Redis configured, a count is an HINCRBY on a hash keyed by day and hour (Australian time) and
`aggregate_usage` later moves it into the database. Without Redis (the embedded default) it goes to
the database directly. Either way counting never breaks or slows a page: Redis has sub-second
timeouts and any failure drops the count.
"""

from __future__ import annotations

import datetime
import logging
import re
from functools import lru_cache
from zoneinfo import ZoneInfo

import redis
from django.conf import settings
from django.db import DatabaseError
from django.utils import timezone

from config import breaker
from usage.events import EVENTS

logger = logging.getLogger(__name__)

AUSTRALIAN_TIME = ZoneInfo("Australia/Sydney")
KEY_PREFIX = "pause:usage"
DIMENSION_VALUE_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,59}$")
NO_HOUR = "day"


def counter_slug(key: str) -> str:
    """A key (such as a questionnaire's barrier key) as a counter value: counters take no underscores."""
    return key.replace("_", "-")


class UnknownCounter(ValueError):
    """A programming error: an event or dimension not declared in usage.events."""


def cell_for(event: str, dimension: dict[str, str], now: datetime.datetime | None = None):
    """Validate an event and its dimension; return (date, hour or None, dimension string)."""
    spec = EVENTS.get(event)
    if spec is None:
        raise UnknownCounter(f"unknown event {event!r}")
    if len(dimension) > 1:
        raise UnknownCounter("counters take at most one dimension")
    dimension_text = ""
    if dimension:
        ((name, value),) = dimension.items()
        if name not in spec.dimensions:
            raise UnknownCounter(f"event {event!r} has no dimension {name!r}")
        allowed = spec.dimensions[name]
        value = str(value)
        if (allowed is not None and value not in allowed) or (
            allowed is None and not DIMENSION_VALUE_RE.match(value)
        ):
            raise UnknownCounter(f"{value!r} is not a value of {event}.{name}")
        dimension_text = f"{name}={value}"
    local = timezone.localtime(now or timezone.now(), AUSTRALIAN_TIME)
    hour = local.hour if spec.hourly and not dimension_text else None
    return local.date(), hour, dimension_text


@lru_cache(maxsize=4)
def _client(url: str) -> redis.Redis:
    return redis.Redis.from_url(
        url,
        socket_connect_timeout=settings.REDIS_SOCKET_TIMEOUT,
        socket_timeout=settings.REDIS_SOCKET_TIMEOUT,
        retry_on_timeout=False,
    )


def redis_client() -> redis.Redis:
    return _client(settings.REDIS_URL)


def redis_key(date: datetime.date, hour: int | None) -> str:
    return f"{KEY_PREFIX}:{date.isoformat()}:{NO_HOUR if hour is None else f'{hour:02d}'}"


# After Redis fails (here or in the cache), counting skips it for a while, so a page waits on at most
# one timeout per process in that time instead of one per count (config/breaker.py).
_redis_down_until = breaker._down_until  # the shared state; tests clear it


def count(event: str, /, **dimension: str) -> None:
    """Count one occurrence of an event. Never raises for infrastructure failures."""
    date, hour, dimension_text = cell_for(event, dimension)
    if settings.REDIS_URL:
        if breaker.is_down("redis", settings.REDIS_URL):
            return
        # Dropping the count is the designed behaviour when Redis is unavailable.
        try:
            redis_client().hincrby(redis_key(date, hour), f"{event}|{dimension_text}", 1)
        except redis.RedisError:
            breaker.mark_down("redis", settings.REDIS_URL)
        return
    from usage.services import usage_counts_add

    try:
        usage_counts_add(counts={(date, hour, event, dimension_text): 1})
    except DatabaseError:
        logger.warning("Usage count dropped: database unavailable")
