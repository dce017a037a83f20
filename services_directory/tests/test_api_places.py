"""The HSDS API and import on places (issue 17): `postcode` finds the lines that cover it, full_service
answers are bounded, bad postcodes are a 400, and a feed with no Australian place is reported."""

from __future__ import annotations

import datetime
import io
import json

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from services_directory import services
from services_directory.api import MAX_FULL_SERVICE_ORGANIZATIONS, MAX_SERVICES_PER_ORGANIZATION
from services_directory.models import RefreshReport, Service
from services_directory.services import AreaData

PERTH = (-31.9523, 115.8613, "Perth", "WA", "6000")
MELBOURNE = (-37.8136, 144.9631, "Melbourne", "VIC", "3000")


@pytest.fixture
def client() -> Client:
    return Client()


@pytest.fixture
def lines(make_service, gazetteer):
    every_day = [("MO,TU,WE,TH,FR,SA,SU", datetime.time(0), datetime.time(0))]
    make_service(
        "National Line", delivery=("phone",), areas=[AreaData(scope="national")], schedules=every_day
    )
    make_service("WA Line", delivery=("phone",), areas=[AreaData(scope="state", states=("WA",))])
    make_service("VIC Line", delivery=("phone",), areas=[AreaData(scope="state", states=("VIC",))])
    make_service(
        "Perth Postcodes Line", delivery=("phone",), areas=[AreaData(scope="postcodes", postcodes=("6000",))]
    )
    make_service("Perth Program", at=PERTH)  # no area: serves people near it
    make_service("Melbourne Program", at=MELBOURNE)


def names(data: dict) -> set[str]:
    return {item["name"] for item in data["contents"]}


@pytest.mark.django_db
def test_services_postcode_includes_lines_whose_area_covers_it(client, lines):
    found = names(client.get("/api/hsds/services?postcode=6000").json())
    assert found == {"National Line", "WA Line", "Perth Postcodes Line", "Perth Program"}
    melbourne = names(client.get("/api/hsds/services?postcode=3000&full=true").json())
    assert melbourne == {"National Line", "VIC Line", "Melbourne Program"}


@pytest.mark.django_db
@pytest.mark.parametrize(
    "postcode", ["abcd", "0100", "31211", "😀", "x" * 10_240, "\uff16\uff10\uff10\uff10", "6000;DROP", "-1"]
)
def test_bad_postcodes_are_a_400(client, lines, postcode):
    for path in ("/api/hsds/services", "/api/hsds/service_at_locations"):
        response = client.get(path, {"postcode": postcode})
        assert response.status_code == 400, (path, postcode)
        assert "message" in response.json() or "error" in json.dumps(response.json())


@pytest.mark.django_db
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(postcode=st.text(max_size=40))
def test_postcode_never_fails(client, lines, postcode):
    for path in ("/api/hsds/services", "/api/hsds/service_at_locations"):
        assert client.get(path, {"postcode": postcode}).status_code in (200, 400)


@pytest.mark.django_db
def test_an_unknown_but_valid_postcode_finds_nothing(client, lines):
    assert client.get("/api/hsds/services?postcode=9998").json()["contents"] == []


@pytest.mark.django_db
def test_full_service_answers_are_bounded(client, make_service, gazetteer):
    for i in range(MAX_SERVICES_PER_ORGANIZATION + 5):
        make_service(f"Program {i:03d}", areas=[AreaData(scope="national")])
    big = services.organization_upsert(
        slug="big-org",
        fields={
            "name": "Big organisation",
            "description": "Many programs.",
            "source_url": "https://example.org/",
            "last_verified": datetime.date(2026, 11, 28),
        },
    )
    Service.objects.update(organization=big)
    data = client.get("/api/hsds/organizations?full_service=true&per_page=200").json()
    assert data["size"] <= MAX_FULL_SERVICE_ORGANIZATIONS
    org = next(o for o in data["contents"] if o["name"] == "Big organisation")
    assert len(org["services"]) == MAX_SERVICES_PER_ORGANIZATION
    assert org["services"][0]["name"] == "Program 000"  # the first by name
    detail = client.get(f"/api/hsds/organizations/{big.hsds_id}?full_service=true").json()
    assert len(detail["services"]) == MAX_SERVICES_PER_ORGANIZATION
    # The rest are a page away.
    rest = client.get(f"/api/hsds/services?organization_id={big.hsds_id}&per_page=200").json()
    assert rest["total_items"] == MAX_SERVICES_PER_ORGANIZATION + 5


def _feed(*, service_at_locations=(), service_areas=()) -> dict:
    return {
        "id": "0c5b7f2a-6a1d-4c1e-9b51-1f2a3b4c5d6e",
        "name": "Somewhere program",
        "description": "A program.",
        "url": "https://example.org/",
        "status": "active",
        "organization": {
            "id": "5a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d",
            "name": "Somewhere",
            "description": "An organisation.",
        },
        "service_at_locations": list(service_at_locations),
        "service_areas": list(service_areas),
    }


@pytest.mark.django_db
@pytest.mark.parametrize(
    "feed",
    [
        _feed(),  # no place at all
        _feed(
            service_areas=[{"id": "6b1c2d3e-4f5a-4b6c-8d7e-9f0a1b2c3d4e", "name": "London", "extent": "GB"}]
        ),
        _feed(
            service_at_locations=[
                {
                    "id": "7c1d2e3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f",
                    "location": {"id": "8d1e2f3a-4b5c-4d6e-8f7a-9b0c1d2e3f4a", "location_type": "physical"},
                }
            ]
        ),  # a location with no address or coordinates
    ],
)
def test_a_feed_with_no_australian_place_is_reported(tmp_path, taxonomy, gazetteer, feed):
    path = tmp_path / "feed.json"
    path.write_text(json.dumps([feed]))
    with pytest.raises(CommandError, match="no Australian place"):
        call_command("import_hsds", str(path), stdout=io.StringIO())
    report = RefreshReport.objects.latest("started_at")
    assert report.outcome == RefreshReport.Outcome.REJECTED
    assert any("no Australian place" in p["reason"] for p in report.problems)
    assert not Service.objects.exists()


@pytest.mark.django_db
def test_a_national_line_with_no_location_is_accepted(tmp_path, taxonomy, gazetteer):
    path = tmp_path / "feed.json"
    path.write_text(
        json.dumps(
            [
                _feed(
                    service_areas=[
                        {"id": "6b1c2d3e-4f5a-4b6c-8d7e-9f0a1b2c3d4e", "extent": "AU", "extent_type": "text"}
                    ]
                )
            ]
        )
    )
    call_command("import_hsds", str(path), stdout=io.StringIO())
    assert Service.objects.get().service_areas.get().scope == "national"
