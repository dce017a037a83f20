"""Reads for pages: a service page's composite read, and the hours of a service as people see them."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.db.models import Prefetch, prefetch_related_objects
from django.shortcuts import get_object_or_404

from services_directory import opening
from services_directory.models import Location, Place, PublicHolidays, Service, ServiceAttribute
from services_directory.places import zone_for

DEFAULT_ZONE = "Australia/Sydney"


def prefetch_for_display(services: Iterable[Service]) -> None:
    """Load what a result or a page shows, for many services at once: four queries in all."""
    prefetch_related_objects(
        list(services),
        "phones",
        "schedules",
        "closures",
        Prefetch("attributes", queryset=ServiceAttribute.objects.select_related("term__taxonomy")),
    )


def service_detail(*, slug: str, demo: bool) -> Service:
    service = get_object_or_404(Service.objects.visible(demo=demo).select_related("organization"), slug=slug)
    prefetch_for_display([service])
    prefetch_related_objects(
        [service], "languages", "service_areas", "cost_options", "service_at_locations__location"
    )
    return service


def terms_of(service: Service, taxonomy: str) -> list:
    """The service's terms in one taxonomy (uses the prefetched attributes)."""
    return sorted(
        (a.term for a in service.attributes.all() if a.term.taxonomy.slug == taxonomy),
        key=lambda t: t.position,
    )


@dataclass(frozen=True)
class Hours:
    known: bool
    always: bool
    status: opening.Status | None
    text: str  # "Open now, until 5pm", "Closed now. Opens Monday at 9am", "Hours not confirmed"
    zone: str
    table: list[dict]
    public_holidays: str


def service_hours(
    service: Service,
    *,
    now: datetime.datetime,
    place: Place | None = None,
    location: Location | None = None,
) -> Hours:
    """Hours as the visitor sees them, in the right zone.

    A national line that keeps local hours in each state (QLife) is judged in the visitor's zone;
    otherwise the location's zone, else the service's. Holidays are those of the state the hours
    are kept in.
    """
    if service.hours_in_local_time:
        zone = place.time_zone if place else DEFAULT_ZONE
        state = place.state if place else None
    elif location is not None and location.state_province:
        zone = location.time_zone or zone_for(state=location.state_province, postcode=location.postal_code)
        state = location.state_province
    else:
        zone = service.time_zone or DEFAULT_ZONE
        state = None
    schedules = list(service.schedules.all())
    if not service.hours_known or not schedules:
        return Hours(
            False, False, None, "Hours not confirmed: call to check", zone, [], service.public_holidays
        )
    # A span may carry its own zone; a service keeps one zone for all spans, so the first decides.
    zone = next((s.time_zone for s in schedules if s.time_zone), zone)
    spans = [opening.span_from_schedule(s) for s in schedules]
    rules = opening.Rules(
        state=state,
        closed_on_public_holidays=service.public_holidays == PublicHolidays.CLOSED,
        closures=tuple((c.starts_on, c.ends_on) for c in service.closures.all()),
    )
    always = opening.always_open(spans) and not rules.closures
    state_now = opening.status(spans, zone, now, rules)
    local_today = now.astimezone(ZoneInfo(zone)).date()
    return Hours(
        known=True,
        always=always,
        status=state_now,
        text=opening.describe(state_now, now, always=always),
        zone=zone,
        table=opening.week_table(spans, local_today),
        public_holidays=service.public_holidays,
    )


# The "while you wait" path for programs with a waiting list: the Men's Referral Service's Brief
# Intervention Service, a 24/7 line, and the self-check (linked in the template).
WHILE_YOU_WAIT_SLUGS = ("ntv-brief-intervention-service", "mens-referral-service", "mensline-australia-phone")


def while_you_wait(*, demo: bool) -> list[Service]:
    found = {
        s.slug: s
        for s in Service.objects.visible(demo=demo)
        .filter(slug__in=WHILE_YOU_WAIT_SLUGS)
        .prefetch_related("phones")
    }
    return [found[slug] for slug in WHILE_YOU_WAIT_SLUGS if slug in found]
