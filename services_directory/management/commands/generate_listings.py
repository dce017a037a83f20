"""Make N realistic synthetic services across all postcodes, for benchmarks (`make bench-search`).

Every row is flagged `is_synthetic` and named "Synthetic ...", with numbers from the fictitious
(0X) 5550 xxxx range, so synthetic listings can never be mistaken for real ones and can be removed with
`generate_listings --delete`. Rows are written with bulk inserts in batches, then the search vectors
are computed in one UPDATE, then the database is vacuumed and analysed; N=500000 takes a few minutes
on PostgreSQL. Not idempotent by design:
each run adds N more (use --delete first for a fresh set).
"""

from __future__ import annotations

import datetime
import json
import random
import time
import uuid

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, models, transaction
from django.db.models import QuerySet
from django.db.models.deletion import get_candidate_relations_to_delete
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
from services_directory.services import directory_changed, search_vector_refresh

BATCH = 10000
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
            started = time.monotonic()
            deleted = self.delete_synthetic()
            self.stdout.write(
                f"generate_listings: deleted {deleted} synthetic services in {time.monotonic() - started:.0f} s"
            )
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
        if connection.vendor == "postgresql" and not connection.in_atomic_block:
            # Fresh statistics and visibility map before anyone measures: straight after a bulk load
            # the planner's row estimates are wrong and every index scan visits the heap (measured:
            # bench_search p95 1.1-1.9 s before, 0.18-0.6 s after, at 500,000 listings). VACUUM cannot
            # run inside a transaction, so a caller holding one (a test) skips it.
            with connection.cursor() as cursor:
                cursor.execute("VACUUM (ANALYZE)")
        self.stdout.write(
            f"generate_listings: {n} synthetic services in {time.monotonic() - started:.0f} s "
            f"({refreshed} search vectors)"
        )

    def delete_synthetic(self) -> int:
        """Delete every synthetic listing, and what hangs off it, with one DELETE per table.

        Django's delete() loads every row it deletes to send the delete signals, and the audit trail
        (django-simple-history, providers/models.py) answers each with a "deleted" history row: for
        500,000 listings that ran for over ten minutes in 3 GB of memory and would have left millions
        of history rows behind. Synthetic rows are written with bulk inserts, which send no signals
        and leave no history, so they leave the same way.
        """
        with transaction.atomic():
            delete_with_dependents(Location.objects.filter(organization__is_synthetic=True))
            deleted = delete_with_dependents(Service.objects.filter(is_synthetic=True))
            delete_with_dependents(Organization.objects.filter(is_synthetic=True))
            directory_changed()
        return deleted

    def batch(self, rng: random.Random, places, terms, first: int, size: int) -> None:
        today = timezone.localdate()
        now = timezone.now()
        weights = [k[1] for k in KINDS]
        org_every = 5
        rows = [(rng.choices(KINDS, weights=weights)[0], rng.choice(places)) for _ in range(size)]
        org_ids = reserve_ids(Organization, (size + org_every - 1) // org_every)
        service_ids = reserve_ids(Service, size)
        location_ids = reserve_ids(Location, size)
        insert(
            Organization,
            ["id", "hsds_id", "created_at", "updated_at", "slug", "name", "alternate_name", "description",
             "email", "website", "source_url", "last_verified", "is_demo", "is_synthetic"],
            [
                (oid, uuid.uuid4(), now, now, f"synthetic-org-{first + i * org_every}",
                 f"Synthetic Community Services {first + i * org_every}", "",
                 "A synthetic organisation for benchmarks.", "", "", "https://www.example.com/", today, False, True)
                for i, oid in enumerate(org_ids)
            ],
        )  # fmt: skip
        service_rows, location_rows, sal_rows = [], [], []
        attribute_rows, phone_rows, schedule_rows, area_rows, language_rows = [], [], [], [], []
        for i, ((kind, place), sid, lid) in enumerate(zip(rows, service_ids, location_ids, strict=True)):
            n = first + i
            org = org_ids[i // org_every]
            summary = kind[3]
            service_rows.append((
                sid, uuid.uuid4(), now, now, org, f"synthetic-{n}",
                f"Synthetic {TERM_NAMES.get(kind[0], kind[0])} - {place[1]}", "", summary,
                f"{summary} Synthetic listing {n} for testing; not a real service.", "", "", "", "", True,
                rng.choice(COSTS), "", rng.choice(["open", "open", "waitlist", ""]), "", "", None, None,
                zone_for(state=place[2], postcode=place[0]), False, True, "closed", "", [], "", False, True,
                "https://www.example.com/", today,
            ))  # fmt: skip
            location_rows.append((
                lid, uuid.uuid4(), now, now, org, "physical", "", "", "",
                f"{rng.randint(1, 400)} Synthetic Street", "", place[1], place[2], place[0],
                # Spread around the locality's point, up to about 3 km.
                place[3] + rng.uniform(-0.03, 0.03), place[4] + rng.uniform(-0.03, 0.03), "", True,
            ))  # fmt: skip
            sal_rows.append((uuid.uuid4(), now, now, sid, lid, ""))
            codes = {
                ("service-type", kind[0]),
                ("audience", rng.choice(AUDIENCES)),
                ("referral", rng.choice(REFERRALS)),
            }
            codes |= {("delivery", d) for d in kind[2]}
            attribute_rows += [(uuid.uuid4(), now, now, sid, terms[c]) for c in codes]
            phone_rows.append((
                uuid.uuid4(), now, now, sid, None, None, f"({AREA_CODES[place[2]]}) 5550 {n % 10000:04d}", "",
                "voice", "Synthetic number", "", 0,
            ))  # fmt: skip
            byday, opens, closes = rng.choice(HOURS)
            schedule_rows.append(
                (uuid.uuid4(), now, now, sid, None, byday, opens, closes, "", None, None, "")
            )
            if rng.random() < 0.2:
                area_rows.append(
                    (uuid.uuid4(), now, now, sid, "postcodes", "", "", f" {place[0]} ", None, None, None)
                )
            language_rows.append((uuid.uuid4(), now, now, sid, None, "en", "English", ""))
            if rng.random() < 0.1:
                code, name = rng.choice(
                    [("ar", "Arabic"), ("vi", "Vietnamese"), ("zh", "Chinese"), ("hi", "Hindi")]
                )
                language_rows.append((uuid.uuid4(), now, now, sid, None, code, name, ""))
        common = ["hsds_id", "created_at", "updated_at"]
        insert(
            Service,
            ["id", *common, "organization_id", "slug", "name", "alternate_name", "summary", "description",
             "first_contact", "url", "chat_url", "email", "is_active", "cost", "fees_description", "intake_status",
             "typical_wait", "eligibility_description", "minimum_age", "maximum_age", "time_zone",
             "hours_in_local_time", "hours_known", "public_holidays", "keywords", "sources", "notes_for_staff",
             "is_demo", "is_synthetic", "source_url", "last_verified"],
            service_rows,
        )  # fmt: skip
        insert(
            Location,
            ["id", *common, "organization_id", "location_type", "name", "description", "transportation",
             "address_1", "address_2", "city", "state_province", "postal_code", "latitude", "longitude",
             "time_zone", "show_address"],
            location_rows,
        )  # fmt: skip
        insert(ServiceAtLocation, [*common, "service_id", "location_id", "description"], sal_rows)
        insert(ServiceAttribute, [*common, "service_id", "term_id"], attribute_rows)
        insert(
            Phone,
            [*common, "service_id", "location_id", "organization_id", "number", "extension", "type", "description",
             "call_cost", "position"],
            phone_rows,
        )  # fmt: skip
        insert(
            Schedule,
            [*common, "service_id", "location_id", "byday", "opens_at", "closes_at", "time_zone", "valid_from",
             "valid_to", "description"],
            schedule_rows,
        )  # fmt: skip
        insert(
            ServiceArea,
            [
                *common,
                "service_id",
                "scope",
                "name",
                "states",
                "postcodes",
                "latitude",
                "longitude",
                "radius_km",
            ],
            area_rows,
        )
        insert(Language, [*common, "service_id", "phone_id", "code", "name", "note"], language_rows)


def reserve_ids(model, count: int) -> list[int]:
    """Primary keys for rows inserted with explicit ids (PostgreSQL: from the table's sequence)."""
    table = model._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)", [table, count]
            )
            return [row[0] for row in cursor.fetchall()]
        cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {table}")  # noqa: S608 - table name from metadata
        start = cursor.fetchone()[0] + 1
        return list(range(start, start + count))


def insert(model, columns: list[str], rows: list[tuple]) -> None:
    """COPY on PostgreSQL (about ten times faster than INSERT); bulk_create elsewhere."""
    if not rows:
        return
    if connection.vendor == "postgresql":
        table = model._meta.db_table
        sql = f"COPY {table} ({', '.join(columns)}) FROM STDIN"
        json_columns = {i for i, c in enumerate(columns) if c == "sources"}
        with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
            for row in rows:
                if json_columns:
                    row = tuple(json.dumps(v) if i in json_columns else v for i, v in enumerate(row))
                copy.write_row(row)
        return
    model.objects.bulk_create(
        [model(**dict(zip(columns, row, strict=True))) for row in rows], batch_size=BATCH
    )


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


def delete_with_dependents(rows: QuerySet) -> int:
    """Delete `rows` and, first, the rows that cascade from them (and from those), one DELETE per
    table with the parents as a subquery; SET_NULL references are cleared. No model is loaded and no
    signal is sent. A PROTECT reference still stops it (the database's foreign key). Returns how many
    of `rows` were deleted."""
    parents = rows.values("pk")
    # The relations Django's own delete collects: every reverse one-to-one and many-to-one, those
    # without a related name included (a many-to-many's through table comes through its foreign key).
    for relation in get_candidate_relations_to_delete(rows.model._meta):
        linked = relation.related_model._base_manager.filter(**{f"{relation.field.name}__in": parents})
        if relation.on_delete is models.CASCADE:
            delete_with_dependents(linked)
        elif relation.on_delete is models.SET_NULL:
            linked.update(**{relation.field.name: None})
    return rows._raw_delete(rows.db)
