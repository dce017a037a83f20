"""search_services on the real database (PostgreSQL backend) and the portable fallback."""

import datetime
import math
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from services_directory import search, services
from services_directory.models import Place
from services_directory.places import resolve_place
from services_directory.search import FallbackBackend, Filters, PostgresBackend, search_services
from services_directory.services import AreaData, directory_changed

T = datetime.time
EVERY_DAY = "MO,TU,WE,TH,FR,SA,SU"
# A Tuesday, 10am in Melbourne.
TUESDAY_10AM = datetime.datetime(2026, 12, 1, 10, tzinfo=ZoneInfo("Australia/Melbourne"))
SUNDAY_10AM = datetime.datetime(2026, 12, 6, 10, tzinfo=ZoneInfo("Australia/Melbourne"))
RICHMOND_VIC = (-37.8230, 145.0000, "Richmond", "VIC", "3121")
MELBOURNE = (-37.8140, 144.9633, "Melbourne", "VIC", "3000")
GEELONG = (-38.1470, 144.3600, "Geelong", "VIC", "3220")
SYDNEY = (-33.8708, 151.2073, "Sydney", "NSW", "2000")


@pytest.fixture(params=["database", "fallback"])
def engine(request, monkeypatch):
    """Run a test with the database's own backend and again with the portable fallback."""
    if request.param == "fallback":
        monkeypatch.setattr(search, "backend", FallbackBackend)
    return request.param


@pytest.fixture
def directory(gazetteer, make_service):
    weekdays = [("MO,TU,WE,TH,FR", T(9), T(17))]
    return {
        "mbcp_richmond": make_service(
            "Eastside Men's Behaviour Change Program",
            at=RICHMOND_VIC,
            schedules=weekdays,
            intake_status="waitlist",
            typical_wait="8 weeks",
        ),
        "counselling_melbourne": make_service(
            "City Men's Counselling",
            types=("individual-counselling",),
            delivery=("in-person", "video"),
            audiences=("men",),
            referral=("gp-referral",),
            description="Counselling for men about stress and relationships.",
            at=MELBOURNE,
            schedules=weekdays,
            cost="fee",
            languages=(("en", "English"), ("vi", "Vietnamese")),
        ),
        "mbcp_geelong": make_service("Bay Men's Behaviour Change Program", at=GEELONG, schedules=weekdays),
        "mbcp_sydney": make_service("Harbour Men's Behaviour Change Program", at=SYDNEY, schedules=weekdays),
        "national_line": make_service(
            "National Men's Line",
            types=("phone-line",),
            delivery=("phone", "online-chat"),
            audiences=("men-using-violence",),
            areas=[AreaData(scope="national")],
            schedules=[(EVERY_DAY, T(0), T(0))],
            description="A phone line for men, open all the time.",
        ),
        "wa_line": make_service(
            "West Men's Line",
            types=("phone-line",),
            delivery=("phone",),
            areas=[AreaData(scope="state", states=["WA"])],
            schedules=[(EVERY_DAY, T(0), T(0))],
        ),
        "office_line": make_service(
            "Office Hours Line",
            types=("phone-line",),
            delivery=("phone",),
            areas=[AreaData(scope="national")],
            schedules=[("MO,TU,WE,TH,FR", T(9), T(17))],
        ),
        "outreach": make_service(
            "Richmond Outreach Counselling",
            types=("individual-counselling",),
            delivery=("in-person",),
            areas=[AreaData(scope="postcodes", postcodes=["3121", "3122"])],
        ),
    }


def names(hits):
    return [h.service.name for h in hits]


def run(query="", near=None, now=TUESDAY_10AM, **kwargs):
    place = resolve_place(near) if near else None
    assert place is None or isinstance(place, Place)
    filters = kwargs.pop("filters", Filters())
    return search_services(
        query=query, place=place, filters=filters, page=kwargs.pop("page", 1), now=now, **kwargs
    )


def test_postcode_only_sorts_by_distance(directory, engine):
    result = run(near="3121")
    assert names(result.local) == [
        "Eastside Men's Behaviour Change Program",
        "City Men's Counselling",
    ]
    assert result.local[0].distance_km < 1
    assert 2 < result.local[1].distance_km < 5


def test_radius_widens(directory, engine):
    result = run(near="3121", radius_km=100)
    assert "Bay Men's Behaviour Change Program" in names(result.local)
    assert "Harbour Men's Behaviour Change Program" not in names(result.local)


def test_distance_is_great_circle(directory, engine):
    # Melbourne to Sydney is about 714 km along the surface.
    result = run(near="3000", radius_km=200)
    assert all(h.distance_km <= 200 for h in result.local)
    sydney = search_services(
        query="", place=resolve_place("3000"), filters=Filters(), page=1, radius_km=200, now=TUESDAY_10AM
    )
    assert "Harbour Men's Behaviour Change Program" not in names(sydney.local)


def _north_of(place: Place, km: float, name: str, postcode: str):
    """A point `km` due north of `place` along the surface (1 degree of latitude = 111.195 km)."""
    return (
        place.latitude + km / (search.EARTH_RADIUS_KM * math.pi / 180),
        place.longitude,
        name,
        "VIC",
        postcode,
    )


def test_radius_edge_is_exact(gazetteer, make_service, engine):
    richmond = resolve_place("3121")
    make_service("Just Inside", at=_north_of(richmond, 49.8, "Inside", "3121"))
    make_service("Just Outside", at=_north_of(richmond, 50.2, "Outside", "3121"))
    result = run(near="3121", radius_km=50)
    assert names(result.local) == ["Just Inside"]
    assert 49.7 < result.local[0].distance_km < 49.9


def test_local_results_are_the_nearest_candidates(gazetteer, make_service, engine, monkeypatch):
    """Only the LOCAL_CANDIDATES nearest matches are paged, and the count says there may be more."""
    monkeypatch.setattr(search, "LOCAL_CANDIDATES", 3)
    richmond = resolve_place("3121")
    for km in (9, 1, 7, 3, 5):
        make_service(f"At {km} km", at=_north_of(richmond, km, f"Place {km}", "3121"))
    result = run(near="3121")
    assert names(result.local) == ["At 1 km", "At 3 km", "At 5 km"]
    assert result.total == 3
    assert result.capped


@pytest.mark.usefixtures("postgres")
@pytest.mark.parametrize(
    ("query", "filters"), [("", Filters()), ("anger management", Filters(types=("mbcp",), cost="free"))]
)
def test_postgres_walks_the_search_point_index_nearest_first(gazetteer, make_service, query, filters):
    """search.EarthPoint must build the very expression migration 0007 indexes, or PostgreSQL cannot
    use the index and every search reads all points within the radius; filters and words are decided
    on the walked rows themselves (no join)."""
    make_service("Anywhere", at=RICHMOND_VIC)
    words = search.query_words(query)
    nearby, _ = PostgresBackend().local_candidates(
        query=query,
        words=words,
        synonyms=search.synonyms_matching(words),
        filters=filters,
        demo=False,
        place=resolve_place("3121"),
        radius_km=50,
    )
    sql, params = nearby[:200].query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")  # a test table is tiny: make any index win
        cursor.execute("EXPLAIN " + sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
        cursor.execute("RESET enable_seqscan")
    assert "Index Scan using search_point_earth" in plan, plan
    assert "Order By:" in plan, plan
    assert "Join" not in plan and "Nested Loop" not in plan, plan


def test_talk_now_covers_the_nation_and_the_state(directory, engine):
    vic = run(near="3121")
    assert "National Men's Line" in names(vic.talk_now)
    assert "West Men's Line" not in names(vic.talk_now)
    assert "Office Hours Line" in names(vic.talk_now)  # 10am on a Tuesday
    perth = run(near="6000")
    assert "West Men's Line" in names(perth.talk_now)


def test_talk_now_only_open_lines(directory, engine):
    result = run(near="3121", now=SUNDAY_10AM)
    assert "National Men's Line" in names(result.talk_now)
    assert "Office Hours Line" not in names(result.talk_now)
    assert names(result.talk_now)[0] == "National Men's Line"  # for men who want to change, first


def test_talk_now_is_worked_out_once_a_minute(directory, engine):
    from django.test.utils import CaptureQueriesContext

    directory_changed()
    with CaptureQueriesContext(connection) as cold:
        first = run(near="3121")
    with CaptureQueriesContext(connection) as warm:
        again = run(near="3121")
    assert names(again.talk_now) == names(first.talk_now) == ["National Men's Line", "Office Hours Line"]
    assert len(warm.captured_queries) <= len(cold.captured_queries) - 5
    # Another minute or another state: worked out afresh, and right for that moment and place.
    assert "Office Hours Line" not in names(run(near="3121", now=TUESDAY_10AM.replace(hour=17)).talk_now)
    assert "West Men's Line" in names(run(near="6000").talk_now)


def test_a_changed_line_shows_on_the_next_search_in_the_same_minute(directory, make_service, engine):
    assert "New Night Line" not in names(run(near="3121").talk_now)
    make_service(
        "New Night Line",
        types=("phone-line",),
        delivery=("phone",),
        audiences=("men-using-violence",),
        areas=[AreaData(scope="national")],
        schedules=[(EVERY_DAY, T(0), T(0))],
    )
    assert "New Night Line" in names(run(near="3121").talk_now)
    services.service_deactivate(service=directory["national_line"])
    assert "National Men's Line" not in names(run(near="3121").talk_now)


@pytest.mark.parametrize(
    "words", ["anger management", "DV course", "court ordered program", "behaviour change", "mbcp"]
)
def test_words_men_type_find_programs(directory, engine, words):
    result = run(words, near="3121")
    assert names(result.local)[0] == "Eastside Men's Behaviour Change Program"
    assert "City Men's Counselling" not in names(result.local)


def test_counselling_for_blokes(directory, engine):
    result = run("counselling for blokes", near="3121")
    assert "City Men's Counselling" in names(result.local)
    assert "Richmond Outreach Counselling" in names(result.covering)


def test_relevance_beats_a_little_distance(directory, engine):
    result = run("counselling", near="3121")
    assert names(result.local)[0] == "City Men's Counselling"


def test_nationwide_free_text(directory, engine):
    result = run("behaviour change")
    assert {"Eastside Men's Behaviour Change Program", "Harbour Men's Behaviour Change Program"} <= set(
        names(result.local)
    )
    assert all(h.distance_km is None for h in result.local)


def test_filters(directory, engine):
    assert names(run(near="3121", filters=Filters(types=("individual-counselling",))).local) == [
        "City Men's Counselling"
    ]
    assert names(run(near="3121", filters=Filters(delivery=("video",))).local) == ["City Men's Counselling"]
    assert names(run(near="3121", filters=Filters(referral=("gp-referral",))).local) == [
        "City Men's Counselling"
    ]
    assert names(run(near="3121", filters=Filters(audience=("men-using-violence",))).local) == [
        "Eastside Men's Behaviour Change Program"
    ]
    assert names(run(near="3121", filters=Filters(cost="free")).local) == [
        "Eastside Men's Behaviour Change Program"
    ]
    assert names(run(near="3121", filters=Filters(language="vi")).local) == ["City Men's Counselling"]


@pytest.mark.parametrize(
    "now",
    [
        TUESDAY_10AM,
        SUNDAY_10AM,
        datetime.datetime(2026, 12, 1, 17, 30, tzinfo=ZoneInfo("Australia/Melbourne")),
        datetime.datetime(2026, 12, 25, 10, tzinfo=ZoneInfo("Australia/Perth")),  # Christmas Day
        datetime.datetime(2026, 12, 1, 23, 30, tzinfo=ZoneInfo("UTC")),
    ],
)
def test_open_now_agrees_with_the_hours_people_see(gazetteer, make_service, now):
    """selectors.open_now (plain values, for hundreds of candidates) and service_hours (what a result
    shows) must never disagree about "open now"."""
    from services_directory import selectors
    from services_directory.models import PublicHolidays, ServiceAtLocation

    make_service("Weekdays", at=RICHMOND_VIC, schedules=[("MO,TU,WE,TH,FR", T(9), T(17))])
    make_service("Evenings", at=RICHMOND_VIC, schedules=[(EVERY_DAY, T(17), T(2))])
    make_service("Always", at=SYDNEY, schedules=[(EVERY_DAY, T(0), T(0))])
    make_service(
        "Closed on holidays",
        at=GEELONG,
        schedules=[(EVERY_DAY, T(8), T(20))],
        public_holidays=PublicHolidays.CLOSED,
    )
    make_service(
        "Perth hours", at=(-31.95, 115.86, "Perth", "WA", "6000"), schedules=[(EVERY_DAY, T(9), T(12))]
    )
    make_service("Hours not known", at=MELBOURNE, schedules=[(EVERY_DAY, T(0), T(0))], hours_known=False)
    rows = list(ServiceAtLocation.objects.select_related("service", "location"))
    place = resolve_place("3121")
    seen = {
        row.pk
        for row in rows
        if (h := selectors.service_hours(row.service, now=now, place=place, location=row.location)).status
        and h.status.is_open
    }
    assert selectors.open_now([r.pk for r in rows], now=now, place=place) == seen


def test_open_now_filter(directory, engine):
    assert len(run(near="3121", filters=Filters(open_now=True)).local) == 2
    assert run(near="3121", filters=Filters(open_now=True), now=SUNDAY_10AM).local == []


def test_next_opening_shown(directory, engine):
    result = run(near="3121", now=SUNDAY_10AM)
    assert result.local[0].hours.text == "Closed now. Opens tomorrow at 9am"


def test_demo_listings_hidden_unless_demo(gazetteer, make_service, engine):
    make_service("Example Program", at=RICHMOND_VIC, is_demo=True)
    assert run(near="3121", demo=False).local == []
    assert names(run(near="3121", demo=True).local) == ["Example Program"]


def test_inactive_services_hidden(directory, engine):
    from services_directory.services import service_deactivate

    service_deactivate(service=directory["mbcp_richmond"])
    assert "Eastside Men's Behaviour Change Program" not in names(run(near="3121").local)


def test_pagination(gazetteer, make_service, engine):
    for i in range(23):
        make_service(f"Program {i:02d}", at=(RICHMOND_VIC[0] + i * 0.001, *RICHMOND_VIC[1:]))
    first = run(near="3121")
    assert (first.total, first.pages, len(first.local)) == (23, 3, 10)
    third = run(near="3121", page=3)
    assert len(third.local) == 3
    beyond = run(near="3121", page=999999)
    assert beyond.page == 3
    assert beyond.messages
    assert run(near="3121", page=-1).page == 1


def test_one_unknown_word_falls_back_to_the_words_that_match(directory, engine):
    result = run("relationships xyzzyplugh", near="3121")
    assert names(result.local) == ["City Men's Counselling"]
    assert result.matched_words == ["relationships"]
    nationwide = run("behaviour xyzzyplugh change")
    assert set(names(nationwide.local)) >= {
        "Eastside Men's Behaviour Change Program",
        "Harbour Men's Behaviour Change Program",
    }
    assert nationwide.matched_words == ["behaviour", "change"]
    # No known word: nothing, never the whole directory.
    assert run("xyzzyplugh quuxfrob", near="3121").local == []
    assert run("xyzzyplugh quuxfrob").local == []


def test_lines_match_by_text_when_a_place_is_given(directory, engine):
    result = run("line", near="3121")
    assert {"National Men's Line", "Office Hours Line"} <= set(names(result.lines))
    assert "West Men's Line" not in names(result.lines)  # WA only
    assert "West Men's Line" in names(run("line", near="6000").lines)


def test_query_of_symbols_only_is_ignored_with_a_message(directory, engine):
    result = run("!&:* ''", near="3121")
    assert result.messages
    assert len(result.local) == 2


@pytest.mark.usefixtures("postgres")
def test_postgres_backend_explains(directory):
    assert isinstance(search.backend(), PostgresBackend)
    result = run("anger management", near="3121", explain=True)
    assert "anger" in result.explain.tsquery
    assert "anger management" in result.explain.synonyms
    assert "mbcp" in result.explain.synonym_terms
    assert result.local[0].rank > 0


@pytest.mark.usefixtures("postgres")
def test_postgres_stemming_and_accents(gazetteer, make_service):
    make_service("Café Counselling for Fathers", types=("parenting",), at=RICHMOND_VIC)
    assert names(run("father", near="3121").local) == ["Café Counselling for Fathers"]
    assert names(run("cafe", near="3121").local) == ["Café Counselling for Fathers"]


def test_fixed_number_of_queries(directory, make_service, django_assert_max_num_queries, engine):
    for i in range(15):
        make_service(f"More {i}", at=RICHMOND_VIC, schedules=[("MO", T(9), T(17))])
    place = resolve_place("3121")
    # Warm the synonym and term caches so both runs are alike.
    search.synonyms_all()
    search.term_ids(("mbcp",), "service-type")
    for filters in (Filters(), Filters(open_now=True), Filters(types=("mbcp",), delivery=("group",))):
        # The first search of a minute (or after a listing changed) works out the lines open now and
        # loads them, their hours and the taxonomy terms into this process.
        directory_changed()
        with django_assert_max_num_queries(16 if engine == "database" else 19):
            search_services(query="program", place=place, filters=filters, page=1, now=TUESDAY_10AM)
        with django_assert_max_num_queries(14):
            search_services(query="program", place=None, filters=filters, page=1, now=TUESDAY_10AM)
        # Then: covering, the national and state lines the words match, local candidates, their rows
        # and three relations of the services shown (the fallback reads the candidates' hours for "open
        # now": three more).
        with django_assert_max_num_queries(7 if engine == "database" else 10):
            search_services(query="program", place=place, filters=filters, page=1, now=TUESDAY_10AM)
        with django_assert_max_num_queries(5):
            search_services(query="program", place=None, filters=filters, page=1, now=TUESDAY_10AM)


def test_query_count_does_not_grow_with_results(gazetteer, make_service, engine):
    from django.test.utils import CaptureQueriesContext

    place = resolve_place("3121")
    search.synonyms_all()
    search.term_ids(("mbcp",), "service-type")
    counts = []
    for batch in range(2):
        for i in range(5 * (batch + 1)):
            make_service(f"Batch {batch} {i}", at=RICHMOND_VIC, schedules=[("MO", T(9), T(17))])
        with CaptureQueriesContext(connection) as ctx:
            search_services(query="", place=place, filters=Filters(), page=1, now=TUESDAY_10AM)
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1]


FILTER_VALUES = st.sampled_from(["", "mbcp", "phone", "zzz", "'; drop table", "\x00", "😀", "a" * 300])


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    query=st.one_of(
        st.text(max_size=400),
        st.sampled_from(
            ["!", "&", ":*", "'", '"', "a & b", "!!!", "(", ")", "<->", "x:*", "-", "or", "\x00abc"]
        ),
        st.just("x" * 10_000),
    ),
    page=st.integers(min_value=-(10**6), max_value=10**7),
    types=st.lists(FILTER_VALUES, max_size=3),
    open_now=st.booleans(),
    with_place=st.booleans(),
)
def test_search_never_fails(directory, query, page, types, open_now, with_place):
    place = resolve_place("3121") if with_place else None
    result = search_services(
        query=query,
        place=place,
        filters=Filters(types=tuple(types), open_now=open_now),
        page=page,
        now=TUESDAY_10AM,
    )
    assert 1 <= result.page <= result.pages


def test_search_works_when_the_cache_is_down(directory, settings):
    # The cache as configured (config.cache.ResilientRedisCache), pointed at a port where nothing listens.
    settings.CACHES = {
        "default": {"BACKEND": "config.cache.ResilientRedisCache", "LOCATION": "redis://127.0.0.1:9/0"}
    }
    result = run("anger management", near="3121", filters=Filters(types=("mbcp",)))
    assert names(result.local)[0] == "Eastside Men's Behaviour Change Program"


def test_great_circle_distance_in_sql_is_the_haversine(gazetteer):
    """search.GreatCircleKm (one expression node, spelt out in SQL) against the formula in Python, for
    every place of the sample gazetteer from Richmond VIC, across the country and the antimeridian's
    side of it."""
    from services_directory.models import Place

    lat0, lon0 = -37.8230, 145.0000

    def haversine(lat, lon):
        dlat, dlon = math.radians(lat - lat0) / 2, math.radians(lon - lon0) / 2
        a = (
            math.sin(dlat) ** 2
            + math.cos(math.radians(lat0)) * math.cos(math.radians(lat)) * math.sin(dlon) ** 2
        )
        return 2 * search.EARTH_RADIUS_KM * math.asin(math.sqrt(min(a, 1.0)))

    rows = Place.objects.annotate(km=search.great_circle_km(lat0, lon0, "latitude", "longitude"))
    checked = 0
    for place in rows:
        assert place.km == pytest.approx(haversine(place.latitude, place.longitude), abs=1e-6)
        checked += 1
    assert checked > 300
    perth = rows.filter(postcode="6000").first()
    assert 2700 < perth.km < 2750  # Melbourne to Perth, about 2,720 km
