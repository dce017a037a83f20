"""Open-now and next-opening, table-driven: daylight saving, holidays, overnight and week-end spans."""

import datetime
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from services_directory.opening import (
    Rules,
    Span,
    always_open,
    clock,
    describe,
    is_open,
    next_opening,
    status,
    week_table,
)

T = datetime.time
D = datetime.date
WEEKDAYS = frozenset(range(5))
EVERY_DAY = frozenset(range(7))
OFFICE = (Span(WEEKDAYS, T(9), T(17)),)
ALWAYS = (Span(EVERY_DAY, T(0), T(0)),)
FRIDAY_NIGHT = (Span(frozenset({4}), T(18), T(2)),)
SUNDAY_NIGHT = (Span(frozenset({6}), T(22), T(6)),)
SATURDAY_NIGHT = (Span(frozenset({5}), T(22), T(6)),)
SUNDAY_EARLY = (Span(frozenset({6}), T(1), T(4)),)
CLOSES_ON_HOLIDAYS = {"NSW": Rules("NSW", True), "QLD": Rules("QLD", True), "VIC": Rules("VIC", True)}


def utc(text: str) -> datetime.datetime:
    return datetime.datetime.fromisoformat(text).replace(tzinfo=datetime.UTC)


def local(zone: str, text: str) -> datetime.datetime:
    return datetime.datetime.fromisoformat(text).replace(tzinfo=ZoneInfo(zone))


CASES = [
    # (description, spans, zone, moment, rules, open?)
    ("office hours, Tuesday 10am", OFFICE, "Australia/Melbourne", local("Australia/Melbourne", "2026-12-01 10:00"), Rules(), True),
    ("office hours, Tuesday 5pm is closing time", OFFICE, "Australia/Melbourne", local("Australia/Melbourne", "2026-12-01 17:00"), Rules(), False),
    ("office hours, Saturday", OFFICE, "Australia/Melbourne", local("Australia/Melbourne", "2026-12-05 10:00"), Rules(), False),
    # Sydney daylight saving starts Sunday 4 October 2026: 2am AEST becomes 3am AEDT.
    ("Sydney DST start, 1:30am AEST", SUNDAY_EARLY, "Australia/Sydney", utc("2026-10-03T15:30"), Rules(), True),
    ("Sydney DST start, 3:30am AEDT", SUNDAY_EARLY, "Australia/Sydney", utc("2026-10-03T16:30"), Rules(), True),
    ("Sydney DST start, 4am AEDT closes", SUNDAY_EARLY, "Australia/Sydney", utc("2026-10-03T17:00"), Rules(), False),
    ("Sydney Monday after DST, 9:30 AEDT", OFFICE, "Australia/Sydney", utc("2026-10-04T22:30"), Rules(), True),
    ("Sydney Monday after DST, 8:30 AEDT", OFFICE, "Australia/Sydney", utc("2026-10-04T21:30"), Rules(), False),
    ("Sydney Labour Day, closes on holidays", OFFICE, "Australia/Sydney", utc("2026-10-04T23:30"), CLOSES_ON_HOLIDAYS["NSW"], False),
    # Brisbane has no daylight saving: 9:30am AEST is 23:30 UTC the day before, all year.
    ("Brisbane October, 9:30 AEST", OFFICE, "Australia/Brisbane", utc("2026-10-06T23:30"), Rules(), True),
    ("Brisbane October, 8:30 AEST", OFFICE, "Australia/Brisbane", utc("2026-10-06T22:30"), Rules(), False),
    ("Brisbane King's Birthday (5 Oct)", OFFICE, "Australia/Brisbane", utc("2026-10-05T00:30"), CLOSES_ON_HOLIDAYS["QLD"], False),
    # Adelaide daylight saving ends Sunday 5 April 2026: 3am ACDT becomes 2am ACST. The overnight span
    # from Saturday 10pm (ACDT) to Sunday 6am (ACST) lasts nine real hours.
    ("Adelaide DST end, Sunday 5:30 ACST", SATURDAY_NIGHT, "Australia/Adelaide", utc("2026-04-04T20:00"), Rules(), True),
    ("Adelaide DST end, Sunday 6am ACST", SATURDAY_NIGHT, "Australia/Adelaide", utc("2026-04-04T20:30"), Rules(), False),
    ("Adelaide DST end, Saturday 10:15 ACDT", SATURDAY_NIGHT, "Australia/Adelaide", utc("2026-04-04T11:45"), Rules(), True),
    # Broken Hill keeps Adelaide time: 22:15 UTC on 30 November is 8:45am there but 9:15am in Sydney.
    ("Broken Hill 8:45am", OFFICE, "Australia/Broken_Hill", utc("2026-11-30T22:15"), Rules(), False),
    ("same instant in Sydney 9:15am", OFFICE, "Australia/Sydney", utc("2026-11-30T22:15"), Rules(), True),
    ("Broken Hill 9:15am", OFFICE, "Australia/Broken_Hill", utc("2026-11-30T22:45"), Rules(), True),
    # Overnight spans.
    ("Friday 18:00-02:00, Friday 11pm", FRIDAY_NIGHT, "Australia/Perth", local("Australia/Perth", "2026-12-04 23:00"), Rules(), True),
    ("Friday 18:00-02:00, Saturday 1:30am", FRIDAY_NIGHT, "Australia/Perth", local("Australia/Perth", "2026-12-05 01:30"), Rules(), True),
    ("Friday 18:00-02:00, Saturday 2am", FRIDAY_NIGHT, "Australia/Perth", local("Australia/Perth", "2026-12-05 02:00"), Rules(), False),
    ("Friday 18:00-02:00, Friday 5:59pm", FRIDAY_NIGHT, "Australia/Perth", local("Australia/Perth", "2026-12-04 17:59"), Rules(), False),
    ("Sunday 22:00-06:00 across the week end, Monday 5am", SUNDAY_NIGHT, "Australia/Darwin", local("Australia/Darwin", "2026-12-07 05:00"), Rules(), True),
    ("Sunday 22:00-06:00, Monday 7am", SUNDAY_NIGHT, "Australia/Darwin", local("Australia/Darwin", "2026-12-07 07:00"), Rules(), False),
    # Holidays: Melbourne Cup Day is a Victorian holiday, not a New South Wales one.
    ("Melbourne Cup Day, VIC closes on holidays", OFFICE, "Australia/Melbourne", local("Australia/Melbourne", "2026-11-03 10:00"), CLOSES_ON_HOLIDAYS["VIC"], False),
    ("Melbourne Cup Day, NSW service", OFFICE, "Australia/Sydney", local("Australia/Sydney", "2026-11-03 10:00"), CLOSES_ON_HOLIDAYS["NSW"], True),
    ("Christmas Day, national holiday", OFFICE, "Australia/Hobart", local("Australia/Hobart", "2026-12-25 10:00"), Rules("TAS", True), False),
    ("Christmas Day, open on holidays", OFFICE, "Australia/Hobart", local("Australia/Hobart", "2026-12-25 10:00"), Rules("TAS", False), True),
    ("24/7 on Christmas Day", ALWAYS, "Australia/Sydney", local("Australia/Sydney", "2026-12-25 03:00"), Rules(), True),
    ("24/7 at DST start", ALWAYS, "Australia/Sydney", utc("2026-10-03T16:00"), Rules(), True),
    ("closure for the Christmas break", OFFICE, "Australia/Sydney", local("Australia/Sydney", "2026-12-29 10:00"), Rules(closures=((D(2026, 12, 24), D(2027, 1, 2)),)), False),
    ("no spans at all", (), "Australia/Sydney", local("Australia/Sydney", "2026-12-01 10:00"), Rules(), False),
    ("span not yet valid", (Span(WEEKDAYS, T(9), T(17), valid_from=D(2027, 1, 1)),), "Australia/Sydney", local("Australia/Sydney", "2026-12-01 10:00"), Rules(), False),
    ("span expired", (Span(WEEKDAYS, T(9), T(17), valid_to=D(2026, 11, 30)),), "Australia/Sydney", local("Australia/Sydney", "2026-12-01 10:00"), Rules(), False),
    ("span valid today", (Span(WEEKDAYS, T(9), T(17), D(2026, 12, 1), D(2026, 12, 1)),), "Australia/Sydney", local("Australia/Sydney", "2026-12-01 10:00"), Rules(), True),
]  # fmt: skip


@pytest.mark.parametrize(
    ("spans", "zone", "moment", "rules", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_is_open(spans, zone, moment, rules, expected):
    assert is_open(spans, zone, moment, rules) is expected


NEXT = [
    ("Friday evening -> Monday 9am", OFFICE, "Australia/Melbourne", local("Australia/Melbourne", "2026-12-04 17:30"), Rules(), local("Australia/Melbourne", "2026-12-07 09:00")),
    ("before opening -> today", OFFICE, "Australia/Melbourne", local("Australia/Melbourne", "2026-12-01 07:00"), Rules(), local("Australia/Melbourne", "2026-12-01 09:00")),
    ("open now -> None", OFFICE, "Australia/Melbourne", local("Australia/Melbourne", "2026-12-01 10:00"), Rules(), None),
    ("across DST start: Friday -> Monday 9am AEDT", OFFICE, "Australia/Sydney", local("Australia/Sydney", "2026-10-02 17:30"), Rules(), utc("2026-10-04T22:00")),
    ("skips Labour Day", OFFICE, "Australia/Sydney", local("Australia/Sydney", "2026-10-02 17:30"), CLOSES_ON_HOLIDAYS["NSW"], utc("2026-10-05T22:00")),
    ("after the Christmas break", OFFICE, "Australia/Sydney", local("Australia/Sydney", "2026-12-23 18:00"), Rules("NSW", True, ((D(2026, 12, 24), D(2027, 1, 2)),)), local("Australia/Sydney", "2027-01-04 09:00")),
    ("never opens", (), "Australia/Sydney", local("Australia/Sydney", "2026-12-01 10:00"), Rules(), None),
    ("overnight, Saturday 3am -> Friday 6pm", FRIDAY_NIGHT, "Australia/Perth", local("Australia/Perth", "2026-12-05 03:00"), Rules(), local("Australia/Perth", "2026-12-11 18:00")),
]  # fmt: skip


@pytest.mark.parametrize(
    ("spans", "zone", "moment", "rules", "expected"), [c[1:] for c in NEXT], ids=[c[0] for c in NEXT]
)
def test_next_opening(spans, zone, moment, rules, expected):
    assert next_opening(spans, zone, moment, rules) == expected


def test_closes_at_and_overnight_merge():
    # Friday 18:00-02:00 plus Saturday 00:00-... would merge; here a plain overnight span closes at 2am.
    state = status(FRIDAY_NIGHT, "Australia/Perth", local("Australia/Perth", "2026-12-04 23:00"))
    assert state.is_open
    assert state.closes_at == local("Australia/Perth", "2026-12-05 02:00")


def test_always_open_has_no_closing_time():
    state = status(ALWAYS, "Australia/Sydney", local("Australia/Sydney", "2026-12-01 10:00"))
    assert state.is_open
    assert state.closes_at is None
    assert always_open(ALWAYS)
    assert not always_open(OFFICE)


def test_naive_datetime_is_refused():
    with pytest.raises(ValueError, match="aware"):
        is_open(OFFICE, "Australia/Sydney", datetime.datetime(2026, 12, 1, 10))  # noqa: DTZ001


def test_words():
    now = local("Australia/Sydney", "2026-12-04 17:30")
    assert clock(T(9)) == "9am"
    assert clock(T(17, 30)) == "5:30pm"
    assert clock(T(0)) == "midnight"
    assert clock(T(12)) == "midday"
    closed = status(OFFICE, "Australia/Sydney", now)
    assert describe(closed, now) == "Closed now. Opens Monday at 9am"
    assert describe(status(ALWAYS, "Australia/Sydney", now), now, always=True) == "Open 24 hours, 7 days"
    opened = status(OFFICE, "Australia/Sydney", local("Australia/Sydney", "2026-12-04 10:00"))
    assert describe(opened, now) == "Open now, until 5pm"


def test_week_table():
    rows = week_table(OFFICE + FRIDAY_NIGHT, today=D(2026, 12, 4))
    assert rows[0] == {"day": "Monday", "hours": "9am to 5pm", "today": False}
    assert rows[4] == {"day": "Friday", "hours": "9am to 5pm, 6pm to 2am", "today": True}
    assert rows[6]["hours"] == "Closed"
    assert week_table(ALWAYS, today=D(2026, 12, 4))[2]["hours"] == "24 hours"


SPAN_TIMES = st.sampled_from([T(0), T(1), T(2), T(6), T(9), T(12), T(17), T(18), T(22), T(23, 30)])
SPANS = st.lists(
    st.builds(Span, st.frozensets(st.integers(0, 6), min_size=1), SPAN_TIMES, SPAN_TIMES), max_size=3
)
ZONES = st.sampled_from(["Australia/Sydney", "Australia/Adelaide", "Australia/Perth", "Australia/Brisbane"])
# Around the daylight-saving changes of 2026 (5 April, 4 October) and Christmas, and ordinary days.
MOMENTS = st.datetimes(
    min_value=datetime.datetime(2026, 4, 3),  # noqa: DTZ001 - made aware below
    max_value=datetime.datetime(2026, 4, 7),  # noqa: DTZ001
).map(lambda d: d.replace(tzinfo=datetime.UTC)) | st.datetimes(
    min_value=datetime.datetime(2026, 10, 2),  # noqa: DTZ001
    max_value=datetime.datetime(2026, 12, 28),  # noqa: DTZ001
).map(lambda d: d.replace(tzinfo=datetime.UTC))


@settings(max_examples=400, deadline=None)
@given(spans=SPANS, zone=ZONES, moment=MOMENTS, closed_on_holidays=st.booleans())
def test_is_open_agrees_with_status(spans, zone, moment, closed_on_holidays):
    rules = Rules("NSW", closed_on_holidays, ((D(2026, 12, 24), D(2026, 12, 26)),))
    assert is_open(spans, zone, moment, rules) is status(spans, zone, moment, rules).is_open
