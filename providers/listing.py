"""A listing as plain data: snapshots, versions and field-by-field differences.

A snapshot is what a provider may edit, as JSON-friendly values:

    {"fields": {...}, "phones": [...], "schedules": [...], "closures": [...]}   (a service)
    {"fields": {...}}                                                            (a location)

Change requests store two snapshots (`base`, `proposed`); the edit form carries the version (a hash)
of the snapshot it was opened from, so a stale submission is caught.
"""

from __future__ import annotations

import datetime
import hashlib
import json
from dataclasses import dataclass

from services_directory.models import IntakeStatus, Location, PublicHolidays, Service

SERVICE_FIELDS = {
    "name": "Name",
    "summary": "Summary",
    "description": "Description",
    "first_contact": "What happens when someone calls",
    "url": "Website",
    "email": "Email",
    "intake_status": "Taking new people?",
    "typical_wait": "Waiting time",
    "eligibility_description": "Who can use it",
    "fees_description": "Fees",
    "public_holidays": "Public holidays",
}
LOCATION_FIELDS = {
    "name": "Name of the place",
    "address_1": "Address line 1",
    "address_2": "Address line 2",
    "city": "Suburb or town",
    "state_province": "State",
    "postal_code": "Postcode",
    "transportation": "Getting there",
    "description": "About the place",
}
LISTS = {"phones": "Phone numbers", "schedules": "Opening hours", "closures": "Holiday closures"}
DAYS = {"MO": "Mon", "TU": "Tue", "WE": "Wed", "TH": "Thu", "FR": "Fri", "SA": "Sat", "SU": "Sun"}
CHOICE_LABELS = {
    "intake_status": dict(IntakeStatus.choices),
    "public_holidays": dict(PublicHolidays.choices),
}


def service_snapshot(service: Service) -> dict:
    return {
        "fields": {name: getattr(service, name) or "" for name in SERVICE_FIELDS},
        "phones": [
            {"number": p.number, "type": p.type, "description": p.description} for p in service.phones.all()
        ],
        "schedules": [
            {
                "byday": s.byday,
                "opens_at": s.opens_at.strftime("%H:%M"),
                "closes_at": s.closes_at.strftime("%H:%M"),
                "description": s.description,
            }
            for s in service.schedules.order_by("id")
        ],
        "closures": [
            {
                "starts_on": c.starts_on.isoformat(),
                "ends_on": c.ends_on.isoformat(),
                "description": c.description,
            }
            for c in service.closures.all()
        ],
    }


def location_snapshot(location: Location) -> dict:
    return {"fields": {name: getattr(location, name) or "" for name in LOCATION_FIELDS}}


def snapshot_version(snapshot: dict) -> str:
    return hashlib.sha256(json.dumps(snapshot, sort_keys=True).encode()).hexdigest()[:32]


def _day(iso: str) -> str:
    day = datetime.date.fromisoformat(iso)
    return f"{day.day} {day:%b %Y}"


def row_text(part: str, row: dict) -> str:
    if part == "phones":
        return " \u2013 ".join(v for v in (row["number"], row["description"]) if v)
    if part == "schedules":
        days = ", ".join(DAYS.get(d, d) for d in row["byday"].split(",") if d)
        overnight = " (to the next day)" if row["closes_at"] <= row["opens_at"] != "00:00" else ""
        text = f"{days} {row['opens_at']}\u2013{row['closes_at']}{overnight}"
        return f"{text} ({row['description']})" if row.get("description") else text
    if part == "closures":
        text = f"{_day(row['starts_on'])} to {_day(row['ends_on'])}"
        return f"{text}: {row['description']}" if row.get("description") else text
    raise ValueError(part)


def display(key: str, value) -> str:
    if key in CHOICE_LABELS:
        return CHOICE_LABELS[key].get(value, value) or "Not given"
    return value if value not in ("", None) else "Not given"


@dataclass(frozen=True)
class Difference:
    key: str
    label: str
    before: str | list[str]
    after: str | list[str]

    @property
    def is_list(self) -> bool:
        return isinstance(self.after, list)


def differences(before: dict, after: dict) -> list[Difference]:
    """Field-by-field differences between two snapshots of the same kind, in form order."""
    labels = SERVICE_FIELDS if "phones" in after or "phones" in before else LOCATION_FIELDS
    result = []
    old_fields, new_fields = before.get("fields", {}), after.get("fields", {})
    for key, label in labels.items():
        if key in new_fields and old_fields.get(key, "") != new_fields[key]:
            result.append(
                Difference(key, label, display(key, old_fields.get(key, "")), display(key, new_fields[key]))
            )
    for part, label in LISTS.items():
        if part in after and before.get(part, []) != after[part]:
            result.append(
                Difference(
                    part,
                    label,
                    [row_text(part, row) for row in before.get(part, [])],
                    [row_text(part, row) for row in after[part]],
                )
            )
    return result


def changed_keys(before: dict, after: dict) -> set[str]:
    return {d.key for d in differences(before, after)}


def _value(snapshot: dict, key: str):
    return snapshot[key] if key in LISTS else snapshot.get("fields", {}).get(key, "")


def conflicts(*, base: dict, proposed: dict, current: dict) -> list[Difference]:
    """What someone else changed since `base` that this proposal also changes differently.

    Edits to different fields merge; an edit to the same field that ended up different is a
    conflict, shown as published-now versus proposed.
    """
    mine = changed_keys(base, proposed)
    theirs = changed_keys(base, current)
    clashes = [key for key in mine & theirs if _value(current, key) != _value(proposed, key)]
    return [d for d in differences(current, proposed) if d.key in clashes]


def merged(*, base: dict, proposed: dict, current: dict) -> dict:
    """The current listing with this proposal's changes laid over it."""
    result = json.loads(json.dumps(current))
    for key in changed_keys(base, proposed):
        if key in LISTS:
            result[key] = proposed[key]
        else:
            result["fields"][key] = proposed["fields"][key]
    return result
