"""Hours in the visitor's time (issue 17): a line kept in each state's local time is judged in the
visitor's state, on its own page too; a state line with no address keeps its state's holidays; a time
in another zone than the visitor's says which."""

from __future__ import annotations

import datetime
import re
import zoneinfo

import pytest
from django.test import Client
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from services_directory import selectors
from services_directory.models import Place, PublicHolidays, Service
from services_directory.places import resolve_place
from services_directory.services import AreaData, ScheduleData

T = datetime.time
EVERY_DAY = "MO,TU,WE,TH,FR,SA,SU"
WEEKDAYS = "MO,TU,WE,TH,FR"
PERTH_ZONE = zoneinfo.ZoneInfo("Australia/Perth")
# A Tuesday in December: Sydney is on daylight time (UTC+11), Perth is not (UTC+8).
PERTH_2230 = datetime.datetime(2026, 12, 8, 22, 30, tzinfo=PERTH_ZONE)  # 01:30 in Sydney
PERTH = (-31.9523, 115.8613, "Perth", "WA", "6000")


@pytest.fixture
def client():
    return Client()


@pytest.fixture
def qlife_like(gazetteer, make_service):
    """As QLife: 3pm to midnight every day, in each state's local time, no address."""
    return make_service(
        "Local time line",
        slug="local-time-line",
        types=("phone-line",),
        delivery=("phone",),
        audiences=("men",),
        areas=[AreaData(scope="national")],
        schedules=[(EVERY_DAY, T(15), T(0))],
        time_zone="Australia/Sydney",
        hours_in_local_time=True,
        public_holidays=PublicHolidays.OPEN,
    )


def _service(slug: str) -> Service:
    return Service.objects.prefetch_related("schedules", "closures", "service_areas").get(slug=slug)


def test_local_time_line_is_judged_in_the_visitors_state(qlife_like):
    perth = resolve_place("6000")
    hours = selectors.service_hours(_service("local-time-line"), now=PERTH_2230, place=perth)
    assert hours.is_open and hours.zone == "Australia/Perth"
    assert hours.zone_note == ""  # his own time: no zone named
    assert hours.text == "Open now, until midnight"


def test_local_time_line_without_a_place_says_which_zone(qlife_like):
    hours = selectors.service_hours(_service("local-time-line"), now=PERTH_2230, place=None)
    assert not hours.is_open  # 01:30 in Sydney
    assert hours.zone_note == "Sydney time"
    assert hours.text.endswith("(Sydney time)")


def test_a_zone_on_the_spans_does_not_override_local_time(gazetteer, make_service):
    """An HSDS export writes a zone on every schedule; re-imported, QLife must stay local time."""
    make_service(
        "Local time line",
        slug="local-time-spans",
        areas=[AreaData(scope="national")],
        schedules=[ScheduleData(EVERY_DAY, T(15), T(0), time_zone="Australia/Sydney")],
        hours_in_local_time=True,
    )
    hours = selectors.service_hours(_service("local-time-spans"), now=PERTH_2230, place=resolve_place("6000"))
    assert hours.is_open and hours.zone == "Australia/Perth"


def test_service_page_uses_the_place_from_the_link(client, qlife_like, monkeypatch):
    monkeypatch.setattr(timezone, "now", lambda: PERTH_2230)
    with_place = client.get("/services/local-time-line/?near=6000%20WA").content.decode()
    assert "Open now, until midnight" in with_place
    assert "shown for WA" in with_place
    without = client.get("/services/local-time-line/").content.decode()
    assert "Closed now" in without
    assert "(Sydney time)" in without
    assert "Hours are local time in each state" in without


def test_results_link_carries_the_place(client, gazetteer, make_service, qlife_like):
    make_service("Perth program", slug="perth-program", at=PERTH, schedules=[(WEEKDAYS, T(9), T(17))])
    page = client.get("/services/?near=6000").content.decode()
    links = re.findall(r'href="(/services/perth-program/[^"]*)"', page)
    assert links and all(link.endswith("?near=6000%20WA") for link in links)
    bare = client.get("/services/?q=program").content.decode()
    assert 'href="/services/perth-program/"' in bare
    # The lines to call now carry the place too.
    make_service(
        "Always line",
        slug="always-line",
        types=("phone-line",),
        delivery=("phone",),
        audiences=("men",),
        areas=[AreaData(scope="national")],
        schedules=[(EVERY_DAY, T(0), T(0))],
        public_holidays=PublicHolidays.OPEN,
    )
    page = client.get("/services/?near=6000").content.decode()
    assert 'href="/services/always-line/?near=6000%20WA"' in page


@pytest.mark.parametrize(
    "near",
    ["x" * 10_240, "Сидней", "シドニー 2000", "😀😀", "6000\x00", "' OR 1=1 --", "Richmond", "0100", "%ZZ"],
)
def test_service_page_with_any_near_is_200(client, qlife_like, near):
    response = client.get("/services/local-time-line/", {"near": near})
    assert response.status_code == 200


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(near=st.text(max_size=300))
def test_service_page_never_fails_on_near(client, qlife_like, near):
    assert client.get("/services/local-time-line/", {"near": near}).status_code == 200


@pytest.fixture
def state_line(gazetteer, make_service):
    """A Western Australian line, no address, weekdays 9 to 5, closed on public holidays."""
    return make_service(
        "WA state line",
        slug="wa-state-line",
        types=("phone-line",),
        delivery=("phone",),
        areas=[AreaData(scope="state", states=["WA"])],
        schedules=[(WEEKDAYS, T(9), T(17))],
        time_zone="Australia/Perth",
        public_holidays=PublicHolidays.CLOSED,
    )


def test_state_line_keeps_its_states_holidays(state_line):
    wa_day = datetime.datetime(2026, 6, 1, 12, tzinfo=PERTH_ZONE)  # Western Australia Day (WA only)
    ordinary_monday = datetime.datetime(2026, 6, 8, 12, tzinfo=PERTH_ZONE)
    service = _service("wa-state-line")
    closed = selectors.service_hours(service, now=wa_day)
    assert closed.holiday_state == "WA"
    assert not closed.is_open
    assert selectors.service_hours(service, now=ordinary_monday).is_open


def test_a_line_for_two_states_keeps_national_holidays_only(gazetteer, make_service):
    make_service(
        "Two state line",
        slug="two-state-line",
        areas=[AreaData(scope="state", states=["WA", "SA"])],
        schedules=[(WEEKDAYS, T(9), T(17))],
        time_zone="Australia/Perth",
        public_holidays=PublicHolidays.CLOSED,
    )
    wa_day = datetime.datetime(2026, 6, 1, 12, tzinfo=PERTH_ZONE)
    hours = selectors.service_hours(_service("two-state-line"), now=wa_day)
    assert hours.holiday_state == "" and hours.is_open


def test_times_in_another_zone_say_so(gazetteer, make_service):
    make_service("Perth program", slug="perth-program", at=PERTH, schedules=[(WEEKDAYS, T(9), T(17))])
    service = _service("perth-program")
    location = service.service_at_locations.get().location
    sydney_evening = datetime.datetime(2026, 12, 8, 19, tzinfo=zoneinfo.ZoneInfo("Australia/Sydney"))
    from_sydney = selectors.service_hours(
        service, now=sydney_evening, place=resolve_place("2000"), location=location
    )
    assert from_sydney.zone_note == "Perth time"
    assert from_sydney.text.endswith("(Perth time)")
    from_perth = selectors.service_hours(
        service, now=sydney_evening, place=resolve_place("6000"), location=location
    )
    assert from_perth.zone_note == ""
    # A venue with no visitor place: its times are the venue's own, nothing added.
    assert selectors.service_hours(service, now=sydney_evening, location=location).zone_note == ""
    # Melbourne and Sydney keep the same clock all year: no zone named.
    melbourne = resolve_place("3121")
    assert isinstance(melbourne, Place)
    sydney_service = make_service(
        "Sydney program",
        slug="sydney-program",
        at=(-33.87, 151.21, "Sydney", "NSW", "2000"),
        schedules=[(WEEKDAYS, T(9), T(17))],
    )
    loc = sydney_service.service_at_locations.get().location
    assert (
        selectors.service_hours(
            _service("sydney-program"), now=sydney_evening, place=melbourne, location=loc
        ).zone_note
        == ""
    )


def test_dvconnect_mensline_hours_stay_unconfirmed(db):
    """Queensland's men's line has no confirmed hours in our sources: none are invented."""
    from django.core.management import call_command

    call_command("load_national_services", verbosity=0)
    mensline = (
        Service.objects.filter(name__icontains="DVConnect Mensline").first()
        or Service.objects.filter(slug__icontains="dvconnect-mensline").first()
    )
    assert mensline is not None
    assert not mensline.hours_known and not mensline.schedules.exists()
    hours = selectors.service_hours(mensline, now=PERTH_2230, place=None)
    assert not hours.known and hours.text.startswith("Hours not confirmed")


@pytest.mark.parametrize(
    ("near", "message"),
    [
        ("x" * 10_240, "We could not find a place called"),
        ("Сидней", "We could not find a place called"),
        ("シドニー 2000", ""),
        ("😀😀😀", "Please type a postcode"),
        ("0100", "We don't know the postcode"),
        ("Bondi\u202e 2026", ""),
    ],
)
def test_search_page_with_bad_place_text_explains(client, gazetteer, near, message):
    response = client.get("/services/", {"near": near})
    assert response.status_code == 200
    assert message in response.content.decode()
    assert client.get("/gp/services/", {"near": near}).status_code == 200
