"""Load HSDS 3.0 data (a JSON file or a CSV data package directory) into the directory.

    manage.py import_hsds path/to/services.json [--source-url https://provider.example/hsds/]

Everything is checked first (official schema, then what our directory needs); any problem rejects the
whole import with a list of what was wrong, and nothing already stored changes (one transaction).
Records are matched by HSDS id, so re-running with the same data changes nothing. A report is stored
(RefreshReport) and shown to staff in the admin.
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from services_directory.refresh import source_import


class Command(BaseCommand):
    help = "Import HSDS 3.0 JSON or a CSV data package (all or nothing)."

    def add_arguments(self, parser):
        parser.add_argument("path", type=Path)
        parser.add_argument(
            "--source-url",
            default="",
            help="Where the data comes from (an http(s) address); kept as each listing's source.",
        )

    def handle(self, *args, path: Path, source_url: str, **options):
        if not path.exists():
            raise CommandError(f"{path} does not exist.")
        report = source_import(path=path, source_url=source_url)
        if report.outcome != report.Outcome.DONE:
            lines = [f"Import rejected: nothing was changed. {report.message}"]
            lines += [f"  {p['id'] or '(no id)'} {p['field']}: {p['reason']}" for p in report.problems]
            raise CommandError("\n".join(lines))
        self.stdout.write(
            f"Imported {path}: {report.added} added, {report.updated} updated, {report.unchanged} unchanged."
        )
        for item in report.flagged:
            self.stdout.write(f"  kept local changes to {item['id']}: {', '.join(item['fields'])}")
