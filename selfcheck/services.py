"""The only writes the self-check makes: anonymous counters (usage.count). Never an answer combination."""

from __future__ import annotations

from selfcheck.scoring import Result
from usage.counter import count


def _slug(key: str) -> str:
    # Counter dimensions are short slugs (usage.counter.DIMENSION_VALUE_RE): no underscores.
    return key.replace("_", "-")


def check_started_count() -> None:
    count("check_started")


def check_completed_count(*, result: Result) -> None:
    """One completed check: the total, its band, its readiness band and each barrier, all separately."""
    count("check_completed")
    count("check_band", band=_slug(result.band.key))
    count("check_readiness", band=_slug(result.readiness_band.key))
    for barrier in result.barriers:
        count("check_barrier", barrier=_slug(barrier.key))


def check_helpful_count(*, answer: str) -> None:
    count("check_helpful", answer=answer)
