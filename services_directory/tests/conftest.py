"""Fixtures for the directory: a small real gazetteer, the taxonomy, and a few services."""

from __future__ import annotations

import datetime
import io
from pathlib import Path

import pytest
from django.core.management import call_command

from services_directory import services
from services_directory.services import AreaData, PhoneData, ScheduleData, ServiceData

SAMPLE_GAZETTEER = Path(__file__).parent / "data" / "postcodes_sample.csv"
VERIFIED = datetime.date(2026, 11, 28)


def location_fields(at: tuple[float, float, str, str, str]) -> dict:
    """Location fields for (latitude, longitude, city, state, postcode)."""
    lat, lon, city, state, postcode = at
    return {
        "latitude": lat,
        "longitude": lon,
        "city": city,
        "state_province": state,
        "postal_code": postcode,
        "address_1": "1 Example Street",
        "time_zone": "",
    }


@pytest.fixture
def gazetteer(db):
    call_command("load_gazetteer", file=SAMPLE_GAZETTEER, stdout=io.StringIO())


@pytest.fixture
def taxonomy(db):
    call_command("load_taxonomy", stdout=io.StringIO())


@pytest.fixture
def make_service(taxonomy):
    """Create a service through the real service functions (no mocks of our models)."""
    counter = iter(range(1, 10_000))

    def make(
        name: str = "Example program",
        *,
        slug: str | None = None,
        types=("mbcp",),
        delivery=("group", "in-person"),
        audiences=("men-using-violence",),
        referral=("self-referral",),
        description: str = "A group program for men.",
        keywords: str = "",
        cost: str = "free",
        intake_status: str = "open",
        at: tuple[float, float, str, str, str] | None = None,
        areas=(),
        phones=("1300 000 000",),
        schedules=(),
        time_zone: str = "Australia/Melbourne",
        languages=(("en", "English"),),
        is_demo: bool = False,
        closures=(),
        **fields,
    ):
        n = next(counter)
        slug = slug or f"test-service-{n}"
        organization = services.organization_upsert(
            slug=f"org-{slug}",
            fields={
                "name": f"{name} organisation",
                "description": "An organisation.",
                "source_url": "https://example.org/",
                "last_verified": VERIFIED,
                "is_demo": is_demo,
            },
        )
        data = ServiceData(
            fields={
                "name": name,
                "summary": f"{name}.",
                "description": description,
                "keywords": keywords,
                "cost": cost,
                "intake_status": intake_status,
                "source_url": "https://example.org/",
                "last_verified": VERIFIED,
                "time_zone": time_zone,
                "hours_known": bool(schedules),
                "is_demo": is_demo,
                **fields,
            },
            terms={
                "service-type": list(types),
                "delivery": list(delivery),
                "audience": list(audiences),
                "referral": list(referral),
            },
            phones=[PhoneData(number=p) for p in phones],
            schedules=[
                s if isinstance(s, ScheduleData) else ScheduleData(byday=s[0], opens_at=s[1], closes_at=s[2])
                for s in schedules
            ],
            areas=[a if isinstance(a, AreaData) else AreaData(**a) for a in areas],
            languages=list(languages),
            closures=list(closures),
        )
        service = services.service_upsert(slug=slug, organization=organization, data=data)
        if at:
            services.location_upsert(
                hsds_id=services.hsds_id_for("location", slug),
                fields=location_fields(at),
                services=[service],
            )
        return service

    return make
