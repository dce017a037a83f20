"""Property tests for the parsers behind the edit forms: any input gives a value or a clear message."""

from __future__ import annotations

import datetime

from django import forms
from hypothesis import given, settings
from hypothesis import strategies as st

from providers.listing_forms import DAYS, ScheduleFormSet, au_phone_number, schedule_rows

times = st.times().map(lambda t: t.replace(second=0, microsecond=0))


@given(st.text(max_size=60))
def test_phone_validator_returns_the_number_or_a_clear_message(text):
    try:
        value = au_phone_number(text)
    except forms.ValidationError as error:
        assert error.messages and all(m.endswith(".") for m in error.messages)
    else:
        assert value and value == " ".join(value.split())


def _data(rows):
    data = {"hours-TOTAL_FORMS": str(len(rows)), "hours-INITIAL_FORMS": "0", "hours-MIN_NUM_FORMS": "0",
            "hours-MAX_NUM_FORMS": "1000"}  # fmt: skip
    for i, (days, opens, closes, overnight) in enumerate(rows):
        data[f"hours-{i}-days"] = days
        data[f"hours-{i}-opens_at"] = opens.strftime("%H:%M")
        data[f"hours-{i}-closes_at"] = closes.strftime("%H:%M")
        if overnight:
            data[f"hours-{i}-overnight"] = "on"
    return data


def _minutes_open(rows):
    """Minute-of-week -> count of spans covering it, from accepted rows."""
    covered = {}
    for row in rows:
        opens = datetime.time.fromisoformat(row["opens_at"])
        closes = datetime.time.fromisoformat(row["closes_at"])
        start = opens.hour * 60 + opens.minute
        length = ((closes.hour * 60 + closes.minute) - start) % 1440 or 1440
        for day in row["byday"].split(","):
            base = list(DAYS).index(day) * 1440 + start
            for minute in range(base, base + length, 15):
                covered[minute % (7 * 1440)] = covered.get(minute % (7 * 1440), 0) + 1
    return covered


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.lists(st.sampled_from(list(DAYS)), min_size=1, max_size=7, unique=True),
            times,
            times,
            st.booleans(),
        ),
        min_size=1,
        max_size=4,
    )
)
def test_accepted_hours_are_consistent_and_never_overlap(rows):
    formset = ScheduleFormSet(data=_data(rows), prefix="hours")
    if not formset.is_valid():
        messages = [str(e) for e in formset.non_form_errors()] + [
            str(m) for form in formset.forms for errs in form.errors.values() for m in errs
        ]
        assert messages, "an invalid set of hours must say why"
        return
    accepted = schedule_rows(formset)
    assert len(accepted) == len(rows)
    for _, opens, closes, overnight in rows:
        whole_day = opens == closes == datetime.time(0, 0)
        assert whole_day or (closes <= opens) == overnight
    # Quarter-hour sampling: no moment of the week is covered twice.
    assert all(count == 1 for count in _minutes_open(accepted).values())
