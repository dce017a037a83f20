"""Move counts from Redis into the database, exactly once.

Each hash is first RENAMEd to a unique "batch" key: from that instant new counts go to a fresh hash,
and the batch can be read at leisure. The batch is added to the database in one transaction together
with its key (UsageBatch); only then is it deleted from Redis. If the job dies anywhere in between,
the batch stays in Redis and the next run adds it - or, if the transaction had committed, just
deletes it. Nothing is lost and nothing is counted twice.
"""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Callable

import redis

from usage.counter import KEY_PREFIX, NO_HOUR, redis_client
from usage.services import usage_counts_add

BATCH_PREFIX = "pause:usage-batch"


def _parse_key(key: str) -> tuple[datetime.date, int | None]:
    # pause:usage:2026-11-28:13  or  pause:usage-batch:<uuid>:2026-11-28:day
    date_text, hour_text = key.rsplit(":", 2)[-2:]
    return datetime.date.fromisoformat(date_text), None if hour_text == NO_HOUR else int(hour_text)


def _parse_field(field: str) -> tuple[str, str]:
    event, _, dimension = field.partition("|")
    return event, dimension


def aggregate_usage(*, after_add: Callable[[str], None] | None = None) -> int:
    """Move every pending count into UsageCount; return how many counts were moved.

    `after_add` is called after each batch commits and before it is deleted; tests use it to fail
    the job midway on purpose.
    """
    client = redis_client()
    for key in client.scan_iter(match=f"{KEY_PREFIX}:*", count=500):
        key = key.decode()
        batch_key = f"{BATCH_PREFIX}:{uuid.uuid4().hex}:{key.removeprefix(KEY_PREFIX + ':')}"
        try:
            client.rename(key, batch_key)
        except redis.ResponseError as exc:  # the key vanished between SCAN and RENAME: another run took it
            if "no such key" in str(exc).lower():
                continue
            raise
    moved = 0
    for batch_key in client.scan_iter(match=f"{BATCH_PREFIX}:*", count=500):
        batch_key = batch_key.decode()
        date, hour = _parse_key(batch_key)
        counts = {}
        for field, value in client.hgetall(batch_key).items():
            event, dimension = _parse_field(field.decode())
            counts[(date, hour, event, dimension)] = int(value)
        if usage_counts_add(counts=counts, batch_key=batch_key):
            moved += sum(counts.values())
        if after_add is not None:
            after_add(batch_key)
        client.delete(batch_key)
    return moved
