"""Small-number suppression for published counts (the AIHW / ABS practice), as a pure function.

A one-way table (counts by category, plus their total) is published with:

* **primary suppression**: a count from 1 to 4 is shown as "<5";
* **secondary suppression**: further cells are hidden ("n.p.", not published) so that no "<5" cell
  can be worked out from the total and the visible cells. The smallest visible counts are hidden
  first, which loses the least information; if that is not enough the total is hidden (only where it
  is published nowhere else) or, failing that, nothing in the table is published.

"Worked out" is judged as an attacker would: they know every visible count, the total (or that it
is "<5" / at least 5), that a "<5" cell is between 1 and 4 and that an "n.p." cell is 5 or more.
From the sum they get an interval for each hidden cell. The table is safe when every "<5" cell could
still be any of 1, 2, 3 or 4 (nothing is learnt beyond "<5"), and every "n.p." cell could be at least
two different values. Zeros are shown: a true zero says nothing about anyone.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Mapping
from dataclasses import dataclass

THRESHOLD = 5  # counts from 1 to THRESHOLD - 1 are hidden


class Status(enum.StrEnum):
    SHOWN = "shown"
    PRIMARY = "primary"  # 1-4, published as "<5"
    SECONDARY = "secondary"  # hidden so a "<5" cannot be worked out; published as "n.p."
    WITHHELD = "withheld"  # the whole table is too small to publish safely


LABELS = {Status.PRIMARY: "<5", Status.SECONDARY: "n.p.", Status.WITHHELD: "n.p."}


@dataclass(frozen=True)
class Published:
    """The outcome for one table: a status for every cell and for the total."""

    cells: dict[str, Status]
    total: Status

    def display(self, key: str, value: int) -> str:
        return display(self.cells[key], value)

    def value(self, key: str, value: int) -> int | None:
        return value if self.cells[key] is Status.SHOWN else None


def display(status: Status, value: int) -> str:
    return f"{value:,}" if status is Status.SHOWN else LABELS[status]


def _bounds(status: Status, value: int) -> tuple[float, float]:
    """What an attacker knows about a cell from how it is published."""
    if status is Status.SHOWN:
        return value, value
    if status is Status.PRIMARY:
        return 1, THRESHOLD - 1
    if status is Status.SECONDARY:
        return THRESHOLD, math.inf
    return 0, math.inf  # withheld


def feasible_ranges(
    values: Mapping[str, int], cells: Mapping[str, Status], total: Status
) -> dict[str, tuple[float, float]]:
    """For each hidden cell, the interval of values consistent with the published table.

    The cells' values are integers in their bounds and add up to the total, itself in its bounds;
    the set of sums of integer intervals is an interval, so these ranges are exact.
    """
    total_low, total_high = _bounds(total, sum(values.values()))
    bounds = {key: _bounds(cells[key], value) for key, value in values.items()}
    low_sum = sum(low for low, _ in bounds.values())
    high_sum = sum(high for _, high in bounds.values())
    ranges = {}
    for key, (low, high) in bounds.items():
        if cells[key] is Status.SHOWN:
            continue
        others_low, others_high = low_sum - low, high_sum - high
        ranges[key] = (max(low, total_low - others_high), min(high, total_high - others_low))
    return ranges


def exposed(values: Mapping[str, int], cells: Mapping[str, Status], total: Status) -> list[str]:
    """Hidden cells an attacker could pin down (or narrow, for "<5" cells) from the published table."""
    weak = []
    for key, (low, high) in feasible_ranges(values, cells, total).items():
        narrowed = low > 1 or high < THRESHOLD - 1
        pinned = high - low < 1
        if (cells[key] is Status.PRIMARY and narrowed) or (cells[key] is not Status.PRIMARY and pinned):
            weak.append(key)
    return weak


def suppress(values: Mapping[str, int], *, total_can_be_hidden: bool = False) -> Published:
    """Decide which cells of a one-way table (and whether its total) may be published.

    Several published tables often share one total (visits by hour and by weekday and by month), so
    hiding it in one would not hide it at all: by default a table that cannot be protected otherwise
    is withheld instead. Pass `total_can_be_hidden=True` only for a table whose total appears nowhere
    else.
    """
    if any(value < 0 for value in values.values()):
        raise ValueError("counts cannot be negative")
    total_value = sum(values.values())
    cells = {key: Status.PRIMARY if 0 < value < THRESHOLD else Status.SHOWN for key, value in values.items()}
    total = Status.PRIMARY if 0 < total_value < THRESHOLD else Status.SHOWN
    while exposed(values, cells, total):
        candidates = sorted(
            (value, key) for key, value in values.items() if cells[key] is Status.SHOWN and value > 0
        )
        if candidates:
            cells[candidates[0][1]] = Status.SECONDARY
        elif total is Status.SHOWN and total_can_be_hidden:
            total = Status.SECONDARY
        else:
            return Published(dict.fromkeys(values, Status.WITHHELD), total)
    return Published(cells, total)
