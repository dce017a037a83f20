"""The Redis cache, made to fail open: pages must never break because Redis is away.

Django's RedisCache raises when Redis is unreachable. For the cache's plain reads and writes
(the search's synonym and term tables) a miss is the right answer instead: the caller computes the
value from the database and the page answers. Operations whose result carries meaning - `add` and
`incr`, used for locks and rate limits - still raise, so their callers decide.
"""

from __future__ import annotations

import logging

import redis
from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache

logger = logging.getLogger(__name__)
UNAVAILABLE = (redis.ConnectionError, redis.TimeoutError)


class ResilientRedisCache(RedisCache):
    def get(self, key, default=None, version=None):
        try:
            return super().get(key, default, version)
        except UNAVAILABLE:
            logger.warning("Cache unavailable: read treated as a miss")
            return default

    def get_many(self, keys, version=None):
        try:
            return super().get_many(keys, version)
        except UNAVAILABLE:
            logger.warning("Cache unavailable: read treated as a miss")
            return {}

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        try:
            super().set(key, value, timeout, version)
        except UNAVAILABLE:
            logger.warning("Cache unavailable: write skipped")

    def delete(self, key, version=None):
        try:
            return super().delete(key, version)
        except UNAVAILABLE:
            logger.warning("Cache unavailable: delete skipped")
            return False

    def delete_many(self, keys, version=None):
        try:
            return super().delete_many(keys, version)
        except UNAVAILABLE:
            logger.warning("Cache unavailable: delete skipped")
            return None
