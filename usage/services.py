"""Writes of anonymous usage counts."""

from __future__ import annotations

import datetime
from collections.abc import Mapping

from django.db import IntegrityError, transaction
from django.db.models import F

from usage.models import UsageBatch, UsageCount

Cell = tuple[datetime.date, int | None, str, str]  # date, hour, event, dimension


def _add_one(date: datetime.date, hour: int | None, event: str, dimension: str, amount: int) -> None:
    cell = UsageCount.objects.filter(date=date, hour=hour, event=event, dimension=dimension)
    if cell.update(count=F("count") + amount):
        return
    try:
        with transaction.atomic():
            UsageCount.objects.create(date=date, hour=hour, event=event, dimension=dimension, count=amount)
    except IntegrityError:
        # Another process created the cell between our update and insert: add to it instead.
        cell.update(count=F("count") + amount)


@transaction.atomic
def usage_counts_add(*, counts: Mapping[Cell, int], batch_key: str | None = None) -> bool:
    """Add counts to their cells atomically. With a batch key, a batch is only ever added once.

    Returns False when the batch had already been added (nothing changes then).
    """
    if batch_key is not None:
        _, created = UsageBatch.objects.get_or_create(key=batch_key)
        if not created:
            return False
    for (date, hour, event, dimension), amount in sorted(counts.items(), key=lambda kv: str(kv[0])):
        if amount > 0:
            _add_one(date, hour, event, dimension, amount)
    return True
