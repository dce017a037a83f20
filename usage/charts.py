"""Server-rendered bar charts: geometry only, worked out here so the template just draws it.

Charts are SVG with presentation attributes (the CSP forbids inline styles) and no script. Each row
is a label over a bar with its count at the end; a suppressed count has no bar, only its label
("<5" or "n.p."), so the chart never shows more than the table does.
"""

from __future__ import annotations

from dataclasses import dataclass

from usage.selectors import Table

WIDTH = 400  # viewBox units; the SVG scales to the width of the page
LABEL_HEIGHT = 20
BAR_HEIGHT = 16
ROW_GAP = 8
VALUE_ROOM = 64  # space kept right of the longest bar for its count


@dataclass(frozen=True)
class Bar:
    label: str
    display: str
    label_y: int
    bar_y: int
    width: float  # 0 for a suppressed or zero count
    value_x: float
    value_y: int


@dataclass(frozen=True)
class Chart:
    id: str
    title: str
    description: str
    width: int
    height: int
    bar_height: int
    bars: tuple[Bar, ...]


def bar_chart(table: Table) -> Chart:
    shown = [row.published for row in table.rows if row.published is not None]
    largest = max(shown, default=0)
    room = WIDTH - VALUE_ROOM
    bars, y = [], 0
    for row in table.rows:
        label_y = y + LABEL_HEIGHT - 4
        bar_y = y + LABEL_HEIGHT
        width = (row.published / largest * room) if row.published and largest else 0.0
        bars.append(
            Bar(
                label=row.label,
                display=row.display,
                label_y=label_y,
                bar_y=bar_y,
                width=round(width, 1),
                value_x=round(width + 4, 1),
                value_y=bar_y + BAR_HEIGHT - 3,
            )
        )
        y += LABEL_HEIGHT + BAR_HEIGHT + ROW_GAP
    return Chart(
        id=f"chart-{table.slug.replace('_', '-')}",
        title=f"{table.title} (bar chart)",
        description=describe(table),
        width=WIDTH,
        height=max(y, 1),
        bar_height=BAR_HEIGHT,
        bars=tuple(bars),
    )


def describe(table: Table) -> str:
    """A sentence a screen reader can say instead of the picture."""
    shown = [row for row in table.rows if row.published]
    if not shown:
        return f"{table.measure}: no figures can be shown yet. The table below has the details."
    top = max(shown, key=lambda row: row.count)
    return (
        f"{table.measure}, {len(table.rows)} bars. The highest is {top.label} with {top.display}. "
        "The same figures are in the table below."
    )
