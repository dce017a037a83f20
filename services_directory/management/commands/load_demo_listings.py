"""Add clearly fake local Men's Behaviour Change Program listings in every state, to try the search.

Refuses to run unless DEMO=1: these listings must never reach a real site. Every listing is flagged
`is_demo`, named "Example ...", and its page says "Example listing - not a real service". Phone numbers
come from the ranges the Australian Communications and Media Authority keeps for fiction
((0X) 5550 xxxx), so no real person is ever called. Needs the gazetteer (load_gazetteer). Safe to
re-run: listings are upserted by slug.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from services_directory.models import Place
from services_directory.places import zone_for
from services_directory.services import (
    AreaData,
    PhoneData,
    ScheduleData,
    ServiceData,
    hsds_id_for,
    location_upsert,
    organization_upsert,
    service_upsert,
)

# ACMA's fictitious geographic numbers, as listed at the source below.
FICTION_SOURCE = "https://tvtonight.com.au/2024/10/phone-numbers-used-in-tv-shows.html"
AREA_CODES = {
    "NSW": "02",
    "ACT": "02",
    "VIC": "03",
    "TAS": "03",
    "QLD": "07",
    "SA": "08",
    "WA": "08",
    "NT": "08",
}
# (postcode, state) of the towns that get an example listing.
TOWNS = [
    ("2000", "NSW"), ("2150", "NSW"), ("2500", "NSW"), ("2880", "NSW"),
    ("3000", "VIC"), ("3121", "VIC"), ("3220", "VIC"), ("3350", "VIC"),
    ("4000", "QLD"), ("4870", "QLD"), ("4350", "QLD"),
    ("5000", "SA"), ("5290", "SA"),
    ("6000", "WA"), ("6530", "WA"),
    ("7000", "TAS"), ("7250", "TAS"),
    ("0800", "NT"), ("0870", "NT"),
    ("2601", "ACT"), ("2900", "ACT"),
]  # fmt: skip
T = datetime.time


def demo_data(n: int, place: Place, phone: str) -> ServiceData:
    waitlist = n % 3 != 0
    evening = n % 2 == 0
    schedules = [ScheduleData(byday="MO,TU,WE,TH,FR", opens_at=T(9), closes_at=T(17))]
    if evening:
        schedules.append(
            ScheduleData(byday="TU,TH", opens_at=T(18), closes_at=T(20, 30), description="Groups")
        )
    summary = (
        "Example listing - not a real service. A group program for men who want to stop hurting their family."
    )
    return ServiceData(
        fields={
            "name": f"Example Men's Behaviour Change Program - {place.locality}",
            "summary": summary,
            "description": (
                "This is an example, not a real service. It shows what a program listing looks like. "
                "In a real program you meet with a small group of men each week. You look at what you do "
                "at home and learn new ways to act when you feel angry or stressed."
            ),
            "first_contact": (
                "Example only. A worker calls you back within a few days. They ask a few questions about "
                "you and your family. You can ask anything you like."
            ),
            "cost": ["free", "sliding-scale"][n % 2],
            "intake_status": "waitlist" if waitlist else "open",
            "typical_wait": "6 to 10 weeks (example)" if waitlist else "",
            "time_zone": zone_for(state=place.state, postcode=place.postcode),
            "hours_known": True,
            "public_holidays": "closed",
            "source_url": "https://www.example.com/",
            "last_verified": timezone.localdate(),
            "is_demo": True,
            "keywords": "example demo",
        },
        terms={
            "service-type": ["mbcp"] + (["individual-counselling"] if n % 4 == 0 else []),
            "audience": ["men-using-violence"] + (["cald"] if n % 5 == 0 else []),
            "delivery": ["group", "in-person"] + (["video"] if n % 3 == 1 else []),
            "referral": ["self-referral", "court-mandated"] + (["gp-referral"] if n % 2 else []),
        },
        phones=[PhoneData(number=phone, description="Example number - it does not connect", call_cost="")],
        schedules=schedules,
        areas=[AreaData(scope="radius", latitude=place.latitude, longitude=place.longitude, radius_km=60)],
        languages=[("en", "English")] + ([("ar", "Arabic")] if n % 5 == 0 else []),
    )


class Command(BaseCommand):
    help = "Add clearly fake example MBCP listings in every state (only with DEMO=1)."

    def handle(self, *args, **options):
        if not settings.DEMO:
            raise CommandError(
                "load_demo_listings only runs with DEMO=1: example listings must never reach a real site."
            )
        call_command("load_taxonomy", stdout=self.stdout)
        count = 0
        with transaction.atomic():
            for n, (postcode, state) in enumerate(TOWNS):
                place = Place.objects.filter(postcode=postcode, state=state).order_by("locality").first()
                if place is None:
                    raise CommandError(f"postcode {postcode} not in the gazetteer: run load_gazetteer first")
                slug = f"example-mbcp-{place.locality.lower().replace(' ', '-')}-{postcode}"
                organization = organization_upsert(
                    slug=f"example-services-{state.lower()}",
                    fields={
                        "name": f"Example Family Services {state} (not a real organisation)",
                        "description": "An example organisation for trying the search. It does not exist.",
                        "source_url": "https://www.example.com/",
                        "last_verified": timezone.localdate(),
                        "is_demo": True,
                    },
                )
                phone = f"({AREA_CODES[state]}) 5550 {1000 + n:04d}"
                service = service_upsert(
                    slug=slug, organization=organization, data=demo_data(n, place, phone)
                )
                location_upsert(
                    hsds_id=hsds_id_for("location", slug),
                    fields={
                        "organization": organization,
                        "name": f"Example office, {place.locality}",
                        "address_1": f"{10 + n} Example Street",
                        "city": place.locality,
                        "state_province": state,
                        "postal_code": postcode,
                        "latitude": place.latitude,
                        "longitude": place.longitude,
                    },
                    services=[service],
                )
                count += 1
        self.stdout.write(
            f"load_demo_listings: {count} example listings (phone numbers from {FICTION_SOURCE})"
        )
