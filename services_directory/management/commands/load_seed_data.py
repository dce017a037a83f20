"""Load every seed data set `make run` needs: the postcode gazetteer, the real national services and
the real men's programs (services_directory/data/programs/).

Safe to re-run: each loader upserts by natural key.
"""

from django.core.management import call_command
from django.core.management.base import BaseCommand

LOADERS = ("load_gazetteer", "load_national_services", "load_programs")


class Command(BaseCommand):
    help = "Load the postcode gazetteer, the national services and the programs (idempotent)."

    def handle(self, *args, **options):
        from django.core.management import get_commands

        available = get_commands()
        for name in LOADERS:
            if name in available:
                call_command(name, stdout=self.stdout, stderr=self.stderr)
            else:
                self.stdout.write(f"{name}: not available yet, skipped")
