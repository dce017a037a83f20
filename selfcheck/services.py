"""The only writes the self-check makes: anonymous counters (usage.count). Never an answer combination."""

from __future__ import annotations

import logging

import redis
from django.core.cache import cache

from selfcheck.scoring import Result
from usage.counter import count

logger = logging.getLogger(__name__)
COMPLETION_MARKER_PREFIX = "selfcheck:done:"
# Longer than a state token lives (selfcheck.forms.STATE_MAX_AGE), so a replay can never count again.
COMPLETION_MARKER_SECONDS = 25 * 60 * 60


def _slug(key: str) -> str:
    # Counter dimensions are short slugs (usage.counter.DIMENSION_VALUE_RE): no underscores.
    return key.replace("_", "-")


def check_started_count() -> None:
    count("check_started")


def check_completion_first(*, nonce: str) -> bool:
    """True the first time a walk through the check (its random nonce) reaches a result, False on a replay.

    The marker is the nonce alone, with a time limit: no answer, band or time of day is stored with it,
    and the nonce is not linked to anything else. If the cache is unavailable the completion is not
    counted (as counters drop counts when Redis is down); the result page is shown either way.
    """
    if not nonce:
        return True  # a state signed before v2 added the nonce
    try:
        return bool(cache.add(COMPLETION_MARKER_PREFIX + nonce, 1, timeout=COMPLETION_MARKER_SECONDS))
    except redis.RedisError:
        logger.warning("Self-check completion not counted: cache unavailable")
        return False


def check_completed_count(*, result: Result) -> None:
    """One completed check: the total, its band, its readiness band and each barrier, all separately."""
    count("check_completed")
    count("check_band", band=_slug(result.band.key))
    count("check_readiness", band=_slug(result.readiness_band.key))
    for barrier in result.barriers:
        count("check_barrier", barrier=_slug(barrier.key))


def check_helpful_count(*, answer: str) -> None:
    count("check_helpful", answer=answer)
