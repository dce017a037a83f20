"""Print the programs coverage table and write it into docs/directory.md between its markers.

    manage.py directory_coverage            # print and write docs/directory.md
    manage.py directory_coverage --print    # print only

Run after `load_seed_data` on the real data (services_directory/coverage.py says what is counted).
"""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from services_directory.coverage import as_markdown, coverage

START = "<!-- coverage:start (written by manage.py directory_coverage; do not edit by hand) -->"
END = "<!-- coverage:end -->"
DOC = Path(settings.BASE_DIR) / "docs" / "directory.md"


def replace_between_markers(text: str, table: str) -> str:
    if START not in text or END not in text:
        raise CommandError(f"docs/directory.md has no coverage markers ({START} ... {END})")
    head, rest = text.split(START, 1)
    _, tail = rest.split(END, 1)
    return f"{head}{START}\n{table}\n{END}{tail}"


class Command(BaseCommand):
    help = "Coverage of the real programs: per state, and for the 40 largest urban centres."

    def add_arguments(self, parser):
        parser.add_argument("--print", action="store_true", dest="print_only", help="Do not write the doc.")
        parser.add_argument("--doc", type=Path, default=DOC)

    def handle(self, *args, print_only: bool, doc: Path, **options):
        try:
            table = as_markdown(coverage(), generated_on=timezone.localdate().isoformat())
        except ValueError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(table)
        if not print_only:
            doc.write_text(replace_between_markers(doc.read_text(encoding="utf-8"), table), encoding="utf-8")
            self.stdout.write(f"\nwritten to {doc}")
