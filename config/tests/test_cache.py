"""The Redis cache reuses one client per connection pool, and stays right when threads share it."""

from __future__ import annotations

import threading

from config.cache import ResilientRedisCache


def test_one_client_serves_every_call_and_threads_share_it(redis_url):
    cache = ResilientRedisCache(redis_url, {"KEY_PREFIX": "test-cache-clients"})
    cache.delete("hits")
    client = cache._cache.get_client()
    assert cache._cache.get_client() is client
    assert cache._cache.get_client("some-key", write=True) is client  # one server: one pool

    cache.set("hits", 0)

    def hit():
        for _ in range(100):
            cache.incr("hits")

    threads = [threading.Thread(target=hit) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert cache.get("hits") == 400
    cache.delete("hits")
