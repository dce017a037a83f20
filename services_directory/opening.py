"""Is a service open now, and when does it next open? Pure functions, no database.

Hours are weekly spans in an IANA time zone, so daylight saving is handled by the zone database: a
span is turned into real instants day by day and compared with the (timezone-aware) moment asked
about. A span whose closing time is at or before its opening time runs past midnight (18:00-02:00);
00:00-00:00 is the whole day. A span belongs to the day it opens on, so an overnight span that starts
on a public holiday is closed with that day. Public holidays come from the `holidays` package,
national plus the state's own.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays

DAY_CODES = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
# How far ahead next_opening looks: two weeks covers Christmas and Easter closures.
HORIZON_DAYS = 15


@dataclass(frozen=True)
class Span:
    days: frozenset[int]  # 0 = Monday ... 6 = Sunday
    opens: datetime.time
    closes: datetime.time
    valid_from: datetime.date | None = None
    valid_to: datetime.date | None = None

    def applies_on(self, day: datetime.date) -> bool:
        return (
            day.weekday() in self.days
            and (self.valid_from is None or day >= self.valid_from)
            and (self.valid_to is None or day <= self.valid_to)
        )

    @property
    def overnight(self) -> bool:
        return self.closes <= self.opens


@dataclass(frozen=True)
class Rules:
    """Everything besides the weekly spans that decides whether a day is open."""

    state: str | None = None  # for state public holidays; None: national holidays only
    closed_on_public_holidays: bool = False
    closures: tuple[tuple[datetime.date, datetime.date], ...] = ()


@dataclass(frozen=True)
class Status:
    is_open: bool
    closes_at: datetime.datetime | None  # when open: the end of this opening; None if open for 2+ weeks
    next_opening: datetime.datetime | None  # when closed: the next opening within the horizon


def span_from_schedule(schedule) -> Span:
    """A Span from a Schedule-like object (byday "MO,TU", opens_at, closes_at, valid_from, valid_to)."""
    days = frozenset(DAY_CODES.index(code) for code in schedule.byday.upper().split(",") if code in DAY_CODES)
    return Span(days, schedule.opens_at, schedule.closes_at, schedule.valid_from, schedule.valid_to)


@lru_cache(maxsize=64)
def _holidays(state: str | None, year: int) -> holidays.HolidayBase:
    return holidays.country_holidays("AU", subdiv=state, years=year)


def is_public_holiday(day: datetime.date, state: str | None) -> bool:
    return day in _holidays(state, day.year)


def _closed_day(day: datetime.date, rules: Rules) -> bool:
    if rules.closed_on_public_holidays and is_public_holiday(day, rules.state):
        return True
    return any(start <= day <= end for start, end in rules.closures)


def _day_intervals(spans: Sequence[Span], zone: ZoneInfo, day: datetime.date, rules: Rules):
    """Opening intervals (UTC instants) of the spans that start on `day`, in order."""
    if _closed_day(day, rules):
        return []
    out = []
    for span in spans:
        if not span.applies_on(day):
            continue
        start = datetime.datetime.combine(day, span.opens, tzinfo=zone)
        end_day = day + datetime.timedelta(days=1) if span.overnight else day
        end = datetime.datetime.combine(end_day, span.closes, tzinfo=zone)
        # Compare real instants: the wall-clock difference is wrong on daylight-saving days.
        out.append((start.astimezone(datetime.UTC), end.astimezone(datetime.UTC)))
    return sorted(out)


def _merged(spans: Sequence[Span], zone: ZoneInfo, first: datetime.date, rules: Rules):
    """Merged opening intervals, day by day from `first`, lazily (most answers need a day or two)."""
    current = None
    for offset in range(HORIZON_DAYS + 1):
        for start, end in _day_intervals(spans, zone, first + datetime.timedelta(days=offset), rules):
            if current and start <= current[1]:
                current[1] = max(current[1], end)
                continue
            if current:
                yield tuple(current)
            current = [start, end]
    if current:
        yield tuple(current)


def status(spans: Iterable[Span], zone: str, at: datetime.datetime, rules: Rules = Rules()) -> Status:
    """Open or closed at `at` (aware), until when, or when it next opens."""
    if at.tzinfo is None:
        raise ValueError("`at` must be timezone-aware")
    spans = tuple(spans)
    tz = ZoneInfo(zone)
    local_day = at.astimezone(tz).date()
    horizon_end = datetime.datetime.combine(
        local_day + datetime.timedelta(days=HORIZON_DAYS), datetime.time(0), tzinfo=tz
    ).astimezone(datetime.UTC)
    # Start a day early: yesterday's overnight span may still be running.
    for start, end in _merged(spans, tz, local_day - datetime.timedelta(days=1), rules):
        if start <= at < end:
            closes = None if end >= horizon_end else end.astimezone(tz)
            return Status(True, closes, None)
        if start > at:
            return Status(False, None, start.astimezone(tz))
    return Status(False, None, None)


def is_open(spans: Iterable[Span], zone: str, at: datetime.datetime, rules: Rules = Rules()) -> bool:
    """status(...).is_open, from two days instead of the merged fortnight status may look through.

    An opening that holds `at` starts on the local day of `at` or the day before (a span lasts at
    most a day), so only those are built; "open now" over hundreds of candidates needs nothing else.
    """
    if at.tzinfo is None:
        raise ValueError("`at` must be timezone-aware")
    spans = tuple(spans)
    tz = ZoneInfo(zone)
    local_day = at.astimezone(tz).date()
    return any(
        start <= at < end
        for day in (local_day - datetime.timedelta(days=1), local_day)
        for start, end in _day_intervals(spans, tz, day, rules)
    )


def next_opening(
    spans: Iterable[Span],
    zone: str,
    at: datetime.datetime,
    rules: Rules = Rules(),
) -> datetime.datetime | None:
    """When it next opens after `at` (None if open now or not within two weeks)."""
    return status(spans, zone, at, rules).next_opening


def always_open(spans: Iterable[Span]) -> bool:
    """True for 24 hours, 7 days (whole-day spans on every day, no date limits)."""
    days: set[int] = set()
    for span in spans:
        if (
            span.opens == span.closes == datetime.time(0)
            and span.valid_from is None
            and span.valid_to is None
        ):
            days |= span.days
    return days == set(range(7))


# --- Words for people ---------------------------------------------------------------------------------


def clock(t: datetime.time | datetime.datetime) -> str:
    """9am, 5:30pm, midnight."""
    if t.hour == 0 and t.minute == 0:
        return "midnight"
    if t.hour == 12 and t.minute == 0:
        return "midday"
    hour = t.hour % 12 or 12
    suffix = "am" if t.hour < 12 else "pm"
    return f"{hour}{suffix}" if t.minute == 0 else f"{hour}:{t.minute:02d}{suffix}"


def when(moment: datetime.datetime, now: datetime.datetime) -> str:
    """ "today at 9am", "tomorrow at 9am", "Monday at 9am", "Monday 5 January at 9am"."""
    local_now = now.astimezone(moment.tzinfo)
    days = (moment.date() - local_now.date()).days
    if days == 0:
        day = "today"
    elif days == 1:
        day = "tomorrow"
    elif days < 7:
        day = DAY_NAMES[moment.weekday()]
    else:
        day = f"{DAY_NAMES[moment.weekday()]} {moment.day} {moment:%B}"
    return f"{day} at {clock(moment)}"


def describe(state: Status, now: datetime.datetime, *, always: bool = False) -> str:
    if always:
        return "Open 24 hours, 7 days"
    if state.is_open:
        return f"Open now, until {clock(state.closes_at)}" if state.closes_at else "Open now"
    if state.next_opening:
        return f"Closed now. Opens {when(state.next_opening, now)}"
    return "Closed now"


def week_table(spans: Iterable[Span], today: datetime.date) -> list[dict]:
    """Rows for an hours table, Monday first: day name, plain hours, whether it is today."""
    spans = [s for s in spans if s.valid_to is None or s.valid_to >= today]
    rows = []
    for index, name in enumerate(DAY_NAMES):
        day_spans = sorted((s for s in spans if index in s.days), key=lambda s: s.opens)
        if not day_spans:
            text = "Closed"
        elif any(s.opens == s.closes == datetime.time(0) for s in day_spans):
            text = "24 hours"
        else:
            text = ", ".join(f"{clock(s.opens)} to {clock(s.closes)}" for s in day_spans)
        rows.append({"day": name, "hours": text, "today": index == today.weekday()})
    return rows
