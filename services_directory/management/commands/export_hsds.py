"""Write the published directory as HSDS 3.0 JSON and a CSV data package into a directory.

    manage.py export_hsds /tmp/out

Writes services.json, taxonomies.json and csv/ (datapackage.json and one CSV per HSDS table). Safe to
re-run: files are overwritten. Schedules carry the UTC offset in force at the time of export.
"""

from pathlib import Path

from django.core.management.base import BaseCommand

from services_directory.hsds.export import directory_export


class Command(BaseCommand):
    help = "Export the directory as HSDS 3.0 (JSON and CSV data package)."

    def add_arguments(self, parser):
        parser.add_argument("directory", type=Path)

    def handle(self, *args, directory: Path, **options):
        counts = directory_export(directory=directory)
        self.stdout.write(f"Exported {counts['services']} services to {directory}")
