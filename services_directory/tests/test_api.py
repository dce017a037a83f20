"""The HSDS API: every answer validates against the official compiled schemas; bad input gives 4xx JSON."""

from __future__ import annotations

import datetime
import uuid

import pytest
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from services_directory.hsds.validation import record_problems
from services_directory.models import Location, Service, TaxonomyTerm
from services_directory.services import AreaData, ScheduleData
from usage.models import UsageCount

MELBOURNE = (-37.8136, 144.9631, "Melbourne", "VIC", "3000")
RICHMOND = (-37.8230, 144.9980, "Richmond", "VIC", "3121")
PERTH = (-31.9523, 115.8613, "Perth", "WA", "6000")

LIST_SCHEMAS = {
    "/api/hsds/services": "compiled/service_list.json",
    "/api/hsds/services?full=true": "compiled/service.json",
    "/api/hsds/services?minimal=true": "compiled/service_list.json",
    "/api/hsds/organizations": "compiled/organization_list.json",
    "/api/hsds/organizations?full=true": "compiled/organization.json",
    "/api/hsds/organizations?full_service=true": "compiled/organization.json",
    "/api/hsds/service_at_locations": "compiled/service_at_location_list.json",
    "/api/hsds/service_at_locations?full=true": "compiled/service_at_location.json",
    "/api/hsds/service_at_locations?postcode=3000": "compiled/service_at_location_list.json",
    "/api/hsds/taxonomies": "taxonomy.json",
    "/api/hsds/taxonomy_terms": "taxonomy_term.json",
}


@pytest.fixture
def client() -> Client:
    return Client()


@pytest.fixture
def directory(make_service, gazetteer):
    """Real services made through the service functions: local, national, demo, synthetic, inactive."""
    mbcp = make_service(
        "Change Program Melbourne",
        at=MELBOURNE,
        schedules=[
            ScheduleData(byday="MO,TU,WE", opens_at=datetime.time(9), closes_at=datetime.time(17)),
            ScheduleData(byday="FR", opens_at=datetime.time(18), closes_at=datetime.time(2)),
        ],
        areas=[AreaData(scope="postcodes", postcodes=("3000", "3121"))],
    )
    line = make_service(
        "National Help Line",
        types=("phone-line",),
        delivery=("phone",),
        areas=[AreaData(scope="national")],
        schedules=[("MO,TU,WE,TH,FR,SA,SU", datetime.time(0), datetime.time(0))],
        time_zone="Australia/Sydney",
    )
    perth = make_service(
        "Perth Counselling",
        types=("individual-counselling",),
        at=PERTH,
        areas=[AreaData(scope="state", states=("WA",))],
        schedules=[("MO,TU", datetime.time(9), datetime.time(17))],
        time_zone="Australia/Perth",
    )
    radius = make_service(
        "Richmond Group",
        at=RICHMOND,
        areas=[AreaData(scope="radius", latitude=-37.8, longitude=145.0, radius_km=20)],
    )
    demo = make_service("Example Demo Program", at=MELBOURNE, is_demo=True)
    synthetic = make_service("Synthetic Program", at=MELBOURNE, is_synthetic=True)
    closed = make_service("Closed Program", at=MELBOURNE, is_active=False)
    return {
        "mbcp": mbcp,
        "line": line,
        "perth": perth,
        "radius": radius,
        "hidden": [demo, synthetic, closed],
    }


def _get(client, url, status=200):
    response = client.get(url)
    assert response.status_code == status, (url, response.content[:300])
    assert response["Content-Type"].startswith("application/json")
    return response.json()


@pytest.mark.django_db
@pytest.mark.parametrize(("url", "schema"), LIST_SCHEMAS.items())
def test_lists_validate_against_the_official_schemas(client, directory, url, schema):
    data = _get(client, url)
    assert {"total_items", "total_pages", "page_number", "size", "first_page", "last_page", "empty"} <= set(
        data
    )
    assert data["contents"], url
    for item in data["contents"]:
        assert record_problems(record=item, schema=schema) == []


@pytest.mark.django_db
def test_details_validate_against_the_official_schemas(client, directory):
    for service in Service.objects.filter(is_active=True, is_demo=False, is_synthetic=False):
        data = _get(client, f"/api/hsds/services/{service.hsds_id}")
        assert record_problems(record=data, schema="compiled/service.json") == []
        org = _get(client, f"/api/hsds/organizations/{service.organization.hsds_id}?full_service=true")
        assert record_problems(record=org, schema="compiled/organization.json") == []
        for sal in data.get("service_at_locations", []):
            detail = _get(client, f"/api/hsds/service_at_locations/{sal['id']}")
            assert record_problems(record=detail, schema="compiled/service_at_location.json") == []
    for term in TaxonomyTerm.objects.all()[:5]:
        data = _get(client, f"/api/hsds/taxonomy_terms/{term.hsds_id}")
        assert record_problems(record=data, schema="taxonomy_term.json") == []
        taxonomy = _get(client, f"/api/hsds/taxonomies/{term.taxonomy.hsds_id}")
        assert record_problems(record=taxonomy, schema="taxonomy.json") == []


@pytest.mark.django_db
@pytest.mark.parametrize("postcode", ["6430", ""])
def test_a_town_only_place_is_published_with_an_empty_street_and_validates(
    client, directory, make_service, postcode
):
    """A program that gives only its town (and a town spanning several postcodes, none): its address
    is published with address_1 (and postal_code) "", which HSDS requires as keys but allows empty."""
    service = make_service("Goldfields program", at=(-30.749, 121.466, "Kalgoorlie", "WA", postcode))
    Location.objects.filter(service_at_locations__service=service).update(
        address_1="", description="Town only: the provider gives the venue when you call."
    )
    data = _get(client, f"/api/hsds/services/{service.hsds_id}")
    assert record_problems(record=data, schema="compiled/service.json") == []
    (address,) = data["service_at_locations"][0]["location"]["addresses"]
    assert (address["address_1"], address["city"], address["state_province"]) == ("", "Kalgoorlie", "WA")
    assert address["postal_code"] == postcode
    detail = _get(client, f"/api/hsds/service_at_locations/{data['service_at_locations'][0]['id']}")
    assert record_problems(record=detail, schema="compiled/service_at_location.json") == []
    for url, schema in LIST_SCHEMAS.items():
        if url.startswith(("/api/hsds/services", "/api/hsds/service_at_locations")):
            for item in _get(client, url)["contents"]:
                assert record_problems(record=item, schema=schema) == []
    # Hidden (show_address False): no address and no coordinates, town-level or not.
    Location.objects.filter(service_at_locations__service=service).update(show_address=False)
    location = _get(client, f"/api/hsds/services/{service.hsds_id}")["service_at_locations"][0]["location"]
    assert not {"addresses", "latitude", "longitude"} & set(location)


@pytest.mark.django_db
def test_root_describes_the_api(client):
    data = _get(client, "/api/hsds/")
    assert data["version"] == "3.0"
    assert data["openapi_url"].endswith("/api/hsds/openapi.json")
    doc = _get(client, "/api/hsds/openapi.json")
    assert "raw.githubusercontent.com" not in str(doc["paths"])


@pytest.mark.django_db
def test_demo_synthetic_and_inactive_listings_are_never_published(client, directory):
    hidden = {str(s.hsds_id) for s in directory["hidden"]}
    ids = {s["id"] for s in _get(client, "/api/hsds/services?per_page=200")["contents"]}
    assert ids and not ids & hidden
    sal_services = {s["service_id"] for s in _get(client, "/api/hsds/service_at_locations")["contents"]}
    assert not sal_services & hidden
    for service in directory["hidden"]:
        _get(client, f"/api/hsds/services/{service.hsds_id}", status=404)
    org_ids = {o["id"] for o in _get(client, "/api/hsds/organizations?per_page=200")["contents"]}
    demo_org = str(directory["hidden"][0].organization.hsds_id)
    assert demo_org not in org_ids


@pytest.mark.django_db
def test_filters(client, directory):
    mbcp, line = directory["mbcp"], directory["line"]
    term = TaxonomyTerm.objects.get(code="phone-line")
    found = _get(client, f"/api/hsds/services?taxonomy_term_id={term.hsds_id}")["contents"]
    assert [s["id"] for s in found] == [str(line.hsds_id)]
    found = _get(client, f"/api/hsds/services?taxonomy_id={term.taxonomy.hsds_id}")["contents"]
    assert len(found) == 4
    found = _get(client, f"/api/hsds/services?organization_id={mbcp.organization.hsds_id}")["contents"]
    assert [s["id"] for s in found] == [str(mbcp.hsds_id)]
    found = _get(client, "/api/hsds/services?search=change%20melbourne")["contents"]
    assert [s["id"] for s in found] == [str(mbcp.hsds_id)]
    assert _get(client, "/api/hsds/services?taxonomy_term_id=not-a-uuid")["contents"] == []
    assert _get(client, "/api/hsds/services?modified_after=2999-01-01")["contents"] == []
    assert len(_get(client, "/api/hsds/services?modified_after=2000-01-01")["contents"]) == 4


@pytest.mark.django_db
def test_postcode_and_proximity(client, directory):
    def services_at(query):
        return {s["service_id"] for s in _get(client, f"/api/hsds/service_at_locations?{query}")["contents"]}

    mbcp, perth, radius = (str(directory[k].hsds_id) for k in ("mbcp", "perth", "radius"))
    # Coverage: 3121 is in the Melbourne program's postcode list and inside the Richmond group's
    # 20 km radius; 6000 is in Western Australia, which the Perth service covers.
    assert services_at("postcode=3121") == {mbcp, radius}
    assert services_at("postcode=6000") == {perth}
    # Proximity: locations within so many metres of the postcode's centre.
    assert services_at("postcode=3000&proximity=10000") == {mbcp, radius}
    assert services_at("postcode=3000&proximity=1500") == {mbcp}
    assert services_at("postcode=9999") == set()


@pytest.mark.django_db
def test_paging(client, directory):
    first = _get(client, "/api/hsds/services?per_page=3")
    assert first["total_items"] == 4 and first["total_pages"] == 2 and first["size"] == 3
    assert first["first_page"] and not first["last_page"] and not first["empty"]
    second = _get(client, "/api/hsds/services?per_page=3&page=2")
    assert second["size"] == 1 and second["last_page"]
    beyond = _get(client, "/api/hsds/services?page=999999")
    assert beyond["contents"] == [] and beyond["size"] == 0


@pytest.mark.django_db
def test_schedules_carry_the_offset_in_force(client, directory):
    data = _get(client, f"/api/hsds/services/{directory['mbcp'].hsds_id}")
    # Melbourne keeps daylight saving: +11 in summer, +10 in winter. The test runs in either.
    offsets = {s["timezone"] for s in data["schedules"]}
    assert offsets <= {10, 11} and len(offsets) == 1
    perth = _get(client, f"/api/hsds/services/{directory['perth'].hsds_id}")
    assert [s["timezone"] for s in perth["schedules"]] == [8]  # Western Australia: no daylight saving
    overnight = next(s for s in data["schedules"] if s["byday"] == "FR")
    assert (overnight["opens_at"], overnight["closes_at"]) == ("18:00", "02:00")


@pytest.mark.django_db
@pytest.mark.parametrize(
    "query",
    [
        "page=0",
        "page=-1",
        "page=abc",
        "page=1.5",
        "per_page=0",
        "per_page=201",
        "per_page=",
        "full=maybe",
        "minimal=2",
        "modified_after=yesterday",
        "format=xml",
        "search=" + "x" * 201,
        "search=%00",
    ],
)
def test_bad_parameters_give_400_json(client, directory, query):
    if query == "per_page=":
        _get(client, f"/api/hsds/services?{query}")  # empty means the default
        return
    data = _get(client, f"/api/hsds/services?{query}", status=400)
    assert data["status"] == 400 and data["error"]


@pytest.mark.django_db
@pytest.mark.parametrize("query", ["postcode=abc", "postcode=3000&proximity=-5", "proximity=100"])
def test_bad_place_parameters_give_400(client, query):
    _get(client, f"/api/hsds/service_at_locations?{query}", status=400)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url",
    [
        "/api/hsds/services/not-a-uuid",
        f"/api/hsds/services/{uuid.uuid4()}",
        f"/api/hsds/organizations/{uuid.uuid4()}",
        f"/api/hsds/taxonomies/{uuid.uuid4()}",
        f"/api/hsds/taxonomy_terms/{uuid.uuid4()}",
        f"/api/hsds/service_at_locations/{uuid.uuid4()}",
        "/api/hsds/no-such-thing",
    ],
)
def test_unknown_ids_give_404_json(client, url):
    assert _get(client, url, status=404)["status"] == 404


@pytest.mark.django_db
@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_read_only(client, method):
    response = getattr(client, method)("/api/hsds/services")
    assert response.status_code == 405
    assert response.json()["status"] == 405
    assert "GET" in response["Allow"]
    assert "Access-Control-Allow-Origin" not in response


@pytest.mark.django_db
def test_headers_cors_and_no_cookies(client, directory):
    response = client.get("/api/hsds/services", HTTP_ORIGIN="https://other.example")
    assert response["Access-Control-Allow-Origin"] == "*"
    assert response["Cross-Origin-Resource-Policy"] == "cross-origin"
    assert not response.cookies and "Set-Cookie" not in response
    preflight = client.options("/api/hsds/services")
    assert preflight.status_code == 204
    assert preflight["Access-Control-Allow-Methods"] == "GET, HEAD"


@pytest.mark.django_db
def test_a_visit_is_counted(client, settings):
    settings.REDIS_URL = ""  # counts go straight to the database
    client.get("/api/hsds/")
    assert UsageCount.objects.filter(event="visit", dimension="section=api").exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path",
    [
        "/api/hsds/services?full=true",
        "/api/hsds/service_at_locations?full=true",
        "/api/hsds/organizations?full_service=true",
        "/api/hsds/taxonomy_terms",
    ],
)
def test_query_count_is_fixed_whatever_the_page_size(
    client, directory, make_service, django_assert_max_num_queries, path
):
    # Warm up once (usage counting and any first-use caches), then measure a small and a big page.
    client.get(path + "&per_page=1" if "?" in path else path + "?per_page=1")
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as small:
        client.get(path + ("&" if "?" in path else "?") + "per_page=1")
    for i in range(4):
        make_service(f"More program {i}", at=MELBOURNE, areas=[AreaData(scope="national")])
    with django_assert_max_num_queries(len(small.captured_queries)):
        client.get(path + ("&" if "?" in path else "?") + "per_page=200")


QUERY_KEYS = [
    "page",
    "per_page",
    "search",
    "taxonomy_term_id",
    "taxonomy_id",
    "organization_id",
    "modified_after",
    "minimal",
    "full",
    "format",
    "postcode",
    "proximity",
    "top_only",
    "parent_id",
    "full_service",
]
nasty_text = st.one_of(
    st.text(max_size=300),
    st.sampled_from(["0", "-1", "999999", "1e9", "true", "\x00", "' OR 1=1 --", "!&:*", "😀", "3000", ""]),
    st.integers().map(str),
)


@pytest.mark.django_db
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    path=st.sampled_from(
        ["services", "organizations", "service_at_locations", "taxonomies", "taxonomy_terms", "services/x"]
    ),
    params=st.dictionaries(st.sampled_from(QUERY_KEYS), nasty_text, max_size=4),
)
def test_any_query_gives_json_and_never_500(client, path, params):
    response = client.get(f"/api/hsds/{path}", params)
    assert response.status_code in (200, 400, 404), (params, response.content[:200])
    body = response.json()
    if response.status_code == 200:
        assert "contents" in body
    else:
        assert body["error"]
