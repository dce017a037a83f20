"""Process settings for a long-running web worker (gunicorn) and the benchmarks that stand in for one."""

from __future__ import annotations

import gc

# Python's default first-generation threshold is 700 allocations. A search page builds a few thousand
# model instances, so it set off several collections per request, each walking every object Django
# and the app loaded at start-up: that, not SQL, made the slowest search in twenty (docs/performance.md).
GC_THRESHOLDS = (10_000, 20, 20)


def tune_garbage_collector() -> None:
    """Call once the app is loaded: start-up objects are frozen out of the collector's view (they live
    for the whole process) and collections run less often. Reference cycles are still collected."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)
