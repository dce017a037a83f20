"""The Redis cache, made to fail open: pages must never break because Redis is away.

Django's RedisCache raises when Redis is unreachable. For the cache's plain reads and writes
(the search's synonym and term tables) a miss is the right answer instead: the caller computes the
value from the database and the page answers. Operations whose result carries meaning - `add` and
`incr`, used for locks and rate limits - still raise, so their callers decide.

A hung Redis (accepts, never answers) costs the socket timeout on every call; after one failure the
cache skips Redis for a while (config/breaker.py, shared with the usage counters): reads are misses
and `add`/`incr` raise at once, without touching the network.
"""

from __future__ import annotations

import functools
import logging

import redis
from django.core.cache.backends.redis import RedisCache, RedisCacheClient

from config import breaker

logger = logging.getLogger(__name__)
UNAVAILABLE = (redis.ConnectionError, redis.TimeoutError)


def _fail_open(what: str, fallback=None):
    """Wrap a cache method so an unreachable Redis logs `what` and returns `fallback`."""

    def decorate(method):
        @functools.wraps(method)
        def wrapper(*args, **kwargs):
            try:
                return _guarded(method)(*args, **kwargs)
            except UNAVAILABLE:
                logger.warning("Cache unavailable: %s", what)
                return fallback() if callable(fallback) else fallback

        return wrapper

    return decorate


def _guarded(method):
    """Raise at once while this cache's Redis is marked down; mark it down when a call fails."""

    @functools.wraps(method)
    def wrapper(cache, *args, **kwargs):
        address = cache._servers[0]
        if breaker.is_down("redis", address):
            raise redis.ConnectionError("Redis skipped: it failed moments ago")
        try:
            return method(cache, *args, **kwargs)
        except UNAVAILABLE:
            breaker.mark_down("redis", address)
            raise

    return wrapper


class ReusedClientRedisCacheClient(RedisCacheClient):
    """Django builds a new redis.Redis for every cache call, and each one sets up some 170 response
    callbacks (a millisecond of a search's four cache reads). One client per connection pool serves
    them all: redis.Redis is safe to share between threads, as its pool hands out the connections."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients: dict[int, redis.Redis] = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client


class ResilientRedisCache(RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = ReusedClientRedisCacheClient

    def get(self, key, default=None, version=None):
        try:
            return _guarded(RedisCache.get)(self, key, default, version)
        except UNAVAILABLE:
            logger.warning("Cache unavailable: read treated as a miss")
            return default

    get_many = _fail_open("read treated as a miss", fallback=dict)(RedisCache.get_many)
    set = _fail_open("write skipped")(RedisCache.set)
    delete = _fail_open("delete skipped", fallback=False)(RedisCache.delete)
    delete_many = _fail_open("delete skipped")(RedisCache.delete_many)
    # These raise (their result means something to the caller), but at once while Redis is down.
    add = _guarded(RedisCache.add)
    incr = _guarded(RedisCache.incr)
    touch = _guarded(RedisCache.touch)
    has_key = _guarded(RedisCache.has_key)
    set_many = _guarded(RedisCache.set_many)
    clear = _guarded(RedisCache.clear)
