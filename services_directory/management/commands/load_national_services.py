"""Load the real national and state-wide services from services_directory/data/national_services.yaml.

The file's format is described in services_directory/data/README.md. Safe to re-run: organisations and
services are upserted by their stable ids (slugs), so a second run changes nothing. The whole file is
checked before anything is written, and the load runs in one transaction: a bad record stops it and
nothing changes. Loads the taxonomy first (load_taxonomy) because services refer to its codes.
"""

from __future__ import annotations

import datetime
from pathlib import Path

import yaml
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from services_directory.models import LANGUAGE_NAMES, Cost, IntakeStatus, PublicHolidays
from services_directory.services import (
    AreaData,
    PhoneData,
    ScheduleData,
    ServiceData,
    UnknownTerm,
    organization_upsert,
    service_upsert,
)

DEFAULT_FILE = Path(__file__).resolve().parents[2] / "data" / "national_services.yaml"
DAYS = {"mon": "MO", "tue": "TU", "wed": "WE", "thu": "TH", "fri": "FR", "sat": "SA", "sun": "SU"}
PHONE_TYPES = {"voice": "voice", "text": "text", "tty": "textphone"}


def parse_time(text: str) -> datetime.time:
    """ "09:00" -> 09:00; "24:00" (midnight at the end of the day) -> 00:00, which Schedule reads as
    the end of the day because it is not after the opening time."""
    if text == "24:00":
        return datetime.time(0, 0)
    return datetime.time.fromisoformat(text)


def hours_data(hours: dict | None) -> tuple[dict, list[ScheduleData]]:
    if not hours:
        return {"hours_known": False, "public_holidays": PublicHolidays.UNKNOWN}, []
    fields = {
        "hours_known": True,
        "public_holidays": hours.get("public_holidays") or PublicHolidays.UNKNOWN,
        "hours_in_local_time": bool(hours.get("local_time")),
    }
    if hours.get("timezone"):
        fields["time_zone"] = hours["timezone"]
    if hours.get("always_open"):
        every_day = ",".join(DAYS.values())
        return fields, [ScheduleData(byday=every_day, opens_at=datetime.time(0), closes_at=datetime.time(0))]
    if not hours.get("timezone") and not hours.get("local_time"):
        raise CommandError("weekly hours need a timezone or local_time")
    spans = [
        ScheduleData(
            byday=",".join(DAYS[d] for d in span["days"]),
            opens_at=parse_time(span["opens"]),
            closes_at=parse_time(span["closes"]),
        )
        for span in hours.get("weekly") or []
    ]
    return fields, spans


def service_data(record: dict) -> ServiceData:
    """A withheld phone (status: withheld, see services_directory/contacts.py) is never loaded, and a
    service whose every phone is withheld is not listed: its page would offer a number we cannot
    stand behind."""
    hours_fields, schedules = hours_data(record.get("hours"))
    phones = [p for p in record.get("phones") or [] if p.get("status") != "withheld"]
    all_withheld = bool(record.get("phones")) and not phones
    area = record.get("area") or {}
    urls = record.get("urls") or {}
    return ServiceData(
        fields={
            "name": record["name"],
            "summary": record["summary"].strip(),
            "description": record["description"].strip(),
            "first_contact": (record.get("first_contact") or "").strip(),
            "cost": record.get("cost") or Cost.UNKNOWN,
            "intake_status": record.get("intake_status") or IntakeStatus.UNKNOWN,
            "typical_wait": record.get("typical_wait") or "",
            "url": urls.get("website") or "",
            "chat_url": urls.get("chat") or "",
            "source_url": record["source_url"],
            "last_verified": record["last_verified"],
            "sources": [
                {k: str(v) if v is not None else None for k, v in s.items()} for s in record["sources"]
            ],
            "notes_for_staff": (record.get("notes_for_staff") or "").strip(),
            "is_active": not all_withheld,
            "is_demo": False,
            "is_crisis_line": bool(record.get("crisis_line")),
            "talk_now_priority": int(record.get("talk_now_priority") or 0),
            **hours_fields,
        },
        terms={
            "service-type": record.get("types") or [],
            "audience": record.get("audiences") or [],
            "delivery": record.get("delivery") or [],
            "referral": record.get("referral") or [],
        },
        phones=[
            PhoneData(
                number=p["number"],
                type=PHONE_TYPES.get(p.get("type") or "voice", "voice"),
                description=p.get("description") or "",
                call_cost=(p.get("call_cost") or "").strip(),
            )
            for p in phones
        ],
        schedules=schedules,
        areas=[AreaData(scope=area.get("scope", "national"), states=area.get("states") or [])],
        languages=[(code, LANGUAGE_NAMES.get(code, code)) for code in record.get("languages") or ["en"]],
    )


def check_file(data: dict) -> None:
    if not isinstance(data, dict) or data.get("version") != 1:
        raise CommandError("not a version 1 national services file")
    seen = set()
    for org in data.get("organisations") or []:
        for record in [org, *org.get("services", [])]:
            for key in ("id", "name", "source_url", "last_verified"):
                if not record.get(key):
                    raise CommandError(f"{record.get('id', '?')}: {key} is missing")
            if record["id"] in seen:
                raise CommandError(f"{record['id']}: id used twice")
            seen.add(record["id"])


class Command(BaseCommand):
    help = "Load the real national and state services (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("--file", type=Path, default=DEFAULT_FILE)

    def handle(self, *args, file: Path, **options):
        data = yaml.safe_load(file.read_text(encoding="utf-8"))
        check_file(data)
        call_command("load_taxonomy", stdout=self.stdout)
        count = 0
        try:
            with transaction.atomic():
                for org in data["organisations"]:
                    organization = organization_upsert(
                        slug=org["id"],
                        fields={
                            "name": org["name"],
                            "description": org["description"].strip(),
                            "website": org.get("website") or "",
                            "source_url": org["source_url"],
                            "last_verified": org["last_verified"],
                        },
                    )
                    for record in org.get("services") or []:
                        service_upsert(
                            slug=record["id"], organization=organization, data=service_data(record)
                        )
                        count += 1
        except (UnknownTerm, KeyError, ValueError) as error:
            raise CommandError(f"national services not loaded: {error}") from error
        self.stdout.write(f"load_national_services: {count} services loaded")
