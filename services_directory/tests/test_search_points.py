"""Search points (models.SearchPoint) stay a faithful copy of the listings through every write path."""

from __future__ import annotations

import datetime
import zoneinfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from services_directory import selectors, services
from services_directory.models import Location, Place, PublicHolidays, Schedule, SearchPoint, Service
from services_directory.places import resolve_place
from services_directory.search import Filters, search_services
from services_directory.services import ScheduleData
from services_directory.tasks import rebuild_search_points
from services_directory.tests.conftest import location_fields

pytestmark = pytest.mark.usefixtures("postgres")

RICHMOND_VIC = (-37.8230, 145.0000, "Richmond", "VIC", "3121")
GEELONG = (-38.1470, 144.3600, "Geelong", "VIC", "3220")


def points() -> set[tuple]:
    return set(
        SearchPoint.objects.values_list(
            "pk",
            "service_id",
            "latitude",
            "longitude",
            "is_demo",
            "cost",
            "term_ids",
            "search_vector",
            "opening",
        )
    )


def assert_points_current() -> None:
    """What the write paths left equals a rebuild from scratch."""
    kept = points()
    services.search_points_rebuild()
    assert kept == points()


def local_names(near: str, now: datetime.datetime | None = None, **filters) -> list[str]:
    result = search_services(query="", place=resolve_place(near), filters=Filters(**filters), page=1, now=now)
    return [hit.service.name for hit in result.local]


def test_a_new_listing_gets_a_point_copied_from_it(gazetteer, make_service):
    service = make_service("Eastside Program", at=RICHMOND_VIC, cost="free", types=("mbcp",))
    (point,) = SearchPoint.objects.filter(service=service)
    assert (point.latitude, point.longitude) == RICHMOND_VIC[:2]
    assert (point.cost, point.is_demo) == ("free", False)
    term_ids = sorted(service.attributes.values_list("term_id", flat=True))
    assert point.term_ids == f" {' '.join(map(str, term_ids))} "
    assert point.search_vector == Service.objects.get(pk=service.pk).search_vector
    assert_points_current()


def test_points_follow_edits_moves_and_closures(gazetteer, make_service):
    make_service("Eastside Program", slug="eastside", at=RICHMOND_VIC, types=("mbcp",), cost="free")
    assert local_names("3121", types=("mbcp",), cost="free") == ["Eastside Program"]

    # New types and cost (the service upsert every loader and the portal go through).
    make_service("Eastside Program", slug="eastside", at=RICHMOND_VIC, types=("parenting",), cost="fee")
    assert local_names("3121", types=("mbcp",)) == []
    assert local_names("3121", cost="free") == []
    assert local_names("3121", types=("parenting",)) == ["Eastside Program"]
    assert_points_current()

    # The place moves to Geelong, 60 km away.
    location = Location.objects.get()
    services.location_upsert(hsds_id=location.hsds_id, fields=location_fields(GEELONG))
    assert local_names("3121") == []
    assert local_names("3220") == ["Eastside Program"]
    assert_points_current()

    # Closed: gone from search, no point left.
    services.service_deactivate(service=Service.objects.get(slug="eastside"))
    assert local_names("3220") == []
    assert not SearchPoint.objects.exists()
    assert_points_current()

    # Deleted outright: the point goes with it.
    make_service("Westside Program", slug="westside", at=GEELONG)
    Service.objects.filter(slug="westside").delete()
    assert not SearchPoint.objects.exists()


def test_the_nightly_rebuild_corrects_a_write_that_bypassed_the_refresh(gazetteer, make_service):
    make_service("Eastside Program", at=RICHMOND_VIC)
    lat, lon, *_ = GEELONG
    Location.objects.update(latitude=lat, longitude=lon)  # a bulk write: no refresh
    assert local_names("3220") == []  # stale until ...
    assert rebuild_search_points.delay().get() == 1  # ... the nightly job (run here in-process)
    assert local_names("3220") == ["Eastside Program"]
    assert local_names("3121") == []


def test_the_rebuild_works_in_batches(gazetteer, make_service, monkeypatch):
    monkeypatch.setattr(services, "SEARCH_POINTS_BATCH", 2)
    for i in range(5):
        make_service(f"Program {i}", at=RICHMOND_VIC)
    SearchPoint.objects.all().delete()
    assert services.search_points_rebuild() == 5
    assert len(local_names("3121")) == 5


@pytest.mark.django_db(transaction=True)
def test_two_refreshes_of_one_service_at_once_both_succeed(gazetteer, make_service):
    """An approval in the portal while the nightly rebuild has the same service in hand: the second
    refresh waits for the first, then overwrites its point instead of failing on the primary key."""
    import threading

    import psycopg
    from django.conf import settings
    from django.db import connection

    service = make_service("Eastside Program", at=RICHMOND_VIC)
    db = settings.DATABASES["default"]
    first = psycopg.connect(host=db["HOST"], port=db["PORT"], user=db["USER"], dbname=db["NAME"])
    tables = services.search_point_tables()
    errors: list[BaseException] = []

    def second_refresh():
        try:
            services.search_points_refresh(service_ids=[service.pk])
        except BaseException as error:  # reported to the test below
            errors.append(error)
        finally:
            connection.close()

    try:
        # The first refresh has deleted and re-inserted the point, and not committed yet.
        first.execute(f"DELETE FROM {tables['point_t']} WHERE service_id = %s", [service.pk])  # noqa: S608
        first.execute(services.SEARCH_POINTS_SQL.format(**tables, where="AND s.id = %s"), [service.pk])
        second = threading.Thread(target=second_refresh)
        second.start()
        second.join(timeout=1)
        assert second.is_alive()  # waiting for the first
        first.commit()
        second.join(timeout=10)
    finally:
        first.close()
    assert not second.is_alive() and errors == []
    assert SearchPoint.objects.filter(service=service).count() == 1


T = datetime.time
D = datetime.date
WEEKDAYS = "MO,TU,WE,TH,FR"
EVERY_DAY = "MO,TU,WE,TH,FR,SA,SU"
PERTH = (-31.9523, 115.8613, "Perth", "WA", "6000")
BROKEN_HILL = (-31.9539, 141.4539, "Broken Hill", "NSW", "2880")
DARWIN = (-12.3933, 130.7767, "Darwin", "NT", "0800")
SYDNEY = (-33.8708, 151.2073, "Sydney", "NSW", "2000")
HOURS_OF_EVERY_KIND = [
    # Weekdays, closed on public holidays (Victoria's), in Melbourne.
    {"at": RICHMOND_VIC, "schedules": [(WEEKDAYS, T(9), T(17))], "public_holidays": PublicHolidays.CLOSED},
    # Overnight every night, in Perth (the place's zone, from its state).
    {"at": PERTH, "schedules": [(EVERY_DAY, T(18), T(2))], "time_zone": "Australia/Perth"},
    # 24 hours, shut over Christmas.
    {
        "at": SYDNEY,
        "schedules": [(EVERY_DAY, T(0), T(0))],
        "closures": [(D(2026, 12, 24), D(2026, 12, 26), "")],
    },
    # Kept in each visitor's local time (as QLife is), 8am to 8pm.
    {"at": SYDNEY, "schedules": [(EVERY_DAY, T(8), T(20))], "hours_in_local_time": True},
    # The same with a zone on its span (as an HSDS export writes one): still the visitor's time.
    {
        "at": SYDNEY,
        "schedules": [ScheduleData(EVERY_DAY, T(15), T(0), time_zone="Australia/Sydney")],
        "hours_in_local_time": True,
    },
    # A span with its own zone and dates, and a second span (the first span's zone decides).
    {
        "at": RICHMOND_VIC,
        "schedules": [
            ScheduleData("MO,WE", T(10), T(15), time_zone="Australia/Brisbane", valid_from=D(2026, 12, 1)),
            ScheduleData("SA", T(9), T(12), valid_to=D(2027, 3, 31)),
        ],
    },
    # Broken Hill keeps Adelaide time; closed on New South Wales holidays.
    {"at": BROKEN_HILL, "schedules": [(WEEKDAYS, T(9), T(17))], "public_holidays": PublicHolidays.CLOSED},
    # Weekends in Darwin; and a place whose hours are not known.
    {"at": DARWIN, "schedules": [("SA,SU", T(10), T(14))]},
    {"at": DARWIN, "schedules": []},
]


@pytest.fixture
def hours_of_every_kind(gazetteer, make_service):
    for i, kind in enumerate(HOURS_OF_EVERY_KIND):
        make_service(f"Service {i}", **kind)
    return dict(SearchPoint.objects.order_by("pk").values_list("pk", "opening"))  # in the order made


@given(
    moment=st.datetimes(
        min_value=datetime.datetime(2026, 1, 1),  # noqa: DTZ001 - hypothesis wants naive bounds
        max_value=datetime.datetime(2027, 12, 31),  # noqa: DTZ001
        timezones=st.just(datetime.UTC),
    ),
    visitor=st.sampled_from(["3121", "6000", "2880", "0800", None]),
)
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_open_now_from_the_points_summaries_agrees_with_the_hours_themselves(
    hours_of_every_kind, moment, visitor
):
    """The summary of hours each point carries gives the same answer as reading the schedules,
    closures, zones and holidays from their own tables, at any moment, for a visitor anywhere."""
    place = resolve_place(visitor) if visitor else None
    assert place is None or isinstance(place, Place)
    from_summaries = selectors.open_now_from_summaries(hours_of_every_kind.items(), now=moment, place=place)
    from_tables = selectors.open_now(list(hours_of_every_kind), now=moment, place=place)
    assert from_summaries == from_tables


def test_the_summaries_cover_every_kind_of_hours(hours_of_every_kind):
    """The property test above is only as good as its cases: each kind is open at some moment and
    closed at another, and the one without hours never is."""
    ids = list(hours_of_every_kind)
    moments = [
        datetime.datetime(2026, 12, day, hour, tzinfo=zoneinfo.ZoneInfo("Australia/Sydney"))
        for day in range(1, 31)
        for hour in range(0, 24, 3)
    ]
    seen_open = set().union(
        *(selectors.open_now_from_summaries(hours_of_every_kind.items(), now=m, place=None) for m in moments)
    )
    assert seen_open == set(ids[:-1])
    christmas = datetime.datetime(2026, 12, 25, 12, tzinfo=zoneinfo.ZoneInfo("Australia/Sydney"))
    assert ids[2] not in selectors.open_now_from_summaries(
        hours_of_every_kind.items(), now=christmas, place=None
    )


def test_the_summary_follows_changed_hours(gazetteer, make_service):
    service = make_service(
        "Eastside Program", slug="eastside", at=RICHMOND_VIC, schedules=[("MO", T(9), T(17))]
    )
    monday_noon = datetime.datetime(2026, 11, 30, 12, tzinfo=zoneinfo.ZoneInfo("Australia/Melbourne"))
    assert local_names("3121", open_now=True, now=monday_noon) == ["Eastside Program"]
    make_service("Eastside Program", slug="eastside", at=RICHMOND_VIC, schedules=[("TU", T(9), T(17))])
    assert local_names("3121", open_now=True, now=monday_noon) == []
    assert local_names("3121", open_now=True, now=monday_noon + datetime.timedelta(days=1)) == [
        "Eastside Program"
    ]
    assert_points_current()

    # A bulk write that bypasses the refresh leaves the summary stale until the nightly rebuild; the
    # page decides from the hours themselves, so it never lists a closed place under "open now".
    Schedule.objects.filter(service=service).update(byday="WE")
    assert local_names("3121", open_now=True, now=monday_noon + datetime.timedelta(days=1)) == []
    services.search_points_rebuild()
    assert local_names("3121", open_now=True, now=monday_noon + datetime.timedelta(days=2)) == [
        "Eastside Program"
    ]


def test_the_refresh_finds_old_points_through_indexes(gazetteer, make_service):
    """Each statement of a refresh must be answerable from an index: an OR of "this service" and "these
    places" made PostgreSQL scan every point and compare it with every id (0.5 s for one service, 18 s
    for a batch of 5,000 at 500,000 listings). With sequential scans priced out, a statement that
    still needs one has no index path."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    service = make_service("Eastside Program", at=RICHMOND_VIC)
    with CaptureQueriesContext(connection) as refresh:
        services.search_points_refresh(service_ids=[service.pk])
    statements = [q["sql"] for q in refresh.captured_queries if q["sql"].lstrip().startswith("DELETE")]
    assert statements
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        for sql in statements:
            cursor.execute("EXPLAIN " + sql)
            plan = "\n".join(row[0] for row in cursor.fetchall())
            assert "Seq Scan" not in plan, plan
