import datetime

import pytest
from django.utils import timezone

from usage.aggregation import aggregate_usage
from usage.counter import UnknownCounter, cell_for, count
from usage.models import UsageCount

AEDT_EVENING = datetime.datetime(2026, 11, 28, 11, 30, tzinfo=datetime.UTC)  # 22:30 in Sydney


@pytest.mark.parametrize(
    ("event", "dimension", "expected"),
    [
        ("visit", {}, (datetime.date(2026, 11, 28), 22, "")),
        ("visit", {"section": "check"}, (datetime.date(2026, 11, 28), None, "section=check")),
        ("search", {"state": "VIC"}, (datetime.date(2026, 11, 28), None, "state=VIC")),
        ("check_started", {}, (datetime.date(2026, 11, 28), None, "")),
    ],
)
def test_cells_keep_the_hour_only_for_hourly_totals(event, dimension, expected):
    assert cell_for(event, dimension, now=AEDT_EVENING) == expected


@pytest.mark.parametrize(
    ("event", "dimension"),
    [
        ("no_such_event", {}),
        ("search", {"postcode": "3000"}),  # postcodes are never counted
        ("search", {"state": "Victoria"}),
        ("search", {"state": "VIC", "type": "mbcp"}),  # never crossed
        ("search", {"type": "anger management"}),  # free text cannot pass
    ],
)
def test_undeclared_counters_are_refused(event, dimension):
    with pytest.raises(UnknownCounter):
        cell_for(event, dimension)


def test_without_redis_counts_go_straight_to_the_database(db, settings):
    settings.REDIS_URL = ""
    count("search", state="NSW")
    count("search", state="NSW")
    assert UsageCount.objects.get(event="search", dimension="state=NSW").count == 2


def test_a_closed_redis_port_drops_the_count_quickly(db, settings):
    settings.REDIS_URL = "redis://127.0.0.1:9/0"
    started = timezone.now()
    count("search", state="NSW")
    assert (timezone.now() - started).total_seconds() < 2
    assert not UsageCount.objects.exists()


def test_aggregation_moves_every_count_once(db, clean_redis):
    for _ in range(3):
        count("check_completed", state="QLD")
    count("check_helpful", answer="yes")
    assert aggregate_usage() == 4
    assert aggregate_usage() == 0
    assert UsageCount.objects.get(event="check_completed", dimension="state=QLD").count == 3


def test_a_run_that_dies_after_commit_does_not_count_twice(db, clean_redis):
    count("check_started")
    count("check_started")

    def crash(batch_key):
        raise RuntimeError("worker killed")

    with pytest.raises(RuntimeError):
        aggregate_usage(after_add=crash)
    # The batch is still in Redis, but its key was committed with the counts.
    assert clean_redis.keys("pause:usage-batch*")
    assert aggregate_usage() == 0
    assert not clean_redis.keys("pause:usage*")
    assert UsageCount.objects.get(event="check_started").count == 2


def test_a_run_that_dies_before_commit_loses_nothing(db, clean_redis, monkeypatch):
    count("check_started")
    import usage.aggregation

    def broken_add(**kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(usage.aggregation, "usage_counts_add", broken_add)
    with pytest.raises(RuntimeError):
        aggregate_usage()
    monkeypatch.undo()
    assert not UsageCount.objects.exists()
    assert aggregate_usage() == 1
    assert UsageCount.objects.get(event="check_started").count == 1
