"""Import HSDS 3.0 data into the directory: parse, check everything, then write in one transaction.

`dataset_from_payload(payload)` accepts the shapes HSDS data comes in (one service, a list, an API
page, an organisation with its services, the JSON tabular form) and `dataset_from_path(path)` reads a
JSON file or a CSV data package directory. `dataset_import(...)` then:

1. validates every service against the official compiled schema (jsonschema, local registry);
2. maps it to our model, checking what our model needs (an Australian address, a description...);
   locations without coordinates are placed from the local gazetteer (no geocoding service);
3. writes, in ONE transaction, by HSDS id, through the service functions. Each service is written in a
   savepoint, so one our model refuses is reported with the others.

With `whole=True` (import_hsds) any problem rolls everything back: nothing already stored changes.
With `whole=False` (refresh_directory) failing records are skipped and reported, the rest is kept.
Fields changed here since the last import from the same source are kept and flagged (ImportedRecord).
"""

from __future__ import annotations

import datetime
import json
import uuid
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import DatabaseError, transaction
from django.utils import timezone
from django.utils.text import slugify

from services_directory import services
from services_directory.hsds import hours_attributes, tabular
from services_directory.hsds.serialize import POSTCODE_EXTENT_PREFIX, STATE_EXTENT_PREFIX
from services_directory.hsds.validation import Problem, record_id, record_problems
from services_directory.models import (
    STATE_NAMES,
    STATES,
    AreaScope,
    ImportedRecord,
    Organization,
    PhoneType,
    Place,
    Service,
    ServiceAttribute,
)
from services_directory.places import PlaceError, normalise_name, normalise_postcode, zone_for
from services_directory.services import AreaData, LanguageData, PhoneData, ScheduleData, ServiceData

SERVICE_SCHEMA = "compiled/service.json"
MAX_RECORDS = 5000
STATE_BY_NAME = {normalise_name(name): code for code, name in STATE_NAMES.items()} | {
    s.lower(): s for s in STATES
}
# HSDS carries a UTC offset only; with no state to go by, the zone most places with that offset keep.
ZONE_BY_OFFSET = {
    8: "Australia/Perth",
    9.5: "Australia/Darwin",
    10: "Australia/Brisbane",
    10.5: "Australia/Adelaide",
    11: "Australia/Sydney",
}
SCALARS = (
    "name",
    "alternate_name",
    "description",
    "url",
    "email",
    "fees_description",
    "typical_wait",
    "eligibility_description",
    "minimum_age",
    "maximum_age",
    "is_active",
)
COLLECTIONS = ("phones", "schedules", "areas", "languages", "cost_options", "terms", "locations")


class SourceRejected(ValueError):
    """The data is not HSDS at all: nothing in it can be imported."""


@dataclass
class Dataset:
    records: list  # HSDS services (dicts, or anything else found where a service should be)


@dataclass
class LocationPlan:
    hsds_id: uuid.UUID
    sal_id: uuid.UUID
    sal_description: str
    fields: dict
    phones: list[PhoneData] = field(default_factory=list)
    schedules: list[ScheduleData] = field(default_factory=list)
    accessibility: list[dict] = field(default_factory=list)


@dataclass
class ServicePlan:
    hsds_id: uuid.UUID
    organization_id: uuid.UUID
    organization_fields: dict
    data: ServiceData
    attributes: list[dict]
    locations: list[LocationPlan]
    # From our own export's hours attributes (hours_attributes.py); None: the feed says nothing.
    closures: list | None = None


@dataclass
class ImportResult:
    source: str
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    deactivated: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    flagged: list[dict] = field(default_factory=list)
    committed: bool = False

    @property
    def rejected_ids(self) -> set[str]:
        return {p.id for p in self.problems}


# --- Reading --------------------------------------------------------------------------------------------


def dataset_from_payload(payload: object) -> Dataset:
    """Find the services in parsed JSON. Raises SourceRejected when it is not HSDS in any shape."""
    if tabular.is_tabular_json(payload):
        return Dataset(tabular.services_from_tables(tabular.tables_from_tabular_json(payload)))
    if isinstance(payload, dict) and isinstance(payload.get("contents"), list):
        records = payload["contents"]
    elif isinstance(payload, list):
        records = payload
    elif isinstance(payload, dict) and isinstance(payload.get("services"), list) and "status" not in payload:
        organization = {k: v for k, v in payload.items() if k != "services"}
        records = [
            {**s, "organization": s.get("organization", organization)} if isinstance(s, dict) else s
            for s in payload["services"]
        ]
    elif isinstance(payload, dict) and "id" in payload and "name" in payload:
        records = [payload]
    else:
        raise SourceRejected("This is not HSDS data: no services, list of services or HSDS page found.")
    if not records:
        raise SourceRejected("The source lists no services.")
    if len(records) > MAX_RECORDS:
        raise SourceRejected(f"The source lists {len(records)} services; at most {MAX_RECORDS} are read.")
    if not any(isinstance(r, dict) and "id" in r and "name" in r for r in records):
        raise SourceRejected("This is not HSDS data: no record has an id and a name.")
    return Dataset(records)


def dataset_from_path(path: Path) -> Dataset:
    """A JSON file, or a directory holding a CSV data package."""
    if path.is_dir():
        try:
            return Dataset(tabular.services_from_tables(tabular.read_directory(path)))
        except tabular.NotTabular as error:
            raise SourceRejected(str(error)) from None
    try:
        payload = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, ValueError) as error:
        raise SourceRejected(f"{path.name} is not JSON: {error}") from None
    return dataset_from_payload(payload)


# --- Mapping HSDS to our model --------------------------------------------------------------------------


class Unfit(ValueError):
    """A value is valid HSDS but not something our directory can hold (e.g. an address abroad)."""

    def __init__(self, field: str, reason: str):
        super().__init__(reason)
        self.field = field
        self.reason = reason


def _text(record: dict, key: str, limit: int | None = None) -> str:
    value = record.get(key)
    value = value.strip() if isinstance(value, str) else ""
    return value[:limit] if limit else value


def _date(value, field_name: str) -> datetime.date | None:
    if not value:
        return None
    try:
        return datetime.date.fromisoformat(str(value)[:10])
    except ValueError:
        raise Unfit(field_name, f"{value!r} is not a date (YYYY-MM-DD)") from None


def _time(value, field_name: str) -> datetime.time:
    try:
        return datetime.time.fromisoformat(str(value)[:8])
    except ValueError:
        raise Unfit(field_name, f"{value!r} is not a time (HH:MM)") from None


def _state(value: str, field_name: str) -> str:
    code = STATE_BY_NAME.get(normalise_name(value)) if value else ""
    if value and not code:
        raise Unfit(field_name, f"{value!r} is not an Australian state or territory")
    return code or ""


def _place(postcode: str, city: str) -> Place | None:
    places = list(Place.objects.filter(postcode=postcode))
    wanted = normalise_name(city)
    return next((p for p in places if p.name_normalised == wanted), places[0] if places else None)


def location_plan(sal: dict, index: int) -> LocationPlan | None:
    location = sal.get("location")
    if not isinstance(location, dict):
        return None
    where = f"service_at_locations.{index}.location"
    addresses = [a for a in location.get("addresses", []) if isinstance(a, dict)]
    address = next(
        (a for a in addresses if a.get("address_type") == "physical"), addresses[0] if addresses else {}
    )
    country = _text(address, "country").upper()
    if country and country not in ("AU", "AUS", "AUSTRALIA"):
        raise Unfit(f"{where}.addresses.0.country", f"{country!r}: only Australian addresses are listed")
    state = _state(_text(address, "state_province"), f"{where}.addresses.0.state_province")
    postcode = ""
    if _text(address, "postal_code"):
        try:
            postcode = normalise_postcode(_text(address, "postal_code"))
        except PlaceError:
            raise Unfit(
                f"{where}.addresses.0.postal_code",
                f"{address['postal_code']!r} is not an Australian postcode",
            ) from None
    latitude, longitude = location.get("latitude"), location.get("longitude")
    if latitude is not None or longitude is not None:
        if not (isinstance(latitude, int | float) and isinstance(longitude, int | float)):
            raise Unfit(f"{where}.latitude", "latitude and longitude must both be numbers")
        if not (-44 <= latitude <= -9 and 112 <= longitude <= 160):
            raise Unfit(f"{where}.latitude", f"({latitude}, {longitude}) is not in Australia")
    city = _text(address, "city", 120)
    if latitude is None and postcode:
        place = _place(postcode, city)
        if place is not None:
            latitude, longitude = place.latitude, place.longitude
            state = state or place.state
    try:
        lid = uuid.UUID(str(location["id"]))
        sid = uuid.UUID(str(sal["id"]))
    except (KeyError, ValueError):
        raise Unfit(where, "a location and its service_at_location need UUID ids") from None
    # Phones and hours of the place itself: HSDS puts them on the location and on the service at
    # location (the official examples repeat one record in both); one of each id is kept.
    phones = _unique_by_id([*_dicts(location.get("phones")), *_dicts(sal.get("phones"))])
    schedules = _unique_by_id([*_dicts(location.get("schedules")), *_dicts(sal.get("schedules"))])
    return LocationPlan(
        hsds_id=lid,
        sal_id=sid,
        sal_description=_text(sal, "description"),
        phones=[_phone(p) for p in phones],
        accessibility=_accessibility(location.get("accessibility"), owner=lid),
        schedules=_schedules(schedules, state, where=f"{where}.schedules", ours=None),
        fields={
            "location_type": location.get("location_type") or "physical",
            "name": _text(location, "name", 300),
            "description": _text(location, "description"),
            "transportation": _text(location, "transportation"),
            "address_1": _text(address, "address_1", 300),
            "address_2": _text(address, "address_2", 300),
            "city": city,
            "state_province": state,
            "postal_code": postcode,
            "latitude": latitude,
            "longitude": longitude,
            "time_zone": "",
        },
    )


MAX_CHILDREN = 50


def _placed(plan: LocationPlan) -> bool:
    """The location is somewhere in Australia we can name: a state, a postcode or coordinates."""
    f = plan.fields
    return bool(f["state_province"] or f["postal_code"] or f["latitude"] is not None)


def _dicts(value) -> list[dict]:
    return [x for x in value[:MAX_CHILDREN] if isinstance(x, dict)] if isinstance(value, list) else []


def _unique_by_id(records: list[dict]) -> list[dict]:
    seen, out = set(), []
    for record in records:
        key = str(record.get("id") or len(out))
        if key not in seen:
            seen.add(key)
            out.append(record)
    return out


def _accessibility(value, *, owner: uuid.UUID) -> list[dict]:
    """HSDS accessibility entries as we keep them (Location.accessibility): text only, bounded, each
    with an id (the feed's, else one made from the location's, so that exports are stable)."""
    out = []
    for i, item in enumerate(_dicts(value)[:20]):
        entry = {
            "id": str(_uuid_or_none(item.get("id")) or uuid.uuid5(owner, f"accessibility/{i}")),
            "description": _text(item, "description", 2000),
            "details": _text(item, "details", 2000),
            "url": _text(item, "url", 500),
        }
        entry = {k: v for k, v in entry.items() if v}
        if len(entry) > 1:
            out.append(entry)
    return out


def _phone(p: dict) -> PhoneData:
    extension = p.get("extension")
    if isinstance(extension, float) and extension.is_integer():
        extension = int(extension)
    return PhoneData(
        number=_text(p, "number", 40),
        extension=str(extension)[:20]
        if isinstance(extension, int | str) and not isinstance(extension, bool)
        else "",
        type=p.get("type") if p.get("type") in PhoneType.values else "voice",
        description=_text(p, "description", 300),
        hsds_id=_uuid_or_none(p.get("id")),
    )


def _schedules(records: list[dict], state: str, *, where: str, ours: bool | None) -> list[ScheduleData]:
    """Weekly opening hours. `ours`: the feed is our own export (it carries hours attributes), so a
    span has a zone only when it says so; else the zone comes from the state or the UTC offset."""
    out = []
    for i, s in enumerate(records):
        if not (s.get("opens_at") and s.get("closes_at") and s.get("byday")):
            continue  # only weekly opening hours are modelled
        if s.get("freq") not in (None, "WEEKLY"):
            continue
        own = hours_attributes.read_schedule_zone(s)
        out.append(
            ScheduleData(
                byday=str(s["byday"]).upper().replace(" ", "")[:30],
                opens_at=_time(s["opens_at"], f"{where}.{i}.opens_at"),
                closes_at=_time(s["closes_at"], f"{where}.{i}.closes_at"),
                time_zone=own or ("" if (_marked(s) if ours is None else ours) else _zone(s, state)),
                valid_from=_date(s.get("valid_from"), f"{where}.{i}.valid_from"),
                valid_to=_date(s.get("valid_to"), f"{where}.{i}.valid_to"),
                description=_text(s, "description", 300),
                hsds_id=_uuid_or_none(s.get("id")),
            )
        )
    return out


def _marked(schedule: dict) -> bool:
    """Written by our export (its notes say where the times are kept)."""
    notes = str(schedule.get("notes") or "")
    return notes.startswith(("Times are kept in the ", "Times are local time in each state"))


def area_data(area: dict) -> AreaData | None:
    """Our service area from an HSDS one written in the forms docs/hsds.md lists; None if not understood."""
    extent, kind = _text(area, "extent"), _text(area, "extent_type").lower()
    aid = _uuid_or_none(area.get("id"))
    name = _text(area, "name", 200)
    if name in AreaScope.labels:
        name = ""  # our export names an unnamed area by its scope ("State"); that is no name
    if kind == "geojson":
        try:
            feature = json.loads(extent)
            lon, lat = feature["geometry"]["coordinates"]
            radius = float(feature["properties"]["radius_km"])
            return AreaData(
                scope="radius", latitude=lat, longitude=lon, radius_km=radius, name=name, hsds_id=aid
            )
        except (ValueError, KeyError, TypeError):
            return None
    words = extent.split()
    if words == ["AU"]:
        return AreaData(scope="national", name=name, hsds_id=aid)
    if words and all(w.startswith(STATE_EXTENT_PREFIX) and w[3:] in STATES for w in words):
        return AreaData(scope="state", states=tuple(w[3:] for w in words), name=name, hsds_id=aid)
    if words and all(w.startswith(POSTCODE_EXTENT_PREFIX) for w in words):
        return AreaData(
            scope="postcodes",
            postcodes=tuple(w[len(POSTCODE_EXTENT_PREFIX) :] for w in words),
            name=name,
            hsds_id=aid,
        )
    return None


def _uuid_or_none(value) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value))
    except ValueError:
        return None


def _zone(schedule: dict, state: str) -> str:
    if state:
        return zone_for(state=state)
    return ZONE_BY_OFFSET.get(schedule.get("timezone"), "")


def service_plan(record: dict, *, source_url: str, today: datetime.date) -> ServicePlan:
    """Map one schema-valid HSDS service to our model's terms. Raises Unfit naming the field."""
    organization = record.get("organization") if isinstance(record.get("organization"), dict) else None
    org_id = _uuid_or_none((organization or {}).get("id") or record.get("organization_id"))
    if org_id is None:
        raise Unfit("organization_id", "a service needs its organisation")
    if organization is None and not Organization.objects.filter(hsds_id=org_id).exists():
        raise Unfit("organization", "the organisation is neither in the data nor already in the directory")
    description = _text(record, "description")
    if not description:
        raise Unfit("description", "a service needs a description to be listed")
    locations = [location_plan(sal, i) for i, sal in enumerate(record.get("service_at_locations", []))]
    locations = [p for p in locations if p is not None]
    state = next((p.fields["state_province"] for p in locations if p.fields["state_province"]), "")
    website = _text(record, "url") or _text(organization or {}, "website")
    provenance = source_url if source_url.startswith(("http://", "https://")) else website
    if not provenance:
        raise Unfit("url", "no source address: the service has no url and the data came from a file")
    areas = [a for a in (area_data(x) for x in _dicts(record.get("service_areas"))) if a is not None]
    if not areas and not any(_placed(p) for p in locations):
        raise Unfit(
            "service_at_locations",
            "no Australian place: no address, postcode or coordinates in Australia and no service area "
            "we can read (AU, AU-NSW..., postcode:3000 or a radius)",
        )
    attributes = [a for a in record.get("attributes", []) if isinstance(a, dict)]
    hours_fields, closures = hours_attributes.read_service(attributes)
    ours = bool(hours_fields)
    schedules = _schedules(record.get("schedules", []), state, where="schedules", ours=ours)
    phones = [_phone(p) for p in record.get("phones", []) if isinstance(p, dict)]
    cost_options = []
    for i, c in enumerate(record.get("cost_options", [])):
        try:
            amount = Decimal(str(c["amount"])) if c.get("amount") is not None else None
        except InvalidOperation:
            raise Unfit(f"cost_options.{i}.amount", "not a number") from None
        cost_options.append(
            {
                "option": _text(c, "option", 200),
                "amount": amount,
                "currency": (_text(c, "currency") or "AUD").upper()[:3],
                "amount_description": _text(c, "amount_description", 300),
                "valid_from": _date(c.get("valid_from"), f"cost_options.{i}.valid_from"),
                "valid_to": _date(c.get("valid_to"), f"cost_options.{i}.valid_to"),
                "hsds_id": _uuid_or_none(c.get("id")),
            }
        )
    summary = description.split(". ")[0].strip()
    fields = {
        "name": _text(record, "name", 300),
        "alternate_name": _text(record, "alternate_name", 300),
        "summary": (summary if summary.endswith(".") else summary + ".")[:400],
        "description": description,
        "url": _text(record, "url", 500),
        "email": _text(record, "email"),
        "fees_description": _text(record, "fees_description"),
        "typical_wait": _text(record, "wait_time", 200),
        "eligibility_description": _text(record, "eligibility_description"),
        "minimum_age": record.get("minimum_age"),
        "maximum_age": record.get("maximum_age"),
        "is_active": record.get("status") == "active",
        "source_url": provenance[:500],
        "last_verified": _date(record.get("assured_date"), "assured_date") or today,
        "time_zone": zone_for(state=state)
        if state
        else next((s.time_zone for s in schedules if s.time_zone), "Australia/Sydney"),
        "hours_known": bool(schedules),
        **hours_fields,
    }
    for age in ("minimum_age", "maximum_age"):
        value = fields[age]
        if value is not None and not (
            isinstance(value, int | float) and 0 <= value <= 130 and float(value).is_integer()
        ):
            raise Unfit(age, f"{value!r} is not an age in whole years")
        fields[age] = int(value) if value is not None else None
    org = organization or {}
    return ServicePlan(
        hsds_id=uuid.UUID(str(record["id"])),
        organization_id=org_id,
        organization_fields={
            "name": _text(org, "name", 300),
            "alternate_name": _text(org, "alternate_name", 300),
            "description": _text(org, "description"),
            "email": _text(org, "email"),
            "website": _text(org, "website", 500),
            "source_url": provenance[:500],
            "last_verified": fields["last_verified"],
        }
        if organization
        else {},
        data=ServiceData(
            fields=fields,
            phones=phones,
            schedules=schedules,
            areas=areas,
            languages=[
                LanguageData(
                    code=_text(x, "code", 10) or "und",
                    name=_text(x, "name", 80) or _text(x, "code", 80),
                    note=_text(x, "note", 200),
                    hsds_id=_uuid_or_none(x.get("id")),
                )
                for x in record.get("languages", [])
            ],
            cost_options=cost_options,
        ),
        attributes=[a for a in attributes if not hours_attributes.is_ours(a)],
        locations=locations,
        closures=closures,
    )


# --- Snapshots: what an import wrote, to notice changes made here since -------------------------------


def _money(amount: Decimal | None) -> str | None:
    return None if amount is None else f"{amount:.2f}"


def _jsonable(value):
    return json.loads(json.dumps(value, default=str))


def snapshot_of_data(data: ServiceData, locations: list[LocationPlan]) -> dict:
    f = data.fields
    snap = {key: f.get(key) for key in SCALARS}
    snap["phones"] = [[p.number, p.type, p.description] for p in data.phones]
    snap["schedules"] = [
        [s.byday, s.opens_at.strftime("%H:%M"), s.closes_at.strftime("%H:%M"), s.valid_from, s.valid_to]
        for s in data.schedules
    ]
    snap["areas"] = [
        [a.scope, " ".join(a.states), " ".join(a.postcodes), a.latitude, a.longitude, a.radius_km]
        for a in data.areas
    ]
    snap["languages"] = [
        [x.code, x.name, x.note] if isinstance(x, LanguageData) else [x[0], x[1], ""] for x in data.languages
    ]
    snap["cost_options"] = [
        [c["option"], _money(c["amount"]), c["currency"], c["amount_description"]] for c in data.cost_options
    ]
    snap["terms"] = sorted(f"{tax}/{code}" for tax, codes in data.terms.items() for code in codes)
    snap["locations"] = sorted(
        [
            str(p.hsds_id),
            p.fields["address_1"],
            p.fields["city"],
            p.fields["state_province"],
            p.fields["postal_code"],
        ]
        for p in locations
    )
    return _jsonable(snap)


def snapshot_of_service(service: Service) -> dict:
    snap = {key: getattr(service, key) for key in SCALARS}
    snap["phones"] = [[p.number, p.type, p.description] for p in service.phones.all()]
    snap["schedules"] = [
        [s.byday, s.opens_at.strftime("%H:%M"), s.closes_at.strftime("%H:%M"), s.valid_from, s.valid_to]
        for s in service.schedules.order_by("id")
    ]
    snap["areas"] = [
        [a.scope, " ".join(a.state_list), " ".join(a.postcode_list), a.latitude, a.longitude, a.radius_km]
        for a in service.service_areas.order_by("id")
    ]
    snap["languages"] = [[x.code, x.name, x.note] for x in service.languages.order_by("id")]
    snap["cost_options"] = [
        [c.option, _money(c.amount), c.currency, c.amount_description]
        for c in service.cost_options.order_by("id")
    ]
    snap["terms"] = sorted(
        f"{a.term.taxonomy.slug}/{a.term.code}" for a in service.attributes.select_related("term__taxonomy")
    )
    snap["locations"] = sorted(
        [
            str(sal.location.hsds_id),
            sal.location.address_1,
            sal.location.city,
            sal.location.state_province,
            sal.location.postal_code,
        ]
        for sal in service.service_at_locations.select_related("location")
    )
    return _jsonable(snap)


def _keep_local(data: ServiceData, service: Service, changed: list[str]) -> ServiceData:
    """Incoming data with the fields changed here since the last import put back to their current values."""
    fields = dict(data.fields)
    for key in changed:
        if key in SCALARS:
            fields[key] = getattr(service, key)
    keep = set(changed)
    return ServiceData(
        fields=fields,
        terms=_current_terms(service) if "terms" in keep else data.terms,
        phones=[
            PhoneData(
                number=p.number,
                extension=p.extension,
                type=p.type,
                description=p.description,
                call_cost=p.call_cost,
                hsds_id=p.hsds_id,
            )
            for p in service.phones.all()
        ]
        if "phones" in keep
        else data.phones,
        schedules=[
            ScheduleData(
                byday=s.byday,
                opens_at=s.opens_at,
                closes_at=s.closes_at,
                time_zone=s.time_zone,
                valid_from=s.valid_from,
                valid_to=s.valid_to,
                description=s.description,
                hsds_id=s.hsds_id,
            )
            for s in service.schedules.order_by("id")
        ]
        if "schedules" in keep
        else data.schedules,
        areas=[
            AreaData(
                scope=a.scope,
                states=tuple(a.state_list),
                postcodes=tuple(a.postcode_list),
                latitude=a.latitude,
                longitude=a.longitude,
                radius_km=a.radius_km,
                name=a.name,
                hsds_id=a.hsds_id,
            )
            for a in service.service_areas.order_by("id")
        ]
        if "areas" in keep
        else data.areas,
        languages=[LanguageData(x.code, x.name, x.note, x.hsds_id) for x in service.languages.order_by("id")]
        if "languages" in keep
        else data.languages,
        cost_options=[
            {
                "option": c.option,
                "amount": c.amount,
                "currency": c.currency,
                "amount_description": c.amount_description,
                "valid_from": c.valid_from,
                "valid_to": c.valid_to,
                "hsds_id": c.hsds_id,
            }
            for c in service.cost_options.order_by("id")
        ]
        if "cost_options" in keep
        else data.cost_options,
        closures=[(c.starts_on, c.ends_on, c.description) for c in service.closures.all()],
    )


def _current_terms(service: Service) -> dict[str, list[str]]:
    terms: dict[str, list[str]] = {}
    for a in service.attributes.select_related("term__taxonomy"):
        terms.setdefault(a.term.taxonomy.slug, []).append(a.term.code)
    return terms


# --- Writing --------------------------------------------------------------------------------------------


class _Rollback(Exception):
    pass


def _terms_for(attributes: list[dict]) -> dict[str, list[str]]:
    terms: dict[str, list[str]] = {}
    for attribute in attributes:
        term_data = attribute.get("taxonomy_term") if isinstance(attribute.get("taxonomy_term"), dict) else {}
        term_id = _uuid_or_none(attribute.get("taxonomy_term_id") or term_data.get("id"))
        if term_id is None:
            continue
        detail = (
            term_data.get("taxonomy_detail") if isinstance(term_data.get("taxonomy_detail"), dict) else {}
        )
        term = services.taxonomy_term_import(
            term_id=term_id,
            code=_text(term_data, "code", 60),
            name=_text(term_data, "name", 200) or str(term_id),
            description=_text(term_data, "description"),
            taxonomy_id=_uuid_or_none(term_data.get("taxonomy_id") or detail.get("id")),
            taxonomy_name=_text(term_data, "taxonomy", 200) or _text(detail, "name", 200),
        )
        codes = terms.setdefault(term.taxonomy.slug, [])
        if term.code not in codes:
            codes.append(term.code)
    return terms


def _keep_attribute_ids(service: Service, attributes: list[dict]) -> None:
    """The feed's own attribute ids, so that an export of what was imported names the same records."""
    for attribute in attributes:
        term_data = attribute.get("taxonomy_term") if isinstance(attribute.get("taxonomy_term"), dict) else {}
        aid = _uuid_or_none(attribute.get("id"))
        term_id = _uuid_or_none(attribute.get("taxonomy_term_id") or term_data.get("id"))
        if aid is None or term_id is None or ServiceAttribute.objects.filter(hsds_id=aid).exists():
            continue
        ServiceAttribute.objects.filter(service=service, term__hsds_id=term_id).update(hsds_id=aid)


def _write_service(plan: ServicePlan, *, source: str, result: ImportResult) -> None:
    organization = Organization.objects.filter(hsds_id=plan.organization_id).first()
    if plan.organization_fields:
        slug = (
            organization.slug
            if organization
            else f"{slugify(plan.organization_fields['name'])[:100]}-{plan.organization_id.hex[:8]}"
        )
        organization = services.organization_upsert(
            slug=slug, fields=plan.organization_fields, hsds_id=plan.organization_id
        )
    data = plan.data
    data.terms = _terms_for(plan.attributes)
    existing = Service.objects.filter(hsds_id=plan.hsds_id).first()
    incoming = snapshot_of_data(data, plan.locations)
    changed: list[str] = []
    before = None
    if existing is not None:
        before = snapshot_of_service(existing)
        record = ImportedRecord.objects.filter(service=existing).first()
        if record is not None:
            changed = [k for k in (*SCALARS, *COLLECTIONS) if before.get(k) != record.values.get(k)]
            # A field the source now agrees with is no longer a conflict.
            changed = [k for k in changed if before.get(k) != incoming.get(k)]
            data = _keep_local(data, existing, changed)
        else:
            data.closures = [(c.starts_on, c.ends_on, c.description) for c in existing.closures.all()]
    if plan.closures is not None:
        data.closures = plan.closures  # our own export says which closures there are
    slug = (
        existing.slug
        if existing
        else f"{slugify(data.fields['name'])[:110] or 'service'}-{plan.hsds_id.hex[:8]}"
    )
    service = services.service_upsert(slug=slug, organization=organization, data=data, hsds_id=plan.hsds_id)
    _keep_attribute_ids(service, plan.attributes)
    if "locations" not in changed:
        for loc in plan.locations:
            location = services.location_upsert(
                hsds_id=loc.hsds_id, fields={**loc.fields, "organization": organization}
            )
            services.service_at_location_upsert(
                hsds_id=loc.sal_id, service=service, location=location, description=loc.sal_description
            )
            services.location_contacts_replace(
                location=location, phones=loc.phones, schedules=loc.schedules, accessibility=loc.accessibility
            )
    services.imported_record_save(service=service, source=source, values=incoming, locally_changed=changed)
    sid = str(plan.hsds_id)
    if changed:
        result.flagged.append({"id": sid, "fields": changed})
    if existing is None:
        result.added.append(sid)
    elif snapshot_of_service(service) != before or existing.organization_id != service.organization_id:
        result.updated.append(sid)
    else:
        result.unchanged.append(sid)


def dataset_import(
    *, dataset: Dataset, source: str, whole: bool, deactivate_missing: bool = False
) -> ImportResult:
    """Validate and write a dataset in one transaction (see the module docstring)."""
    result = ImportResult(source=source)
    today = timezone.localdate()
    plans: list[ServicePlan] = []
    seen: set[str] = set()
    for index, record in enumerate(dataset.records):
        rid = record_id(record)
        if rid:
            seen.add(rid)
        problems = record_problems(record=record, schema=SERVICE_SCHEMA)
        if not problems:
            try:
                plans.append(service_plan(record, source_url=source, today=today))
            except Unfit as unfit:
                problems = [Problem(id=rid, field=unfit.field, reason=unfit.reason)]
        if problems and not rid:
            problems = [Problem(id=f"(record {index + 1})", field=p.field, reason=p.reason) for p in problems]
        result.problems.extend(problems)
    ids = [str(p.hsds_id) for p in plans]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    for duplicate in duplicates:
        result.problems.append(Problem(id=duplicate, field="id", reason="the same id appears twice"))
    plans = [p for p in plans if str(p.hsds_id) not in duplicates]
    if (whole and result.problems) or not plans:
        return result  # nothing written: not even deactivations when no record at all is valid
    try:
        with transaction.atomic():
            for plan in plans:
                try:
                    with transaction.atomic():
                        _write_service(plan, source=source, result=result)
                except (ValidationError, services.UnknownTerm, ValueError, DatabaseError) as error:
                    result.problems.append(
                        Problem(id=str(plan.hsds_id), field=_error_field(error), reason=_error_text(error))
                    )
            if whole and result.problems:
                raise _Rollback
            if deactivate_missing:
                gone = Service.objects.filter(import_record__source=source, is_active=True).exclude(
                    hsds_id__in=[uuid.UUID(i) for i in seen if _uuid_or_none(i)]
                )
                for service in gone.select_related("import_record"):
                    services.service_deactivate(service=service)
                    # The source made this change, not staff: record it so it is not flagged as local.
                    record = service.import_record
                    services.imported_record_save(
                        service=service,
                        source=source,
                        values={**record.values, "is_active": False},
                        locally_changed=record.locally_changed,
                    )
                    result.deactivated.append(str(service.hsds_id))
    except _Rollback:
        result.added, result.updated, result.unchanged, result.flagged = [], [], [], []
        return result
    result.committed = True
    return result


def _error_field(error: Exception) -> str:
    if isinstance(error, ValidationError) and hasattr(error, "error_dict"):
        return ",".join(sorted(error.error_dict))
    return ""


def _error_text(error: Exception) -> str:
    if isinstance(error, ValidationError):
        return "; ".join(error.messages)[:300]
    return str(error)[:300]
