"""Load the men's programs from services_directory/data/programs/*.yaml (format: data/README.md).

Every record of every file is checked first (services_directory.programs.check_programs); if anything
is wrong the whole load is refused with the full list of problems and the database is left as it was.
Then all programs are written in one transaction (services.programs_load). Safe to re-run: records
are upserted by their ids. Needs the gazetteer (load_gazetteer) and the taxonomy (load_taxonomy).
"""

from __future__ import annotations

from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from services_directory.models import Place
from services_directory.programs import PROGRAMS_DIR, ProgramFileError, check_programs, program_files
from services_directory.services import UnknownTerm, programs_load


class Command(BaseCommand):
    help = "Check and load the men's programs data files (all or nothing, idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("--dir", type=Path, default=PROGRAMS_DIR, help="Folder of programs files.")
        parser.add_argument("--file", type=Path, action="append", help="One file (repeatable).")
        parser.add_argument("--check", action="store_true", help="Only check; write nothing.")

    def handle(self, *args, dir: Path, file: list[Path] | None, check: bool, **options):
        files = file or program_files(dir)
        if not files:
            self.stdout.write("load_programs: no programs files, nothing to do")
            return
        if not Place.objects.exists():
            raise CommandError("load_programs: the gazetteer is empty; run load_gazetteer first")
        try:
            checked = check_programs(files=files)
        except ProgramFileError as error:
            raise CommandError(f"programs not loaded, nothing changed. {error}") from error
        for warning in checked.warnings:
            self.stdout.write(f"warning: {warning}")
        if check:
            self.stdout.write(
                f"load_programs: {len(files)} file(s), {checked.program_count} programs, all checks passed"
            )
            return
        call_command("load_taxonomy", stdout=self.stdout)
        try:
            with transaction.atomic():
                counts = programs_load(checked=checked)
        except (UnknownTerm, ValidationError, KeyError, ValueError) as error:
            raise CommandError(f"programs not loaded, nothing changed: {error}") from error
        self.stdout.write(
            "load_programs: {programs} programs ({listed} listed as running) from {organisations} "
            "organisations at {places} places".format(**counts)
        )
