"""Convert research files (format: /work/wt/research/SCHEMA.md, the same as data/programs/) into the
programs data files, mechanically, and write what was changed and why for staff.

Nothing is guessed: a field the loader would refuse is left empty (null) with a note for staff, a
place the gazetteer cannot resolve exactly is left out with a note, and a record without a usable
source, or one that repeats a line already in national_services.yaml, is dropped and listed in the
report. Every other fact is copied as the researcher wrote it. Run load_programs afterwards.

    manage.py merge_program_research research/nsw_act.yaml research/vic_tas.yaml ...
"""

from __future__ import annotations

import copy
import datetime
from pathlib import Path

import yaml
from django.core.management.base import BaseCommand
from django.utils import timezone

from services_directory.models import STATES
from services_directory.places import is_valid_postcode, normalise_name
from services_directory.programs import (
    AUDIENCES,
    COSTS,
    DELIVERY,
    KINDS,
    LANGUAGE_CODES,
    PROGRAMS_DIR,
    SLUG_RE,
    STATUSES,
    australian_number,
    national_ids,
    parse_partial_date,
    resolve_town,
    well_formed_url,
)

BOOLEANS = ("voluntary", "court_ordered", "self_referral", "partner_contact", "interpreter")


class _Str(str):
    pass


def _str_presenter(dumper, data):
    style = "|" if "\n" in data else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", data, style=style)


class Command(BaseCommand):
    help = "Convert research YAML files into services_directory/data/programs/ (mechanical, no guessing)."

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="+", type=Path)
        parser.add_argument("--out", type=Path, default=PROGRAMS_DIR)
        parser.add_argument("--report", type=Path, default=PROGRAMS_DIR / "MERGE_REPORT.md")
        parser.add_argument(
            "--decisions",
            type=Path,
            default=PROGRAMS_DIR / "decisions.yaml",
            help="Staff decisions applied to named records (drop, unlist, empty a field), each with why.",
        )

    def handle(self, *args, files: list[Path], out: Path, report: Path, decisions: Path, **options):
        today = timezone.localdate()
        rules = (
            (yaml.safe_load(decisions.read_text(encoding="utf-8")) or {}).get("records", {})
            if decisions.exists()
            else {}
        )
        org_names: dict[str, str] = {}
        _, national_services = national_ids()
        seen: dict[str, str] = {}
        lines = [
            "# Programs merge report",
            "",
            f"Made by `manage.py merge_program_research` on {today.isoformat()} from the research files. "
            "Each line is a fact the loader would refuse, left empty or left out (never guessed), or a "
            "record dropped. Staff: confirm these with the provider (the portal invitation) and fill "
            "them in with a source.",
            "",
        ]
        out.mkdir(parents=True, exist_ok=True)
        yaml.add_representer(str, _str_presenter, Dumper=yaml.SafeDumper)
        for path in files:
            data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
            notes: list[str] = []
            orgs = []
            for org in data.get("organisations") or []:
                org = copy.deepcopy(org)
                first_name = org_names.setdefault(org.get("id"), org.get("name"))
                if org.get("name") != first_name:
                    notes.append(
                        f"`{org.get('id')}`: named {org.get('name')!r} here, {first_name!r} first; the first name is kept"
                    )
                    org["name"] = first_name
                self._org_fields(org, notes)
                kept = []
                for record in org.get("services") or []:
                    record = copy.deepcopy(record)
                    why = self._drop_reason(record, national_services, seen, path.name)
                    if why:
                        notes.append(f"DROPPED `{record.get('id')}` ({record.get('name')}): {why}")
                        continue
                    rule = rules.get(record["id"])
                    if rule and rule.get("action") == "drop":
                        notes.append(
                            f"DROPPED `{record['id']}` ({record.get('name')}) by staff decision: {rule['why']}"
                        )
                        continue
                    if rule and rule.get("action") == "unlist":
                        record["listed"] = False
                        notes.append(f"`{record['id']}`: kept for staff, not listed: {rule['why']}")
                    for key in (rule or {}).get("empty", []):
                        notes.append(
                            f"`{record['id']}`: {key} {record.get(key)!r} left empty by staff decision: {rule['why']}"
                        )
                        record[key] = None
                        if key == "intake_phone":
                            record["intake_phone_source"] = None
                    if rule:
                        record["notes_for_staff"] = (
                            (record.get("notes_for_staff") or "") + f" Merge decision: {rule['why']}"
                        ).strip()
                    self._fix(record, notes, today)
                    seen[record["id"]] = path.name
                    kept.append(record)
                if kept:
                    org["services"] = kept
                    orgs.append(org)
                elif org.get("services"):
                    notes.append(f"DROPPED organisation `{org.get('id')}`: none of its records could be kept")
            result = {
                "version": 1,
                "region": data.get("region"),
                "researched_on": data.get("researched_on"),
                "organisations": orgs,
            }
            target = out / path.name
            header = (
                f"# Men's programs: {data.get('region')}. Format: services_directory/data/README.md (Programs).\n"
                f"# Converted mechanically from the research file {path.name} by merge_program_research;\n"
                "# what was left empty or out, and why, is in MERGE_REPORT.md. Never invent a fact here.\n"
            )
            target.write_text(
                header + yaml.safe_dump(result, sort_keys=False, allow_unicode=True, width=110),
                encoding="utf-8",
            )
            count = sum(len(o["services"]) for o in orgs)
            lines += [f"## {path.name}: {count} programs kept", ""]
            lines += [f"- {n}" for n in notes] or ["- nothing changed"]
            lines.append("")
            self.stdout.write(f"{path.name}: {count} programs, {len(notes)} notes -> {target}")
        report.write_text("\n".join(lines) + "\n", encoding="utf-8")

    def _drop_reason(self, record: dict, national: set[str], seen: dict, file: str) -> str | None:
        sid = record.get("id")
        if not isinstance(sid, str) or not SLUG_RE.match(sid):
            return "no usable id"
        if sid in national:
            return "the same line is already in national_services.yaml"
        if sid in seen:
            return f"id already used in {seen[sid]}"
        if record.get("kind") not in KINDS:
            return f"kind {record.get('kind')!r} is not one we list"
        if not isinstance(record.get("summary"), str) or not record["summary"].strip():
            return "no summary"
        if not isinstance(record.get("name"), str) or not record["name"].strip():
            return "no name"
        sources = [
            s
            for s in record.get("sources") or []
            if isinstance(s, dict) and well_formed_url(s.get("url")) and parse_partial_date(s.get("read_on"))
        ]
        if not sources:
            return "no source with a web address and a read_on date"
        record["sources"] = sources
        return None

    def _org_fields(self, org: dict, notes: list[str]) -> None:
        oid = org.get("id")
        if org.get("website") is not None and not well_formed_url(org["website"]):
            notes.append(f"`{oid}`: website {org['website']!r} is not a web address; left empty")
            org["website"] = None
        if org.get("phone") is not None and not (
            australian_number(org["phone"]) and well_formed_url(org.get("phone_source"))
        ):
            notes.append(
                f"`{oid}`: phone {org['phone']!r} is not a full Australian number with its source page; left empty"
            )
            org["phone"] = org["phone_source"] = None

    def _fix(self, record: dict, notes: list[str], today: datetime.date) -> None:
        sid = record["id"]
        extra: list[str] = []

        def blank(key: str, why: str, value=None) -> None:
            extra.append(f"{key} {record.get(key)!r} {why}; left empty")
            notes.append(f"`{sid}`: {key} {record.get(key)!r} {why}; left empty")
            record[key] = value

        phone = record.get("intake_phone")
        if phone is not None and not australian_number(phone):
            blank("intake_phone", "is not a full, valid Australian number (no area code is added by guess)")
            record["intake_phone_source"] = None
        elif phone is not None and not well_formed_url(record.get("intake_phone_source")):
            blank("intake_phone", "has no source page")
            record["intake_phone_source"] = None
        if record.get("url") is not None and not well_formed_url(record["url"]):
            blank("url", "is not a web address")
        area = record.get("online_area")
        if (
            area is not None
            and area != "national"
            and (not isinstance(area, list) or any(s not in STATES for s in area))
        ):
            blank("online_area", "is not national or a list of states")
        for key, allowed in (("delivery", DELIVERY), ("audience", AUDIENCES)):
            values = record.get(key) or []
            bad = [v for v in values if v not in allowed]
            if bad:
                extra.append(f"{key} values {bad} are not codes we know; left out")
                notes.append(f"`{sid}`: {key} values {bad} are not codes we know; left out")
                record[key] = [v for v in values if v in allowed]
        languages = record.get("languages") or []
        unknown = [v for v in languages if not isinstance(v, str) or normalise_name(v) not in LANGUAGE_CODES]
        if unknown:
            extra.append(f"languages {unknown} are not single languages we can list; left out")
            notes.append(f"`{sid}`: languages {unknown} left out (not single languages we can list)")
            record["languages"] = [v for v in languages if v not in unknown]
        if record.get("cost", "unknown") not in COSTS:
            blank("cost", "is not free, fee, sliding-scale or unknown", "unknown")
        if record.get("status", "unknown") not in STATUSES:
            blank("status", "is not running, ended or unknown", "unknown")
        for key in BOOLEANS:
            if record.get(key) not in (True, False, None):
                blank(key, "is not true, false or null")
        for key in ("length", "typical_wait"):
            if record.get(key) is not None and (not isinstance(record[key], str) or len(record[key]) > 200):
                blank(key, "is not a short text")
        for source in record["sources"]:
            date = source.get("page_date")
            if date is not None and (parse_partial_date(date) is None or parse_partial_date(date) > today):
                extra.append(f"a source's page_date {date!r} is not a past date; left empty")
                notes.append(f"`{sid}`: page_date {date!r} of {source['url']} is not a past date; left empty")
                source["page_date"] = None
        places = []
        for location in record.get("locations") or []:
            town, state = location.get("town"), location.get("state")
            postcode = location.get("postcode")
            postcode = str(postcode) if postcode is not None else None
            if postcode is not None and not is_valid_postcode(postcode):
                extra.append(f"postcode {postcode!r} for {town} is not a postcode; left empty")
                notes.append(f"`{sid}`: postcode {postcode!r} for {town} left empty")
                location["postcode"] = postcode = None
            if not isinstance(town, str) or state not in STATES:
                extra.append(f"place {town!r} {state!r} has no town or state; left out")
                notes.append(f"`{sid}`: place {town!r} {state!r} left out (no town or state)")
                continue
            place = resolve_town(town=town, state=state, postcode=postcode)
            if isinstance(place, str):
                extra.append(f"place left out: {place}")
                notes.append(f"`{sid}`: place left out: {place}")
                continue
            places.append(location)
        record["locations"] = places
        if extra:
            note = "Merge: " + "; ".join(extra) + "."
            record["notes_for_staff"] = ((record.get("notes_for_staff") or "") + " " + note).strip()
