"""Our directory as HSDS 3.0 JSON (used by the API and by export_hsds).

Pure functions over model instances whose related rows were loaded by services_directory.hsds.selectors;
none of them queries the database. Empty values are left out (HSDS fields are optional, and "" is not a
valid e-mail address or URI). docs/hsds.md lists the mapping field by field.

Opening hours: we keep each schedule's IANA time zone (so daylight saving is handled); HSDS has only a
numeric UTC offset, so we emit the offset in force at `now` (the time of the request or export).
"""

from __future__ import annotations

import datetime
import json
from decimal import Decimal
from zoneinfo import ZoneInfo

from services_directory.hsds import hours_attributes
from services_directory.models import (
    AreaScope,
    CostOption,
    Language,
    Location,
    LocationAccessibility,
    Organization,
    Phone,
    Schedule,
    Service,
    ServiceArea,
    ServiceAtLocation,
    ServiceAttribute,
    Taxonomy,
    TaxonomyTerm,
)
from services_directory.places import zone_for

COUNTRY = "AU"
# How our service areas are written in HSDS `extent` (extent_type "text"): ISO 3166 codes and postcodes.
STATE_EXTENT_PREFIX = "AU-"
POSTCODE_EXTENT_PREFIX = "postcode:"


def _clean(data: dict, *, keep: tuple[str, ...] = ()) -> dict:
    """Drop None and empty strings and lists (optional HSDS fields are left out, not sent empty), but
    for the keys in `keep`: required fields that HSDS allows empty."""
    return {k: v for k, v in data.items() if k in keep or (v is not None and v != "" and v != [])}


def _date(value: datetime.date | None) -> str | None:
    return value.isoformat() if value else None


def _uuid(value) -> str | None:
    return str(value) if value else None


def utc_offset_hours(zone: str, at: datetime.datetime) -> float | int:
    """The UTC offset of an IANA zone at a moment, in hours (10, 10.5, 11...), as HSDS `timezone`."""
    offset = at.astimezone(ZoneInfo(zone)).utcoffset() or datetime.timedelta(0)
    hours = offset.total_seconds() / 3600
    return int(hours) if hours.is_integer() else hours


# --- Taxonomy -------------------------------------------------------------------------------------------


def taxonomy_json(taxonomy: Taxonomy) -> dict:
    return _clean(
        {
            "id": str(taxonomy.hsds_id),
            "name": taxonomy.name,
            "description": taxonomy.description,
            "uri": taxonomy.uri,
            "version": taxonomy.version,
        }
    )


def taxonomy_term_json(term: TaxonomyTerm) -> dict:
    """A term; needs term.taxonomy and term.parent loaded."""
    return _clean(
        {
            "id": str(term.hsds_id),
            "code": term.code,
            "name": term.name,
            # HSDS requires a description; our terms' names are self-explanatory when it is empty.
            "description": term.description or term.name,
            "parent_id": _uuid(term.parent.hsds_id if term.parent_id else None),
            "taxonomy": term.taxonomy.name,
            "taxonomy_id": str(term.taxonomy.hsds_id),
            "taxonomy_detail": taxonomy_json(term.taxonomy),
            "language": "en",
        }
    )


def attribute_json(attribute: ServiceAttribute, *, service_id: str) -> dict:
    return {
        "id": str(attribute.hsds_id),
        "link_id": service_id,
        "link_type": "service",
        "link_entity": "service",
        "taxonomy_term_id": str(attribute.term.hsds_id),
        "taxonomy_term": taxonomy_term_json(attribute.term),
    }


# --- Contact points -------------------------------------------------------------------------------------


def phone_json(phone: Phone, *, parent: dict[str, str], languages: list[Language] = ()) -> dict:
    """A phone; `parent` is {"service_id": ...} or {"location_id": ...}: the record it belongs to."""
    extension = phone.extension.strip()
    return _clean(
        {
            "id": str(phone.hsds_id),
            **parent,
            "number": phone.number,
            # HSDS types the extension as a number.
            "extension": int(extension) if extension.isdigit() else None,
            "type": phone.type,
            "description": phone.description,
            "languages": [
                language_json(language, parent={"phone_id": str(phone.hsds_id)}) for language in languages
            ],
        }
    )


def schedule_zone(schedule: Schedule, *, service: Service | None, location: Location | None) -> str:
    """The IANA zone a schedule's times are kept in: its own, else the location's, else the service's."""
    if schedule.time_zone:
        return schedule.time_zone
    if location is not None and location.state_province:
        return location.time_zone or zone_for(state=location.state_province, postcode=location.postal_code)
    if service is not None and service.time_zone:
        return service.time_zone
    return "Australia/Sydney"


def schedule_json(
    schedule: Schedule,
    *,
    now: datetime.datetime,
    parent: dict[str, str],
    service: Service | None,
    location: Location | None = None,
) -> dict:
    zone = schedule_zone(schedule, service=service, location=location)
    notes = f"Times are kept in the {zone} time zone; timezone is its UTC offset on {now:%Y-%m-%d}."
    if service is not None and service.hours_in_local_time:
        notes = "Times are local time in each state; timezone is the offset of " + notes[20:]
    return _clean(
        {
            "id": str(schedule.hsds_id),
            **parent,
            "valid_from": _date(schedule.valid_from),
            "valid_to": _date(schedule.valid_to),
            "timezone": utc_offset_hours(zone, now),
            "freq": "WEEKLY",
            "wkst": "MO",
            "interval": 1,
            "byday": schedule.byday,
            "opens_at": schedule.opens_at.strftime("%H:%M"),
            "closes_at": schedule.closes_at.strftime("%H:%M"),
            "description": schedule.description,
            "notes": notes,
            "attributes": hours_attributes.schedule_attributes(schedule),
        }
    )


def service_area_extent(area: ServiceArea) -> tuple[str, str]:
    """(extent, extent_type) for one of our service areas. docs/hsds.md describes the forms."""
    if area.scope == AreaScope.NATIONAL:
        return COUNTRY, "text"
    if area.scope == AreaScope.STATE:
        return " ".join(STATE_EXTENT_PREFIX + s for s in area.state_list), "text"
    if area.scope == AreaScope.POSTCODES:
        return " ".join(POSTCODE_EXTENT_PREFIX + p for p in area.postcode_list), "text"
    feature = {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [area.longitude, area.latitude]},
        "properties": {"radius_km": area.radius_km},
    }
    return json.dumps(feature, separators=(",", ":")), "geojson"


def service_area_json(area: ServiceArea, *, service_id: str) -> dict:
    extent, extent_type = service_area_extent(area)
    return _clean(
        {
            "id": str(area.hsds_id),
            "service_id": service_id,
            "name": area.name or area.get_scope_display(),
            "description": area.get_scope_display(),
            "extent": extent,
            "extent_type": extent_type,
        }
    )


def language_json(language: Language, *, parent: dict[str, str]) -> dict:
    return _clean(
        {
            "id": str(language.hsds_id),
            **parent,
            "name": language.name,
            "code": language.code,
            "note": language.note,
        }
    )


def cost_option_json(cost: CostOption, *, service_id: str) -> dict:
    amount = cost.amount
    return _clean(
        {
            "id": str(cost.hsds_id),
            "service_id": service_id,
            "valid_from": _date(cost.valid_from),
            "valid_to": _date(cost.valid_to),
            "option": cost.option,
            "currency": cost.currency,
            "amount": (int(amount) if amount == amount.to_integral_value() else float(amount))
            if isinstance(amount, Decimal)
            else None,
            "amount_description": cost.amount_description,
        }
    )


# --- Places ---------------------------------------------------------------------------------------------


def address_json(location: Location) -> dict | None:
    """The location's address, or None when it is hidden or names no town and state.

    A town-only place (a program that gives its venue when you call) has no street, and a town that spans
    several postcodes has no postcode: HSDS requires the keys address_1 and postal_code but sets them no
    minimum length, so they are sent as "" and an import of our own export keeps the town and state.
    """
    if not (location.show_address and location.city and location.state_province):
        return None
    return _clean(
        {
            # The address has no row of its own: it shares its location's id.
            "id": str(location.hsds_id),
            "location_id": str(location.hsds_id),
            "address_1": location.address_1,
            "address_2": location.address_2,
            "city": location.city,
            "state_province": location.state_province,
            "postal_code": location.postal_code,
            "country": COUNTRY,
            "address_type": location.location_type,
        },
        keep=("address_1", "postal_code"),  # required by HSDS; "" when we have none
    )


def location_json(location: Location) -> dict:
    """A location. Hidden places (show_address False, e.g. a safe house) carry no address or coordinates."""
    address = address_json(location)
    visible = location.show_address
    return _clean(
        {
            "id": str(location.hsds_id),
            "location_type": location.location_type,
            "organization_id": _uuid(location.organization.hsds_id if location.organization_id else None),
            "name": location.name,
            "description": location.description,
            "transportation": location.transportation if visible else "",
            "latitude": location.latitude if visible else None,
            "longitude": location.longitude if visible else None,
            "addresses": [address] if address else [],
            "accessibility": [accessibility_json(item) for item in location.accessibility.all()]
            if visible
            else [],
        }
    )


def accessibility_json(item: LocationAccessibility) -> dict:
    return _clean(
        {
            "id": str(item.hsds_id),
            "location_id": str(item.location.hsds_id),
            "description": item.description,
            "details": item.details,
            "url": item.url,
        }
    )


# --- Organisations and services -------------------------------------------------------------------------


def organization_json(organization: Organization, *, services: list[dict] | None = None) -> dict:
    data = _clean(
        {
            "id": str(organization.hsds_id),
            "name": organization.name,
            "alternate_name": organization.alternate_name,
            "description": organization.description,
            "email": organization.email,
            "website": organization.website,
        }
    )
    if services is not None:
        data["services"] = services
    return data


def service_status(service: Service) -> str:
    return "active" if service.is_active else "inactive"


def service_list_json(service: Service) -> dict:
    """The one-to-one fields of a service (the `/services` list; needs service.organization)."""
    return _clean(
        {
            "id": str(service.hsds_id),
            "organization_id": str(service.organization.hsds_id),
            "name": service.name,
            "alternate_name": service.alternate_name,
            "description": service.description,
            "url": service.url,
            "email": service.email,
            "status": service_status(service),
            "fees_description": service.fees_description,
            "wait_time": service.typical_wait,
            "eligibility_description": service.eligibility_description,
            "minimum_age": service.minimum_age,
            "maximum_age": service.maximum_age,
            "assured_date": _date(service.last_verified),
            "alert": "This program has a waiting list." if service.intake_status == "waitlist" else None,
            "last_modified": service.updated_at.astimezone(datetime.UTC).isoformat().replace("+00:00", "Z"),
        }
    )


def service_json(service: Service, *, now: datetime.datetime, with_locations: bool = True) -> dict:
    """A fully nested service (needs the prefetches of selectors.SERVICE_FULL)."""
    data = service_list_json(service)
    sid = str(service.hsds_id)
    parent = {"service_id": sid}
    languages_by_phone: dict[int, list[Language]] = {}
    service_languages = []
    for language in service.languages.all():
        if language.phone_id:
            languages_by_phone.setdefault(language.phone_id, []).append(language)
        else:
            service_languages.append(language)
    data.update(
        _clean(
            {
                "phones": [
                    phone_json(p, parent=parent, languages=languages_by_phone.get(p.pk, []))
                    for p in service.phones.all()
                ],
                "schedules": [
                    schedule_json(s, now=now, parent=parent, service=service) for s in service.schedules.all()
                ],
                "service_areas": [service_area_json(a, service_id=sid) for a in service.service_areas.all()],
                "languages": [language_json(language, parent=parent) for language in service_languages],
                "cost_options": [cost_option_json(c, service_id=sid) for c in service.cost_options.all()],
                "attributes": [attribute_json(a, service_id=sid) for a in service.attributes.all()]
                + hours_attributes.service_attributes(service),
                "organization": organization_json(service.organization),
            }
        )
    )
    if with_locations:
        sals = [
            service_at_location_json(sal, now=now, nested_service=False)
            for sal in service.service_at_locations.all()
        ]
        if sals:
            data["service_at_locations"] = sals
    return data


def service_at_location_json(
    sal: ServiceAtLocation, *, now: datetime.datetime, nested_service: bool | None = True, full: bool = True
) -> dict:
    """A service at a location. nested_service: True full service, None its list form, False none."""
    data = _clean(
        {
            "id": str(sal.hsds_id),
            "service_id": str(sal.service.hsds_id),
            "location_id": str(sal.location.hsds_id),
            "description": sal.description,
            "location": location_json(sal.location),
        }
    )
    if full:
        parent = {"location_id": str(sal.location.hsds_id)}
        schedules = [
            schedule_json(s, now=now, parent=parent, service=sal.service, location=sal.location)
            for s in sal.location.schedules.all()
        ]
        phones = [phone_json(p, parent=parent) for p in sal.location.phones.all()]
        data.update(_clean({"schedules": schedules, "phones": phones}))
    if nested_service is True:
        data["service"] = service_json(sal.service, now=now, with_locations=False)
    elif nested_service is None:
        data["service"] = service_list_json(sal.service)
    return data
