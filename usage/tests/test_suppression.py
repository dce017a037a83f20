"""Small-number suppression: no hidden count can be worked out from what is published.

The property tests check the implementation against an independent brute force: every assignment of
values to the hidden cells that fits what an attacker sees (visible counts, the total or its bound,
"<5" means 1-4, "n.p." means 5 or more) is enumerated by subset-sum, without the interval arithmetic
the implementation uses.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from usage.suppression import THRESHOLD, Status, display, suppress

CAP = 80  # values are generated up to 30; a witness is searched for up to this bound


def attacker_candidates(status: Status, value: int) -> range:
    if status is Status.SHOWN:
        return range(value, value + 1)
    if status is Status.PRIMARY:
        return range(1, THRESHOLD)
    if status is Status.SECONDARY:
        return range(THRESHOLD, CAP + 1)
    return range(0, CAP + 1)


def possible_values(values: dict[str, int], published) -> dict[str, set[int]]:
    """Brute force: the values each cell can take in some table consistent with the publication."""
    keys = list(values)
    totals = set(attacker_candidates(published.total, sum(values.values())))
    if published.total is not Status.SHOWN:
        totals = {t for t in totals if t <= CAP * len(keys)}
    possible = {}
    for key in keys:
        others = {0}
        for other in keys:
            if other != key:
                others = {
                    s + v for s in others for v in attacker_candidates(published.cells[other], values[other])
                }
        possible[key] = {
            v
            for v in attacker_candidates(published.cells[key], values[key])
            if any(t - v in others for t in totals)
        }
    return possible


tables = st.dictionaries(
    st.sampled_from(["NSW", "VIC", "QLD", "SA", "WA", "TAS", "NT", "ACT"]),
    st.one_of(st.integers(0, 6), st.integers(0, 30)),
    min_size=1,
    max_size=6,
)


@settings(max_examples=500, deadline=None)
@given(tables, st.booleans())
def test_no_hidden_count_can_be_worked_out(values, total_can_be_hidden):
    published = suppress(values, total_can_be_hidden=total_can_be_hidden)
    possible = possible_values(values, published)
    for key, value in values.items():
        status = published.cells[key]
        assert value in possible[key], "the true table is consistent with what is published"
        if 0 < value < THRESHOLD:
            assert status is not Status.SHOWN, "every count from 1 to 4 is hidden"
        if status is Status.PRIMARY:
            assert possible[key] >= {1, 2, 3, 4}, f"{key}={value} narrowed to {possible[key]}"
        elif status is not Status.SHOWN:
            assert len(possible[key]) >= 2, f"{key}={value} pinned down"


@settings(max_examples=400, deadline=None)
@given(tables, st.booleans())
def test_a_lone_hidden_cell_never_sits_beside_a_published_total(values, total_can_be_hidden):
    published = suppress(values, total_can_be_hidden=total_can_be_hidden)
    hidden = [key for key, status in published.cells.items() if status is not Status.SHOWN]
    if len(hidden) == 1:
        assert published.total is not Status.SHOWN
    if not total_can_be_hidden:
        assert published.total in {Status.SHOWN, Status.PRIMARY}, "a shared total is never hidden"
    if published.total is Status.SHOWN and hidden:
        # The sum of the hidden cells is known; it must not pin down their smallest possible sum.
        assert len(hidden) >= 2


@settings(max_examples=200, deadline=None)
@given(tables)
def test_suppression_only_hides_what_it_must(values):
    """Counts of 5 or more that are shown are shown exactly; zeros are always shown unless withheld."""
    published = suppress(values)
    for key, value in values.items():
        if published.cells[key] is Status.SHOWN:
            assert value == 0 or value >= THRESHOLD
        if value == 0 and Status.WITHHELD not in published.cells.values():
            assert published.cells[key] is Status.SHOWN


@pytest.mark.parametrize(
    ("values", "cells", "total", "total_can_be_hidden"),
    [
        ({"a": 10, "b": 20}, {"a": "shown", "b": "shown"}, "shown", False),
        # One "<5" beside a total: the smallest other count is hidden too.
        ({"a": 3, "b": 20, "c": 50}, {"a": "primary", "b": "secondary", "c": "shown"}, "shown", False),
        # The hidden cells must leave room for 1-4: with 6 alone, the hidden sum 7 = "<5" + "5 or more"
        # would show the "<5" is 1 or 2. So 7 is hidden too.
        (
            {"a": 1, "b": 6, "c": 7, "d": 50},
            {"a": "primary", "b": "secondary", "c": "secondary", "d": "shown"},
            "shown",
            False,
        ),
        # Two "<5" cells with room between them protect each other.
        ({"a": 2, "b": 3, "c": 40}, {"a": "primary", "b": "primary", "c": "shown"}, "shown", False),
        # Only "<5" cells and no room: the total goes, where it is published nowhere else ...
        ({"a": 4, "b": 4, "c": 4}, {"a": "primary", "b": "primary", "c": "primary"}, "secondary", True),
        # ... and otherwise nothing in the table is published.
        ({"a": 4, "b": 4, "c": 4}, dict.fromkeys("abc", "withheld"), "shown", False),
        # A total under 5 made of four 1s would reveal each: nothing is published.
        ({"a": 1, "b": 1, "c": 1, "d": 1}, dict.fromkeys("abcd", "withheld"), "primary", True),
        ({"a": 0, "b": 0}, {"a": "shown", "b": "shown"}, "shown", False),
    ],
)
def test_worked_examples(values, cells, total, total_can_be_hidden):
    published = suppress(values, total_can_be_hidden=total_can_be_hidden)
    assert {key: str(status) for key, status in published.cells.items()} == cells
    assert str(published.total) == total


def test_display_labels():
    assert display(Status.SHOWN, 12345) == "12,345"
    assert display(Status.PRIMARY, 3) == "<5"
    assert display(Status.SECONDARY, 30) == "n.p."


def test_negative_counts_are_refused():
    with pytest.raises(ValueError, match="negative"):
        suppress({"a": -1})
