"""Load Pause's taxonomy (service types, audiences, delivery, referral) and the starting search synonyms.

Reads services_directory/data/taxonomy.yaml (documented in docs/taxonomy.md). Safe to re-run: terms are
upserted by code; synonyms are only added when missing, so staff edits in the admin are kept.
"""

from pathlib import Path

import yaml
from django.core.management.base import BaseCommand

from services_directory.services import taxonomy_load

DEFAULT_FILE = Path(__file__).resolve().parents[2] / "data" / "taxonomy.yaml"


class Command(BaseCommand):
    help = "Load the service taxonomy and starting search synonyms (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("--file", type=Path, default=DEFAULT_FILE)

    def handle(self, *args, file: Path, **options):
        result = taxonomy_load(data=yaml.safe_load(file.read_text(encoding="utf-8")))
        self.stdout.write(
            f"load_taxonomy: {result['terms']} terms, {result['synonyms_added']} synonyms added"
        )
