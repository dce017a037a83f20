"""Directory search behind one entry point: `search_services(...) -> SearchResult`.

The backend is chosen by `connection.vendor`:

* PostgreSQL: `websearch_to_tsquery` over the stored, weighted search vector (GIN index), widened by
  staff-edited synonyms, ranked with `ts_rank`.
* Anything else (the embedded SQLite default): case-insensitive word matching over the text columns,
  with a simple weighted score.

Both narrow by place before ranking: local results are the LOCAL_CANDIDATES nearest matching
places within the radius, found nearest first, then ranked in Python. On PostgreSQL "nearest first"
is an index walk over search points (models.SearchPoint, a narrow copy of each located service):
each is a point on the unit sphere in a `cube` GiST index, which answers `<->` (straight-line
distance, which orders exactly like distance along the surface); every walked row is decided from its
own columns and the walk stops after LOCAL_CANDIDATES matches, so a city with 20,000 places in range
costs no more than a town with 50. Elsewhere it is a bounding box on latitude and longitude plus the
great-circle distance in SQL over the source tables.
Nationwide free text is bounded: at most NATIONWIDE_CANDIDATES matching rows are ranked. A page runs
a fixed number of queries, whatever the number of results.

Nothing else in the project knows which backend ran.
"""

from __future__ import annotations

import datetime
import math
import re
import unicodedata
from dataclasses import dataclass, field, replace

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.db.models import (
    BooleanField,
    Case,
    Exists,
    ExpressionWrapper,
    F,
    FloatField,
    Func,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
    prefetch_related_objects,
)
from django.db.models.functions import ASin, Least
from django.utils import timezone

from services_directory import selectors
from services_directory.models import (
    AreaScope,
    Cost,
    Language,
    Place,
    SearchPoint,
    SearchSynonym,
    Service,
    ServiceArea,
    ServiceAtLocation,
    ServiceAttribute,
    TaxonomyTerm,
)
from services_directory.services import SYNONYM_CACHE_KEY

EARTH_RADIUS_KM = 6371.0
DEFAULT_RADIUS_KM = 50
RADIUS_CHOICES = (10, 25, 50, 100, 200)
PER_PAGE = 10
MAX_QUERY_CHARS = 200
MAX_WORDS = 12
# Nationwide free text ranks at most this many matching rows (taken from the GIN index unranked).
NATIONWIDE_CANDIDATES = 1000
# Local results are ranked and paged within this many rows (20 pages); "open now" is checked over them.
LOCAL_CANDIDATES = 200
# "Open now" is checked in Python over this many of the best local rows.
OPEN_NOW_CANDIDATES = 200
TALK_NOW_MAX = 6
# Talk-now lines shown before "More lines open now" (more when more crisis lines lead the list).
TALK_NOW_VISIBLE = 3
# Service columns no result shows: not read for results (the search vector alone is often larger than
# the rest of the row).
NOT_SHOWN = ("search_vector", "notes_for_staff", "sources", "keywords")
COVERING_MAX = 6
# National and state lines the words match, shown with a place (page 1).
LINES_MAX = 6
# Radius service areas larger than this are not considered (state-wide areas use scope "state").
MAX_AREA_RADIUS_KM = 300
# Relevance halves every this many km (score = rank / (1 + km / DISTANCE_SCALE_KM)).
DISTANCE_SCALE_KM = 25.0
REMOTE_DELIVERY = ("phone", "online-chat")
COST_FILTERS = {
    "free": (Cost.FREE, Cost.FREE_CALL, Cost.BULK_BILLED),
    "free-call": (Cost.FREE_CALL,),
}
CODE_RE = re.compile(r"[a-z0-9][a-z0-9-]{0,59}")
STOP_WORDS = frozenset(
    [
        "a",
        "an",
        "and",
        "the",
        "for",
        "of",
        "to",
        "in",
        "on",
        "with",
        "my",
        "me",
        "i",
        "im",
        "is",
        "it",
        "at",
        "near",
        "help",
        "service",
        "services",
    ]
)


@dataclass(frozen=True)
class Filters:
    types: tuple[str, ...] = ()
    delivery: tuple[str, ...] = ()
    audience: tuple[str, ...] = ()
    referral: tuple[str, ...] = ()
    cost: str = ""
    language: str = ""
    open_now: bool = False

    def sanitised(self) -> Filters:
        """Only code-shaped values (the form checks them against the taxonomy; this guards the SQL)."""

        def codes(values: tuple[str, ...]) -> tuple[str, ...]:
            return tuple(v for v in values[:20] if isinstance(v, str) and CODE_RE.fullmatch(v))

        return Filters(
            types=codes(self.types),
            delivery=codes(self.delivery),
            audience=codes(self.audience),
            referral=codes(self.referral),
            cost=self.cost if self.cost in COST_FILTERS else "",
            language=self.language if CODE_RE.fullmatch(self.language or "") else "",
            open_now=bool(self.open_now),
        )

    @property
    def any(self) -> bool:
        return bool(
            self.types
            or self.delivery
            or self.audience
            or self.referral
            or self.cost
            or self.language
            or self.open_now
        )


@dataclass
class Hit:
    service: Service
    hours: selectors.Hours
    location: object | None = None
    distance_km: float | None = None
    rank: float | None = None
    # Staff "try a search" page only: why this result matched (why_matched).
    why: list[str] = field(default_factory=list)


@dataclass
class Explain:
    backend: str
    words: list[str] = field(default_factory=list)
    synonyms: list[str] = field(default_factory=list)
    synonym_terms: list[str] = field(default_factory=list)
    tsquery: str = ""
    notes: list[str] = field(default_factory=list)


@dataclass
class SearchResult:
    query: str
    place: Place | None
    filters: Filters
    radius_km: int
    talk_now: list[Hit]
    local: list[Hit]
    covering: list[Hit]
    total: int
    page: int
    pages: int
    explain: Explain
    messages: list[str] = field(default_factory=list)
    # Lines that may be open but whose hours are not confirmed ("try calling").
    talk_now_unconfirmed: list[Hit] = field(default_factory=list)
    # The words name a crisis (SearchSynonym.is_crisis): crisis lines are pinned first.
    crisis: bool = False
    # The words ask about himself (SearchSynonym.leads_to_self_check): the self-check is offered first.
    self_check: bool = False
    # National and state lines the words match, when a place narrowed the local results.
    lines: list[Hit] = field(default_factory=list)
    # No listing matched every word: these are the words the results match any of.
    matched_words: list[str] = field(default_factory=list)

    @property
    def first_results(self) -> list[Hit]:
        """What was found, in page order (local, then phone and online lines, then covering)."""
        return [*self.local, *self.lines, *self.covering]

    @property
    def talk_now_first(self) -> list[Hit]:
        """The lines shown before "More lines open now": at least three, and every crisis line that
        leads the list (they are never folded away)."""
        leading = 0
        for hit in self.talk_now:
            if not hit.service.is_crisis_line:
                break
            leading += 1
        return self.talk_now[: max(TALK_NOW_VISIBLE, leading)]

    @property
    def talk_now_more(self) -> list[Hit]:
        return self.talk_now[len(self.talk_now_first) :]

    @property
    def has_previous(self) -> bool:
        return self.page > 1

    @property
    def capped(self) -> bool:
        """There may be more matches than the `total` we stopped counting at ("200+ found")."""
        return self.total >= LOCAL_CANDIDATES

    @property
    def has_next(self) -> bool:
        return self.page < self.pages


# --- Query text -----------------------------------------------------------------------------------------


def clean_query(text: str) -> str:
    """Printable text only, at most MAX_QUERY_CHARS characters, single spaces."""
    text = "".join(ch for ch in (text or "")[: MAX_QUERY_CHARS * 4] if unicodedata.category(ch)[0] != "C")
    return re.sub(r"\s+", " ", text).strip()[:MAX_QUERY_CHARS]


def fold_accents(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text)
    return "".join(c for c in folded if not unicodedata.combining(c))


def query_words(text: str) -> list[str]:
    """Plain search words (letters and digits), without stop words, for matching and synonyms."""
    folded = fold_accents(text).lower()
    return re.findall(r"[a-z0-9]+", folded)[: MAX_WORDS * 2]


@dataclass(frozen=True)
class Synonym:
    phrase: str
    term_ids: tuple[int, ...]
    term_codes: tuple[str, ...]
    expands_to: str
    term_taxonomies: tuple[str, ...] = ()
    is_crisis: bool = False
    leads_to_self_check: bool = False


def synonyms_all() -> list[Synonym]:
    """Active synonyms, cached (one query when the cache is cold; staff edits clear it)."""
    cached = cache.get(SYNONYM_CACHE_KEY)
    if cached is not None:
        return cached
    by_phrase: dict[str, Synonym] = {}
    rows = SearchSynonym.objects.filter(is_active=True).values_list(
        "phrase",
        "expands_to",
        "is_crisis",
        "leads_to_self_check",
        "terms__pk",
        "terms__code",
        "terms__taxonomy__slug",
    )
    for phrase, expands, crisis, self_check, term_id, code, taxonomy in rows:
        current = by_phrase.get(phrase) or Synonym(
            phrase, (), (), expands, is_crisis=crisis, leads_to_self_check=self_check
        )
        if term_id is not None:
            current = replace(
                current,
                term_ids=(*current.term_ids, term_id),
                term_codes=(*current.term_codes, code),
                term_taxonomies=(*current.term_taxonomies, taxonomy),
            )
        by_phrase[phrase] = current
    value = sorted(by_phrase.values(), key=lambda s: -len(s.phrase))
    cache.set(SYNONYM_CACHE_KEY, value, 300)
    return value


def synonyms_matching(words: list[str]) -> list[Synonym]:
    text = f" {' '.join(words)} "
    return [s for s in synonyms_all() if f" {s.phrase} " in text]


# --- SQL pieces -----------------------------------------------------------------------------------------


class GreatCircleKm(Func):
    """Haversine distance in km from a fixed point to a row's latitude and longitude columns, in SQL
    that PostgreSQL and SQLite both run (Django adds the maths functions to SQLite). One node with
    its SQL spelt out: built from Django's Sin/Cos/Power/... it was some twenty nodes to resolve and
    compile on every search."""

    output_field = FloatField()

    def __init__(self, latitude: float, longitude: float, lat_field: str, lon_field: str):
        super().__init__(F(lat_field), F(lon_field))
        self.latitude, self.longitude = latitude, longitude

    def as_sql(self, compiler, connection, **extra_context):
        (lat, lat_params), (lon, lon_params) = (compiler.compile(e) for e in self.get_source_expressions())
        least = "MIN" if connection.vendor == "sqlite" else "LEAST"  # SQLite's MIN(a, b) is a scalar
        # LEAST(): rounding can push the haversine term a hair above 1, outside asin's domain.
        sql = (
            f"(2 * {EARTH_RADIUS_KM} * ASIN(SQRT({least}("
            f"POWER(SIN(RADIANS({lat} - %s) / 2), 2)"
            f" + %s * COS(RADIANS({lat})) * POWER(SIN(RADIANS({lon} - %s) / 2), 2), 1.0))))"
        )
        params = (
            *lat_params,
            self.latitude,
            math.cos(math.radians(self.latitude)),
            *lat_params,
            *lon_params,
            self.longitude,
        )
        return sql, params


def great_circle_km(lat: float, lon: float, lat_field: str, lon_field: str) -> GreatCircleKm:
    """Haversine distance in km as an SQL expression (PostgreSQL and SQLite alike)."""
    return GreatCircleKm(lat, lon, lat_field, lon_field)


def bounding_box(lat: float, lon: float, km: float) -> tuple[float, float, float, float]:
    dlat = km / 111.0
    dlon = km / (111.0 * max(math.cos(math.radians(lat)), 0.01))
    return lat - dlat, lat + dlat, lon - dlon, lon + dlon


class EarthPoint(Func):
    """A latitude and longitude (degrees) as a 3-D point on the unit sphere, in PostgreSQL's `cube` type.

    Migrations 0006 (Location) and 0007 (SearchPoint) index exactly this expression (GiST); they must
    stay identical, or PostgreSQL cannot use the index (a test checks the plan). Written as one node
    with its SQL spelt out: built from Django's Cos/Sin/Radians it was some thirty nodes to resolve
    and compile on every search.
    """

    output_field = FloatField()  # never read back; Django only needs some type for the expression

    def __init__(self, latitude, longitude):
        super().__init__(latitude, longitude)

    def as_sql(self, compiler, connection, **extra_context):
        (lat, lat_params), (lon, lon_params) = (compiler.compile(e) for e in self.get_source_expressions())
        sql = (
            f"cube(cube(cube(cos(radians({lat})) * cos(radians({lon}))),"
            f" cos(radians({lat})) * sin(radians({lon}))), sin(radians({lat})))"
        )
        return sql, (*lat_params, *lon_params, *lat_params, *lon_params, *lat_params)


def unit_sphere(latitude: float, longitude: float) -> tuple[float, float, float]:
    """What EarthPoint computes in SQL, for a point known here."""
    lat, lon = math.radians(latitude), math.radians(longitude)
    return (math.cos(lat) * math.cos(lon), math.cos(lat) * math.sin(lon), math.sin(lat))


class CubeBox(Func):
    """A constant cube from its lower-left and upper-right corners (equal corners: a point)."""

    output_field = FloatField()

    def __init__(self, low: tuple[float, ...], high: tuple[float, ...]):
        super().__init__()
        self.low, self.high = list(low), list(high)

    def as_sql(self, compiler, connection, **extra_context):
        return "cube(%s::float8[], %s::float8[])", (self.low, self.high)


class _Operator(Func):
    template = "(%(expressions)s)"


class CubeDistance(_Operator):
    """Straight-line distance between two cube points (`<->`, answered nearest-first by the index)."""

    arg_joiner = " <-> "
    output_field = FloatField()


class CubeWithin(_Operator):
    """The first cube lies inside the second (`<@`, answered by the index)."""

    arg_joiner = " <@ "
    output_field = BooleanField()


def chord_for_km(km: float) -> float:
    """The straight-line distance through a unit sphere between two points `km` apart on the surface."""
    return 2 * math.sin(km / (2 * EARTH_RADIUS_KM))


def km_for_chord(chord):
    """The inverse of chord_for_km, as an SQL expression."""
    return ExpressionWrapper(
        2 * EARTH_RADIUS_KM * ASin(Least(chord / 2, Value(1.0))), output_field=FloatField()
    )


TERMS_CACHE_KEY = "services_directory:term-ids:v1"


def term_ids(codes: tuple[str, ...], taxonomy: str) -> list[int]:
    """Term ids for codes, from a cached map (one query when cold). Filtering by constant ids lets
    PostgreSQL use its statistics for each term: "in person" matches most rows, "MBCP" few."""
    mapping = cache.get(TERMS_CACHE_KEY)
    if mapping is None:
        mapping = {
            f"{tax}/{code}": pk
            for pk, code, tax in TaxonomyTerm.objects.values_list("pk", "code", "taxonomy__slug")
        }
        cache.set(TERMS_CACHE_KEY, mapping, 300)
    return [mapping[f"{taxonomy}/{c}"] for c in codes if f"{taxonomy}/{c}" in mapping]


TERM_FILTERS = (
    ("types", "service-type"),
    ("delivery", "delivery"),
    ("audience", "audience"),
    ("referral", "referral"),
)


def _conditions(filters: Filters, *, has_term_ids, cost_field: str, service_ref: str) -> Q:
    """The filters as one Q: `has_term_ids(ids)` matches a row tagged with any of the ids, cost is read
    from `cost_field`, and `service_ref` names the service for the language check."""
    q = Q()
    for attribute, taxonomy in TERM_FILTERS:
        codes = getattr(filters, attribute)
        if codes:
            q &= has_term_ids(term_ids(codes, taxonomy))
    if filters.cost in COST_FILTERS:
        q &= Q(**{f"{cost_field}__in": COST_FILTERS[filters.cost]})
    if filters.language:
        q &= Q(Exists(Language.objects.filter(service=OuterRef(service_ref), code=filters.language)))
    return q


def _service_has_term_ids(outer: str):
    """has_term_ids for a Service (outer = "pk") or a related row (outer = "service")."""
    return lambda ids: Q(Exists(ServiceAttribute.objects.filter(service=OuterRef(outer), term_id__in=ids)))


def filter_conditions(filters: Filters, outer: str) -> Q:
    """The filters as one Q over a Service (outer = "pk") or a related row (outer = "service")."""
    prefix = "" if outer == "pk" else "service__"
    return _conditions(
        filters, has_term_ids=_service_has_term_ids(outer), cost_field=f"{prefix}cost", service_ref=outer
    )


def _point_has_term_ids(ids: list[int]) -> Q:
    """A search point tagged with any of these term ids (its `term_ids` is space-padded)."""
    if not ids:
        return Q(pk__in=[])  # matches nothing, as an unknown code should
    q = Q()
    for term in ids:
        q |= Q(term_ids__contains=f" {term} ")
    return q


def point_conditions(filters: Filters) -> Q:
    """The filters as one Q over a SearchPoint (its own term ids and cost; no join)."""
    return _conditions(filters, has_term_ids=_point_has_term_ids, cost_field="cost", service_ref="service")


class PostgresBackend:
    name = "postgresql"
    # Set for the partial-match pass; the query is then "word or word" (websearch syntax).
    any_word = False
    # The local candidates carry a summary of their hours (SearchPoint.opening): "open now" needs no
    # further query.
    opening_summaries = True

    @staticmethod
    def nearest(rows: QuerySet, place: Place, radius_km: float, prefix: str) -> QuerySet:
        """`rows` within `radius_km` of `place`, nearest first, annotated with `distance` (km).

        The cube index is walked in distance order and the walk stops at the caller's LIMIT; the
        enlarged cube around the centre bounds it, so a place with few neighbours does not walk the
        whole country. `chord <= limit` is exact: chord length grows with distance along the surface.
        cube's `<@` has a fixed selectivity guess (0.1% of the table), so the planner expects a few
        hundred locations where a city has tens of thousands; the walk is chosen over loading them all
        because the connection sets random_page_cost = 1.1 (config/settings.py). A test checks the plan.
        """
        point = unit_sphere(place.latitude, place.longitude)
        centre = CubeBox(point, point)
        here = EarthPoint(F(f"{prefix}latitude"), F(f"{prefix}longitude"))
        limit = chord_for_km(radius_km)
        box = CubeBox([c - limit for c in point], [c + limit for c in point])
        return (
            rows.alias(chord=CubeDistance(here, centre))
            .filter(CubeWithin(here, box), chord__lte=limit)
            .annotate(distance=km_for_chord(F("chord")))
            .order_by("chord")
        )

    def local_candidates(
        self,
        *,
        query: str,
        words: list[str],
        synonyms: list[Synonym],
        filters: Filters,
        demo: bool,
        place,
        radius_km,
    ) -> tuple[QuerySet, object]:
        """Search points (one narrow row per located service) matching the filters and words, nearest
        first, and the relevance expression (None without words). Each candidate is decided from its
        own row while the GiST index is walked: no join to locations, services or attributes."""
        rows = SearchPoint.objects.all() if demo else SearchPoint.objects.filter(is_demo=False)
        rows = rows.filter(point_conditions(filters))
        rank = None
        if query:
            condition, rank = self._match(query, synonyms, "search_vector", _point_has_term_ids)
            rows = rows.filter(condition)
        return self.nearest(rows, place, radius_km, prefix=""), rank

    def text_match(self, query: str, words: list[str], synonyms: list[Synonym], prefix: str, outer: str):
        return self._match(query, synonyms, f"{prefix}search_vector", _service_has_term_ids(outer))

    def _match(self, query: str, synonyms: list[Synonym], vector: str, has_term_ids):
        """The words (and synonym words) against the search vector in `vector`, or a row tagged with a
        synonym's terms (`has_term_ids`); and the relevance, ts_rank plus 0.3 for such a tag."""
        from django.contrib.postgres.search import SearchRank

        ts = self.tsquery(query, synonyms)
        condition = Q(**{vector: ts})
        rank = SearchRank(F(vector), ts)
        tagged_ids = sorted({t for s in synonyms for t in s.term_ids})
        if tagged_ids:
            tagged = has_term_ids(tagged_ids)
            condition |= tagged
            # A service tagged with what the words mean ranks like a good name match.
            rank = rank + Case(When(tagged, then=Value(0.3)), default=Value(0.0), output_field=FloatField())
        return condition, rank

    @staticmethod
    def tsquery(query: str, synonyms: list[Synonym]):
        """websearch_to_tsquery(q) || plainto_tsquery(synonym words).

        Accents are folded here rather than with unaccent() in SQL: with constant arguments the
        (immutable) tsquery functions are computed once at plan time instead of once per row.
        """
        from django.contrib.postgres.search import SearchQuery

        ts = SearchQuery(fold_accents(query), search_type="websearch", config="english")
        for synonym in synonyms:
            if synonym.expands_to.strip():
                ts = ts | SearchQuery(fold_accents(synonym.expands_to), search_type="plain", config="english")
        return ts

    def candidates(self, query: str, synonyms: list[Synonym], limit: int) -> Q:
        """Nationwide: at most `limit` rows from the GIN index, and as many tagged with a synonym's
        terms, unranked. Two index scans instead of a scan of every service."""
        # order_by(): no sort, any `limit` matches will do (Service's default ordering would sort them all).
        ids = (
            Service.objects.filter(search_vector=self.tsquery(query, synonyms))
            .order_by()
            .values("pk")[:limit]
        )
        term_ids = sorted({t for s in synonyms for t in s.term_ids})
        if term_ids:
            # One IN over a UNION: an OR of two IN (...) makes PostgreSQL scan every service.
            ids = ids.union(
                ServiceAttribute.objects.filter(term_id__in=term_ids).order_by().values("service_id")[:limit]
            )
        return Q(pk__in=Subquery(ids))

    @staticmethod
    def known_words(words: list[str], *, demo: bool) -> list[str]:
        """The words some visible listing holds: one query, one GIN index probe per word (uncorrelated
        EXISTS, computed once)."""
        from django.contrib.postgres.search import SearchQuery

        visible = Service.objects.visible(demo=demo).order_by()
        probes = {
            f"w{i}": Exists(
                visible.filter(
                    search_vector=SearchQuery(fold_accents(w), search_type="plain", config="english")
                )
            )
            for i, w in enumerate(words)
        }
        row = Service.objects.order_by().annotate(**probes).values(*probes).first() or {}
        return [w for i, w in enumerate(words) if row.get(f"w{i}")]

    def tsquery_text(self, query: str, synonyms: list[Synonym]) -> str:
        parts = ["websearch_to_tsquery('english', %s)"]
        params = [fold_accents(query)]
        for synonym in synonyms:
            if synonym.expands_to.strip():
                parts.append("plainto_tsquery('english', %s)")
                params.append(fold_accents(synonym.expands_to))
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT ({' || '.join(parts)})::text", params)
            return cursor.fetchone()[0]


class FallbackBackend:
    """Portable word matching for SQLite (and any other database)."""

    name = "fallback"
    opening_summaries = False
    any_word = False
    FIELDS = (("name", 4), ("keywords", 2), ("summary", 1), ("description", 1))

    @staticmethod
    def nearest(rows: QuerySet, place: Place, radius_km: float, prefix: str) -> QuerySet:
        """As PostgresBackend.nearest: a bounding box (latitude, longitude index), then the distance."""
        south, north, west, east = bounding_box(place.latitude, place.longitude, radius_km)
        return (
            rows.filter(
                **{f"{prefix}latitude__range": (south, north), f"{prefix}longitude__range": (west, east)}
            )
            .annotate(
                distance=great_circle_km(
                    place.latitude, place.longitude, f"{prefix}latitude", f"{prefix}longitude"
                )
            )
            .filter(distance__lte=radius_km)
            .order_by("distance")
        )

    def local_candidates(
        self,
        *,
        query: str,
        words: list[str],
        synonyms: list[Synonym],
        filters: Filters,
        demo: bool,
        place,
        radius_km,
    ) -> tuple[QuerySet, object]:
        """As PostgresBackend.local_candidates, over the source tables (no search points here)."""
        rows = ServiceAtLocation.objects.filter(_visible("service__", demo)).filter(
            filter_conditions(filters, "service")
        )
        rank = None
        if query:
            condition, rank = self.text_match(query, words, synonyms, prefix="service__", outer="service")
            rows = rows.filter(condition)
        return self.nearest(rows, place, radius_km, prefix="location__"), rank

    def text_match(self, query: str, words: list[str], synonyms: list[Synonym], prefix: str, outer: str):
        words = [w for w in words if w not in STOP_WORDS][:MAX_WORDS]
        condition = Q()
        score = Value(0, output_field=IntegerField())
        for word in words:
            any_field = Q()
            for name, weight in self.FIELDS:
                lookup = Q(**{f"{prefix}{name}__icontains": word})
                any_field |= lookup
                score = score + Case(
                    When(lookup, then=Value(weight)), default=Value(0), output_field=IntegerField()
                )
            # Every word must match; in the partial-match pass, any of them (more of them rank higher).
            condition = (condition | any_field) if self.any_word and condition else condition & any_field
        for synonym in synonyms:
            for word in query_words(synonym.expands_to):
                condition |= Q(**{f"{prefix}name__icontains": word}) | Q(
                    **{f"{prefix}description__icontains": word}
                )
        term_ids = sorted({t for s in synonyms for t in s.term_ids})
        if term_ids:
            tagged = Exists(ServiceAttribute.objects.filter(service=OuterRef(outer), term_id__in=term_ids))
            condition |= Q(tagged)
            score = score + Case(When(tagged, then=Value(3)), default=Value(0), output_field=IntegerField())
        rank = ExpressionWrapper(score / 10.0, output_field=FloatField())
        return condition, rank

    def candidates(self, query: str, synonyms: list[Synonym], limit: int) -> Q:
        condition, _ = self.text_match(query, query_words(query), synonyms, prefix="", outer="pk")
        return Q(pk__in=Subquery(Service.objects.filter(condition).order_by().values("pk")[:limit]))

    def known_words(self, words: list[str], *, demo: bool) -> list[str]:
        """The words some visible listing holds (one query)."""
        from django.db.models import Max

        rows = Service.objects.visible(demo=demo)
        flags = {
            f"w{i}": Max(
                Case(
                    When(
                        Q(name__icontains=w)
                        | Q(keywords__icontains=w)
                        | Q(summary__icontains=w)
                        | Q(description__icontains=w),
                        then=Value(1),
                    ),
                    default=Value(0),
                    output_field=IntegerField(),
                )
            )
            for i, w in enumerate(words)
        }
        found = rows.aggregate(**flags) if flags else {}
        return [w for i, w in enumerate(words) if found.get(f"w{i}")]

    def tsquery_text(self, query: str, synonyms: list[Synonym]) -> str:
        return ""


def backend():
    return PostgresBackend() if connection.vendor == "postgresql" else FallbackBackend()


# --- The entry point ------------------------------------------------------------------------------------


def search_services(
    *,
    query: str,
    place: Place | None,
    filters: Filters,
    page: int,
    radius_km: int = DEFAULT_RADIUS_KM,
    now: datetime.datetime | None = None,
    demo: bool | None = None,
    explain: bool = False,
    pin_crisis: bool = False,
) -> SearchResult:
    """Search the directory. Never raises for odd input: bad values become messages.

    Queries, whatever the number of results: synonyms and term ids (0-2, cached), covering (1), local
    candidates + page rows (2, and 3 more for "open now" on the fallback, which has no search points),
    display prefetch (3), and for the staff page (`explain`) the attributes and terms (1-2) and the
    tsquery text (1). In the first search of a minute from a state in each process, the talk-now
    lines: 1 to 5 queries to work them out, 1 + 3 to load them.
    """
    now = now or timezone.now()
    demo = settings.DEMO if demo is None else demo
    filters = filters.sanitised()
    radius_km = radius_km if radius_km in RADIUS_CHOICES else DEFAULT_RADIUS_KM
    messages: list[str] = []
    query = clean_query(query)
    words = query_words(query)
    engine = backend()
    info = Explain(backend=engine.name)
    if query and not [w for w in words if w not in STOP_WORDS]:
        # Only stop words, punctuation, emoji or letters we do not index: say so, and show what a place
        # alone finds (and always the lines to call now).
        messages.append(
            "We could not use those search words. Try a word like counselling, anger, court or"
            " relationship, or just your postcode."
        )
        query, words = "", []
    synonyms = synonyms_matching(words) if words else []
    info.words = words
    info.synonyms = [s.phrase for s in synonyms]
    info.synonym_terms = sorted({c for s in synonyms for c in s.term_codes})
    if explain and query:
        info.tsquery = engine.tsquery_text(query, synonyms)

    # 1. Talk to someone now: phone or chat, covering the visitor's state or the nation, open now (and
    # a second group whose hours are not confirmed), chosen for what the visitor asked.
    crisis = any(s.is_crisis for s in synonyms)
    self_check = any(s.leads_to_self_check for s in synonyms)
    ask = TalkNowAsk.of(words=words, synonyms=synonyms, filters=filters, crisis=crisis or pin_crisis)
    lines_now = talk_now_shown(place=place, now=now, demo=demo, ask=ask)
    talk_now = lines_now.open
    talk_now_ids = [hit.service.pk for hit in talk_now]

    # 2-4. Local services, services covering the area, and (with a place and words) the national and
    # state lines the words match.
    # What both the full and the relaxed search below share.
    shared = {
        "synonyms": synonyms,
        "filters": filters,
        "place": place,
        "radius_km": radius_km,
        "page": page,
        "now": now,
        "demo": demo,
        "talk_now_ids": talk_now_ids,
        "messages": messages,
        "crisis": crisis,
    }
    found = _find(engine, query=query, words=words, **shared)
    matched_words: list[str] = []
    if query and found.empty:
        # One unknown word must not empty the page: keep the words some listing holds, and match any of
        # them, ranked (more of them, and better, first). Never the whole directory: a row must match
        # one of the words or a synonym.
        content = list(dict.fromkeys(w for w in words if w not in STOP_WORDS))[:MAX_WORDS]
        known = engine.known_words(content, demo=demo) if len(content) > 1 else []
        if known:
            relaxed = " or ".join(known)
            found = _find(engine, query=relaxed, words=known, any_word=True, **shared)
            if not found.empty:
                matched_words = known
                info.notes.append(f"No listing matched every word; matched any of: {', '.join(known)}")
                if explain:
                    info.tsquery = engine.tsquery_text(relaxed, synonyms)
    local_rows, total, page, pages = found.local_rows, found.total, found.page, found.pages
    covering_services, line_services = found.covering, found.lines

    # One pass loads phones, hours and closures for everything shown (and for the staff page, which
    # lists each result's types, their terms).
    shown = [*covering_services, *line_services, *[_service_of(r) for r in local_rows]]
    selectors.prefetch_for_results(shown, with_terms=explain)

    local = [_hit(row, now, place) for row in local_rows]
    if filters.open_now:
        # Decided above from copies of the hours (search points) that a write bypassing the refresh
        # could leave stale until the nightly rebuild: what the page shows comes from the hours
        # themselves, so a row shown under "open now" never says "Closed now".
        local = [h for h in local if h.hours.is_open]
    covering_hits = [
        Hit(service=s, hours=selectors.service_hours(s, now=now, place=place)) for s in covering_services
    ]
    line_hits = [
        Hit(service=s, hours=selectors.service_hours(s, now=now, place=place), rank=getattr(s, "rank", None))
        for s in line_services
    ]
    if filters.open_now:
        covering_hits = [h for h in covering_hits if h.hours.is_open]
        line_hits = [h for h in line_hits if h.hours.is_open]

    if explain:
        for hit in [*local, *line_hits, *covering_hits]:
            hit.why = why_matched(hit, words=matched_words or words, synonyms=synonyms)
        talk_now = [replace(hit, why=_why_talk_now(hit, ask)) for hit in talk_now]

    return SearchResult(
        query=query,
        place=place,
        filters=filters,
        radius_km=radius_km,
        talk_now=talk_now,
        talk_now_unconfirmed=lines_now.unconfirmed,
        crisis=crisis,
        self_check=self_check,
        local=local,
        covering=covering_hits,
        lines=line_hits,
        matched_words=matched_words,
        total=total,
        page=page,
        pages=pages,
        explain=info,
        messages=messages,
    )


def why_matched(hit: Hit, *, words: list[str], synonyms: list[Synonym]) -> list[str]:
    """For staff: why a result matched, in plain words: the search words found in its name, summary or
    description (PostgreSQL matches word stems, so a stem is looked for), the synonyms whose terms it
    carries, its rank and distance. Worked out from what is already loaded (attributes and terms are
    prefetched for the staff page), so it adds no query."""
    service = hit.service
    reasons = []
    fields = (("name", service.name), ("summary", service.summary), ("description", service.description))
    for word in dict.fromkeys(w for w in words if w not in STOP_WORDS):
        stem = word[: max(4, len(word) - 3)] if len(word) > 4 else word
        where = [label for label, text in fields if stem in fold_accents(text or "").lower()]
        if where:
            reasons.append(f"word “{word}” in {', '.join(where)}")
    terms = (
        {(a.term.taxonomy.slug, a.term.code) for a in service.attributes.all()}
        if _has_attributes(service)
        else set()
    )
    for synonym in synonyms:
        carried = [
            code
            for taxonomy, code in zip(synonym.term_taxonomies, synonym.term_codes, strict=True)
            if (taxonomy, code) in terms
        ]
        if carried:
            reasons.append(f"synonym “{synonym.phrase}” → tagged {', '.join(carried)}")
        elif synonym.expands_to.strip():
            expanded = [
                w
                for w in query_words(synonym.expands_to)
                if any(w[:4] in fold_accents(t or "").lower() for _, t in fields)
            ]
            if expanded:
                reasons.append(f"synonym “{synonym.phrase}” → words {' '.join(expanded)}")
    if hit.distance_km is not None:
        reasons.append(f"{hit.distance_km:.1f} km away")
    if not reasons:
        reasons.append("matched the filters (or words in keywords or type names)")
    return reasons


def _has_attributes(service: Service) -> bool:
    return "attributes" in getattr(service, "_prefetched_objects_cache", {})


def _why_talk_now(hit: Hit, ask: TalkNowAsk) -> list[str]:
    service = hit.service
    reasons = []
    if service.is_crisis_line:
        reasons.append("crisis line: never cut" + ("; pinned first (crisis words)" if ask.crisis else ""))
    reasons.append(f"staff priority {service.talk_now_priority}")
    if not hit.hours.known:
        reasons.append("hours not confirmed: second group")
    return reasons


@dataclass
class _Found:
    local_rows: list
    total: int
    page: int
    pages: int
    covering: list[Service]
    lines: list[Service]

    @property
    def empty(self) -> bool:
        return not (self.local_rows or self.covering or self.lines)


def _find(
    engine,
    *,
    query: str,
    words: list[str],
    synonyms: list[Synonym],
    filters: Filters,
    place: Place | None,
    radius_km: int,
    page: int,
    now: datetime.datetime,
    demo: bool,
    talk_now_ids: list[int],
    messages: list[str],
    any_word: bool = False,
    crisis: bool = False,
) -> _Found:
    """Local results (one page), the services covering the area, and the national and state lines the
    words match; `any_word`: a row matches any of the words instead of all of them; `crisis`: crisis
    lines rank first among lines and nationwide results."""
    first = ("-is_crisis_line",) if crisis else ()
    engine.any_word = any_word
    services = Service.objects.visible(demo=demo)
    local_rows: list = []
    total = 0
    covering_services: list[Service] = []
    line_services: list[Service] = []
    text = bool(query)
    page_messages: list[str] = []
    if place is not None:
        south, north, west, east = bounding_box(place.latitude, place.longitude, radius_km)
        nearby, rank = engine.local_candidates(
            query=query,
            words=words,
            synonyms=synonyms,
            filters=filters,
            demo=demo,
            place=place,
            radius_km=radius_km,
        )

        # 3. Services that cover this area without a location nearby (postcode lists, radius areas).
        wide = bounding_box(place.latitude, place.longitude, MAX_AREA_RADIUS_KM)
        radius_areas = (
            ServiceArea.objects.filter(
                scope=AreaScope.RADIUS,
                latitude__range=wide[:2],
                longitude__range=wide[2:],
            )
            .annotate(km=great_circle_km(place.latitude, place.longitude, "latitude", "longitude"))
            .filter(km__lte=F("radius_km"))
        )
        postcode_areas = ServiceArea.objects.filter(
            scope=AreaScope.POSTCODES, postcodes__contains=f" {place.postcode} "
        )
        covering_qs = (
            # Areas first (trigram and scope indexes), then their services: an OR of two EXISTS
            # over every service would scan them all.
            services.filter(
                pk__in=Subquery(postcode_areas.values("service_id").union(radius_areas.values("service_id")))
            )
            .exclude(pk__in=talk_now_ids)
            .exclude(
                Exists(
                    ServiceAtLocation.objects.filter(
                        service=OuterRef("pk"),
                        location__latitude__range=(south, north),
                        location__longitude__range=(west, east),
                    )
                )
            )
            .filter(filter_conditions(filters, "pk"))
            .defer(*NOT_SHOWN)
        )
        if text:
            # One text condition (and rank) for the covering services and the lines.
            service_condition, service_rank = engine.text_match(query, words, synonyms, prefix="", outer="pk")
            covering_qs = covering_qs.filter(service_condition)
        covering_services = list(covering_qs.order_by("name")[:COVERING_MAX]) if page <= 1 else []
        if text and page <= 1:
            # 4. National and state lines the words match: a place narrows local results, never these.
            # Driven from the few national and state areas (scope index), then their services.
            wide_areas = ServiceArea.objects.filter(
                Q(scope=AreaScope.NATIONAL) | Q(scope=AreaScope.STATE, states__contains=f" {place.state} ")
            )
            line_services = list(
                services.filter(pk__in=Subquery(wide_areas.values("service_id")))
                .filter(filter_conditions(filters, "pk"))
                .filter(service_condition)
                .annotate(rank=service_rank)
                .defer(*NOT_SHOWN)
                .order_by(*first, "-rank", "-talk_now_priority", "name")[:LINES_MAX]
            )
        local_rows, total, page, pages = _local_page(
            nearby, rank, filters, page, now, place, page_messages, summaries=engine.opening_summaries
        )
    elif query or filters.any:
        # Nationwide: bounded. Take matching rows from the index unranked, then rank only those.
        matching = services.filter(filter_conditions(filters, "pk"))
        if text:
            _, rank = engine.text_match(query, words, synonyms, prefix="", outer="pk")
            matching = matching.filter(engine.candidates(query, synonyms, NATIONWIDE_CANDIDATES))
        candidates = Service.objects.filter(
            pk__in=Subquery(matching.order_by().values("pk")[:NATIONWIDE_CANDIDATES])
        )
        if text:
            # No place, so no state: a line for one state only ranks at half its relevance (the WA
            # men's line is not the first answer for a man who may be in Victoria). The state areas
            # are few: PostgreSQL reads them once (hashed subquery), no query more.
            state_only = Case(
                When(
                    pk__in=Subquery(ServiceArea.objects.filter(scope=AreaScope.STATE).values("service_id")),
                    then=Value(0.5),
                ),
                default=Value(1.0),
                output_field=FloatField(),
            )
            # And help a man can use from anywhere comes before a program in one town: national
            # lines, then state lines, then the rest (a place narrows those; the page asks for one).
            reach = Case(
                When(
                    pk__in=Subquery(
                        ServiceArea.objects.filter(scope=AreaScope.NATIONAL).values("service_id")
                    ),
                    then=Value(2),
                ),
                When(
                    pk__in=Subquery(ServiceArea.objects.filter(scope=AreaScope.STATE).values("service_id")),
                    then=Value(1),
                ),
                default=Value(0),
                output_field=IntegerField(),
            )
            candidates = candidates.annotate(rank=rank * state_only, reach=reach).order_by(
                *first, "-reach", "-rank", "-talk_now_priority", "name", "pk"
            )
        else:
            candidates = candidates.order_by("name", "pk")
        local_rows, total, page, pages = _paginate(
            candidates, filters, page, now, place, page_messages, ranked=text
        )
    else:
        page, pages = 1, 1
    engine.any_word = False
    found = _Found(local_rows, total, page, pages, covering_services, line_services)
    if not found.empty or not any_word:
        messages.extend(page_messages)
    return found


TALK_NOW_CACHE_SECONDS = 60
# Audiences narrower than "any man who calls": a line only for these (Kids Helpline, QLife, 13YARN) is
# shown when the search or the filters ask for that group, never in place of a crisis line.
NARROW_AUDIENCES = frozenset({"young-people", "lgbtiq", "aboriginal-torres-strait-islander"})
BROAD_AUDIENCES = frozenset({"men", "men-using-violence", "partners"})


@dataclass(frozen=True)
class TalkNowLine:
    """What choosing and ordering a talk-now line needs, for one state and minute (cached)."""

    pk: int
    priority: int
    crisis: bool
    hours_known: bool
    narrow: bool
    # "taxonomy/code" of its terms, and the words of its name and keywords: what a search can ask for.
    codes: frozenset[str]
    words: frozenset[str]
    fallback_order: tuple[int, str]
    # Its narrower-audience terms ("audience/young-people"), which a search can ask for.
    narrow_codes: frozenset[str] = frozenset()


@dataclass(frozen=True)
class TalkNowAsk:
    """What the visitor asked that changes the talk-now block (no query, no cache key part)."""

    crisis: bool = False
    codes: frozenset[str] = frozenset()
    words: frozenset[str] = frozenset()

    @classmethod
    def of(cls, *, words: list[str], synonyms: list[Synonym], filters: Filters, crisis: bool) -> TalkNowAsk:
        codes = {
            f"{tax}/{code}"
            for s in synonyms
            for tax, code in zip(s.term_taxonomies, s.term_codes, strict=True)
        }
        codes |= {f"audience/{c}" for c in filters.audience} | {f"service-type/{c}" for c in filters.types}
        return cls(
            crisis=crisis,
            codes=frozenset(codes),
            words=frozenset(w for w in words if len(w) > 2 and w not in STOP_WORDS),
        )

    def fits(self, line: TalkNowLine) -> bool:
        """The visitor asked for this line's group or kind of help, or named it."""
        if self.words and not self.words.isdisjoint(line.words):
            return True
        return line.narrow and not self.codes.isdisjoint(line.narrow_codes)


@dataclass
class TalkNow:
    """The talk-now block: lines open now, and lines whose hours are not confirmed (try calling)."""

    open: list[Hit]
    unconfirmed: list[Hit]


# Per process: this minute's talk-now lines (all candidates, ready to show), by talk-now key.
_talk_now_shown: dict[str, tuple[list[TalkNowLine], dict[int, Hit]]] = {}


def clear_process_caches() -> None:
    """Forget the talk-now lines this process keeps (tests call it between tests)."""
    _talk_now_shown.clear()


def _talk_now_key(place: Place | None, now: datetime.datetime, demo: bool) -> str:
    """State, zone, minute and listings version. Nothing of the search: what is cached is every line
    that may show, and which of them show for a search is chosen afterwards (talk_now_choose)."""
    zone = place.time_zone if place else ""
    state = place.state if place else ""
    minute = int(now.timestamp() // 60)
    return (
        f"services_directory:talk-now:v2:{selectors.directory_version()}:{int(demo)}:{state}:{zone}:{minute}"
    )


def talk_now_shown(
    *, place: Place | None, now: datetime.datetime, demo: bool, ask: TalkNowAsk | None = None
) -> TalkNow:
    """The talk-now lines for this search, with what a result shows loaded (phones, hours, closures).

    Every search from one state in one minute starts from the same lines, so each process keeps them
    for the minute: a search then spends no query on them, and choosing among them for what the
    visitor asked is done here in Python. Entries of earlier minutes are dropped. Shared between
    requests, so read-only.
    """
    key = _talk_now_key(place, now, demo)
    found = _talk_now_shown.get(key)
    if found is None:
        lines = talk_now_lines(place=place, now=now, demo=demo, key=key)
        by_pk = Service.objects.visible(demo=demo).defer(*NOT_SHOWN).in_bulk([line.pk for line in lines])
        services = [by_pk[line.pk] for line in lines if line.pk in by_pk]
        selectors.prefetch_for_results(services)
        hits = {
            s.pk: Hit(service=s, hours=selectors.service_hours(s, now=now, place=place)) for s in services
        }
        found = ([line for line in lines if line.pk in hits], hits)
        minute = key.rsplit(":", 1)[1]
        for old in [k for k in _talk_now_shown if not k.endswith(f":{minute}")]:
            _talk_now_shown.pop(old, None)
        _talk_now_shown[key] = found
    lines, hits = found
    return talk_now_choose(lines, hits, ask or TalkNowAsk())


def talk_now_choose(lines: list[TalkNowLine], hits: dict[int, Hit], ask: TalkNowAsk) -> TalkNow:
    """Which lines show, in what order.

    Open crisis lines always show (never cut by TALK_NOW_MAX); with crisis words they come first.
    Then lines that fit what was asked, then the rest by staff priority, up to TALK_NOW_MAX lines in
    all. Lines for a narrower group show only when they fit. Lines whose hours are not confirmed go in
    the second group, chosen the same way (they are never silently dropped).
    """
    # The lines may be up to a minute old (another process worked them out): a line that closed since
    # drops out here.
    open_lines = [line for line in lines if line.hours_known and hits[line.pk].hours.is_open]
    unknown = [line for line in lines if not line.hours_known]

    fits = {line.pk for line in lines if ask.fits(line)} if (ask.words or ask.codes) else set()

    def order(line: TalkNowLine):
        return (
            not (ask.crisis and line.crisis),
            not (line.pk in fits and not line.narrow),
            -line.priority,
            line.fallback_order,
        )

    def choose(group: list[TalkNowLine], limit: int) -> list[Hit]:
        wanted = [line for line in group if line.crisis or (line.narrow and line.pk in fits)]
        wanted_pks = {line.pk for line in wanted}
        others = sorted((ln for ln in group if ln.pk not in wanted_pks and not ln.narrow), key=order)
        chosen = wanted + others[: max(0, limit - len(wanted))]
        return [hits[line.pk] for line in sorted(chosen, key=order)]

    return TalkNow(open=choose(open_lines, TALK_NOW_MAX), unconfirmed=choose(unknown, TALK_NOW_MAX))


def talk_now_lines(
    *, place: Place | None, now: datetime.datetime, demo: bool, key: str | None = None
) -> list[TalkNowLine]:
    """Every line that may show first: phone or chat services covering the visitor's state or the
    nation, open now or with hours not confirmed, with what choosing among them needs.

    The same for every search from one state (and time zone) in the same minute, so it is cached per
    minute (shared by all processes): it was five of a search's thirteen queries and a fifth of its
    time. The key holds the state, zone, minute and listings version, nothing of the search (a caller
    that has it already passes it: working it out reads the version from Redis).
    """
    key = key or _talk_now_key(place, now, demo)
    cached = cache.get(key)
    if cached is not None:
        return cached
    coverage = Q(scope=AreaScope.NATIONAL)
    if place is not None:
        coverage |= Q(scope=AreaScope.STATE, states__contains=f" {place.state} ")
    candidates = list(
        Service.objects.visible(demo=demo)
        .filter(_service_has_term_ids("pk")(term_ids(REMOTE_DELIVERY, "delivery")))
        .filter(Exists(ServiceArea.objects.filter(coverage, service=OuterRef("pk"))))
        .prefetch_related("service_areas", "schedules", "closures")
        .order_by("-talk_now_priority", "name")[:TALK_NOW_CANDIDATES]
    )
    lines = _talk_now_candidates(candidates, now, place)
    cache.set(key, lines, TALK_NOW_CACHE_SECONDS)
    return lines


TALK_NOW_CANDIDATES = 60


def _talk_now_candidates(candidates: list[Service], now, place) -> list[TalkNowLine]:
    """The candidates open now or with unconfirmed hours (hours and areas already prefetched)."""
    kept = []
    for service in candidates:
        hours = selectors.service_hours(service, now=now, place=place)
        if hours.is_open or not hours.known:
            kept.append(service)
    codes: dict[int, set[tuple[str, str]]] = {s.pk: set() for s in kept}
    for service_id, taxonomy, code in ServiceAttribute.objects.filter(service__in=list(codes)).values_list(
        "service_id", "term__taxonomy__slug", "term__code"
    ):
        codes[service_id].add((taxonomy, code))
    lines = []
    for service in kept:
        audiences = {code for taxonomy, code in codes[service.pk] if taxonomy == "audience"}
        lines.append(
            TalkNowLine(
                pk=service.pk,
                priority=service.talk_now_priority,
                crisis=service.is_crisis_line,
                hours_known=bool(service.hours_known and service.schedules.all()),
                narrow=bool(audiences & NARROW_AUDIENCES) and not (audiences & BROAD_AUDIENCES),
                codes=frozenset(f"{t}/{c}" for t, c in codes[service.pk]),
                words=frozenset(query_words(f"{service.name} {service.alternate_name} {service.keywords}")),
                fallback_order=_talk_now_priority(service, codes[service.pk]),
                narrow_codes=frozenset(f"audience/{a}" for a in audiences & NARROW_AUDIENCES),
            )
        )
    return lines


def _talk_now_priority(service: Service, codes: set[tuple[str, str]]) -> tuple[int, str]:
    """Among lines of equal staff priority: lines for men who want to change how they act first, then
    state lines, then men's lines."""
    audiences = {code for taxonomy, code in codes if taxonomy == "audience"}
    score = 4 * ("men-using-violence" in audiences)
    score += 2 * bool(audiences) * audiences.issubset({"men", "men-using-violence"})
    score += 2 * any(a.scope == AreaScope.STATE for a in service.service_areas.all())
    score += ("service-type", "family-violence-support") in codes
    return -score, service.name


def _visible(prefix: str, demo: bool) -> Q:
    """Service.objects.visible() as a condition on a related row (joins instead of IN (SELECT ...))."""
    q = Q(**{f"{prefix}is_active": True})
    return q if demo else q & Q(**{f"{prefix}is_demo": False})


def _service_of(row) -> Service:
    return row.service if isinstance(row, ServiceAtLocation) else row


def _hit(row, now, place) -> Hit:
    service = _service_of(row)
    location = row.location if isinstance(row, ServiceAtLocation) else None
    return Hit(
        service=service,
        location=location,
        distance_km=getattr(row, "distance", None),
        rank=getattr(row, "rank", None),
        hours=selectors.service_hours(service, now=now, place=place, location=location),
    )


def _local_page(
    nearby: QuerySet, rank, filters: Filters, page: int, now, place, messages: list[str], *, summaries: bool
):
    """One page of local results: the LOCAL_CANDIDATES nearest matching rows (one query, ids and
    distances only), ranked here, then the page's rows loaded (one query).

    With free text the nearest candidates are ordered by relevance damped by distance
    (rank / (1 + km / DISTANCE_SCALE_KM)); without, by distance. "Open now" is decided in Python
    (zones, holidays, closures) over the best OPEN_NOW_CANDIDATES, from their hours alone: from the
    hours summary each candidate carries when `summaries` (search points), else read for them.
    """
    if rank is None:
        rank = Value(None, output_field=FloatField())
    columns = (
        ("pk", "distance", "rank", "opening")
        if filters.open_now and summaries
        else ("pk", "distance", "rank")
    )
    found = list(nearby.annotate(rank=rank).values_list(*columns)[:LOCAL_CANDIDATES])
    # Without text every rank is None and this is nearest first.
    found.sort(key=lambda r: (-(r[2] or 0.0) / (1.0 + r[1] / DISTANCE_SCALE_KM), r[1], r[0]))
    if filters.open_now:
        candidates = found[:OPEN_NOW_CANDIDATES]
        if summaries:
            is_open = selectors.open_now_from_summaries(
                [(r[0], r[3]) for r in candidates], now=now, place=place
            )
        else:
            is_open = selectors.open_now([r[0] for r in candidates], now=now, place=place)
        found = [c[:3] for c in candidates if c[0] in is_open]
    total = len(found)
    page, pages = _clamp(page, total, messages)
    shown = found[(page - 1) * PER_PAGE : page * PER_PAGE]
    return _load_local(shown), total, page, pages


def _load_local(found: list[tuple]) -> list[ServiceAtLocation]:
    """The rows for (pk, distance, rank) tuples, in that order, with `distance` and `rank` set."""
    by_pk = (
        ServiceAtLocation.objects.select_related("service", "location")
        .defer(*(f"service__{name}" for name in NOT_SHOWN))
        .in_bulk([pk for pk, *_ in found])
    )
    rows = []
    for pk, distance, rank in found:
        row = by_pk.get(pk)
        if row is not None:
            row.distance, row.rank = distance, rank
            rows.append(row)
    return rows


def _paginate(
    services: QuerySet, filters: Filters, page: int, now, place, messages: list[str], *, ranked: bool
):
    """Nationwide results: page through the best LOCAL_CANDIDATES services (`services` is sorted and,
    when `ranked`, annotated with `rank`), or for "open now" decide over the best OPEN_NOW_CANDIDATES,
    whose hours are loaded in one pass."""
    if filters.open_now:
        # Opening hours live in zones and holiday calendars, so "open now" is decided in Python.
        candidates = list(services[:OPEN_NOW_CANDIDATES])
        prefetch_related_objects(candidates, "schedules", "closures")
        candidates = [s for s in candidates if selectors.service_hours(s, now=now, place=place).is_open]
        total = len(candidates)
        page, pages = _clamp(page, total, messages)
        return candidates[(page - 1) * PER_PAGE : page * PER_PAGE], total, page, pages
    # The best LOCAL_CANDIDATES as ids and ranks (one narrow sort, no separate count), then the page's
    # services (one query): sorting whole service rows, and counting apart, cost twice as much.
    found = list(services.values_list("pk", "rank" if ranked else "pk")[:LOCAL_CANDIDATES])
    total = len(found)
    page, pages = _clamp(page, total, messages)
    shown = found[(page - 1) * PER_PAGE : page * PER_PAGE]
    by_pk = Service.objects.defer(*NOT_SHOWN).in_bulk([pk for pk, _ in shown])
    rows = []
    for pk, rank in shown:
        if pk in by_pk:
            by_pk[pk].rank = rank if ranked else None
            rows.append(by_pk[pk])
    return rows, total, page, pages


def _clamp(page: int, total: int, messages: list[str]) -> tuple[int, int]:
    pages = max(1, math.ceil(total / PER_PAGE))
    if page < 1:
        return 1, pages
    if page > pages:
        if total:
            messages.append(f"There are only {pages} pages of results. This is the last one.")
        return pages, pages
    return page, pages
