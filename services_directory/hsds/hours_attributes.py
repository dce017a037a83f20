"""What HSDS has no field for, carried as HSDS attributes so that our own export re-imports unchanged.

HSDS 3.0 gives a schedule only a numeric UTC offset (`timezone`), which cannot say "Australia/Perth"
(daylight saving) nor "local time in each state" (QLife), and has no field for public holidays or
one-off closures. Re-importing our export used to turn QLife into Sydney time and "closed on public
holidays" into "unknown". So the export adds attributes (the HSDS way to say more about a record)
whose taxonomy term is one of ours, in the taxonomy "Pause opening hours", with the fact in `value`:

| term code             | on        | value                                       |
|-----------------------|-----------|---------------------------------------------|
| `time_zone`           | service   | IANA zone, e.g. `Australia/Perth`           |
| `hours_in_local_time` | service   | `true` / `false`                            |
| `hours_known`         | service   | `true` / `false`                            |
| `public_holidays`     | service   | `open`, `closed` or `unknown`               |
| `closure`             | service   | `2026-12-24/2026-12-26 Christmas` (one each) |
| `time_zone`           | schedule  | the span's own IANA zone                    |

Other feeds do not send them; their hours are read as before (zone from the address's state or
the offset). Ids are fixed (uuid5), so every export names the same taxonomy and terms.
"""

from __future__ import annotations

import datetime
import uuid
import zoneinfo

from services_directory.models import PublicHolidays

NAMESPACE = uuid.UUID("7b0f6c2e-2f5d-4d3a-9a51-2d1f0c6e7a10")
TAXONOMY_NAME = "Pause opening hours"
TAXONOMY_ID = uuid.uuid5(NAMESPACE, "taxonomy")
CODES = ("time_zone", "hours_in_local_time", "hours_known", "public_holidays", "closure")
DESCRIPTIONS = {
    "time_zone": "The IANA time zone the opening hours are kept in.",
    "hours_in_local_time": "The hours are local time in each state and territory.",
    "hours_known": "Whether the opening hours are confirmed.",
    "public_holidays": "Open, closed or not confirmed on public holidays.",
    "closure": "First and last day of a closure, then a note.",
}
MAX_CLOSURES = 60


def term_id(code: str) -> uuid.UUID:
    return uuid.uuid5(NAMESPACE, f"term/{code}")


def _term(code: str) -> dict:
    return {
        "id": str(term_id(code)),
        "code": code,
        "name": code.replace("_", " ").capitalize(),
        "description": DESCRIPTIONS[code],
        "taxonomy": TAXONOMY_NAME,
        "taxonomy_id": str(TAXONOMY_ID),
        "taxonomy_detail": {
            "id": str(TAXONOMY_ID),
            "name": TAXONOMY_NAME,
            "description": "Facts about opening hours that HSDS has no field for (Pause directory).",
        },
        "language": "en",
    }


def _attribute(code: str, value: str, *, link_id: str, link_type: str, key: str) -> dict:
    return {
        "id": str(uuid.uuid5(NAMESPACE, f"{link_id}/{key}")),
        "link_id": link_id,
        "link_type": link_type,
        "link_entity": link_type,
        "taxonomy_term_id": str(term_id(code)),
        "taxonomy_term": _term(code),
        "value": value,
    }


def service_attributes(service) -> list[dict]:
    """The hours facts of a service (needs service.closures loaded)."""
    sid = str(service.hsds_id)
    out = [
        _attribute("time_zone", service.time_zone, link_id=sid, link_type="service", key="time_zone"),
        _attribute(
            "hours_in_local_time",
            "true" if service.hours_in_local_time else "false",
            link_id=sid,
            link_type="service",
            key="hours_in_local_time",
        ),
        _attribute(
            "hours_known",
            "true" if service.hours_known else "false",
            link_id=sid,
            link_type="service",
            key="hours_known",
        ),
        _attribute(
            "public_holidays",
            service.public_holidays,
            link_id=sid,
            link_type="service",
            key="public_holidays",
        ),
    ]
    for closure in sorted(service.closures.all(), key=lambda c: (c.starts_on, c.ends_on, c.description)):
        value = f"{closure.starts_on.isoformat()}/{closure.ends_on.isoformat()} {closure.description}".strip()
        out.append(_attribute("closure", value, link_id=sid, link_type="service", key=f"closure/{value}"))
    return out


def schedule_attributes(schedule) -> list[dict]:
    if not schedule.time_zone:
        return []
    sid = str(schedule.hsds_id)
    return [_attribute("time_zone", schedule.time_zone, link_id=sid, link_type="schedule", key="time_zone")]


def is_ours(attribute: object) -> bool:
    """An attribute carrying one of these facts (not a taxonomy term to link the service to)."""
    if not isinstance(attribute, dict):
        return False
    term = attribute.get("taxonomy_term") if isinstance(attribute.get("taxonomy_term"), dict) else {}
    return str(attribute.get("taxonomy_term_id") or term.get("id") or "") in _TERM_IDS


_TERM_IDS = {str(term_id(code)): code for code in CODES}


def _code(attribute: dict) -> str:
    term = attribute.get("taxonomy_term") if isinstance(attribute.get("taxonomy_term"), dict) else {}
    return _TERM_IDS.get(str(attribute.get("taxonomy_term_id") or term.get("id") or ""), "")


def valid_zone(value: object) -> str:
    """An Australian IANA zone name, or "" (anything else is ignored, never trusted)."""
    text = str(value or "").strip()
    if not text.startswith("Australia/") or len(text) > 40:
        return ""
    try:
        zoneinfo.ZoneInfo(text)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return ""
    return text


def _flag(value: object) -> bool | None:
    text = str(value or "").strip().lower()
    return {"true": True, "false": False}.get(text)


def read_service(attributes: list) -> tuple[dict, list[tuple[datetime.date, datetime.date, str]] | None]:
    """(service fields, closures or None) from a service's attributes; only what is present and valid."""
    fields: dict = {}
    closures: list[tuple[datetime.date, datetime.date, str]] = []
    seen_closure = False
    for attribute in attributes:
        if not is_ours(attribute):
            continue
        code, value = _code(attribute), attribute.get("value")
        if code == "time_zone" and valid_zone(value):
            fields["time_zone"] = valid_zone(value)
        elif code in ("hours_in_local_time", "hours_known") and _flag(value) is not None:
            fields[code] = _flag(value)
        elif code == "public_holidays" and value in PublicHolidays.values:
            fields["public_holidays"] = value
        elif code == "closure" and isinstance(value, str) and len(closures) < MAX_CLOSURES:
            seen_closure = True
            span, _, note = value.partition(" ")
            first, _, last = span.partition("/")
            try:
                starts, ends = datetime.date.fromisoformat(first), datetime.date.fromisoformat(last)
            except ValueError:
                continue
            if starts <= ends:
                closures.append((starts, ends, note.strip()[:200]))
    return fields, (closures if seen_closure or "public_holidays" in fields else None)


def read_schedule_zone(schedule: dict) -> str:
    """A schedule's own IANA zone from its attributes, or ""."""
    for attribute in schedule.get("attributes") or []:
        if is_ours(attribute) and _code(attribute) == "time_zone":
            return valid_zone(attribute.get("value"))
    return ""
