"""Remember, per process, that a dependency just failed, so the next calls fail at once.

A refused connection fails in microseconds, but a hung Redis or PostgreSQL (accepts, never answers)
costs a full timeout on every call: three cache reads made a search wait 1.5 s, and each request
tried its own database connection (issue 19, item 6). After one failure the dependency is skipped for
a short while (`RETRY_AFTER`), so a page waits on at most one timeout per process in that time. The
state is a time in this process only: nothing is shared, stored or logged about visitors.
"""

from __future__ import annotations

import time

# Seconds to skip a dependency after it failed. Short: a real outage costs one timeout per process
# every so often; a blip is forgotten quickly.
RETRY_AFTER = {"redis": 30.0, "database": 5.0}
_down_until: dict[tuple[str, str], float] = {}  # by (kind, address)


def is_down(kind: str, address: str) -> bool:
    """True while `address` (a Redis URL, a database) of `kind` ("redis" or "database") failed less
    than RETRY_AFTER[kind] seconds ago."""
    return time.monotonic() < _down_until.get((kind, address), 0.0)


def mark_down(kind: str, address: str) -> None:
    _down_until[(kind, address)] = time.monotonic() + RETRY_AFTER[kind]


def mark_up(kind: str, address: str) -> None:
    _down_until.pop((kind, address), None)


def reset() -> None:
    """Forget every failure (tests, and a health check that saw the dependency answer)."""
    _down_until.clear()
