"""The directory pages: search, service page, reporting a problem, staff try-a-search."""

import datetime
import time

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from config.antispam import issue_timestamp
from providers.testing import sign_in_fully
from services_directory.models import ListingReport
from services_directory.services import REPORTS_PER_LISTING_PER_HOUR, AreaData
from usage.models import UsageCount

T = datetime.time
RICHMOND_VIC = (-37.8230, 145.0000, "Richmond", "VIC", "3121")


@pytest.fixture
def client():
    return Client()


@pytest.fixture
def listings(gazetteer, make_service, settings):
    settings.REDIS_URL = ""  # count() writes to the database directly, so the test can read it
    cache.clear()
    return {
        "mbcp": make_service(
            "Eastside Men's Behaviour Change Program",
            slug="eastside-mbcp",
            at=RICHMOND_VIC,
            schedules=[("MO,TU,WE,TH,FR", T(9), T(17))],
            intake_status="waitlist",
            typical_wait="8 weeks",
            first_contact="A worker calls you back within two days.",
        ),
        "line": make_service(
            "Men's Referral Service",
            slug="mens-referral-service",
            types=("phone-line",),
            delivery=("phone",),
            audiences=("men-using-violence",),
            areas=[AreaData(scope="national")],
            schedules=[("MO,TU,WE,TH,FR,SA,SU", T(0), T(0))],
            phones=("1300 766 491",),
        ),
        "bis": make_service(
            "Brief Intervention Service",
            slug="ntv-brief-intervention-service",
            types=("brief-intervention",),
            delivery=("phone",),
        ),
    }


def counts(event):
    return {u.dimension: u.count for u in UsageCount.objects.filter(event=event)}


def test_search_page_without_a_search(client, listings):
    response = client.get("/services/")
    assert response.status_code == 200
    assert not response.cookies
    assert b"Men&#x27;s Referral Service" in response.content  # open 24/7: talk to someone now
    assert counts("search") == {}


def test_search_page_runs_a_fixed_number_of_queries(redis_url, client, listings, make_service, settings):
    settings.REDIS_URL = redis_url  # counts go to Redis, as in production
    for extra in (0, 12):
        for i in range(extra):
            make_service(f"Program {i}", at=RICHMOND_VIC, schedules=[("MO", T(9), T(17))])
        # form choices (1) + place (1) + synonyms and term ids (2 when the cache is cold) + search (<= 16;
        # a listing just changed, so the lines open now are worked out and loaded afresh) +
        # while-you-wait (2)
        with CaptureQueriesContext(connection) as queries:
            response = client.get("/services/?near=3121&q=anger+management&type=mbcp")
        assert response.status_code == 200
        assert len(queries) <= 22, len(queries)
        # The same minute, nothing changed: the lines open now are already in this process (eleven
        # queries fewer). With words and a place, one query finds the national and state lines they
        # match.
        with CaptureQueriesContext(connection) as queries:
            client.get("/services/?near=3121&q=anger+management&type=mbcp")
        assert len(queries) <= 11, len(queries)
    # "open now" reads the candidates' hours from their search points: no query more.
    with CaptureQueriesContext(connection) as queries:
        client.get("/services/?near=3121&q=anger+management&type=mbcp&open_now=1")
    assert len(queries) <= 11, len(queries)


def test_search_by_postcode(client, listings):
    response = client.get("/services/?near=3121&q=anger+management&type=mbcp")
    assert response.status_code == 200
    body = response.content.decode()
    assert "Eastside Men&#x27;s Behaviour Change Program" in body
    assert "km away" in body
    assert 'href="tel:1300766491"' in body
    assert "While you wait" in body
    assert "Brief Intervention Service" in body
    assert not response.cookies
    assert counts("search").get("state=VIC") == 1
    assert counts("search").get("type=mbcp") == 1


def test_search_records_no_text(client, listings):
    client.get("/services/?near=3121&q=my+secret+words")
    stored = " ".join(f"{u.event} {u.dimension}" for u in UsageCount.objects.all())
    assert "secret" not in stored
    assert "3121" not in stored


def test_ambiguous_place_offers_choices(client, listings):
    body = client.get("/services/?near=Richmond").content.decode()
    assert "Which Richmond do you mean?" in body
    assert "near=Richmond%20VIC%203121" in body
    assert "near=Richmond%20NSW%202753" in body


def test_unknown_postcode_is_explained(client, listings):
    response = client.get("/services/?near=1234")
    assert response.status_code == 200
    assert "We don't know the postcode" in response.content.decode()


def test_unknown_place_is_explained(client, listings):
    body = client.get("/services/?near=Zzyzzx").content.decode()
    assert "We could not find a place called" in body


def test_bad_filters_are_dropped_with_a_note(client, listings):
    response = client.get("/services/?near=3121&type=nonsense&page=abc&radius=7&cost=gold")
    assert response.status_code == 200
    assert "did not make sense" in response.content.decode()


def test_service_page(client, listings):
    response = client.get("/services/eastside-mbcp/")
    assert response.status_code == 200
    body = response.content.decode()
    assert "What to expect when you first get in touch" in body
    assert "A worker calls you back within two days." in body
    assert 'aria-current="date"' in body  # today highlighted
    assert "https://www.google.com/maps/search/?api=1&amp;query=" in body
    assert "Last checked 28 November 2026" in body
    assert "While you wait" in body
    assert not response.cookies
    assert counts("listing_view") == {"service=eastside-mbcp": 1}


def test_demo_listing_page_says_so(client, gazetteer, make_service, settings):
    settings.DEMO = True
    make_service("Example Program", slug="example-program", is_demo=True, at=RICHMOND_VIC)
    body = client.get("/services/example-program/").content.decode()
    assert "Example listing \u2013 not a real service" in body
    settings.DEMO = False
    assert client.get("/services/example-program/").status_code == 404


def test_unknown_service_is_404(client, listings):
    assert client.get("/services/no-such-thing/").status_code == 404


def _report(client, slug, **data):
    payload = {
        "problem": "phone",
        "details": "The number rings out.",
        "form_issued": issue_timestamp(time.time() - 10),
    }
    payload.update(data)
    return client.post(f"/services/{slug}/report/", payload, headers={"Origin": "http://testserver"})


def test_report_a_problem(client, listings):
    assert client.get("/services/eastside-mbcp/report/").status_code == 200
    response = _report(client, "eastside-mbcp")
    assert response.status_code == 200
    assert "Thank you" in response.content.decode()
    report = ListingReport.objects.get()
    assert (report.problem, report.details, report.status) == ("phone", "The number rings out.", "new")
    assert not response.cookies
    field_names = {f.name for f in ListingReport._meta.get_fields()}
    assert not field_names & {"ip", "ip_address", "user_agent"}


def test_report_honeypot_and_timestamp(client, listings):
    assert _report(client, "eastside-mbcp", website="http://spam").status_code == 400
    assert _report(client, "eastside-mbcp", form_issued=issue_timestamp()).status_code == 400
    assert _report(client, "eastside-mbcp", form_issued="forged").status_code == 400
    assert _report(client, "eastside-mbcp", problem="nonsense").status_code == 400
    assert ListingReport.objects.count() == 0


def test_report_cross_site_is_refused(client, listings):
    response = client.post(
        "/services/eastside-mbcp/report/", {"problem": "phone"}, headers={"Origin": "https://evil.example"}
    )
    assert response.status_code == 403


def test_report_rate_limited_by_listing(client, listings):
    for _ in range(REPORTS_PER_LISTING_PER_HOUR):
        assert _report(client, "eastside-mbcp").status_code == 200
    assert _report(client, "eastside-mbcp").status_code == 429
    assert _report(client, "mens-referral-service").status_code == 200  # another listing is unaffected
    assert ListingReport.objects.count() == REPORTS_PER_LISTING_PER_HOUR + 1


def test_search_debug_is_staff_only(client, listings, django_user_model):
    assert client.get("/providers/search-debug/?q=dv").status_code == 302
    staff = django_user_model.objects.create_user("staff", password="x" * 20, is_staff=True)
    sign_in_fully(client, staff)  # staff pages ask for the second factor too
    response = client.get("/providers/search-debug/?q=anger+management&near=3121")
    assert response.status_code == 200
    body = response.content.decode()
    assert "anger management" in body
    assert "Eastside Men&#x27;s Behaviour Change Program" in body


def test_search_debug_says_why_each_result_matched(client, listings, django_user_model):
    from html import unescape

    staff = django_user_model.objects.create_user("staff", password="x" * 20, is_staff=True)
    sign_in_fully(client, staff)
    body = unescape(client.get("/providers/search-debug/?q=anger+management&near=3121").content.decode())
    assert "synonym “anger management” → tagged mbcp" in body
    assert "km away" in body
    assert "staff priority 0" in body  # the talk-now block says why each line is there
    partial = unescape(
        client.get("/providers/search-debug/?q=behaviour+xyzzyplugh&near=3121").content.decode()
    )
    assert "matched any of: behaviour" in partial
    assert "word “behaviour” in name" in partial


PARAM = st.one_of(
    st.text(max_size=200),
    st.sampled_from(["0", "-1", "999999", "1e9", "!", "&", ":*", "'", '"', "\x00", "😀", "3121", "Richmond"]),
    st.just("x" * 10_000),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    data=st.dictionaries(
        st.sampled_from(
            [
                "q",
                "near",
                "type",
                "delivery",
                "audience",
                "referral",
                "cost",
                "language",
                "open_now",
                "page",
                "radius",
            ]
        ),
        PARAM,
        max_size=6,
    )
)
def test_search_view_never_fails(client, listings, data):
    response = client.get("/services/", data)
    assert response.status_code in {200, 400}


def test_admin_synonym_edit_takes_effect_at_once(client, listings, django_user_model):
    from services_directory.models import SearchSynonym
    from services_directory.search import synonyms_matching

    assert synonyms_matching(["fixing", "myself"]) == []
    admin = django_user_model.objects.create_superuser("admin", password="x" * 20)
    sign_in_fully(client, admin)  # the admin asks for the second factor too
    response = client.post(
        "/providers/admin/services_directory/searchsynonym/add/",
        {"phrase": "  Fixing MYSELF! ", "expands_to": "behaviour change", "is_active": "on", "note": ""},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert SearchSynonym.objects.filter(phrase="fixing myself").exists()
    assert [s.phrase for s in synonyms_matching(["fixing", "myself"])] == ["fixing myself"]


def test_cached_search_pieces_hold_nothing_of_the_search(redis_url, clean_redis, client, listings, settings):
    settings.REDIS_URL = redis_url
    response = client.get("/services/?near=3121&q=zebrafinch+quokka")
    assert response.status_code == 200
    keys = clean_redis.keys("*")
    assert any(b"talk-now" in key for key in keys)  # the lines open now were cached ...
    for key in keys:  # ... and nothing of what was searched for is in the cache
        value = clean_redis.dump(key) or b""
        assert b"zebrafinch" not in key and b"zebrafinch" not in value
        assert b"3121" not in key and b"3121" not in value
