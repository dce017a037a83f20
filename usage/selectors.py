"""Reads of the anonymous usage totals, always suppressed before anyone sees them.

`public_statistics()` builds every table on /stats/ and in the open data; `listing_view_counts()`
gives providers their own services' views. Both go through usage.suppression, so a count from 1 to 4
and anything that would let one be worked out is never shown.
"""

from __future__ import annotations

import calendar
import datetime
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.db.models import Sum
from django.utils import timezone

from usage.counter import AUSTRALIAN_TIME, counter_slug
from usage.events import EVENTS, STATES
from usage.models import UsageCount
from usage.suppression import Status, display, suppress

STATE_NAMES = {
    "NSW": "New South Wales",
    "VIC": "Victoria",
    "QLD": "Queensland",
    "SA": "South Australia",
    "WA": "Western Australia",
    "TAS": "Tasmania",
    "NT": "Northern Territory",
    "ACT": "Australian Capital Territory",
}
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
# The totals kept by hour (usage.events: hourly=True), in the order the tables show them.
WHEN_EVENTS = ("visit", "search", "check_completed")
MONTHLY_EVENTS = ("visit", "search", "check_started", "check_completed")
CATEGORY_LABELS = {
    "hour": "Hour starting",
    "weekday": "Day",
    "month": "Month",
    "state": "State or territory",
    "barrier": "What gets in the way",
    "band": "Result",
    "service": "Service",
}


@dataclass(frozen=True)
class Row:
    key: str
    label: str
    count: int
    status: Status

    @property
    def display(self) -> str:
        return display(self.status, self.count)

    @property
    def published(self) -> int | None:
        """The count, or None when it is suppressed."""
        return self.count if self.status is Status.SHOWN else None


@dataclass(frozen=True)
class Table:
    slug: str
    title: str
    category: str  # what each row is: "hour", "weekday", "state" ...
    measure: str  # what is counted, e.g. "Visits"
    rows: tuple[Row, ...]
    total: Row
    notes: str = ""

    @property
    def category_label(self) -> str:
        return CATEGORY_LABELS.get(self.category, self.category.capitalize())

    def as_dict(self) -> dict[str, str]:
        return {row.key: row.display for row in self.rows}


@dataclass(frozen=True)
class Statistics:
    start: datetime.date
    end: datetime.date
    tables: dict[str, Table] = field(default_factory=dict)


def table_build(
    *,
    slug: str,
    title: str,
    category: str,
    measure: str,
    cells: Iterable[tuple[str, str, int]],
    notes: str = "",
) -> Table:
    """Suppress a one-way table given as (key, label, count) and wrap it for display."""
    cells = list(cells)
    published = suppress({key: count for key, _, count in cells})
    rows = tuple(Row(key, label, count, published.cells[key]) for key, label, count in cells)
    total = sum(count for _, _, count in cells)
    return Table(slug, title, category, measure, rows, Row("total", "Total", total, published.total), notes)


def statistics_period(*, today: datetime.date) -> tuple[datetime.date, datetime.date]:
    """The last 12 months: from the first day of the month 11 months ago up to today."""
    month_index = today.year * 12 + today.month - 1 - 11
    return datetime.date(month_index // 12, month_index % 12 + 1, 1), today


def hour_label(hour: int) -> str:
    suffix = "am" if hour < 12 else "pm"
    return f"{(hour % 12) or 12} {suffix}"


def humanise(code: str) -> str:
    return code.replace("-", " ").replace("_", " ").capitalize()


def _months(start: datetime.date, end: datetime.date) -> list[datetime.date]:
    months, current = [], start
    while current <= end:
        months.append(current)
        days = calendar.monthrange(current.year, current.month)[1]
        current = current + datetime.timedelta(days=days)
    return months


def _by_dimension(counts: Sequence[dict], event: str, name: str) -> dict[str, int]:
    prefix = f"{name}="
    return {
        row["dimension"].removeprefix(prefix): row["n"]
        for row in counts
        if row["event"] == event and row["dimension"].startswith(prefix)
    }


def _selfcheck_labels() -> tuple[dict[str, str], dict[str, str]]:
    """Plain labels of the self-check's barriers and result bands, in the questionnaire's order."""
    from selfcheck.questionnaire import questionnaire_current

    questionnaire = questionnaire_current()
    barriers = {counter_slug(key): barrier.label for key, barrier in questionnaire.barriers.items()}
    bands = {
        counter_slug(band.key): band.title for band in sorted(questionnaire.bands, key=lambda band: band.rank)
    }
    return barriers, bands


def _labelled(labels: dict[str, str], counts: dict[str, int]) -> list[tuple[str, str, int]]:
    """Every known category (zeros too), then any counted under an older questionnaire."""
    cells = [(code, label, counts.get(code, 0)) for code, label in labels.items()]
    cells += [(code, humanise(code), n) for code, n in sorted(counts.items()) if code not in labels]
    return cells


def public_statistics(*, today: datetime.date | None = None) -> Statistics:
    """Every published table for the last 12 months. Runs four queries."""
    today = today or timezone.localdate(timezone=AUSTRALIAN_TIME)
    start, end = statistics_period(today=today)
    period = UsageCount.objects.filter(date__gte=start, date__lte=end)

    hourly = (
        period.filter(event__in=WHEN_EVENTS, dimension="", hour__isnull=False)
        .values("event", "hour")
        .annotate(n=Sum("count"))
    )
    by_hour: dict[str, dict[int, int]] = defaultdict(dict)
    for row in hourly:
        by_hour[row["event"]][row["hour"]] = row["n"]

    daily = (
        period.filter(event__in=MONTHLY_EVENTS, dimension="").values("event", "date").annotate(n=Sum("count"))
    )
    by_weekday: dict[str, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    by_month: dict[str, dict[datetime.date, int]] = defaultdict(lambda: defaultdict(int))
    for row in daily:
        by_weekday[row["event"]][row["date"].weekday()] += row["n"]
        by_month[row["event"]][row["date"].replace(day=1)] += row["n"]

    dimensional = list(
        period.exclude(dimension="")
        .filter(event__in=["search", "check_barrier", "check_band"])
        .values("event", "dimension")
        .annotate(n=Sum("count"))
    )

    tables: dict[str, Table] = {}
    for event in WHEN_EVENTS:
        measure = EVENTS[event].label
        tables[f"{event}_by_hour"] = table_build(
            slug=f"{event}_by_hour",
            title=f"{measure} by hour of day",
            category="hour",
            measure=measure,
            cells=((f"{hour:02d}", hour_label(hour), by_hour[event].get(hour, 0)) for hour in range(24)),
            notes="Australian Eastern time. Each row is the hour that starts then.",
        )
        tables[f"{event}_by_weekday"] = table_build(
            slug=f"{event}_by_weekday",
            title=f"{measure} by day of the week",
            category="weekday",
            measure=measure,
            cells=((name.lower(), name, by_weekday[event].get(day, 0)) for day, name in enumerate(WEEKDAYS)),
        )
    for event in MONTHLY_EVENTS:
        measure = EVENTS[event].label
        tables[f"{event}_by_month"] = table_build(
            slug=f"{event}_by_month",
            title=f"{measure} by month",
            category="month",
            measure=measure,
            cells=(
                (month.strftime("%Y-%m"), month.strftime("%B %Y"), by_month[event].get(month, 0))
                for month in _months(start, end)
            ),
        )
    states = _by_dimension(dimensional, "search", "state")
    tables["search_by_state"] = table_build(
        slug="search_by_state",
        title="Searches by state or territory",
        category="state",
        measure="Searches",
        cells=((code, STATE_NAMES[code], states.get(code, 0)) for code in STATES),
        notes="Only searches near a place in Australia have a state.",
    )
    barriers = _by_dimension(dimensional, "check_barrier", "barrier")
    barrier_labels, band_labels = _selfcheck_labels()
    tables["check_barrier"] = table_build(
        slug="check_barrier",
        title="What stops men reaching out",
        category="barrier",
        measure="Times chosen",
        cells=_labelled(barrier_labels, barriers),
        notes="At the end of the self-check a man may choose what makes it hard to get help. "
        "He can choose more than one, so the total is choices, not men.",
    )
    bands = _by_dimension(dimensional, "check_band", "band")
    tables["check_band"] = table_build(
        slug="check_band",
        title="Self-check results",
        category="band",
        measure="Self-checks",
        cells=_labelled(band_labels, bands),
    )
    return Statistics(start=start, end=end, tables=tables)


def listing_view_counts(*, service_slugs: Sequence[str], today: datetime.date | None = None) -> Table:
    """Views of these services' listings in the last 12 months, suppressed like the public tables.

    For the provider portal: `table.as_dict()` maps each slug to what may be shown ("12", "<5",
    "n.p."). The total is suppressed too, so it cannot be used to work out a hidden count.
    """
    today = today or timezone.localdate(timezone=AUSTRALIAN_TIME)
    start, end = statistics_period(today=today)
    # Listing views are counted under the first 60 characters of the slug (a counter value's limit).
    dimensions = {f"service={slug[:60]}": slug for slug in service_slugs}
    views = dict(
        UsageCount.objects.filter(
            event="listing_view", dimension__in=dimensions, date__gte=start, date__lte=end
        )
        .values_list("dimension")
        .annotate(n=Sum("count"))
    )
    return table_build(
        slug="listing_views",
        title="Listing views in the last 12 months",
        category="service",
        measure="Views",
        cells=((slug, slug, views.get(dimension, 0)) for dimension, slug in dimensions.items()),
    )
