"""Helpers every background job uses: queue after commit without hanging, never overlap, retry wisely.

* `enqueue(task, *args)` publishes a task once the current transaction commits. If the broker is
  down the publish fails fast (short connect timeouts in settings), is logged and dropped: the save
  that asked for it has already succeeded, and the next scheduled run picks the work up.
* `single_instance(name, timeout)` is a lock so a long periodic job cannot overlap itself: Redis
  `SET NX PX` with a random token, released only by its owner (compare-and-delete in one Lua call).
  It lives JOB_LOCK_TTL_SECONDS past its holder's last heartbeat (a thread renews it every third of
  that, never beyond `timeout`), so a worker killed with `kill -9` blocks the next run for at most
  JOB_LOCK_TTL_SECONDS, not the task's whole time limit. A run that finds the lock taken is logged as
  skipped. Without Redis (the embedded default) the cache stands in.
* `RETRY_ON_NETWORK` is the retry policy for tasks: back off and retry on network errors only.
  Validation errors and bugs fail at once; retrying them would only repeat the failure.
"""

from __future__ import annotations

import contextlib
import logging
import secrets
import smtplib
import threading
import time
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

_RENEW = """
if redis.call("get", KEYS[1]) == ARGV[1] then
    return redis.call("pexpire", KEYS[1], ARGV[2])
end
return 0
"""

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


def _heartbeat(
    client: redis.Redis, key: str, token: str, ttl_ms: int, *, until: float, stop: threading.Event
):
    """Renew the lock every third of its life until `stop` or its loss; never past `until` (the
    task's hard time limit), so a run stuck beyond it frees the lock as before."""
    while not stop.wait(ttl_ms / 3000):
        left_ms = min(ttl_ms, int((until - time.monotonic()) * 1000))
        if left_ms <= 0:
            return
        try:
            if not client.eval(_RENEW, 1, key, token, left_ms):
                logger.error("Lock %s was lost while its job ran; another run may start", key)
                return
        except redis.RedisError:
            logger.warning("Could not renew lock %s; it runs out unless renewed", key)


def lock_seconds_left(name: str) -> float:
    """How long the lock `name` still lives if nobody renews it (0 if free)."""
    if settings.REDIS_URL:
        return max(redis_client().pttl(LOCK_PREFIX + name), 0) / 1000
    return 0.0 if cache.get(LOCK_PREFIX + name) is None else settings.JOB_LOCK_TTL_SECONDS


@contextlib.contextmanager
def single_instance(name: str, *, timeout: float) -> Iterator[bool]:
    """Hold the lock `name` while the job runs, for at most `timeout` seconds; yield whether we got it.

    Use the task's hard time limit as the timeout. A live run renews the lock (heartbeat); a run
    killed without cleaning up blocks the next one for at most JOB_LOCK_TTL_SECONDS.

        with single_instance("check_listings", timeout=...) as acquired:
            if not acquired:
                return "skipped"
    """
    key = LOCK_PREFIX + name
    token = secrets.token_hex(16)
    if settings.REDIS_URL:
        client = redis_client()
        ttl_ms = int(min(timeout, settings.JOB_LOCK_TTL_SECONDS) * 1000)
        acquired = bool(client.set(key, token, nx=True, px=ttl_ms))
        if not acquired:
            logger.warning("Skipped %s: another run holds its lock (for %.0f s more at most)", name,
                           max(client.pttl(key), 0) / 1000)  # fmt: skip
            yield False
            return
        stop = threading.Event()
        beat = threading.Thread(
            target=_heartbeat, args=(client, key, token, ttl_ms),
            kwargs={"until": time.monotonic() + timeout, "stop": stop}, daemon=True, name=f"lock-{name}",
        )  # fmt: skip
        beat.start()
        try:
            yield True
        finally:
            stop.set()
            beat.join(timeout=5)
            # Only the owner may release: after an expiry someone else may hold it now.
            client.eval(_RELEASE, 1, key, token)
        return
    acquired = cache.add(key, token, timeout=timeout)
    if not acquired:
        logger.warning("Skipped %s: another run holds its lock", name)
    try:
        yield acquired
    finally:
        if acquired and cache.get(key) == token:
            cache.delete(key)
