"""The services directory, aligned with Open Referral HSDS 3.0 (see docs/directory.md).

HSDS entities map one to one: Organization, Service, Location, ServiceAtLocation, Phone, Schedule,
ServiceArea, Language, CostOption, Taxonomy, TaxonomyTerm. Every one carries `hsds_id`, the HSDS `id`
(a UUID and the natural key for import and export). HSDS attributes that link a service to a taxonomy
term are ServiceAttribute rows: our service types, audiences, delivery modes and referral routes are
all taxonomy terms (docs/taxonomy.md), so they are data that staff can extend.

Writes go through services_directory.services; reads through QuerySet methods and selectors.
"""

from __future__ import annotations

import re
import uuid

from django.contrib.postgres.search import SearchVectorField
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse

STATES = ("NSW", "VIC", "QLD", "SA", "WA", "TAS", "NT", "ACT")
STATE_CHOICES = [(s, s) for s in STATES]
STATE_NAMES = {
    "NSW": "New South Wales",
    "VIC": "Victoria",
    "QLD": "Queensland",
    "SA": "South Australia",
    "WA": "Western Australia",
    "TAS": "Tasmania",
    "NT": "Northern Territory",
    "ACT": "Australian Capital Territory",
}


class HsdsModel(models.Model):
    """Fields every HSDS entity has."""

    hsds_id = models.UUIDField("HSDS id", default=uuid.uuid4, unique=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


# --- Taxonomy -----------------------------------------------------------------------------------------


class Taxonomy(HsdsModel):
    """A vocabulary: our service types, audiences, delivery modes or referral routes."""

    slug = models.SlugField(unique=True, help_text="service-type, audience, delivery or referral")
    name = models.CharField(max_length=200)
    description = models.TextField()
    uri = models.URLField(blank=True)
    version = models.CharField(max_length=40, blank=True)

    class Meta:
        verbose_name_plural = "taxonomies"
        ordering = ["slug"]

    def __str__(self) -> str:
        return self.name


class TaxonomyTermQuerySet(models.QuerySet):
    def of(self, taxonomy_slug: str) -> TaxonomyTermQuerySet:
        return self.filter(taxonomy__slug=taxonomy_slug)


class TaxonomyTerm(HsdsModel):
    taxonomy = models.ForeignKey(Taxonomy, on_delete=models.PROTECT, related_name="terms")
    code = models.SlugField(max_length=60)
    name = models.CharField(max_length=200, help_text="Plain words, shown to the public.")
    description = models.TextField(blank=True)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL)
    position = models.PositiveSmallIntegerField(default=0)

    objects = TaxonomyTermQuerySet.as_manager()

    class Meta:
        ordering = ["taxonomy__slug", "position", "name"]
        constraints = [models.UniqueConstraint(fields=["taxonomy", "code"], name="term_code_unique")]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class SearchSynonym(models.Model):
    """Words people type, mapped to what they mean. Staff edit these in the admin.

    When `phrase` appears in a query (case and accents ignored), the search also matches services
    tagged with `terms` and the words in `expands_to`.
    """

    phrase = models.CharField(max_length=120, unique=True, help_text='For example "anger management".')
    terms = models.ManyToManyField(TaxonomyTerm, blank=True, related_name="synonyms")
    expands_to = models.CharField(
        max_length=300, blank=True, help_text="Extra words to search for, separated by spaces."
    )
    is_active = models.BooleanField(default=True)
    # What the words say about the man, beyond what to search for (docs/taxonomy.md).
    is_crisis = models.BooleanField(
        "crisis words",
        default=False,
        help_text="He may be in danger or a danger now (suicide, hurting someone tonight): crisis lines "
        "are pinned above everything else.",
    )
    leads_to_self_check = models.BooleanField(
        "question about himself",
        default=False,
        help_text='A question about himself ("am I abusive"): the self-check and guides are shown first.',
    )
    note = models.CharField(max_length=300, blank=True, help_text="Why this synonym exists.")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["phrase"]

    def __str__(self) -> str:
        return self.phrase


# --- Organisations, services, locations ---------------------------------------------------------------


class Verified(models.Model):
    """Every fact on the site carries where it came from and when we checked it."""

    source_url = models.URLField(max_length=500)
    last_verified = models.DateField()

    class Meta:
        abstract = True


class Organization(HsdsModel, Verified):
    slug = models.SlugField(max_length=120, unique=True)
    name = models.CharField(max_length=300)
    alternate_name = models.CharField(max_length=300, blank=True)
    description = models.TextField()
    email = models.EmailField(blank=True)
    website = models.URLField(max_length=500, blank=True)
    is_demo = models.BooleanField(default=False)
    is_synthetic = models.BooleanField(default=False, help_text="Made by generate_listings for benchmarks.")

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Cost(models.TextChoices):
    FREE = "free", "Free"
    FREE_CALL = "free-call", "Free, and the call is free"
    BULK_BILLED = "bulk-billed", "Bulk-billed"
    SLIDING_SCALE = "sliding-scale", "Cost depends on what you can pay"
    FEE = "fee", "There is a fee"
    UNKNOWN = "unknown", "Cost not confirmed"


class IntakeStatus(models.TextChoices):
    OPEN = "open", "Taking new people"
    WAITLIST = "waitlist", "Waiting list"
    CLOSED = "closed", "Not taking new people"
    UNKNOWN = "", "Not confirmed"


class PublicHolidays(models.TextChoices):
    OPEN = "open", "Open on public holidays"
    CLOSED = "closed", "Closed on public holidays"
    UNKNOWN = "unknown", "Public holiday hours not confirmed"


class Verification(models.TextChoices):
    """How sure we are of a listing's facts (issue 16). A program listed from public pages starts as
    unverified; staff set verified when the provider confirms it; needs-confirmation when a source
    disagrees or is old (see program_facts.STALE_AFTER_MONTHS)."""

    VERIFIED = "verified", "Confirmed by the provider"
    UNVERIFIED = "unverified", "From public sources, not yet confirmed by the provider"
    NEEDS_CONFIRMATION = "needs-confirmation", "Needs confirmation"


class ServiceQuerySet(models.QuerySet):
    def active(self) -> ServiceQuerySet:
        return self.filter(is_active=True)

    def visible(self, *, demo: bool) -> ServiceQuerySet:
        """Active services the public may see: example (demo) listings only in demo mode."""
        qs = self.active()
        return qs if demo else qs.filter(is_demo=False)

    def with_term(self, code: str, *, taxonomy: str) -> ServiceQuerySet:
        return self.filter(
            models.Exists(
                ServiceAttribute.objects.filter(
                    service=models.OuterRef("pk"), term__code=code, term__taxonomy__slug=taxonomy
                )
            )
        )


class Service(HsdsModel, Verified):
    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="services")
    slug = models.SlugField(max_length=160, unique=True)
    name = models.CharField(max_length=300)
    alternate_name = models.CharField(max_length=300, blank=True)
    summary = models.CharField(max_length=400, help_text="One plain sentence (reading grade 8 or lower).")
    description = models.TextField(help_text="Two to four plain sentences.")
    first_contact = models.TextField(
        blank=True, help_text="What happens when you call: who answers, how long, do they ask your name."
    )
    url = models.URLField("website", max_length=500, blank=True)
    chat_url = models.URLField(max_length=500, blank=True)
    email = models.EmailField(blank=True)
    is_active = models.BooleanField(default=True, db_index=True)
    cost = models.CharField(max_length=20, choices=Cost.choices, default=Cost.UNKNOWN)
    fees_description = models.TextField(blank=True)
    intake_status = models.CharField(max_length=10, choices=IntakeStatus.choices, blank=True)
    typical_wait = models.CharField(
        max_length=200, blank=True, help_text='HSDS wait_time, e.g. "4 to 8 weeks".'
    )
    eligibility_description = models.TextField(blank=True)
    minimum_age = models.PositiveSmallIntegerField(null=True, blank=True)
    maximum_age = models.PositiveSmallIntegerField(null=True, blank=True)
    # Opening hours are kept in an IANA zone so daylight saving is handled; HSDS export emits the offset.
    time_zone = models.CharField(max_length=40, default="Australia/Sydney")
    hours_in_local_time = models.BooleanField(
        default=False, help_text="A national line whose hours are local time in each state (as QLife)."
    )
    hours_known = models.BooleanField(default=False, help_text="False: hours not confirmed, show none.")
    public_holidays = models.CharField(
        max_length=10, choices=PublicHolidays.choices, default=PublicHolidays.UNKNOWN
    )
    keywords = models.TextField(blank=True, help_text="Extra words people search for (staff only).")
    # "Talk to someone now": crisis lines are never cut; the others are ranked by this (higher first).
    # db_default too: bulk loaders that COPY named columns (generate_listings) leave them out.
    is_crisis_line = models.BooleanField(
        default=False,
        db_default=False,
        help_text="A line for someone in crisis (Lifeline, MensLine, Men's Referral Service): always shown "
        'under "Talk to someone now" when open, and first when the search names a crisis.',
    )
    talk_now_priority = models.PositiveSmallIntegerField(
        default=0,
        db_default=0,
        help_text='Order under "Talk to someone now": higher first. Lines for a narrower group (young '
        "people, LGBTIQ+, Aboriginal people) show only when the search or filters ask for that group.",
    )
    sources = models.JSONField(default=list, blank=True, help_text="Every page used to verify this listing.")
    notes_for_staff = models.TextField(blank=True)
    # --- Program facts men decide on (issue 16; null = no source says, shown as "Ask when you call").
    # Delivery (group, one to one, online, phone) is the `delivery` taxonomy; cost, languages and
    # intake status are the fields above.
    # db_default too, so bulk writers that name their columns (generate_listings' COPY) need not know them.
    program_kind = models.CharField(
        max_length=30, blank=True, default="", db_default="", help_text="mbcp, aboriginal-mens-program, ..."
    )
    voluntary = models.BooleanField(
        null=True, blank=True, help_text="Takes men who come of their own accord."
    )
    court_ordered = models.BooleanField(null=True, blank=True, help_text="Takes men ordered or mandated.")
    court_orders = models.JSONField(
        default=list,
        db_default=models.Value([], output_field=models.JSONField()),
        blank=True,
        help_text="The orders it is approved for, in the source's words.",
    )
    self_referral = models.BooleanField(null=True, blank=True)
    program_length = models.CharField(
        max_length=200, blank=True, default="", db_default="", help_text='As the source says: "20 weeks".'
    )
    partner_contact = models.BooleanField(
        null=True, blank=True, help_text="Contacts and supports partners (accredited MBCPs do)."
    )
    interpreter = models.BooleanField(null=True, blank=True, help_text="Interpreter available.")
    verification = models.CharField(
        max_length=20, choices=Verification.choices, default=Verification.UNVERIFIED, db_default="unverified"
    )
    is_demo = models.BooleanField(default=False)
    is_synthetic = models.BooleanField(default=False)
    terms = models.ManyToManyField(TaxonomyTerm, through="ServiceAttribute", related_name="services")
    # Kept up to date by services.search_vector_refresh(), never by save() or signals.
    search_vector = SearchVectorField(null=True, editable=False)

    objects = ServiceQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(minimum_age__isnull=True)
                | models.Q(maximum_age__isnull=True)
                | models.Q(minimum_age__lte=models.F("maximum_age")),
                name="service_age_range",
            )
        ]
        # The GIN index on search_vector is created by a PostgreSQL-only migration operation.

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("services_directory:detail", kwargs={"slug": self.slug})


class ServiceAttribute(HsdsModel):
    """HSDS attribute: links a service to a taxonomy term (type, audience, delivery or referral)."""

    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="attributes")
    term = models.ForeignKey(TaxonomyTerm, on_delete=models.PROTECT, related_name="attributes")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["service", "term"], name="service_term_unique")]
        indexes = [models.Index(fields=["term", "service"])]

    def __str__(self) -> str:
        return f"{self.service_id}: {self.term_id}"


class LocationType(models.TextChoices):
    PHYSICAL = "physical", "Physical"
    POSTAL = "postal", "Postal"
    VIRTUAL = "virtual", "Virtual"


class Location(HsdsModel):
    """A place where a service is delivered. Its address is kept inline (HSDS address on export)."""

    organization = models.ForeignKey(
        Organization, null=True, blank=True, on_delete=models.CASCADE, related_name="locations"
    )
    location_type = models.CharField(
        max_length=10, choices=LocationType.choices, default=LocationType.PHYSICAL
    )
    name = models.CharField(max_length=300, blank=True)
    description = models.TextField(blank=True)
    transportation = models.TextField(blank=True)
    address_1 = models.CharField(max_length=300, blank=True)
    address_2 = models.CharField(max_length=300, blank=True)
    city = models.CharField("suburb or town", max_length=120, blank=True)
    state_province = models.CharField("state", max_length=3, choices=STATE_CHOICES, blank=True)
    postal_code = models.CharField("postcode", max_length=4, blank=True)
    latitude = models.FloatField(
        null=True, blank=True, validators=[MinValueValidator(-90), MaxValueValidator(90)]
    )
    longitude = models.FloatField(
        null=True, blank=True, validators=[MinValueValidator(-180), MaxValueValidator(180)]
    )
    time_zone = models.CharField(max_length=40, blank=True, help_text="IANA zone; blank: from the state.")
    show_address = models.BooleanField(
        default=True, help_text="False for places that must not be shown (e.g. a safe house)."
    )

    class Meta:
        indexes = [models.Index(fields=["latitude", "longitude"], name="location_lat_lon")]

    def __str__(self) -> str:
        return self.name or f"{self.city} {self.state_province} {self.postal_code}".strip()

    @property
    def one_line_address(self) -> str:
        parts = [
            self.address_1,
            self.address_2,
            f"{self.city} {self.state_province} {self.postal_code}".strip(),
        ]
        return ", ".join(p for p in parts if p)


class LocationAccessibility(HsdsModel):
    """HSDS `accessibility`: how people with a disability can reach and use a place, as the source says."""

    location = models.ForeignKey(Location, on_delete=models.CASCADE, related_name="accessibility")
    description = models.TextField(blank=True)
    details = models.TextField(blank=True)
    url = models.URLField(max_length=500, blank=True)

    class Meta:
        ordering = ["id"]
        verbose_name_plural = "location accessibility"

    def __str__(self) -> str:
        return self.description[:60] or self.details[:60] or self.url


class ServiceAtLocation(HsdsModel):
    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="service_at_locations")
    location = models.ForeignKey(Location, on_delete=models.CASCADE, related_name="service_at_locations")
    description = models.TextField(blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["service", "location"], name="service_at_location_unique")
        ]

    def __str__(self) -> str:
        return f"{self.service} at {self.location}"


class SearchPoint(models.Model):
    """What a nearest-first search reads, one narrow row per service at a located place (PostgreSQL).

    A copy of the service-at-location's coordinates and of its service's visibility, cost, term ids and
    weighted search vector, so the walk of the GiST index on this table (migration 0007) decides each
    candidate from its own row instead of joining a location, a wide service row and its attributes:
    that join was most of a filtered or free-text local search. Only active services with coordinates
    have rows. Kept by services.search_points_refresh(), which every write path calls (through
    search_vector_refresh for services, location_upsert and friends for places); a nightly job
    rebuilds it. The SQLite fallback searches the source tables directly and leaves this empty.
    """

    service_at_location = models.OneToOneField(
        ServiceAtLocation, primary_key=True, on_delete=models.CASCADE, related_name="+"
    )
    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="+", db_index=False)
    latitude = models.FloatField()
    longitude = models.FloatField()
    is_demo = models.BooleanField()
    cost = models.CharField(max_length=20)
    # Term ids, space-padded (" 3 17 42 "), so one id is `LIKE '% 17 %'` on the row itself.
    term_ids = models.TextField()
    search_vector = SearchVectorField(null=True)
    # Everything "open now" needs besides the moment and the visitor's place, as JSON text (see
    # services.SEARCH_POINTS_SQL; read by selectors.open_now_from_summaries): the service's zone
    # rules, the place's state, zone and postcode, its weekly spans and closures. Empty: hours not
    # known. Identical hours give identical text, so each distinct one is worked out once per search.
    opening = models.TextField(blank=True, default="")

    class Meta:
        indexes = [models.Index(fields=["service"], name="search_point_service")]

    def __str__(self) -> str:
        return f"search point {self.pk}"


class PhoneType(models.TextChoices):
    VOICE = "voice", "Voice"
    TEXT = "text", "Text (SMS)"
    TTY = "textphone", "TTY"
    FAX = "fax", "Fax"


class Phone(HsdsModel):
    service = models.ForeignKey(
        Service, null=True, blank=True, on_delete=models.CASCADE, related_name="phones"
    )
    location = models.ForeignKey(
        Location, null=True, blank=True, on_delete=models.CASCADE, related_name="phones"
    )
    organization = models.ForeignKey(
        Organization, null=True, blank=True, on_delete=models.CASCADE, related_name="phones"
    )
    number = models.CharField(max_length=40, help_text="Written as the service writes it.")
    extension = models.CharField(max_length=20, blank=True)
    type = models.CharField(max_length=10, choices=PhoneType.choices, default=PhoneType.VOICE)
    description = models.CharField(max_length=300, blank=True)
    call_cost = models.CharField(
        max_length=300, blank=True, help_text="Plain words about what the call costs."
    )
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.number

    @property
    def digits(self) -> str:
        return re.sub(r"\D", "", self.number)

    @property
    def tel(self) -> str:
        """The tel: URI target (Australian numbers dial as written, without spaces)."""
        return self.digits

    @property
    def is_free_call(self) -> bool:
        """1800 numbers are free from landlines and most mobiles; 13 and 1300 numbers are not."""
        return self.digits.startswith("1800")


class Schedule(HsdsModel):
    """One weekly span: the days it opens, opening and closing time, in an IANA zone.

    `closes_at` at or before `opens_at` means the span ends the next day (18:00-02:00), and 00:00-00:00
    means the whole day. `valid_from`/`valid_to` bound the dates the span applies to.
    """

    service = models.ForeignKey(
        Service, null=True, blank=True, on_delete=models.CASCADE, related_name="schedules"
    )
    location = models.ForeignKey(
        Location, null=True, blank=True, on_delete=models.CASCADE, related_name="schedules"
    )
    byday = models.CharField(
        max_length=30, help_text="Comma-separated RFC 5545 days, e.g. MO,TU,WE (HSDS byday)."
    )
    opens_at = models.TimeField()
    closes_at = models.TimeField()
    time_zone = models.CharField(max_length=40, blank=True, help_text="IANA zone; blank: the service's zone.")
    valid_from = models.DateField(null=True, blank=True)
    valid_to = models.DateField(null=True, blank=True)
    description = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.byday} {self.opens_at:%H:%M}-{self.closes_at:%H:%M}"


class Closure(models.Model):
    """Dates a service is closed (holiday closures beyond public holidays, a Christmas break)."""

    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="closures")
    starts_on = models.DateField()
    ends_on = models.DateField()
    description = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["starts_on"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_on__gte=models.F("starts_on")), name="closure_order"
            )
        ]

    def __str__(self) -> str:
        return f"{self.service_id}: {self.starts_on} to {self.ends_on}"


class AreaScope(models.TextChoices):
    NATIONAL = "national", "All of Australia"
    STATE = "state", "States or territories"
    POSTCODES = "postcodes", "Listed postcodes"
    RADIUS = "radius", "Distance around a place"


class ServiceArea(HsdsModel):
    """Where a service takes people from.

    `states` and `postcodes` are space-padded lists (" NSW ACT ", " 3000 3121 ") so that coverage is
    a plain LIKE on both databases; services.service_area_upsert writes them.
    """

    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="service_areas")
    scope = models.CharField(max_length=10, choices=AreaScope.choices)
    name = models.CharField(max_length=200, blank=True)
    states = models.CharField(max_length=40, blank=True)
    postcodes = models.TextField(blank=True)
    latitude = models.FloatField(null=True, blank=True)
    longitude = models.FloatField(null=True, blank=True)
    radius_km = models.FloatField(null=True, blank=True, validators=[MinValueValidator(0)])

    class Meta:
        indexes = [models.Index(fields=["scope"])]

    def __str__(self) -> str:
        return self.name or self.get_scope_display()

    @property
    def state_list(self) -> list[str]:
        return self.states.split()

    @property
    def postcode_list(self) -> list[str]:
        return self.postcodes.split()


class Language(HsdsModel):
    service = models.ForeignKey(
        Service, null=True, blank=True, on_delete=models.CASCADE, related_name="languages"
    )
    phone = models.ForeignKey(
        Phone, null=True, blank=True, on_delete=models.CASCADE, related_name="languages"
    )
    code = models.CharField(max_length=10, help_text="ISO 639-1 or 639-3 code.")
    name = models.CharField(max_length=80)
    note = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["name"]
        indexes = [models.Index(fields=["code", "service"])]

    def __str__(self) -> str:
        return self.name


class CostOption(HsdsModel):
    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="cost_options")
    option = models.CharField(max_length=200, blank=True)
    amount = models.DecimalField(max_digits=9, decimal_places=2, null=True, blank=True)
    currency = models.CharField(max_length=3, default="AUD")
    amount_description = models.CharField(max_length=300, blank=True)
    valid_from = models.DateField(null=True, blank=True)
    valid_to = models.DateField(null=True, blank=True)

    def __str__(self) -> str:
        return self.option or self.amount_description


# --- Gazetteer ----------------------------------------------------------------------------------------


class Place(models.Model):
    """One locality and postcode from the gazetteer (services_directory/data/gazetteer/)."""

    postcode = models.CharField(max_length=4, db_index=True)
    locality = models.CharField(max_length=120)
    state = models.CharField(max_length=3, choices=STATE_CHOICES)
    latitude = models.FloatField()
    longitude = models.FloatField()
    # Lower case, accents and punctuation removed, single spaces: what matching compares.
    name_normalised = models.CharField(max_length=120, db_index=True)

    class Meta:
        ordering = ["locality", "state", "postcode"]
        constraints = [
            models.UniqueConstraint(fields=["postcode", "name_normalised", "state"], name="place_unique")
        ]
        # A trigram GIN index on name_normalised is created by a PostgreSQL-only migration operation.

    def __str__(self) -> str:
        return f"{self.locality} {self.state} {self.postcode}"

    @property
    def label(self) -> str:
        return str(self)

    @property
    def time_zone(self) -> str:
        from services_directory.places import zone_for

        return zone_for(state=self.state, postcode=self.postcode)


# --- Reports from the public --------------------------------------------------------------------------


class ListingReport(models.Model):
    """An anonymous "something is wrong with this listing" report, for moderation. No IP is stored."""

    class Problem(models.TextChoices):
        PHONE = "phone", "The phone number is wrong"
        HOURS = "hours", "The hours are wrong"
        ADDRESS = "address", "The address is wrong"
        CLOSED = "closed", "The service has closed"
        OTHER = "other", "Something else"

    class Status(models.TextChoices):
        NEW = "new", "New"
        HANDLED = "handled", "Handled"
        DISMISSED = "dismissed", "Dismissed"

    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="reports")
    problem = models.CharField(max_length=10, choices=Problem.choices)
    details = models.TextField(max_length=2000, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.NEW, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)
    handled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.service_id}: {self.get_problem_display()}"


# Names for the language codes the directory uses (ISO 639-1, and 639-3 where there is no 639-1 code).
LANGUAGE_NAMES = {
    "en": "English",
    "ar": "Arabic",
    "zh": "Chinese",
    "yue": "Cantonese",
    "cmn": "Mandarin",
    "vi": "Vietnamese",
    "el": "Greek",
    "it": "Italian",
    "hi": "Hindi",
    "pa": "Punjabi",
    "fa": "Persian",
    "prs": "Dari",
    "es": "Spanish",
    "tl": "Tagalog",
    "ko": "Korean",
    "tr": "Turkish",
    "ta": "Tamil",
    "ne": "Nepali",
    "so": "Somali",
    "sgn": "Auslan",
}


# --- HSDS import and refresh (services_directory/hsds/, docs/hsds.md) ----------------------------------


class ImportedRecord(models.Model):
    """What the last import from an open data source wrote to a service.

    `values` is the service as imported (our field names, comparable form). At the next refresh a
    field whose stored value differs from `values` was changed here (through the portal or the admin)
    since: it is kept and listed in `locally_changed` for staff instead of being overwritten.
    """

    service = models.OneToOneField(Service, on_delete=models.CASCADE, related_name="import_record")
    source = models.CharField(max_length=500, db_index=True)
    values = models.JSONField(default=dict)
    values_hash = models.CharField(max_length=64)
    imported_at = models.DateTimeField()
    locally_changed = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["source", "service_id"]

    def __str__(self) -> str:
        return f"{self.service_id} from {self.source}"


class RefreshReport(models.Model):
    """One run of refresh_directory (or import_hsds) for one source: what changed and what was refused."""

    class Outcome(models.TextChoices):
        DONE = "done", "Imported"
        REJECTED = "rejected", "Source rejected whole"
        FAILED = "failed", "Failed (nothing changed)"
        # Another run held the lock (or a dead one's lock had not run out): nothing was done, and the
        # task tries again once the lock is free (services_directory.tasks.refresh_directory).
        SKIPPED = "skipped", "Skipped (another run held the lock)"

    source = models.CharField(max_length=500, db_index=True)
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=10, choices=Outcome.choices)
    added = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    unchanged = models.PositiveIntegerField(default=0)
    deactivated = models.PositiveIntegerField(default=0)
    rejected = models.PositiveIntegerField(default=0)
    # [{"id": ..., "field": ..., "reason": ...}]: records skipped, or why the source was refused.
    problems = models.JSONField(default=list, blank=True)
    # [{"id": ..., "fields": [...]}]: fields changed here since the last import, kept and flagged.
    flagged = models.JSONField(default=list, blank=True)
    message = models.TextField(blank=True)

    class Meta:
        ordering = ["-started_at"]

    def __str__(self) -> str:
        return f"{self.source} {self.started_at:%Y-%m-%d %H:%M}: {self.get_outcome_display()}"


# --- Listing health (the weekly check_listings job) -------------------------------------------------


class ListingCheckQuerySet(models.QuerySet):
    def needing_attention(self) -> ListingCheckQuerySet:
        return self.filter(models.Q(phone_ok=False) | models.Q(website_ok=False) | models.Q(stale=True))


class ListingCheck(models.Model):
    """The latest automatic check of one listing: one row per service, replaced by each run.

    Shown to staff (admin) so broken phone numbers and websites, and listings nobody has confirmed for
    six months, are followed up. `reminder_sent_at` makes the monthly "still correct?" e-mail go at
    most once a month per listing.
    """

    service = models.OneToOneField(Service, on_delete=models.CASCADE, related_name="listing_check")
    checked_at = models.DateTimeField()
    phone_ok = models.BooleanField(default=True)
    phone_problems = models.JSONField(default=list, blank=True, help_text="Each bad number and why.")
    website_ok = models.BooleanField(null=True, blank=True, help_text="Empty when there is no website.")
    website_status = models.PositiveSmallIntegerField(null=True, blank=True)
    website_problem = models.CharField(max_length=300, blank=True)
    stale = models.BooleanField(default=False, help_text="Not verified for six months or more.")
    reminder_sent_at = models.DateTimeField(null=True, blank=True)

    objects = ListingCheckQuerySet.as_manager()

    class Meta:
        ordering = ["service__name"]

    def __str__(self) -> str:
        return f"Check of {self.service_id} at {self.checked_at:%Y-%m-%d}"

    @property
    def needs_attention(self) -> bool:
        return not self.phone_ok or self.website_ok is False or self.stale
