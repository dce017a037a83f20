"""Reads for pages: a service page's composite read, and the hours of a service as people see them."""

from __future__ import annotations

import datetime
import json
import time
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property, lru_cache
from types import SimpleNamespace
from zoneinfo import ZoneInfo

from django.core.cache import cache
from django.db.models import QuerySet, prefetch_related_objects
from django.shortcuts import get_object_or_404

from services_directory import opening
from services_directory.models import (
    AreaScope,
    Closure,
    Location,
    Phone,
    Place,
    PublicHolidays,
    Schedule,
    Service,
    ServiceAtLocation,
    ServiceAttribute,
    TaxonomyTerm,
)
from services_directory.places import zone_for
from services_directory.services import DIRECTORY_VERSION_KEY

DEFAULT_ZONE = "Australia/Sydney"


def prefetch_for_results(services: Iterable[Service], *, with_terms: bool = False) -> None:
    """Load what a search result shows (phones, hours, closures) for many services at once: three
    queries. `with_terms` adds their attributes and terms, as prefetch_for_display."""
    services = list(services)
    _attach(services, "phones", Phone.objects.all())
    _attach(services, "schedules", Schedule.objects.all())
    _attach(services, "closures", Closure.objects.all())
    if not with_terms:
        return
    # Attributes are read as bare links and joined to their terms here, from the terms this process
    # keeps, instead of a copy of term and taxonomy with every attribute (400 model instances on a
    # search page; building them was a fifth of its time).
    _attach(services, "attributes", ServiceAttribute.objects.only("service", "term"))
    attributes = [a for service in services for a in service.attributes.all()]
    cached = ServiceAttribute.term.field.is_cached
    missing = [a for a in attributes if not cached(a)]
    if missing:
        terms = terms_by_id()
        for attribute in missing:
            if attribute.term_id in terms:
                attribute.term = terms[attribute.term_id]


def prefetch_for_display(services: Iterable[Service]) -> None:
    """Load what a page about services shows (phones, hours, closures, terms), for many at once: four
    queries, five when the taxonomy terms are not yet in this process."""
    prefetch_for_results(services, with_terms=True)


TERMS_SECONDS = 300
_terms: dict[tuple[int, int], dict[int, TaxonomyTerm]] = {}


def directory_version() -> int:
    """A number that changes whenever listings or the taxonomy change (services.directory_changed bumps
    it), so pieces cached from older listings are never read again."""
    return cache.get(DIRECTORY_VERSION_KEY) or 0


def terms_by_id() -> dict[int, TaxonomyTerm]:
    """Every taxonomy term with its taxonomy, kept in this process: a few dozen rows that every page of
    listings shows, loaded again when the directory version changes or after TERMS_SECONDS. Shared
    between requests, so read-only."""
    key = (directory_version(), int(time.monotonic() // TERMS_SECONDS))
    found = _terms.get(key)
    if found is None:
        found = TaxonomyTerm.objects.select_related("taxonomy").in_bulk()
        _terms.clear()
        _terms[key] = found
    return found


def clear_process_caches() -> None:
    """Forget the terms this process keeps (tests call it between tests)."""
    _terms.clear()


def _attach(services: list[Service], relation: str, rows: QuerySet) -> None:
    """What prefetch_related(relation) leaves behind for a reverse foreign key, from one query.

    Each service gets an evaluated queryset of its rows under the relation's prefetch name, so
    `service.<relation>.all()` needs no query; its filter on the service is kept deferred, as Django's
    related managers do, so chaining on it (`service.schedules.order_by("id")`) still asks the
    database for this service's rows only. Django's own prefetch goes through a related manager per
    instance first, which was most of this function's time on a search page. Services that already
    hold the relation keep theirs (no query if none lack it).
    """
    rel = Service._meta.get_field(relation)
    todo = [s for s in services if rel.cache_name not in getattr(s, "_prefetched_objects_cache", {})]
    if not todo:
        return
    by_service: dict[int, list] = defaultdict(list)
    for row in rows.filter(service_id__in={s.pk for s in todo}):
        by_service[row.service_id].append(row)
    base = rel.related_model._default_manager.all()
    for service in todo:
        found = base._chain()
        found._deferred_filter = (False, (), {rel.field.name: service})
        found._result_cache = by_service[service.pk]
        found._prefetch_done = True
        for row in found._result_cache:
            rel.field.set_cached_value(row, service)
        service.__dict__.setdefault("_prefetched_objects_cache", {})[rel.cache_name] = found


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
    public_holidays: str
    spans: tuple[opening.Span, ...] = ()
    local_today: datetime.date | None = None
    # "Sydney time" when the times shown are in another zone than the visitor's (or the visitor's is
    # not known and the line is not at one address), else "".
    zone_note: str = ""
    # The state whose public holidays apply ("" for national holidays only).
    holiday_state: str = ""

    @property
    def is_open(self) -> bool:
        """Open now (False when the hours are not known)."""
        return bool(self.status and self.status.is_open)

    @cached_property
    def table(self) -> list[dict]:
        """Rows for the week's hours table (the service page shows it; search results do not, so it is
        worked out only when asked for)."""
        return opening.week_table(self.spans, self.local_today) if self.local_today else []


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
    are kept in; a line for one state with no address keeps that state's. When the zone differs
    from the visitor's (or the visitor's is not known and the line is not at one address), the
    text says which zone its times are in: "Opens today at 3pm (Sydney time)".
    """
    schedules = list(service.schedules.all())
    if not service.hours_known or not schedules:
        zone, _ = _zone_and_state(service, place, location)
        return Hours(False, False, None, "Hours not confirmed: call to check", zone, service.public_holidays)
    closures = [(c.starts_on, c.ends_on) for c in service.closures.all()]
    spans, zone, rules = _opening_rules(service, schedules, closures, place, location)
    always = opening.always_open(spans) and not rules.closures
    state_now = opening.status(spans, zone, now, rules)
    local_today = now.astimezone(ZoneInfo(zone)).date()
    note = "" if always else zone_note(zone, now=now, place=place, at_address=location is not None)
    text = opening.describe(state_now, now, always=always)
    return Hours(
        known=True,
        always=always,
        status=state_now,
        text=f"{text} ({note})" if note and (state_now.is_open or state_now.next_opening) else text,
        zone=zone,
        public_holidays=service.public_holidays,
        spans=tuple(spans),
        local_today=local_today,
        zone_note=note,
        holiday_state=rules.state or "",
    )


ZONE_NAMES = {
    "Australia/Sydney": "Sydney time",
    "Australia/Melbourne": "Melbourne time",
    "Australia/Brisbane": "Brisbane time",
    "Australia/Adelaide": "Adelaide time",
    "Australia/Perth": "Perth time",
    "Australia/Hobart": "Hobart time",
    "Australia/Darwin": "Darwin time",
    "Australia/Broken_Hill": "Broken Hill time",
    "Australia/Lord_Howe": "Lord Howe Island time",
}


def zone_name(zone: str) -> str:
    """ "Australia/Perth" -> "Perth time" (plain words, no AWST)."""
    return ZONE_NAMES.get(zone) or zone.rsplit("/", 1)[-1].replace("_", " ") + " time"


def zone_note(zone: str, *, now: datetime.datetime, place: Place | None, at_address: bool) -> str:
    """Which zone to name beside the times: the hours' zone when its clock differs from the
    visitor's now; when the visitor's place is not known, the zone of a line with no address
    (its times are not "local" to anyone in particular), never that of a venue."""
    if place is None:
        return "" if at_address else zone_name(zone)
    here = ZoneInfo(place.time_zone)
    there = ZoneInfo(zone)
    return "" if now.astimezone(here).utcoffset() == now.astimezone(there).utcoffset() else zone_name(zone)


def open_now(
    service_at_location_ids: Iterable[int], *, now: datetime.datetime, place: Place | None
) -> set[int]:
    """Which of these service-at-location rows are open at `now`: for filtering hundreds at once.

    Three queries of plain values (the rows' hours fields, their schedules, their closures), no model
    instances: Django's prefetch builds a queryset per instance, which was most of an "open now"
    search's time at 200 candidates. On PostgreSQL the search reads the same facts from its search
    points instead (open_now_from_summaries); a test keeps the two in agreement.
    """
    rows = [
        (pk, service_id, *_hours_facts(*facts))
        for pk, service_id, *facts in (
            ServiceAtLocation.objects.filter(pk__any_of=list(service_at_location_ids)).values_list(
                "pk",
                "service_id",
                "service__hours_known",
                "service__hours_in_local_time",
                "service__time_zone",
                "service__public_holidays",
                "location__state_province",
                "location__time_zone",
                "location__postal_code",
            )
        )
    ]
    service_ids = {service_id for _, service_id, *_ in rows}
    schedules: dict[int, list] = defaultdict(list)
    for values in (
        Schedule.objects.filter(service_id__any_of=service_ids)
        .order_by("id")
        .values("service_id", "byday", "opens_at", "closes_at", "time_zone", "valid_from", "valid_to")
    ):
        schedules[values["service_id"]].append(SimpleNamespace(**values))
    closures: dict[int, list] = defaultdict(list)
    for service_id, starts_on, ends_on in Closure.objects.filter(service_id__any_of=service_ids).values_list(
        "service_id", "starts_on", "ends_on"
    ):
        closures[service_id].append((starts_on, ends_on))
    is_open = _OpenNow(now, place)
    return {
        pk
        for pk, service_id, service, location in rows
        if service.hours_known
        and schedules[service_id]
        and is_open(service, schedules[service_id], tuple(sorted(closures[service_id])), location)
    }


def open_now_from_summaries(
    rows: Iterable[tuple[int, str]], *, now: datetime.datetime, place: Place | None
) -> set[int]:
    """Which of these (key, opening summary) pairs are open at `now`, with no query: the summaries are
    models.SearchPoint.opening, which the nearest-first walk returns with each candidate."""
    is_open = _OpenNow(now, place)
    answers: dict[str, bool] = {"": False}  # empty: hours not known
    found = set()
    for key, summary in rows:
        if summary not in answers:
            service, location, schedules, closures = _parse_summary(summary)
            answers[summary] = is_open(service, schedules, closures, location)
        if answers[summary]:
            found.add(key)
    return found


def _hours_facts(
    known: bool,
    local_time: bool,
    service_zone: str,
    holidays: str,
    state: str,
    location_zone: str,
    postcode: str,
) -> tuple[SimpleNamespace, SimpleNamespace]:
    """The service and place fields _opening_rules reads, as stand-ins for the models."""
    service = SimpleNamespace(
        hours_known=known, hours_in_local_time=local_time, time_zone=service_zone, public_holidays=holidays
    )
    location = SimpleNamespace(state_province=state, time_zone=location_zone, postal_code=postcode)
    return service, location


class _OpenNow:
    """is_open for many rows at one moment and place. Many services keep the same hours (weekdays 9 to
    5): each distinct set of spans, zone and holiday rules is worked out once."""

    def __init__(self, now: datetime.datetime, place: Place | None):
        self.now, self.place = now, place
        self.answers: dict[tuple, bool] = {}

    def __call__(self, service, schedules: list, closures: tuple, location) -> bool:
        spans, zone, rules = _opening_rules(service, schedules, closures, self.place, location)
        key = (tuple(spans), zone, rules)
        if key not in self.answers:
            self.answers[key] = opening.is_open(spans, zone, self.now, rules)
        return self.answers[key]


@lru_cache(maxsize=4096)
def _parse_summary(summary: str) -> tuple:
    """A SearchPoint.opening as (service, location, schedules, closures) in the shapes _opening_rules
    takes. Cached: the same few hundred distinct summaries come back search after search."""
    local_time, service_zone, holidays, state, location_zone, postcode, spans, closures = json.loads(summary)
    service, location = _hours_facts(True, local_time, service_zone, holidays, state, location_zone, postcode)
    schedules = [
        SimpleNamespace(
            byday=byday,
            opens_at=datetime.time.fromisoformat(opens),
            closes_at=datetime.time.fromisoformat(closes),
            time_zone=zone,
            valid_from=valid_from and datetime.date.fromisoformat(valid_from),
            valid_to=valid_to and datetime.date.fromisoformat(valid_to),
        )
        for byday, opens, closes, zone, valid_from, valid_to in spans
    ]
    closed = tuple((datetime.date.fromisoformat(a), datetime.date.fromisoformat(b)) for a, b in closures)
    return service, location, schedules, closed


def _zone_and_state(
    service: Service, place: Place | None, location: Location | None
) -> tuple[str, str | None]:
    """A national line that keeps local hours in each state (QLife) is judged in the visitor's zone;
    otherwise the location's zone, else the service's. Holidays are those of that state."""
    if service.hours_in_local_time:
        return (place.time_zone, place.state) if place else (DEFAULT_ZONE, None)
    if location is not None and location.state_province:
        zone = location.time_zone or zone_for(state=location.state_province, postcode=location.postal_code)
        return zone, location.state_province
    # Asked only when it changes the answer (holidays matter only to a line closed on them), so
    # search pages do not read every line's areas.
    wanted = location is None and (service.public_holidays == PublicHolidays.CLOSED or not service.time_zone)
    state = _only_state(service) if wanted else None
    if state:
        # A line for one state with no address (a state helpline) keeps that state's holidays.
        return service.time_zone or zone_for(state=state), state
    return service.time_zone or DEFAULT_ZONE, None


def _only_state(service) -> str | None:
    """The one state a service's areas cover, when they cover exactly one (scope "state")."""
    areas = getattr(service, "service_areas", None)
    if areas is None:
        return None
    states = {state for area in areas.all() if area.scope == AreaScope.STATE for state in area.state_list}
    if len(states) != 1 or any(area.scope != AreaScope.STATE for area in areas.all()):
        return None
    return states.pop()


def _opening_rules(
    service: Service, schedules: list, closures, place: Place | None, location: Location | None
):
    zone, state = _zone_and_state(service, place, location)
    if not service.hours_in_local_time:
        # A span may carry its own zone; a service keeps one zone for all spans, so the first decides.
        # Not for a line whose hours are each state's local time (QLife): a zone on its spans (an HSDS
        # export writes one) must not turn a Perth visitor's 3pm into Sydney's.
        zone = next((s.time_zone for s in schedules if s.time_zone), zone)
    spans = [opening.span_from_schedule(s) for s in schedules]
    rules = opening.Rules(
        state=state,
        closed_on_public_holidays=service.public_holidays == PublicHolidays.CLOSED,
        closures=tuple(closures),
    )
    return spans, zone, rules


# The "while you wait" path for programs with a waiting list: the Men's Referral Service's Brief
# Intervention Service, a 24/7 line, and the self-check (linked in the template).
WHILE_YOU_WAIT_SLUGS = ("ntv-brief-intervention-service", "mens-referral-service", "mensline-australia-phone")


def while_you_wait(*, demo: bool) -> list[Service]:
    found = {s.slug: s for s in Service.objects.visible(demo=demo).filter(slug__in=WHILE_YOU_WAIT_SLUGS)}
    _attach(list(found.values()), "phones", Phone.objects.all())
    return [found[slug] for slug in WHILE_YOU_WAIT_SLUGS if slug in found]
