"""The contact registry: one source of truth for every phone number and its hours on the site.

Every page, printout and e-mail that shows a number of a line (000, MensLine, Lifeline, the Men's
Referral Service, a state line) gets it from `contact(key=...)`. The registry reads the repository's
data files, services_directory/data/national_services.yaml and contacts.yaml, never the database, so
an import or a provider's edit can never rewrite a crisis number.

Each contact has a status:
- verified: a source and the date we read it; shown as is;
- unverified: shown, with "hours not confirmed - call to check" instead of hours;
- withheld: never shown. The public object carries no number at all (empty `number` and `tel`), so a
  template cannot print it by mistake. `withheld_numbers()` exists for the test that proves it.

Public functions (keyword-only): `contact(key=)`, `all_contacts()`, `withheld_numbers()`,
`render_placeholders(text=)` (the {{contact:key}} markdown placeholder). docs/architecture.md says more.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

DATA_DIR = Path(__file__).resolve().parent / "data"
NATIONAL_FILE = DATA_DIR / "national_services.yaml"
REGISTRY_FILE = DATA_DIR / "contacts.yaml"

VERIFIED = "verified"
UNVERIFIED = "unverified"
WITHHELD = "withheld"
STATUSES = (VERIFIED, UNVERIFIED, WITHHELD)

HOURS_NOT_CONFIRMED = "hours not confirmed \N{EN DASH} call to check"
DAY_NAMES = {
    "mon": "Monday",
    "tue": "Tuesday",
    "wed": "Wednesday",
    "thu": "Thursday",
    "fri": "Friday",
    "sat": "Saturday",
    "sun": "Sunday",
}


class UnknownContact(KeyError):
    """No contact has this key: a typo in a template or a content file (a bug, so it raises)."""


@dataclass(frozen=True)
class Contact:
    key: str
    name: str
    number: str  # as the service writes it; "" when withheld
    tel: str  # the tel: target, digits only; "" when withheld
    hours_text: str  # "24 hours, 7 days", or HOURS_NOT_CONFIRMED
    hours_short: str  # "24/7" for the crisis line, else hours_text
    hours_confirmed: bool
    status: str  # verified | unverified | withheld
    source_url: str
    verified_on: datetime.date | None
    call_cost: str = ""

    @property
    def is_shown(self) -> bool:
        return self.status != WITHHELD

    # Names content/crisis.py used before the registry, so the templates that read them keep working.
    @property
    def hours(self) -> str:
        return self.hours_short

    @property
    def verified(self) -> str:
        return self.verified_on.isoformat() if self.verified_on else ""


def _digits(number: str) -> str:
    return re.sub(r"\D", "", number)


def _hours_text(hours: dict | None) -> tuple[str, str, bool]:
    """(long text, short text, confirmed) from the national file's `hours` block."""
    if not hours:
        return HOURS_NOT_CONFIRMED, HOURS_NOT_CONFIRMED, False
    if hours.get("always_open"):
        return "24 hours, 7 days", "24/7", True
    spans = []
    for span in hours.get("weekly") or []:
        days = [DAY_NAMES[d] for d in span["days"]]
        if len(days) == 7:
            day_text = "Every day"
        else:
            day_text = days[0] if len(days) == 1 else f"{days[0]} to {days[-1]}"
        spans.append(f"{day_text} {span['opens']} to {span['closes']}")
    if not spans:
        return HOURS_NOT_CONFIRMED, HOURS_NOT_CONFIRMED, False
    text = "; ".join(spans) + (", local time" if hours.get("local_time") else "")
    return text, text, True


def _status(*, declared: str | None, has_source: bool, hours_confirmed: bool) -> str:
    if declared is not None and declared not in STATUSES:
        raise ValueError(f"unknown contact status {declared!r}")
    if declared == WITHHELD:
        return WITHHELD
    if declared == UNVERIFIED or not has_source or not hours_confirmed:
        return UNVERIFIED
    return VERIFIED


def _make(*, key: str, name: str, number: str, declared: str | None, hours: dict | None, **facts) -> Contact:
    long_text, short_text, confirmed = _hours_text(hours)
    status = _status(
        declared=declared,
        has_source=bool(facts.get("source_url") and facts.get("verified_on")),
        hours_confirmed=confirmed,
    )
    withheld = status == WITHHELD
    return Contact(
        key=key,
        name=name,
        number="" if withheld else number,
        tel="" if withheld else _digits(number),
        hours_text=long_text,
        hours_short=short_text,
        hours_confirmed=confirmed,
        status=status,
        source_url=facts.get("source_url") or "",
        verified_on=facts.get("verified_on"),
        call_cost="" if withheld else (facts.get("call_cost") or "").strip(),
    )


def source_stamp() -> tuple:
    """Changes when a registry data file changes (a cache key for pages that embed numbers)."""
    return tuple(p.stat().st_mtime_ns for p in (NATIONAL_FILE, REGISTRY_FILE))


@lru_cache(maxsize=4)
def _load(stamp: tuple) -> tuple[dict[str, Contact], frozenset[str]]:
    """Every contact by key, and the digits of every withheld number (for the test that looks for them)."""
    national = yaml.safe_load(NATIONAL_FILE.read_text(encoding="utf-8"))
    registry = yaml.safe_load(REGISTRY_FILE.read_text(encoding="utf-8"))
    found: dict[str, Contact] = {}
    withheld: set[str] = set()
    for org in national.get("organisations") or []:
        for record in org.get("services") or []:
            phones = [p for p in record.get("phones") or [] if (p.get("type") or "voice") == "voice"]
            for phone in record.get("phones") or []:
                if phone.get("status") == WITHHELD:
                    withheld.add(_digits(phone["number"]))
            if not phones:
                continue
            phone = phones[0]
            found[record["id"]] = _make(
                key=record["id"],
                name=record["name"],
                number=phone["number"],
                declared=phone.get("status"),
                hours=record.get("hours"),
                source_url=record.get("source_url"),
                verified_on=record.get("last_verified"),
                call_cost=phone.get("call_cost"),
            )
    for key, item in (registry.get("contacts") or {}).items():
        found[key] = _make(
            key=key,
            name=item["name"],
            number=str(item["number"]),
            declared=item.get("status"),
            hours=item.get("hours"),
            source_url=item.get("source_url"),
            verified_on=item.get("verified_on"),
            call_cost=item.get("call_cost"),
        )
        if item.get("status") == WITHHELD:
            withheld.add(_digits(str(item["number"])))
    for item in registry.get("also_withheld") or []:
        withheld.add(_digits(str(item["number"])))
    for alias, target in (registry.get("aliases") or {}).items():
        if target not in found:
            raise ValueError(f"contacts.yaml: alias {alias!r} points at unknown contact {target!r}")
        found[alias] = found[target]
    return found, frozenset(withheld)


def contact(*, key: str) -> Contact:
    """The contact with this key (a service id from national_services.yaml, or an alias such as
    "mensline", "lifeline", "mens-referral-service", "emergency"). Check `is_shown` before printing:
    a withheld contact has no number."""
    found, _ = _load(source_stamp())
    try:
        return found[key]
    except KeyError:
        raise UnknownContact(key) from None


def all_contacts() -> dict[str, Contact]:
    found, _ = _load(source_stamp())
    return dict(found)


def withheld_numbers() -> frozenset[str]:
    """Digits of every withheld number, for the test that renders every page and looks for them."""
    _, withheld = _load(source_stamp())
    return withheld


PLACEHOLDER_RE = re.compile(r"\{\{\s*contact:([a-z0-9-]+)(?::(name|hours))?\s*\}\}")


def render_placeholders(*, text: str) -> str:
    """Replace {{contact:key}} with the number as a Markdown tel: link, {{contact:key:name}} with its
    name and {{contact:key:hours}} with its hours. A withheld number becomes the Men's Referral Service,
    which can put a man in touch with the right service. An unknown key raises UnknownContact."""

    def replace(match: re.Match) -> str:
        item = contact(key=match.group(1))
        part = match.group(2)
        if part == "name":
            return item.name
        if part == "hours":
            return item.hours_text
        if not item.is_shown:
            mrs = contact(key="mens-referral-service")
            return f"(number being checked: call the Men's Referral Service on [{mrs.number}](tel:{mrs.tel}))"
        return f"[{item.number}](tel:{item.tel})"

    return PLACEHOLDER_RE.sub(replace, text)
