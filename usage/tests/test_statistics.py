"""The public statistics: what is shown, what is hidden, in the page, the CSV and the JSON."""

from __future__ import annotations

import csv
import datetime
import io
import re

import pytest
import textstat
from django.test import Client
from django.utils import timezone

from usage.counter import AUSTRALIAN_TIME
from usage.selectors import listing_view_counts, public_statistics, statistics_period
from usage.services import usage_counts_add
from usage.suppression import Status, suppress

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate(timezone=AUSTRALIAN_TIME)


@pytest.fixture
def counts(settings):
    """A year of made-up totals with a few small cells in it."""
    cells = {}
    for days in range(0, 360, 3):
        day = TODAY - datetime.timedelta(days=days)
        cells[(day, 22, "visit", "")] = 9
        cells[(day, 9, "visit", "")] = 2
        cells[(day, 22, "search", "")] = 3
        cells[(day, 22, "check_completed", "")] = 1
        cells[(day, None, "check_started", "")] = 2
    for state, n in {"NSW": 120, "VIC": 90, "TAS": 3, "NT": 7, "ACT": 40}.items():
        cells[(TODAY, None, "search", f"state={state}")] = n
    for barrier, n in {"police-court": 50, "what-people-think": 30, "cost": 2}.items():
        cells[(TODAY, None, "check_barrier", f"barrier={barrier}")] = n
    cells[(TODAY - datetime.timedelta(days=400), None, "search", "state=SA")] = 500  # too old to show
    usage_counts_add(counts=cells)
    return cells


def test_the_period_is_twelve_months_to_date():
    assert statistics_period(today=datetime.date(2026, 11, 28)) == (
        datetime.date(2025, 12, 1),
        datetime.date(2026, 11, 28),
    )
    assert statistics_period(today=datetime.date(2026, 1, 5)) == (
        datetime.date(2025, 2, 1),
        datetime.date(2026, 1, 5),
    )


def test_statistics_take_a_fixed_number_of_queries(counts, django_assert_num_queries):
    with django_assert_num_queries(3):
        public_statistics(today=TODAY)


def test_small_counts_and_what_would_reveal_them_are_hidden(counts):
    tables = public_statistics(today=TODAY).tables
    states = {row.key: row for row in tables["search_by_state"].rows}
    assert states["TAS"].display == "<5" and states["TAS"].published is None
    assert states["NT"].display == "n.p.", "the smallest other count is hidden with it"
    assert states["ACT"].display == "40"
    assert states["SA"].display == "0", "a count from 400 days ago is outside the period"
    assert tables["search_by_state"].total.display == "260"
    barriers = {row.key: row.display for row in tables["check_barrier"].rows if row.count}
    assert barriers == {"cost": "<5", "police-court": "50", "what-people-think": "n.p."}
    labels = {row.key: row.label for row in tables["check_barrier"].rows}
    assert labels["police-court"] == "I'm worried about police or court"
    assert tables["check_band"].rows[0].key == "nothing-now", "bands in order"


def test_every_published_table_is_suppressed(counts):
    for table in public_statistics(today=TODAY).tables.values():
        values = {row.key: row.count for row in table.rows}
        published = suppress(values)
        assert {row.key: row.status for row in table.rows} == published.cells, table.slug
        hidden = [row for row in table.rows if row.status is not Status.SHOWN]
        assert len(hidden) != 1 or table.total.status is not Status.SHOWN, table.slug


def test_the_page_shows_charts_and_tables_without_inline_styles_or_scripts(counts):
    response = Client().get("/stats/")
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count("<svg") >= 5
    assert html.count("<title id=") == html.count("<svg") == html.count("<desc id=")
    assert "style=" not in html and "<style" not in html
    assert "<script>" not in html and "onclick" not in html.lower()
    assert "&lt;5" in html and "n.p." in html
    assert set(response["Cache-Control"].split(", ")) == {"max-age=600", "public"}
    assert not response.cookies


def test_open_data_matches_the_page(counts):
    client = Client()
    data = client.get("/stats/data.json").json()
    states = next(table for table in data["tables"] if table["id"] == "search_by_state")
    tas = next(row for row in states["rows"] if row["key"] == "TAS")
    assert tas == {"key": "TAS", "label": "Tasmania", "count": None, "shown_as": "<5"}
    response = client.get("/stats/data.csv")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    tas_csv = next(row for row in rows if row["table"] == "search_by_state" and row["key"] == "TAS")
    assert tas_csv["count"] == "" and tas_csv["shown_as"] == "<5"
    assert {row["table"] for row in rows} == {table["id"] for table in data["tables"]}
    for row in rows:
        if row["count"]:
            assert int(row["count"]) == 0 or int(row["count"]) >= 5


def test_listing_view_counts_are_suppressed_for_providers():
    usage_counts_add(
        counts={
            (TODAY, None, "listing_view", "service=mensline"): 40,
            (TODAY, None, "listing_view", "service=local-mbcp"): 2,
            (TODAY, None, "listing_view", "service=other-org"): 3,  # not theirs
        }
    )
    table = listing_view_counts(service_slugs=["mensline", "local-mbcp"], today=TODAY)
    # With the total shown, 40 alone would give the hidden 2 away: it is hidden too.
    assert table.as_dict() == {"mensline": "n.p.", "local-mbcp": "<5"}
    assert table.total.display == "42"


@pytest.mark.parametrize("url", ["/stats/", "/stats/about/"])
def test_public_text_is_plain(url, counts):
    html = Client().get(url).content.decode()
    main = html.split('<main id="main"', 1)[1].split("</main>", 1)[0]
    prose = " ".join(
        re.sub(r"<[^>]+>", " ", part) for part in re.findall(r"<p[ >].*?</p>|<li>.*?</li>", main, re.S)
    )
    assert textstat.flesch_kincaid_grade(prose) <= 8


@pytest.mark.parametrize("url", ["/stats/", "/stats/about/", "/stats/data.csv", "/stats/data.json"])
def test_only_safe_methods(url):
    assert Client().post(url).status_code == 405
