"""Make N realistic synthetic services across all postcodes, for benchmarks (`make bench-search`).

Every row is flagged `is_synthetic` and named "Synthetic ...", with numbers from the fictitious
(0X) 5550 xxxx range, so synthetic listings can never be mistaken for real ones and can be removed with
`generate_listings --delete`. Rows are written with bulk inserts in batches, then the search vectors
are computed in one UPDATE; N=500000 takes a few minutes on PostgreSQL. Not idempotent by design:
each run adds N more (use --delete first for a fresh set).
"""

from __future__ import annotations

import datetime
import random
import time
import uuid

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from services_directory.models import (
    Language,
    Location,
    Organization,
    Phone,
    Place,
    Schedule,
    Service,
    ServiceArea,
    ServiceAtLocation,
    ServiceAttribute,
    TaxonomyTerm,
)
from services_directory.places import zone_for
from services_directory.services import search_vector_refresh

BATCH = 5000
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
# (type code, weight, delivery codes, description)
KINDS = [
    ("mbcp", 3, ["group", "in-person"], "A group program for men who want to stop using violence and control at home."),
    ("individual-counselling", 5, ["in-person", "video"], "Counselling for men about stress, anger, relationships and family."),
    ("relationship-counselling", 3, ["in-person", "video"], "Counselling for couples and families who want to get on better."),
    ("parenting", 2, ["group", "in-person"], "A course for dads about parenting, children and keeping kids safe."),
    ("alcohol-other-drugs", 3, ["in-person", "phone"], "Help to cut down or stop drinking or using drugs."),
    ("mental-health", 4, ["in-person", "video", "phone"], "Support for men with low mood, worry or stress."),
    ("legal-help", 2, ["in-person", "phone"], "Free legal advice about family law, court orders and AVOs."),
    ("mens-accommodation", 1, ["in-person"], "Short-term accommodation for men who need to stay away from home."),
    ("aboriginal-mens-healing", 1, ["group", "in-person"], "A healing program run by and for Aboriginal men."),
    ("brief-intervention", 1, ["phone", "video"], "A few sessions of support while you wait for a program."),
]  # fmt: skip
AUDIENCES = [
    "men",
    "men-using-violence",
    "families",
    "young-people",
    "aboriginal-torres-strait-islander",
    "cald",
    "lgbtiq",
]
REFERRALS = ["self-referral", "gp-referral", "court-mandated", "voluntary"]
COSTS = ["free", "free", "bulk-billed", "sliding-scale", "fee"]
HOURS = [
    ("MO,TU,WE,TH,FR", datetime.time(9), datetime.time(17)),
    ("MO,TU,WE,TH,FR", datetime.time(8, 30), datetime.time(16, 30)),
    ("MO,WE,FR", datetime.time(10), datetime.time(14)),
    ("TU,TH", datetime.time(18), datetime.time(21)),
    ("MO,TU,WE,TH,FR,SA", datetime.time(9), datetime.time(20)),
    ("MO,TU,WE,TH,FR,SA,SU", datetime.time(0), datetime.time(0)),
]


class Command(BaseCommand):
    help = "Generate N synthetic services across all postcodes (benchmarks only)."

    def add_arguments(self, parser):
        parser.add_argument("n", type=int, nargs="?", default=0)
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--delete", action="store_true", help="Delete all synthetic listings first.")

    def handle(self, *args, n: int, seed: int, delete: bool, **options):
        if delete:
            deleted = self.delete_synthetic()
            self.stdout.write(f"generate_listings: deleted {deleted} synthetic services")
        if n <= 0:
            return
        places = list(Place.objects.values_list("postcode", "locality", "state", "latitude", "longitude"))
        if not places:
            raise CommandError("the gazetteer is empty: run load_gazetteer first")
        call_command("load_taxonomy", stdout=self.stdout)
        terms = {(t.taxonomy.slug, t.code): t.pk for t in TaxonomyTerm.objects.select_related("taxonomy")}
        rng = random.Random(seed)  # noqa: S311 - reproducible fake data, not security
        started = time.monotonic()
        start = Service.objects.filter(is_synthetic=True).count()
        for offset in range(0, n, BATCH):
            with transaction.atomic():
                self.batch(rng, places, terms, start + offset, min(BATCH, n - offset))
            if (offset // BATCH) % 10 == 0:
                self.stdout.write(f"  {offset + BATCH} rows, {time.monotonic() - started:.0f} s")
        refreshed = search_vector_refresh(service_ids=None)
        self.stdout.write(
            f"generate_listings: {n} synthetic services in {time.monotonic() - started:.0f} s "
            f"({refreshed} search vectors)"
        )

    def delete_synthetic(self) -> int:
        with transaction.atomic():
            Location.objects.filter(organization__is_synthetic=True).delete()
            _, per_model = Service.objects.filter(is_synthetic=True).delete()
            deleted = per_model.get(Service._meta.label, 0)
            Organization.objects.filter(is_synthetic=True).delete()
        return deleted

    def batch(self, rng: random.Random, places, terms, first: int, size: int) -> None:
        today = timezone.localdate()
        weights = [k[1] for k in KINDS]
        org_every = 5
        orgs = Organization.objects.bulk_create(
            [
                Organization(
                    slug=f"synthetic-org-{first + i}",
                    hsds_id=uuid.uuid4(),
                    name=f"Synthetic Community Services {first + i}",
                    description="A synthetic organisation for benchmarks.",
                    source_url="https://www.example.com/",
                    last_verified=today,
                    is_synthetic=True,
                )
                for i in range(0, size, org_every)
            ]
        )
        rows = []
        for _ in range(size):
            kind = rng.choices(KINDS, weights=weights)[0]
            place = rng.choice(places)
            rows.append((kind, place))
        services = Service.objects.bulk_create(
            [
                Service(
                    organization=orgs[i // org_every],
                    slug=f"synthetic-{first + i}",
                    hsds_id=uuid.uuid4(),
                    name=f"Synthetic {TERM_NAMES.get(kind[0], kind[0])} - {place[1]}",
                    summary=kind[3],
                    description=f"{kind[3]} Synthetic listing {first + i} for testing; not a real service.",
                    cost=rng.choice(COSTS),
                    intake_status=rng.choice(["open", "open", "waitlist", ""]),
                    time_zone=zone_for(state=place[2], postcode=place[0]),
                    hours_known=True,
                    public_holidays="closed",
                    source_url="https://www.example.com/",
                    last_verified=today,
                    is_synthetic=True,
                )
                for i, (kind, place) in enumerate(rows)
            ],
            batch_size=BATCH,
        )
        locations = Location.objects.bulk_create(
            [
                Location(
                    organization=service.organization,
                    hsds_id=uuid.uuid4(),
                    address_1=f"{rng.randint(1, 400)} Synthetic Street",
                    city=place[1],
                    state_province=place[2],
                    postal_code=place[0],
                    # Spread around the locality's point, up to about 3 km.
                    latitude=place[3] + rng.uniform(-0.03, 0.03),
                    longitude=place[4] + rng.uniform(-0.03, 0.03),
                )
                for service, (kind, place) in zip(services, rows, strict=True)
            ],
            batch_size=BATCH,
        )
        ServiceAtLocation.objects.bulk_create(
            [
                ServiceAtLocation(service=s, location=loc, hsds_id=uuid.uuid4())
                for s, loc in zip(services, locations, strict=True)
            ],
            batch_size=BATCH,
        )
        attributes, phones, schedules, areas, languages = [], [], [], [], []
        for n, (service, (kind, place)) in enumerate(zip(services, rows, strict=True)):
            codes = {
                ("service-type", kind[0]),
                ("audience", rng.choice(AUDIENCES)),
                ("referral", rng.choice(REFERRALS)),
            }
            codes |= {("delivery", d) for d in kind[2]}
            attributes += [
                ServiceAttribute(service=service, term_id=terms[c], hsds_id=uuid.uuid4()) for c in codes
            ]
            phones.append(
                Phone(
                    service=service,
                    hsds_id=uuid.uuid4(),
                    number=f"({AREA_CODES[place[2]]}) 5550 {(first + n) % 10000:04d}",
                    description="Synthetic number",
                )
            )
            byday, opens, closes = rng.choice(HOURS)
            schedules.append(
                Schedule(service=service, hsds_id=uuid.uuid4(), byday=byday, opens_at=opens, closes_at=closes)
            )
            if rng.random() < 0.2:
                areas.append(
                    ServiceArea(
                        service=service, hsds_id=uuid.uuid4(), scope="postcodes", postcodes=f" {place[0]} "
                    )
                )
            languages.append(Language(service=service, hsds_id=uuid.uuid4(), code="en", name="English"))
            if rng.random() < 0.1:
                code, name = rng.choice(
                    [("ar", "Arabic"), ("vi", "Vietnamese"), ("zh", "Chinese"), ("hi", "Hindi")]
                )
                languages.append(Language(service=service, hsds_id=uuid.uuid4(), code=code, name=name))
        for model, objs in (
            (ServiceAttribute, attributes),
            (Phone, phones),
            (Schedule, schedules),
            (ServiceArea, areas),
            (Language, languages),
        ):
            model.objects.bulk_create(objs, batch_size=BATCH)


TERM_NAMES = {
    "mbcp": "Men's Behaviour Change Program",
    "individual-counselling": "Men's Counselling",
    "relationship-counselling": "Relationship Counselling",
    "parenting": "Dads and Kids Program",
    "alcohol-other-drugs": "Alcohol and Drug Service",
    "mental-health": "Men's Wellbeing Service",
    "legal-help": "Community Legal Centre",
    "mens-accommodation": "Men's Accommodation",
    "aboriginal-mens-healing": "Aboriginal Men's Healing Program",
    "brief-intervention": "Brief Support Service",
}
