"""Every write to the directory goes through these functions.

Views, forms, admin actions, management commands and tasks call them; none saves directory models
directly. Upserts are keyed by natural keys (slug, HSDS id, taxonomy code), so running a loader twice
changes nothing.
"""

from __future__ import annotations

import contextlib
import datetime
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.core.cache import cache
from django.db import connection, models, transaction

from services_directory.models import (
    AreaScope,
    Closure,
    CostOption,
    Language,
    ListingReport,
    Location,
    LocationAccessibility,
    Organization,
    Phone,
    Schedule,
    SearchPoint,
    SearchSynonym,
    Service,
    ServiceArea,
    ServiceAtLocation,
    ServiceAttribute,
    Taxonomy,
    TaxonomyTerm,
)

# Stable HSDS ids: uuid5 of this namespace and "<kind>:<natural key>", so every export of the same
# record carries the same id.
HSDS_NAMESPACE = uuid.UUID("6f1d3a52-4d0c-4c59-9a57-3c2b1f8e7a10")


def hsds_id_for(kind: str, key: str) -> uuid.UUID:
    return uuid.uuid5(HSDS_NAMESPACE, f"{kind}:{key}")


# --- Taxonomy and synonyms ----------------------------------------------------------------------------


@transaction.atomic
def taxonomy_load(*, data: dict) -> dict[str, int]:
    """Upsert taxonomies and terms by code; add synonyms that do not exist yet (staff own them)."""
    terms_seen = 0
    for position_t, tax in enumerate(data.get("taxonomies", [])):
        taxonomy, _ = Taxonomy.objects.update_or_create(
            slug=tax["slug"],
            defaults={
                "name": tax["name"],
                "description": tax["description"],
                "hsds_id": hsds_id_for("taxonomy", tax["slug"]),
                "version": str(data.get("version", "")),
            },
        )
        for position, term in enumerate(tax["terms"]):
            TaxonomyTerm.objects.update_or_create(
                taxonomy=taxonomy,
                code=term["code"],
                defaults={
                    "name": term["name"],
                    "description": term.get("description", ""),
                    "position": position_t * 100 + position,
                    "hsds_id": hsds_id_for("taxonomy_term", f"{tax['slug']}/{term['code']}"),
                },
            )
            terms_seen += 1
    # A synonym's terms are service types ("mbcp"), or "taxonomy/code" for another vocabulary
    # ("audience/young-people", "referral/court-mandated").
    terms = {
        (slug if slug != "service-type" else "", code): term
        for term, slug, code in (
            (t, t.taxonomy.slug, t.code) for t in TaxonomyTerm.objects.select_related("taxonomy")
        )
    }
    synonyms_added = 0
    for item in data.get("synonyms", []):
        synonym, created = SearchSynonym.objects.get_or_create(
            phrase=normalise_phrase(item["phrase"]),
            defaults={
                "expands_to": item.get("expands_to") or "",
                "note": item.get("note", ""),
                "is_crisis": bool(item.get("crisis")),
                "leads_to_self_check": bool(item.get("self_check")),
            },
        )
        if created:
            synonym.terms.set([terms[tuple(code.rpartition("/")[::2])] for code in item.get("terms", [])])
            synonyms_added += 1
    synonyms_changed()
    return {"terms": terms_seen, "synonyms_added": synonyms_added}


def normalise_phrase(text: str) -> str:
    from services_directory.places import normalise_name

    return normalise_name(text)


SYNONYM_CACHE_KEY = "services_directory:synonyms:v2"


def synonyms_changed() -> None:
    """Drop the cached synonym list and term ids, and mark the directory as changed so each process
    reloads the terms it shows (the admin calls this when staff save a synonym, term or taxonomy)."""
    # If the cache is down there is nothing stale to clear (it expires within five minutes anyway).
    with contextlib.suppress(Exception):
        cache.delete_many([SYNONYM_CACHE_KEY, "services_directory:term-ids:v1"])
    directory_changed()


DIRECTORY_VERSION_KEY = "services_directory:version"


def directory_changed() -> None:
    """Listings changed: bump the version that keys cached search pieces (search.talk_now_lines).

    Bumped now and again after the transaction commits, so a search that ran mid-transaction cannot
    keep data from before the commit under the new version. Cached pieces also expire within a minute,
    which covers writes that bypass these functions (bulk admin actions).
    """

    def bump() -> None:
        # If the cache is down nothing is cached, so nothing can be stale.
        with contextlib.suppress(Exception):
            cache.add(DIRECTORY_VERSION_KEY, 0, timeout=None)
            cache.incr(DIRECTORY_VERSION_KEY)

    bump()
    transaction.on_commit(bump)


# --- Organisations and services -----------------------------------------------------------------------


@transaction.atomic
def organization_upsert(*, slug: str, fields: dict, hsds_id: uuid.UUID | None = None) -> Organization:
    """Create or update an organisation by slug. A new one takes `hsds_id` when given (an import keeps
    the source's id), else a stable id derived from the slug."""
    organization = Organization.objects.filter(slug=slug).first() or Organization(
        slug=slug, hsds_id=hsds_id or hsds_id_for("organization", slug)
    )
    if _assign(organization, fields):
        organization.full_clean()
        organization.save()
    return organization


def _assign(instance, fields: dict) -> bool:
    """Set fields; True when anything changed (so an unchanged re-run does not touch updated_at)."""
    changed = instance.pk is None
    for name, value in fields.items():
        if isinstance(value, models.Model):
            differs = getattr(instance, f"{name}_id") != value.pk
        else:
            differs = getattr(instance, name) != value
        if differs:
            setattr(instance, name, value)
            changed = True
    return changed


@dataclass
class PhoneData:
    number: str
    type: str = "voice"
    description: str = ""
    call_cost: str = ""
    hsds_id: uuid.UUID | None = None  # kept from an HSDS import
    extension: str = ""


@dataclass
class ScheduleData:
    byday: str
    opens_at: datetime.time
    closes_at: datetime.time
    time_zone: str = ""
    valid_from: datetime.date | None = None
    valid_to: datetime.date | None = None
    description: str = ""
    hsds_id: uuid.UUID | None = None  # kept from an HSDS import


@dataclass
class AreaData:
    scope: str
    states: Sequence[str] = ()
    postcodes: Sequence[str] = ()
    latitude: float | None = None
    longitude: float | None = None
    radius_km: float | None = None
    name: str = ""
    hsds_id: uuid.UUID | None = None  # kept from an HSDS import


@dataclass
class LanguageData:
    code: str
    name: str
    note: str = ""
    hsds_id: uuid.UUID | None = None


@dataclass
class ServiceData:
    """Everything about one service that a loader or the portal supplies."""

    fields: dict
    terms: dict[str, list[str]] = field(default_factory=dict)  # taxonomy slug -> codes
    phones: list[PhoneData] = field(default_factory=list)
    schedules: list[ScheduleData] = field(default_factory=list)
    areas: list[AreaData] = field(default_factory=list)
    languages: list[tuple[str, str] | LanguageData] = field(default_factory=list)  # (code, name)
    cost_options: list[dict] = field(default_factory=list)
    closures: list[tuple[datetime.date, datetime.date, str]] = field(default_factory=list)


class UnknownTerm(ValueError):
    """A loader named a taxonomy code that the taxonomy does not have."""


@transaction.atomic
def service_upsert(
    *, slug: str, organization: Organization, data: ServiceData, hsds_id: uuid.UUID | None = None
) -> Service:
    """Create or update a service and replace its phones, hours, areas, languages, costs and terms.

    Child rows keep stable HSDS ids (derived from the service slug and position), so re-running with
    the same data changes nothing that an export would show.
    """
    service = Service.objects.filter(slug=slug).first() or Service(
        slug=slug, hsds_id=hsds_id or hsds_id_for("service", slug)
    )
    if _assign(service, {"organization": organization, **data.fields}):
        service.full_clean()
        service.save()

    wanted_terms = []
    for taxonomy, codes in data.terms.items():
        found = {t.code: t for t in TaxonomyTerm.objects.of(taxonomy).filter(code__in=codes)}
        missing = sorted(set(codes) - set(found))
        if missing:
            raise UnknownTerm(f"{slug}: unknown {taxonomy} codes {missing}")
        wanted_terms.extend(found[c] for c in codes)
    ServiceAttribute.objects.filter(service=service).exclude(term__in=wanted_terms).delete()
    for term in wanted_terms:
        ServiceAttribute.objects.get_or_create(
            service=service,
            term=term,
            defaults={"hsds_id": hsds_id_for("attribute", f"{slug}/{term.taxonomy_id}/{term.code}")},
        )

    _replace(
        Phone,
        service,
        [
            Phone(
                service=service,
                number=p.number,
                extension=p.extension,
                type=p.type,
                description=p.description,
                call_cost=p.call_cost,
                position=i,
                hsds_id=p.hsds_id or hsds_id_for("phone", f"{slug}/{i}"),
            )
            for i, p in enumerate(data.phones)
        ],
    )
    _replace(
        Schedule,
        service,
        [
            Schedule(
                service=service,
                byday=s.byday,
                opens_at=s.opens_at,
                closes_at=s.closes_at,
                time_zone=s.time_zone,
                valid_from=s.valid_from,
                valid_to=s.valid_to,
                description=s.description,
                hsds_id=s.hsds_id or hsds_id_for("schedule", f"{slug}/{i}"),
            )
            for i, s in enumerate(data.schedules)
        ],
    )
    _replace(
        ServiceArea,
        service,
        [
            ServiceArea(
                service=service,
                hsds_id=a.hsds_id or hsds_id_for("service_area", f"{slug}/{i}"),
                **area_fields(a),
            )
            for i, a in enumerate(data.areas)
        ],
    )
    _replace(
        Language,
        service,
        [
            Language(
                service=service,
                code=item.code,
                name=item.name,
                note=item.note,
                hsds_id=item.hsds_id or hsds_id_for("language", f"{slug}/{item.code}"),
            )
            for item in (x if isinstance(x, LanguageData) else LanguageData(*x) for x in data.languages)
        ],
    )
    _replace(
        CostOption,
        service,
        [
            CostOption(
                service=service,
                hsds_id=c.get("hsds_id") or hsds_id_for("cost_option", f"{slug}/{i}"),
                **{k: v for k, v in c.items() if k != "hsds_id"},
            )
            for i, c in enumerate(data.cost_options)
        ],
    )
    Closure.objects.filter(service=service).delete()
    Closure.objects.bulk_create(
        [Closure(service=service, starts_on=a, ends_on=b, description=d) for a, b, d in data.closures]
    )
    search_vector_refresh(service_ids=[service.pk])
    return service


def area_fields(area: AreaData) -> dict:
    """The stored form of a service area (space-padded lists, see ServiceArea)."""
    if area.scope not in AreaScope.values:
        raise ValueError(f"unknown area scope {area.scope!r}")
    return {
        "scope": area.scope,
        "name": area.name,
        "states": f" {' '.join(area.states)} " if area.states else "",
        "postcodes": f" {' '.join(area.postcodes)} " if area.postcodes else "",
        "latitude": area.latitude,
        "longitude": area.longitude,
        "radius_km": area.radius_km,
    }


def _replace(model, service: Service, rows: list) -> None:
    """Make the service's rows of `model` equal to `rows`, keeping unchanged rows (and their ids).

    A phone or schedule may also belong to a location (HSDS lets one record serve both); that link is
    location_contacts_replace's to keep, so it is left as it is here."""
    existing = {row.hsds_id: row for row in model.objects.filter(service=service)}
    keep = set()
    for row in rows:
        current = existing.get(row.hsds_id)
        if current is None:
            row.full_clean(exclude=["service"])
            row.save()
            continue
        keep.add(current.pk)
        changed = False
        for f in row._meta.concrete_fields:
            if f.primary_key or f.name in {"created_at", "updated_at", "location"}:
                continue
            if getattr(current, f.attname) != getattr(row, f.attname):
                setattr(current, f.attname, getattr(row, f.attname))
                changed = True
        if changed:
            current.full_clean(exclude=["service"])
            current.save()
    stale = [row.pk for h, row in existing.items() if row.pk not in keep]
    if stale:
        model.objects.filter(pk__in=stale).delete()


@transaction.atomic
def location_upsert(*, hsds_id: uuid.UUID, fields: dict, services: Iterable[Service] = ()) -> Location:
    """Create or update a location by HSDS id and link it to the given services."""
    location = Location.objects.filter(hsds_id=hsds_id).first() or Location(hsds_id=hsds_id)
    changed = _assign(location, fields)
    if changed:
        location.full_clean()
        location.save()
    for service in services:
        _, linked = ServiceAtLocation.objects.get_or_create(
            service=service,
            location=location,
            defaults={"hsds_id": hsds_id_for("service_at_location", f"{service.hsds_id}/{hsds_id}")},
        )
        changed |= linked
    if changed:  # a nightly import re-sends every place: unchanged ones leave their points alone
        search_points_refresh(location_ids=[location.pk])
    return location


@transaction.atomic
def location_contacts_replace(
    *,
    location: Location,
    phones: list[PhoneData],
    schedules: list[ScheduleData],
    accessibility: list[dict] = (),
) -> None:
    """Make a location's own phones, opening hours and accessibility entries ({id, description,
    details, url}) equal to these (an HSDS import keeps them).

    A row whose HSDS id is already a service's phone or schedule (the official examples give one
    record to both) is linked to the location too, not copied. Rows no longer wanted lose the link,
    and are deleted when no service holds them either."""
    for model, items, kind in ((Phone, phones, "phone"), (Schedule, schedules, "schedule")):
        wanted = []
        for i, item in enumerate(items):
            hsds_id = item.hsds_id or hsds_id_for(kind, f"location/{location.hsds_id}/{i}")
            wanted.append(hsds_id)
            values = (
                {
                    "number": item.number,
                    "extension": item.extension,
                    "type": item.type,
                    "description": item.description,
                    "position": i,
                }
                if kind == "phone"
                else {
                    "byday": item.byday,
                    "opens_at": item.opens_at,
                    "closes_at": item.closes_at,
                    "time_zone": item.time_zone,
                    "valid_from": item.valid_from,
                    "valid_to": item.valid_to,
                    "description": item.description,
                }
            )
            row = model.objects.filter(hsds_id=hsds_id).first()
            if row is None:
                row = model(hsds_id=hsds_id, location=location, **values)
                row.full_clean()
                row.save()
            elif row.service_id is not None:
                if row.location_id != location.pk:  # a service's row: link it, keep the service's values
                    row.location = location
                    row.save(update_fields=["location"])
            elif _assign(row, {"location": location, **values}):
                row.full_clean()
                row.save()
        stale = model.objects.filter(location=location).exclude(hsds_id__in=wanted)
        stale.filter(service__isnull=True).delete()
        stale.update(location=None)
    wanted = []
    for item in accessibility:
        hsds_id = uuid.UUID(item["id"])
        wanted.append(hsds_id)
        row = LocationAccessibility.objects.filter(hsds_id=hsds_id).first() or LocationAccessibility(
            hsds_id=hsds_id
        )
        values = {k: item.get(k, "") for k in ("description", "details", "url")}
        if _assign(row, {"location": location, **values}):
            row.full_clean()
            row.save()
    LocationAccessibility.objects.filter(location=location).exclude(hsds_id__in=wanted).delete()


@transaction.atomic
def service_deactivate(*, service: Service) -> Service:
    """Hide a service without deleting it (a source dropped it, or staff closed it)."""
    if service.is_active:
        service.is_active = False
        service.save(update_fields=["is_active", "updated_at"])
        search_points_refresh(service_ids=[service.pk])
        directory_changed()
    return service


def search_vector_refresh(*, service_ids: Iterable[int] | None = None) -> int:
    """Recompute the stored, weighted search vector: name (A), types and keywords (B), text (C).

    PostgreSQL only; the SQLite fallback searches the text columns directly. Call it after any write
    that changes a service's name, text, keywords or terms. Returns the number of rows updated. It
    also marks the directory as changed (directory_changed), on every database.
    """
    directory_changed()
    if connection.vendor != "postgresql":
        return 0
    ids = None if service_ids is None else list(service_ids)
    if ids == []:
        return 0
    service_t = Service._meta.db_table
    attr_t = ServiceAttribute._meta.db_table
    term_t = TaxonomyTerm._meta.db_table
    org_t = Organization._meta.db_table
    where = "" if ids is None else "WHERE s2.id = ANY(%s)"
    # unaccent() so "Bénédicte" and "Benedicte" match; the query side applies it too.
    sql = f"""
        UPDATE {service_t} s SET search_vector =
            setweight(to_tsvector('english', unaccent(s.name || ' ' || s.alternate_name)), 'A') ||
            setweight(to_tsvector('english', unaccent(coalesce(t.names, '') || ' ' || s.keywords)), 'B') ||
            setweight(to_tsvector('english', unaccent(
                s.summary || ' ' || s.description || ' ' || t.org_name)), 'C')
        FROM (
            SELECT s2.id, o.name AS org_name,
                   string_agg(tt.name || ' ' || replace(tt.code, '-', ' '), ' ') AS names
            FROM {service_t} s2
            JOIN {org_t} o ON o.id = s2.organization_id
            LEFT JOIN {attr_t} a ON a.service_id = s2.id
            LEFT JOIN {term_t} tt ON tt.id = a.term_id
            {where}
            GROUP BY s2.id, o.name
        ) t
        WHERE s.id = t.id
    """  # noqa: S608 - table names come from model metadata, values are parameters
    with connection.cursor() as cursor:
        cursor.execute(sql, [] if ids is None else [ids])
        updated = cursor.rowcount
    search_points_refresh(service_ids=ids)
    return updated


# A search point's `opening` (models.SearchPoint) is [hours kept in the visitor's local time, the
# service's zone, its public-holiday rule, the place's state, zone and postcode, [[byday, opens, closes,
# zone, valid from, valid to], ...] in id order, [[first day, last day], ...] of closures] as JSON text,
# or '' when the hours are not known. PostgreSQL prints json with fixed spacing: equal hours, equal text.
SEARCH_POINTS_SQL = """
    INSERT INTO {point_t} (service_at_location_id, service_id, latitude, longitude, is_demo, cost,
                           term_ids, search_vector, opening)
    SELECT sal.id, s.id, l.latitude, l.longitude, s.is_demo, s.cost,
           coalesce(' ' || (SELECT string_agg(a.term_id::text, ' ' ORDER BY a.term_id)
                            FROM {attr_t} a WHERE a.service_id = s.id) || ' ', ''),
           s.search_vector,
           CASE WHEN s.hours_known THEN coalesce((
               SELECT json_build_array(
                   s.hours_in_local_time, s.time_zone, s.public_holidays,
                   l.state_province, l.time_zone, l.postal_code,
                   json_agg(json_build_array(sc.byday, sc.opens_at, sc.closes_at, sc.time_zone,
                                             sc.valid_from, sc.valid_to) ORDER BY sc.id),
                   (SELECT coalesce(json_agg(json_build_array(c.starts_on, c.ends_on)
                                             ORDER BY c.starts_on, c.ends_on), '[]')
                    FROM {closure_t} c WHERE c.service_id = s.id))::text
               FROM {schedule_t} sc WHERE sc.service_id = s.id
               HAVING count(*) > 0), '') ELSE '' END
    FROM {sal_t} sal
    JOIN {service_t} s ON s.id = sal.service_id
    JOIN {location_t} l ON l.id = sal.location_id
    WHERE s.is_active AND l.latitude IS NOT NULL AND l.longitude IS NOT NULL {where}
    ON CONFLICT (service_at_location_id) DO UPDATE SET
        service_id = EXCLUDED.service_id, latitude = EXCLUDED.latitude, longitude = EXCLUDED.longitude,
        is_demo = EXCLUDED.is_demo, cost = EXCLUDED.cost, term_ids = EXCLUDED.term_ids,
        search_vector = EXCLUDED.search_vector, opening = EXCLUDED.opening
"""


def search_point_tables() -> dict[str, str]:
    """The table names SEARCH_POINTS_SQL is formatted with."""
    return {
        "point_t": SearchPoint._meta.db_table,
        "attr_t": ServiceAttribute._meta.db_table,
        "sal_t": ServiceAtLocation._meta.db_table,
        "service_t": Service._meta.db_table,
        "location_t": Location._meta.db_table,
        "schedule_t": Schedule._meta.db_table,
        "closure_t": Closure._meta.db_table,
    }


def search_points_refresh(
    *, service_ids: Iterable[int] | None = None, location_ids: Iterable[int] = ()
) -> int:
    """Rewrite the search points (models.SearchPoint) of these services, or of the services at these
    locations; with neither, of every service. PostgreSQL only. Returns the number of points written.

    Call it after any write that changes a service's visibility, cost, terms, search vector or hours,
    or a location's coordinates, state, zone or services. search_vector_refresh calls it for services.
    """
    if connection.vendor != "postgresql":
        return 0
    location_ids = list(location_ids)
    if location_ids:
        service_ids = [
            *(service_ids or ()),
            *ServiceAtLocation.objects.filter(location_id__in=location_ids).values_list(
                "service_id", flat=True
            ),
        ]
    ids = None if service_ids is None else sorted(set(service_ids))
    if ids == []:
        return 0
    tables = search_point_tables()
    with connection.cursor() as cursor:
        if ids is None:
            cursor.execute(f"TRUNCATE {tables['point_t']}")
            cursor.execute(SEARCH_POINTS_SQL.format(**tables, where=""))
        else:
            # By service, and by place too: a service-at-location may have moved to another service.
            # The insert overwrites on conflict, so two refreshes of one service at once (an approval
            # during the nightly rebuild) both succeed instead of one failing on the primary key.
            # Two deletes, each answered by an index: one with an OR of the two made PostgreSQL scan
            # every point, comparing each with every id (18 s a batch of 5,000 at 500,000 listings).
            cursor.execute(f"DELETE FROM {tables['point_t']} WHERE service_id = ANY(%s)", [ids])  # noqa: S608
            cursor.execute(
                f"DELETE FROM {tables['point_t']} WHERE service_at_location_id IN"  # noqa: S608
                f" (SELECT id FROM {tables['sal_t']} WHERE service_id = ANY(%s))",
                [ids],
            )
            cursor.execute(SEARCH_POINTS_SQL.format(**tables, where="AND s.id = ANY(%s)"), [ids])
        return cursor.rowcount


SEARCH_POINTS_BATCH = 5000


def search_points_rebuild() -> int:
    """Rewrite every search point, SEARCH_POINTS_BATCH services at a time, each batch in its own short
    transaction (searches keep running; no table lock). The nightly safety net for writes that bypass
    search_points_refresh, such as bulk actions in the admin. Returns the number of points written."""
    if connection.vendor != "postgresql":
        return 0
    written, after = 0, 0
    while True:
        ids = list(
            Service.objects.filter(pk__gt=after)
            .order_by("pk")
            .values_list("pk", flat=True)[:SEARCH_POINTS_BATCH]
        )
        if not ids:
            return written
        with transaction.atomic():
            written += search_points_refresh(service_ids=ids)
        after = ids[-1]


# --- Reports from the public --------------------------------------------------------------------------

REPORTS_PER_LISTING_PER_HOUR = 5


class ReportRateLimited(Exception):
    """Too many reports about one listing in the last hour."""


def listing_report_create(*, service: Service, problem: str, details: str) -> ListingReport:
    """Store an anonymous report for moderation, at most REPORTS_PER_LISTING_PER_HOUR per listing.

    The limit is kept in the cache by listing (never by visitor): a flood against one listing stops,
    and nobody's address is processed. If the cache is down the report is still stored.
    """
    key = f"services_directory:reports:{service.pk}:{datetime.datetime.now(datetime.UTC):%Y%m%d%H}"
    try:
        cache.add(key, 0, timeout=3600)
        sent = cache.incr(key)
    except Exception:  # a cache outage must not lose the report
        sent = 1
    if sent > REPORTS_PER_LISTING_PER_HOUR:
        raise ReportRateLimited
    report = ListingReport(service=service, problem=problem, details=details.strip())
    report.full_clean()
    report.save()
    return report


# --- HSDS import (services_directory/hsds/importing.py) -----------------------------------------------


@transaction.atomic
def taxonomy_term_import(
    *,
    term_id: uuid.UUID,
    code: str,
    name: str,
    description: str,
    taxonomy_id: uuid.UUID | None,
    taxonomy_name: str,
) -> TaxonomyTerm:
    """Find a taxonomy term by HSDS id, or add a term (and its taxonomy) from another directory.

    Our own terms are never changed by an import: staff own them.
    """
    from django.utils.text import slugify

    term = TaxonomyTerm.objects.select_related("taxonomy").filter(hsds_id=term_id).first()
    if term is not None:
        return term
    taxonomy_id = taxonomy_id or hsds_id_for("taxonomy", f"imported/{taxonomy_name or 'terms'}")
    taxonomy = Taxonomy.objects.filter(hsds_id=taxonomy_id).first()
    if taxonomy is None:
        taxonomy = Taxonomy(
            hsds_id=taxonomy_id,
            slug=f"{slugify(taxonomy_name)[:30] or 'imported'}-{taxonomy_id.hex[:8]}",
            name=(taxonomy_name or "Imported terms")[:200],
            description=f"Terms imported from another directory ({taxonomy_name or 'unnamed taxonomy'}).",
        )
        taxonomy.full_clean()
        taxonomy.save()
    base = slugify(code or name)[:50] or "term"
    code = (
        base
        if not TaxonomyTerm.objects.filter(taxonomy=taxonomy, code=base).exists()
        else f"{base}-{term_id.hex[:8]}"
    )
    term = TaxonomyTerm(
        hsds_id=term_id, taxonomy=taxonomy, code=code, name=name[:200], description=description, position=999
    )
    term.full_clean()
    term.save()
    return term


@transaction.atomic
def service_at_location_upsert(
    *, hsds_id: uuid.UUID, service: Service, location: Location, description: str = ""
) -> ServiceAtLocation:
    sal = (
        ServiceAtLocation.objects.filter(hsds_id=hsds_id).first()
        or ServiceAtLocation.objects.filter(service=service, location=location).first()
        or ServiceAtLocation(hsds_id=hsds_id)
    )
    if _assign(sal, {"service": service, "location": location, "description": description}):
        sal.full_clean()
        sal.save()
        search_points_refresh(service_ids=[service.pk])
    return sal


@transaction.atomic
def imported_record_save(*, service: Service, source: str, values: dict, locally_changed: list[str]):
    """Remember what an import wrote to a service (see ImportedRecord)."""
    import hashlib
    import json

    from django.utils import timezone

    from services_directory.models import ImportedRecord

    digest = hashlib.sha256(json.dumps(values, sort_keys=True, default=str).encode()).hexdigest()
    record = ImportedRecord.objects.filter(service=service).first() or ImportedRecord(service=service)
    if (
        record.pk
        and record.values_hash == digest
        and record.locally_changed == locally_changed
        and record.source == source
    ):
        return record  # unchanged: a re-run writes nothing
    record.source = source
    record.values = values
    record.values_hash = digest
    record.locally_changed = locally_changed
    record.imported_at = timezone.now()
    record.save()
    return record


# --- Programs (services_directory/data/programs/, issue 16) ---------------------------------------------


def call_cost_for(number: str) -> str:
    """Plain words for what a call costs, by the usual Australian rules (data/README.md)."""
    digits = "".join(c for c in number if c.isdigit())
    if digits.startswith("1800"):
        return "1800 number: free from landlines and most mobiles."
    if digits.startswith(("13", "1300")):
        return "The cost of a local call from a landline. Mobile call costs depend on your plan."
    return ""


def _program_data(record: dict, places: list, *, zone: str) -> ServiceData:
    from services_directory.places import normalise_name
    from services_directory.programs import KINDS, LANGUAGE_CODES, parse_partial_date

    sources = [
        {
            "url": s["url"],
            "publisher": s.get("publisher") or "",
            "page_date": str(s["page_date"]) if s.get("page_date") is not None else None,
            "read_on": str(s["read_on"]),
            "supports": s.get("supports") or "",
        }
        for s in record["sources"]
    ]
    referral = [
        code
        for code, flag in (
            ("self-referral", record.get("self_referral")),
            ("voluntary", record.get("voluntary")),
            ("court-mandated", record.get("court_ordered")),
        )
        if flag
    ]
    notes = (record.get("notes_for_staff") or "").strip()
    if record.get("status", "unknown") == "unknown":
        notes = "Running status not confirmed by a source. " + notes
    phone = record.get("intake_phone")
    delivery = list(dict.fromkeys(record.get("delivery") or []))
    if places and "in-person" not in delivery:
        delivery.append("in-person")
    return ServiceData(
        fields={
            "name": record["name"].strip(),
            "summary": record["summary"].strip(),
            "description": (record.get("description") or record["summary"]).strip(),
            "first_contact": (record.get("first_contact") or "").strip(),
            "url": record.get("url") or "",
            "chat_url": "",
            "cost": record.get("cost") or "unknown",
            "intake_status": record.get("intake_status") or "",
            "typical_wait": record.get("typical_wait") or "",
            "source_url": sources[0]["url"],
            "last_verified": max(parse_partial_date(s["read_on"]) for s in record["sources"]),
            "sources": sources,
            "notes_for_staff": notes.strip(),
            # Ended, or kept for staff only (listed: false, e.g. a program only for men in prison).
            "is_active": record.get("status", "unknown") != "ended" and record.get("listed") is not False,
            "is_demo": False,
            "hours_known": False,
            "time_zone": zone,
            "program_kind": record["kind"],
            "voluntary": record.get("voluntary"),
            "court_ordered": record.get("court_ordered"),
            "court_orders": list(record.get("court_orders") or []),
            "self_referral": record.get("self_referral"),
            "program_length": (record.get("length") or "").strip(),
            "partner_contact": record.get("partner_contact"),
            "interpreter": record.get("interpreter"),
            "verification": record.get("verification") or "unverified",
        },
        terms={
            "service-type": KINDS[record["kind"]],
            "audience": list(dict.fromkeys(record.get("audience") or [])),
            "delivery": delivery,
            "referral": referral,
        },
        phones=[PhoneData(number=phone, description="Intake", call_cost=call_cost_for(phone))]
        if phone
        else [],
        areas=(
            [AreaData(scope="national")]
            if record.get("online_area") == "national"
            else [AreaData(scope="state", states=record["online_area"])]
            if record.get("online_area")
            else []
        ),
        languages=[
            (LANGUAGE_CODES[normalise_name(name)], name.strip()) for name in record.get("languages") or []
        ],
    )


@transaction.atomic
def programs_load(*, checked) -> dict[str, int]:
    """Write checked programs (services_directory.programs.check_programs) in one transaction.

    Upserts by id, so loading the same files twice changes nothing. A program that a source says has
    ended is kept but not listed (inactive). A program no longer in the files is deactivated, never
    deleted (a provider's portal history may point at it)."""
    from django.utils import timezone

    from services_directory.programs import parse_partial_date

    counts = {"organisations": 0, "programs": 0, "listed": 0, "places": 0}
    seen: list[str] = []
    for org in checked.organisations:
        raw = org.raw
        if org.id in checked.national_org_ids:
            # A national organisation (No to Violence, MensLine) keeps the facts national_services.yaml
            # gives it; its programs attach to it. The national lines must be loaded first.
            organization = Organization.objects.filter(slug=org.id).first()
            if organization is None:
                raise ValueError(f"{org.id}: load the national services before the programs")
            _programs_of(org, organization, counts, seen)
            continue
        read_dates = [parse_partial_date(s["read_on"]) for p in org.programs for s in p.raw["sources"]]
        first_source = org.programs[0].raw["sources"][0]["url"] if org.programs else ""
        organization = organization_upsert(
            slug=org.id,
            fields={
                "name": raw["name"].strip(),
                "description": (raw.get("description") or raw["name"]).strip(),
                "website": raw.get("website") or "",
                "source_url": raw.get("phone_source") or raw.get("website") or first_source,
                "last_verified": max(read_dates) if read_dates else timezone.localdate(),
                "is_demo": False,
            },
        )
        counts["organisations"] += 1
        wanted = (
            [Phone(organization=organization, number=raw["phone"], description="Provider's phone",
                   call_cost=call_cost_for(raw["phone"]), hsds_id=hsds_id_for("phone", f"org/{org.id}/0"))]
            if raw.get("phone")
            else []
        )  # fmt: skip
        existing = {p.hsds_id: p for p in Phone.objects.filter(organization=organization, service=None)}
        for phone in wanted:
            current = existing.pop(phone.hsds_id, None)
            if current is None:
                phone.full_clean()
                phone.save()
            elif (current.number, current.call_cost) != (phone.number, phone.call_cost):
                current.number, current.call_cost = phone.number, phone.call_cost
                current.save()
        Phone.objects.filter(pk__in=[p.pk for p in existing.values()]).delete()
        _programs_of(org, organization, counts, seen)
    for gone in Service.objects.exclude(program_kind="").exclude(slug__in=seen).filter(is_active=True):
        service_deactivate(service=gone)
    return counts


def _programs_of(org, organization: Organization, counts: dict, seen: list) -> None:
    from services_directory.places import zone_for

    for program in org.programs:
        record = program.raw
        state = program.places[0].state if program.places else (
            record["online_area"][0] if isinstance(record.get("online_area"), list) else "NSW"
        )  # fmt: skip
        service = service_upsert(
            slug=record["id"],
            organization=organization,
            data=_program_data(record, program.places, zone=zone_for(state=state)),
        )
        seen.append(service.slug)
        counts["programs"] += 1
        counts["listed"] += service.is_active
        wanted = [
            hsds_id_for("location", f"{record['id']}/{place.town}/{place.state}/{place.postcode}")
            for place in program.places
        ]
        # A place taken out of the file no longer offers the program (its search point goes with it).
        ServiceAtLocation.objects.filter(service=service).exclude(location__hsds_id__in=wanted).delete()
        for place, location_id in zip(program.places, wanted, strict=True):
            location_upsert(
                hsds_id=location_id,
                fields={
                    "organization": organization,
                    "name": "",
                    "address_1": place.address,
                    "city": place.town,
                    "state_province": place.state,
                    "postal_code": place.postcode,
                    "latitude": round(place.latitude, 5),
                    "longitude": round(place.longitude, 5),
                    "show_address": True,
                    "description": ""
                    if place.address
                    else "Town only: the provider gives the venue when you call.",
                },
                services=[service],
            )
            counts["places"] += 1
