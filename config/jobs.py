"""Helpers every background job uses: queue after commit without hanging, never overlap, retry wisely.

* `enqueue(task, *args)` publishes a task once the current transaction commits. If the broker is
  down the publish fails fast (short connect timeouts in settings), is logged and dropped: the save
  that asked for it has already succeeded, and the next scheduled run picks the work up.
* `single_instance(name, timeout)` is a lock so a long periodic job cannot overlap itself: Redis
  `SET NX PX` with a random token, released only by its owner (compare-and-delete in one Lua call),
  expiring by itself if the worker dies. Without Redis (the embedded default) the cache stands in.
* `RETRY_ON_NETWORK` is the retry policy for tasks: back off and retry on network errors only.
  Validation errors and bugs fail at once; retrying them would only repeat the failure.
"""

from __future__ import annotations

import contextlib
import logging
import secrets
import smtplib
from collections.abc import Iterator

import redis
from celery import Task
from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from kombu.exceptions import OperationalError as KombuOperationalError

from config import breaker
from usage.counter import redis_client

logger = logging.getLogger(__name__)

LOCK_PREFIX = "pause:lock:"

# Errors that mean "the network or a server was briefly unavailable": worth retrying later.
NETWORK_ERRORS: tuple[type[BaseException], ...] = (
    ConnectionError,
    TimeoutError,
    redis.ConnectionError,
    redis.TimeoutError,
    smtplib.SMTPConnectError,
    smtplib.SMTPServerDisconnected,
)

# The shortest wait before a retry. Celery's full jitter draws the delay from 0 up to the back-off,
# so about one first retry in eleven would run at once, into the same outage.
RETRY_MIN_SECONDS = 5


class NetworkRetryTask(Task):
    """A task whose automatic retries always wait at least RETRY_MIN_SECONDS."""

    def retry(self, *args, countdown=None, **kwargs):
        if countdown is not None:
            countdown = max(countdown, RETRY_MIN_SECONDS)
        return super().retry(*args, countdown=countdown, **kwargs)


RETRY_ON_NETWORK = {
    "base": NetworkRetryTask,
    "autoretry_for": NETWORK_ERRORS,
    "retry_backoff": 10,  # up to 10 s, 20 s, 40 s ... with jitter, never under RETRY_MIN_SECONDS
    "retry_backoff_max": 600,
    "retry_jitter": True,
    "max_retries": 5,
}

# Publishing can fail in several layers (kombu, redis-py, sockets); all mean "the broker is down".
PUBLISH_ERRORS: tuple[type[BaseException], ...] = (KombuOperationalError, redis.RedisError, OSError)

_RELEASE = """
if redis.call("get", KEYS[1]) == ARGV[1] then
    return redis.call("del", KEYS[1])
end
return 0
"""


def enqueue(task: Task, *args, **kwargs) -> None:
    """Queue `task(*args, **kwargs)` after the current transaction commits; never raise, never hang.

    Pass ids and plain values only (JSON). Outside a transaction the task is queued at once.
    """

    def publish() -> None:
        if breaker.is_down("redis", settings.CELERY_BROKER_URL):
            # Redis (the broker) failed moments ago: do not wait on its timeouts again.
            logger.warning("Could not queue %s: broker unavailable; the next scheduled run will", task.name)
            return
        try:
            # No result is ever read back from here; asking for one would also make Celery wait on
            # the result store, which retries on its own schedule when Redis is down.
            task.apply_async(args=args, kwargs=kwargs, ignore_result=True)
        except PUBLISH_ERRORS:
            breaker.mark_down("redis", settings.CELERY_BROKER_URL)
            # Designed behaviour: the caller's save stands; the next scheduled run does the work.
            logger.warning("Could not queue %s: broker unavailable; the next scheduled run will", task.name)

    transaction.on_commit(publish)


@contextlib.contextmanager
def single_instance(name: str, *, timeout: int) -> Iterator[bool]:
    """Hold the lock `name` for at most `timeout` seconds; yield whether we got it.

    Use the task's hard time limit as the timeout: the lock then outlives any run that is still
    going, and a run killed without cleaning up blocks the next one for at most that long.

        with single_instance("check_listings", timeout=...) as acquired:
            if not acquired:
                return "skipped"
    """
    key = LOCK_PREFIX + name
    token = secrets.token_hex(16)
    if settings.REDIS_URL:
        client = redis_client()
        acquired = bool(client.set(key, token, nx=True, px=int(timeout * 1000)))
        try:
            yield acquired
        finally:
            if acquired:
                # Only the owner may release: after an expiry someone else may hold it now.
                client.eval(_RELEASE, 1, key, token)
        return
    acquired = cache.add(key, token, timeout=timeout)
    try:
        yield acquired
    finally:
        if acquired and cache.get(key) == token:
            cache.delete(key)
