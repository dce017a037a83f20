"""Reads for the HSDS API and export: what is public, filtered and paged, with a fixed number of queries.

Only real listings are published: example (demo) and synthetic (benchmark) listings never appear, nor
inactive services. A page of any size costs the same number of queries (one count, one page, and one
per prefetched relation).
"""

from __future__ import annotations

import datetime
import math
import uuid
from dataclasses import dataclass

from django.db.models import Exists, F, OuterRef, Prefetch, Q, QuerySet, Window
from django.db.models.functions import RowNumber

from services_directory.models import (
    AreaScope,
    Organization,
    Place,
    Service,
    ServiceArea,
    ServiceAtLocation,
    ServiceAttribute,
    Taxonomy,
    TaxonomyTerm,
)
from services_directory.places import postcode_place
from services_directory.search import bounding_box, great_circle_km, query_words

MAX_SEARCH_WORDS = 12


def public_services() -> QuerySet[Service]:
    return Service.objects.active().filter(
        is_demo=False,
        is_synthetic=False,
        organization__is_demo=False,
        organization__is_synthetic=False,
    )


def public_organizations() -> QuerySet[Organization]:
    return Organization.objects.filter(is_demo=False, is_synthetic=False)


def public_service_at_locations() -> QuerySet[ServiceAtLocation]:
    return ServiceAtLocation.objects.filter(service__in=public_services())


def _attributes() -> Prefetch:
    return Prefetch(
        "attributes",
        queryset=ServiceAttribute.objects.select_related("term__taxonomy", "term__parent").order_by("id"),
    )


def _service_at_locations() -> Prefetch:
    return Prefetch(
        "service_at_locations",
        queryset=ServiceAtLocation.objects.select_related("location__organization")
        .prefetch_related("location__schedules", "location__phones", "location__accessibility")
        .order_by("id"),
    )


def with_full_service(qs: QuerySet[Service], *, locations: bool = True) -> QuerySet[Service]:
    """What serialize.service_json needs, loaded in a fixed number of queries."""
    prefetches = [
        "phones",
        "schedules",
        "service_areas",
        "languages",
        "cost_options",
        "closures",
        _attributes(),
    ]
    if locations:
        prefetches.append(_service_at_locations())
    return qs.select_related("organization").prefetch_related(*prefetches)


def with_full_service_at_location(qs: QuerySet[ServiceAtLocation], *, nested: bool) -> QuerySet:
    qs = qs.select_related("service__organization", "location__organization").prefetch_related(
        "location__schedules", "location__phones", "location__accessibility"
    )
    if nested:
        qs = qs.prefetch_related(
            *(
                f"service__{name}"
                for name in ("phones", "schedules", "service_areas", "languages", "cost_options", "closures")
            ),
            Prefetch(
                "service__attributes",
                queryset=ServiceAttribute.objects.select_related("term__taxonomy", "term__parent").order_by(
                    "id"
                ),
            ),
        )
    return qs


# --- Filters --------------------------------------------------------------------------------------------


def words_filter(text: str, fields: tuple[str, ...]) -> Q:
    """Every word of `text` appears in one of `fields` (case-insensitive). Portable and index-free: the
    published directory is small; the public search page is the place for ranked full-text search."""
    q = Q()
    for word in query_words(text)[:MAX_SEARCH_WORDS]:
        any_field = Q()
        for name in fields:
            any_field |= Q(**{f"{name}__icontains": word})
        q &= any_field
    return q


SERVICE_TEXT = ("name", "alternate_name", "description", "organization__name")


def services_filter(
    qs: QuerySet,
    *,
    prefix: str = "",
    search: str = "",
    taxonomy_term_id: uuid.UUID | None = None,
    taxonomy_id: uuid.UUID | None = None,
    organization_id: uuid.UUID | None = None,
    modified_after: datetime.datetime | None = None,
) -> QuerySet:
    """Filter services (prefix "") or rows related to a service (prefix "service__")."""
    outer = "pk" if not prefix else prefix.rstrip("_")
    if search:
        qs = qs.filter(words_filter(search, tuple(prefix + f for f in SERVICE_TEXT)))
    if taxonomy_term_id is not None:
        qs = qs.filter(
            Exists(ServiceAttribute.objects.filter(service=OuterRef(outer), term__hsds_id=taxonomy_term_id))
        )
    if taxonomy_id is not None:
        qs = qs.filter(
            Exists(
                ServiceAttribute.objects.filter(service=OuterRef(outer), term__taxonomy__hsds_id=taxonomy_id)
            )
        )
    if organization_id is not None:
        qs = qs.filter(**{f"{prefix}organization__hsds_id": organization_id})
    if modified_after is not None:
        qs = qs.filter(**{f"{prefix}updated_at__gte": modified_after})
    return qs


def first_services_of(organizations: list[Organization], *, limit: int) -> QuerySet[Service]:
    """The public services of these organisations, at most `limit` each (by name), in one query."""
    ranked = (
        public_services()
        .filter(organization__in=organizations)
        .annotate(
            rank=Window(RowNumber(), partition_by=[F("organization_id")], order_by=[F("name"), F("id")])
        )
    )
    return ranked.filter(rank__lte=limit).order_by("name", "id")


def place_for_postcode(postcode: str) -> Place | None:
    """The postcode's point (places.postcode_place: its main town, not the average of its localities)."""
    return postcode_place(postcode)


def _areas_covering(*, place: Place, postcode: str) -> Q:
    """Service areas that cover the postcode by name: national, its state, or a postcode list."""
    return (
        Q(scope=AreaScope.NATIONAL)
        | Q(scope=AreaScope.STATE, states__contains=f" {place.state} ")
        | Q(scope=AreaScope.POSTCODES, postcodes__contains=f" {postcode} ")
    )


def services_near_postcode(qs: QuerySet[Service], *, place: Place | None, postcode: str) -> QuerySet[Service]:
    """`postcode` on /services (not in the HSDS API description, which has it on /service_at_locations
    only): services whose area covers the postcode (national, its state, a postcode list, a radius),
    which includes phone lines with no location at all, and services with no area that have a location
    within 50 km. An unknown postcode matches nothing."""
    if place is None:
        return qs.none()
    coverage = _areas_covering(place=place, postcode=postcode)
    covers = Exists(ServiceArea.objects.filter(coverage, service=OuterRef("pk")))
    within_radius = Exists(
        ServiceArea.objects.filter(
            service=OuterRef("pk"), scope=AreaScope.RADIUS, latitude__isnull=False, radius_km__isnull=False
        )
        .alias(km=great_circle_km(place.latitude, place.longitude, "latitude", "longitude"))
        .filter(km__lte=F("radius_km"))
    )
    has_area = Exists(ServiceArea.objects.filter(service=OuterRef("pk")))
    south, north, west, east = bounding_box(place.latitude, place.longitude, 50)
    near = Exists(
        ServiceAtLocation.objects.filter(
            service=OuterRef("pk"),
            location__latitude__range=(south, north),
            location__longitude__range=(west, east),
        )
    )
    return qs.filter(Q(covers) | Q(within_radius) | (~Q(has_area) & Q(near)))


def near_postcode(
    qs: QuerySet[ServiceAtLocation], *, place: Place | None, postcode: str, proximity_m: int | None
) -> QuerySet[ServiceAtLocation]:
    """HSDS `postcode` and `proximity`: services whose area covers the postcode and, with a proximity,
    locations within that many metres of the postcode's centre. An unknown postcode matches nothing."""
    if place is None:
        return qs.none()
    coverage = _areas_covering(place=place, postcode=postcode)
    if proximity_m is None:
        has_area = Exists(ServiceArea.objects.filter(service=OuterRef("service")))
        covers = Exists(ServiceArea.objects.filter(coverage, service=OuterRef("service")))
        within_radius = Exists(
            ServiceArea.objects.filter(
                service=OuterRef("service"),
                scope=AreaScope.RADIUS,
                latitude__isnull=False,
                radius_km__isnull=False,
            )
            .alias(km=great_circle_km(place.latitude, place.longitude, "latitude", "longitude"))
            .filter(km__lte=F("radius_km"))
        )
        # A service without a service area serves the people near its locations: within 50 km.
        south, north, west, east = bounding_box(place.latitude, place.longitude, 50)
        near = Q(
            location__latitude__range=(south, north),
            location__longitude__range=(west, east),
        )
        return qs.filter(Q(covers) | Q(within_radius) | (~Q(has_area) & near))
    km = proximity_m / 1000
    south, north, west, east = bounding_box(place.latitude, place.longitude, km)
    return (
        qs.filter(location__latitude__range=(south, north), location__longitude__range=(west, east))
        .alias(
            km=great_circle_km(place.latitude, place.longitude, "location__latitude", "location__longitude")
        )
        .filter(km__lte=km)
    )


def organizations_filter(qs: QuerySet[Organization], *, search: str = "") -> QuerySet[Organization]:
    if search:
        qs = qs.filter(words_filter(search, ("name", "alternate_name", "description")))
    return qs


def taxonomies_filter(qs: QuerySet[Taxonomy], *, search: str = "") -> QuerySet[Taxonomy]:
    if search:
        qs = qs.filter(words_filter(search, ("name", "description")))
    return qs


def taxonomy_terms(
    *,
    search: str = "",
    taxonomy_id: uuid.UUID | None = None,
    top_only: bool = False,
    parent_id: uuid.UUID | None = None,
) -> QuerySet[TaxonomyTerm]:
    qs = TaxonomyTerm.objects.select_related("taxonomy", "parent").order_by(
        "taxonomy__slug", "position", "id"
    )
    if search:
        qs = qs.filter(words_filter(search, ("name", "code", "description")))
    if taxonomy_id is not None:
        qs = qs.filter(taxonomy__hsds_id=taxonomy_id)
    if top_only:
        qs = qs.filter(parent__isnull=True)
    if parent_id is not None:
        qs = qs.filter(parent__hsds_id=parent_id)
    return qs


# --- Paging ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Page:
    items: list
    total_items: int
    page_number: int
    per_page: int

    @property
    def total_pages(self) -> int:
        return max(1, math.ceil(self.total_items / self.per_page))

    def envelope(self, contents: list) -> dict:
        """The HSDS paging fields around `contents`."""
        return {
            "total_items": self.total_items,
            "total_pages": self.total_pages,
            "page_number": self.page_number,
            "size": len(contents),
            "first_page": self.page_number == 1,
            "last_page": self.page_number >= self.total_pages,
            "empty": self.total_items == 0,
            "contents": contents,
        }


def page_of(qs: QuerySet, *, page: int, per_page: int) -> Page:
    """One count and one page of rows (prefetches add one query each, whatever the page size)."""
    total = qs.count()
    start = (page - 1) * per_page
    items = list(qs[start : start + per_page]) if start < total else []
    return Page(items=items, total_items=total, page_number=page, per_page=per_page)
