"""Read and check the programs data files (services_directory/data/programs/*.yaml).

The format is described in services_directory/data/README.md ("Programs"). `check_programs` reads
every file and returns the programs as plain records, or raises ProgramFileError listing *everything*
wrong at once (file, record id, field, why), so one run tells the researcher all that must be fixed.
Nothing here writes: services.programs_load does that, in one transaction, only after the files pass.

Checks: ids are slugs and unique (across the files and against the national lines); every record has
at least one source with a well-formed URL and a `read_on` date; no date is in the future; phone
numbers parse as valid Australian numbers (`phonenumbers`) and name the page that gives them; URLs
are well-formed http(s) addresses; each place resolves in the gazetteer (town + state, and postcode
if given) to one place; codes come from the lists in README.md.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import phonenumbers
import yaml
from django.utils import timezone

from services_directory.models import LANGUAGE_NAMES, STATES, Place
from services_directory.places import is_valid_postcode, normalise_name
from services_directory.postcode_points import km

PROGRAMS_DIR = Path(__file__).resolve().parent / "data" / "programs"
NATIONAL_FILE = Path(__file__).resolve().parent / "data" / "national_services.yaml"

SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
DATE_RE = re.compile(r"^(\d{4})(?:-(\d{2}))?(?:-(\d{2}))?$")
KINDS = {
    "mbcp": ["mbcp"],
    "aboriginal-mens-program": ["aboriginal-mens-healing"],
    "same-sex-program": ["mbcp", "lgbtiq-support"],
    "online-phone-program": ["family-violence-support"],
    "mens-counselling": ["individual-counselling", "family-violence-support"],
    "state-line": ["phone-line", "family-violence-support"],
    "national-line": ["phone-line", "family-violence-support"],
}
COSTS = {"free", "fee", "sliding-scale", "unknown"}
DELIVERY = {"group", "individual", "online", "phone", "in-person", "video"}
AUDIENCES = {
    "men-using-violence",
    "men",
    "aboriginal-torres-strait-islander",
    "lgbtiq",
    "cald",
    "young-people",
}
STATUSES = {"running", "ended", "unknown"}
VERIFICATIONS = {"verified", "unverified", "needs-confirmation"}
INTAKE = {"open", "waitlist", "closed"}
BOOLEAN_FIELDS = ("voluntary", "court_ordered", "self_referral", "partner_contact", "interpreter", "listed")
LANGUAGE_CODES = {normalise_name(name): code for code, name in LANGUAGE_NAMES.items()} | {
    "farsi": "fa",
    "mandarin chinese": "cmn",
}
MAX_TEXT = 400
SAME_PLACE_KM = 30


class ProgramFileError(ValueError):
    """The files were refused; `problems` lists every reason ("file: id: field: why")."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__(f"{len(problems)} problem(s):\n" + "\n".join(f"- {p}" for p in problems))


@dataclass
class ProgramPlace:
    town: str
    state: str
    postcode: str
    latitude: float
    longitude: float
    address: str = ""


@dataclass
class ProgramRecord:
    org_id: str
    raw: dict
    places: list[ProgramPlace] = field(default_factory=list)


@dataclass
class ProgramOrg:
    id: str
    raw: dict
    programs: list[ProgramRecord] = field(default_factory=list)


def parse_partial_date(value) -> datetime.date | None:
    """ "2024", "2024-03", "2024-03-05" or a date -> the first day it can mean; None if not a date."""
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    if isinstance(value, int) and 1900 <= value <= 9999:
        return datetime.date(value, 1, 1)
    if not isinstance(value, str):
        return None
    found = DATE_RE.match(value.strip())
    if not found:
        return None
    year, month, day = (int(g) if g else None for g in found.groups())
    try:
        return datetime.date(year, month or 1, day or 1)
    except ValueError:
        return None


def well_formed_url(value) -> bool:
    if not isinstance(value, str) or len(value) > 500 or any(c.isspace() for c in value):
        return False
    try:
        parts = urlsplit(value)
    except ValueError:
        return False
    return parts.scheme in {"http", "https"} and "." in (parts.hostname or "")


def australian_number(value) -> bool:
    """A number a man in Australia can dial: valid for region AU (1800, 13, 1300, landline, mobile)."""
    if not isinstance(value, str) or not value.strip() or len(value) > 40:
        return False
    try:
        parsed = phonenumbers.parse(value, "AU")
    except phonenumbers.NumberParseException:
        return False
    return parsed.country_code == 61 and phonenumbers.is_valid_number(parsed)


def resolve_town(*, town: str, state: str, postcode: str | None) -> ProgramPlace | str:
    """The gazetteer place for a town in a state (and postcode if given), or why there is none.

    Exact names only (after normalising case and punctuation): a guessed near-match could put a
    program in the wrong town. A name used for places more than 30 km apart in one state is refused
    unless the record gives the postcode."""
    rows = list(Place.objects.filter(state=state, name_normalised=normalise_name(town))[:200])
    if postcode:
        rows = [r for r in rows if r.postcode == postcode]
        if not rows:
            return f"{town} {state} {postcode} is not in the gazetteer"
    if not rows:
        return f"{town} {state} is not in the gazetteer (write the name as the gazetteer does, or add a postcode)"
    first = rows[0]
    if any(km((first.latitude, first.longitude), (r.latitude, r.longitude)) > SAME_PLACE_KM for r in rows):
        codes = sorted({r.postcode for r in rows})
        return f"{town} {state} names places far apart (postcodes {', '.join(codes)}): give the postcode"
    postcodes = sorted({r.postcode for r in rows})
    return ProgramPlace(
        town=first.locality,
        state=state,
        postcode=postcode or (postcodes[0] if len(postcodes) == 1 else ""),
        latitude=sum(r.latitude for r in rows) / len(rows),
        longitude=sum(r.longitude for r in rows) / len(rows),
    )


def _one_of(value, allowed) -> bool:
    """`value in allowed` for any YAML value (a list or mapping is never a code)."""
    return isinstance(value, str) and value in allowed


class _Checker:
    def __init__(self, *, today: datetime.date, reserved_ids: set[str]):
        self.today = today
        self.problems: list[str] = []
        self.warnings: list[str] = []
        self.service_ids: dict[str, str] = {}
        self.org_names: dict[str, str] = {}
        self.reserved = reserved_ids

    def add(self, where: str, message: str) -> None:
        self.problems.append(f"{where}: {message}")

    def date(self, where: str, value, *, required: bool) -> datetime.date | None:
        if value is None:
            if required:
                self.add(where, "a date is required")
            return None
        parsed = parse_partial_date(value)
        if parsed is None:
            self.add(where, f"{value!r} is not a date (YYYY, YYYY-MM or YYYY-MM-DD)")
        elif parsed > self.today:
            self.add(where, f"{value} is in the future")
        return parsed

    def url(self, where: str, value, *, required: bool = False) -> None:
        if value is None and not required:
            return
        if not well_formed_url(value):
            self.add(where, f"{value!r} is not a well-formed web address")

    def phone(self, where: str, number, source) -> None:
        if number is None:
            return
        if not australian_number(number):
            self.add(where, f"{number!r} is not a valid Australian phone number")
        if not well_formed_url(source):
            self.add(where, "a phone number needs the web address of the page that gives it (…_source)")

    def text(self, where: str, value, *, required: bool, limit: int = MAX_TEXT) -> None:
        if value is None and not required:
            return
        if not isinstance(value, str) or not value.strip():
            self.add(where, "text is required")
        elif len(value) > limit:
            self.add(where, f"longer than {limit} characters")

    def codes(self, where: str, values, allowed: set[str]) -> None:
        if values is None:
            return
        if not isinstance(values, list):
            self.add(where, "must be a list")
            return
        for value in values:
            if not _one_of(value, allowed):
                self.add(where, f"{value!r} is not one of {sorted(allowed)}")

    def org(self, where: str, org) -> ProgramOrg | None:
        if not isinstance(org, dict):
            self.add(where, "an organisation must be a mapping")
            return None
        org_id = org.get("id")
        if not isinstance(org_id, str) or not SLUG_RE.match(org_id) or len(org_id) > 120:
            self.add(where, f"organisation id {org_id!r} is not a slug")
            return None
        where = f"{where}: {org_id}"
        self.text(f"{where}: name", org.get("name"), required=True, limit=300)
        # An organisation also in national_services.yaml (No to Violence, MensLine) keeps its national
        # facts; its programs attach to it (services.programs_load does not overwrite it).
        previous = self.org_names.get(org_id)
        if previous is not None and previous != org.get("name"):
            self.add(where, f"id used twice with different names ({previous!r}, {org.get('name')!r})")
        self.org_names[org_id] = org.get("name")
        self.url(f"{where}: website", org.get("website"))
        self.phone(f"{where}: phone", org.get("phone"), org.get("phone_source"))
        result = ProgramOrg(id=org_id, raw=org)
        services = org.get("services")
        if not isinstance(services, list) or not services:
            self.add(where, "services must be a non-empty list")
            return result
        for index, record in enumerate(services):
            program = self.program(f"{where}: services[{index}]", org_id, record)
            if program:
                result.programs.append(program)
        return result

    def program(self, where: str, org_id: str, record) -> ProgramRecord | None:
        if not isinstance(record, dict):
            self.add(where, "a service must be a mapping")
            return None
        sid = record.get("id")
        if not isinstance(sid, str) or not SLUG_RE.match(sid) or len(sid) > 160:
            self.add(where, f"service id {sid!r} is not a slug")
            return None
        where = f"{where.rsplit(':', 1)[0]}: {sid}"
        if sid in self.service_ids:
            self.add(where, f"id used twice (also in {self.service_ids[sid]})")
        elif sid in self.reserved:
            self.add(where, "id is already used in national_services.yaml")
        self.service_ids[sid] = where.split(":", 1)[0]
        self.text(f"{where}: name", record.get("name"), required=True, limit=300)
        self.text(f"{where}: summary", record.get("summary"), required=True)
        for key in ("description", "first_contact"):
            self.text(f"{where}: {key}", record.get(key), required=False, limit=2000)
        if not _one_of(record.get("kind"), KINDS):
            self.add(f"{where}: kind", f"{record.get('kind')!r} is not one of {sorted(KINDS)}")
        if not _one_of(record.get("cost", "unknown"), COSTS):
            self.add(f"{where}: cost", f"{record.get('cost')!r} is not one of {sorted(COSTS)}")
        if not _one_of(record.get("status", "unknown"), STATUSES):
            self.add(f"{where}: status", f"{record.get('status')!r} is not one of {sorted(STATUSES)}")
        if not _one_of(record.get("verification", "unverified"), VERIFICATIONS):
            self.add(
                f"{where}: verification",
                f"{record.get('verification')!r} is not one of {sorted(VERIFICATIONS)}",
            )
        if record.get("intake_status") is not None and not _one_of(record.get("intake_status"), INTAKE):
            self.add(
                f"{where}: intake_status", f"{record.get('intake_status')!r} is not one of {sorted(INTAKE)}"
            )
        for key in BOOLEAN_FIELDS:
            if not (record.get(key) is None or isinstance(record.get(key), bool)):
                self.add(f"{where}: {key}", "must be true, false or null")
        self.codes(f"{where}: delivery", record.get("delivery"), DELIVERY)
        self.codes(f"{where}: audience", record.get("audience"), AUDIENCES)
        for key in ("court_orders", "languages"):
            values = record.get(key)
            if values is not None and (
                not isinstance(values, list)
                or not all(isinstance(v, str) and 0 < len(v) <= 300 for v in values)
            ):
                self.add(f"{where}: {key}", "must be a list of short texts")
        for language in record.get("languages") if isinstance(record.get("languages"), list) else []:
            if isinstance(language, str) and normalise_name(language) not in LANGUAGE_CODES:
                self.add(
                    f"{where}: languages",
                    f"{language!r} is not a language the site knows (models.LANGUAGE_NAMES)",
                )
        for key in ("length", "typical_wait"):
            if record.get(key) is not None:
                self.text(f"{where}: {key}", record.get(key), required=False, limit=200)
        self.url(f"{where}: url", record.get("url"))
        self.phone(f"{where}: intake_phone", record.get("intake_phone"), record.get("intake_phone_source"))
        area = record.get("online_area")
        if (
            area is not None
            and area != "national"
            and (not isinstance(area, list) or not area or any(not _one_of(s, STATES) for s in area))
        ):
            self.add(
                f"{where}: online_area", f"{area!r} must be null, national or a list of states {list(STATES)}"
            )
        self.sources(where, record.get("sources"))
        program = ProgramRecord(org_id=org_id, raw=record)
        locations = record.get("locations") or []
        if not isinstance(locations, list):
            self.add(f"{where}: locations", "must be a list")
            locations = []
        for index, location in enumerate(locations):
            place = self.location(f"{where}: locations[{index}]", location)
            if place:
                program.places.append(place)
        if not locations and area is None and record.get("status") != "ended":
            self.warnings.append(
                f"{where}: no place and no area: it has a page but no search near a place finds it"
            )
        return program

    def sources(self, where: str, sources) -> None:
        if not isinstance(sources, list) or not sources:
            self.add(f"{where}: sources", "at least one source (url and read_on) is required")
            return
        for index, source in enumerate(sources):
            here = f"{where}: sources[{index}]"
            if not isinstance(source, dict):
                self.add(here, "must be a mapping with url and read_on")
                continue
            self.url(f"{here}: url", source.get("url"), required=True)
            self.date(f"{here}: read_on", source.get("read_on"), required=True)
            self.date(f"{here}: page_date", source.get("page_date"), required=False)
            for key in ("publisher", "supports"):
                if source.get(key) is not None and not isinstance(source.get(key), str):
                    self.add(f"{here}: {key}", "must be text")

    def location(self, where: str, location) -> ProgramPlace | None:
        if not isinstance(location, dict):
            self.add(where, "must be a mapping with town and state")
            return None
        town, state, postcode = location.get("town"), location.get("state"), location.get("postcode")
        if not isinstance(town, str) or not town.strip() or len(town) > 120:
            self.add(where, "town is required")
            return None
        if not _one_of(state, STATES):
            self.add(where, f"state {state!r} is not one of {list(STATES)}")
            return None
        if postcode is not None:
            postcode = str(postcode)
            if not is_valid_postcode(postcode):
                self.add(where, f"postcode {postcode!r} is not an Australian postcode")
                return None
        address = location.get("address")
        if address is not None and (not isinstance(address, str) or len(address) > 300):
            self.add(where, "address must be a short text or null")
            return None
        place = resolve_town(town=town, state=state, postcode=postcode)
        if isinstance(place, str):
            self.add(where, place)
            return None
        place.address = (address or "").strip()
        return place


def national_ids() -> tuple[set[str], set[str]]:
    """(organisation ids, service ids) in national_services.yaml. Programs may not reuse a service id;
    they may name a national organisation as their provider."""
    data = yaml.safe_load(NATIONAL_FILE.read_text(encoding="utf-8")) or {}
    orgs, services = set(), set()
    for org in data.get("organisations") or []:
        orgs.add(org["id"])
        services.update(s["id"] for s in org.get("services") or [])
    return orgs, services


@dataclass
class CheckedPrograms:
    organisations: list[ProgramOrg]
    warnings: list[str]
    national_org_ids: set[str]

    @property
    def program_count(self) -> int:
        return sum(len(o.programs) for o in self.organisations)


def check_programs(*, files: list[Path], today: datetime.date | None = None) -> CheckedPrograms:
    """Read and check every file; return the organisations with their programs (and warnings), or
    raise ProgramFileError with every problem found."""
    national_orgs, national_services = national_ids()
    checker = _Checker(today=today or timezone.localdate(), reserved_ids=national_services)
    result: list[ProgramOrg] = []
    for path in files:
        name = path.name
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
        except (yaml.YAMLError, UnicodeDecodeError) as error:
            checker.add(name, f"not readable YAML ({error})")
            continue
        if not isinstance(data, dict) or data.get("version") != 1:
            checker.add(name, "not a version 1 programs file")
            continue
        organisations = data.get("organisations")
        if organisations is None:
            organisations = []
        if not isinstance(organisations, list):
            checker.add(name, "organisations must be a list")
            continue
        for index, org in enumerate(organisations):
            checked = checker.org(f"{name}: organisations[{index}]", org)
            if checked:
                result.append(checked)
    if checker.problems:
        raise ProgramFileError(checker.problems)
    return CheckedPrograms(organisations=result, warnings=checker.warnings, national_org_ids=national_orgs)


def program_files(directory: Path = PROGRAMS_DIR) -> list[Path]:
    return sorted(directory.glob("*.yaml"))
