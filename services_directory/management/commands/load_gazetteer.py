"""Load the postcode gazetteer from services_directory/data/gazetteer/postcodes.csv.

Columns: postcode,locality,state,latitude,longitude (see the README beside the file for its source and
licence). Safe to re-run: rows are upserted in bulk by (postcode, normalised locality, state), and rows
no longer in the file are removed, so the table always equals the file. Takes a few seconds.
"""

import csv
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from services_directory.models import STATES, Place
from services_directory.places import is_valid_postcode, normalise_name

DEFAULT_FILE = Path(__file__).resolve().parents[2] / "data" / "gazetteer" / "postcodes.csv"
BATCH = 2000


def read_places(path: Path) -> list[Place]:
    """Parse and check the whole file first: a bad row stops the load before anything changes."""
    places: dict[tuple[str, str, str], Place] = {}
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        expected = {"postcode", "locality", "state", "latitude", "longitude"}
        if not expected <= set(reader.fieldnames or []):
            raise CommandError(f"{path}: header must have {sorted(expected)}")
        for line, row in enumerate(reader, start=2):
            postcode, state = row["postcode"].strip(), row["state"].strip()
            locality = row["locality"].strip()
            try:
                lat, lon = float(row["latitude"]), float(row["longitude"])
            except ValueError as error:
                raise CommandError(f"{path}:{line}: bad coordinates") from error
            if not is_valid_postcode(postcode) or state not in STATES or not locality:
                raise CommandError(f"{path}:{line}: bad postcode, state or locality")
            if not (-56 <= lat <= -9 and 95 <= lon <= 169):  # Macquarie Island to Cocos
                raise CommandError(f"{path}:{line}: coordinates outside Australia")
            name = normalise_name(locality)
            places[(postcode, name, state)] = Place(
                postcode=postcode,
                locality=locality,
                state=state,
                latitude=lat,
                longitude=lon,
                name_normalised=name,
            )
    return list(places.values())


class Command(BaseCommand):
    help = "Load the Australian postcode gazetteer (idempotent, bulk)."

    def add_arguments(self, parser):
        parser.add_argument("--file", type=Path, default=DEFAULT_FILE)

    def handle(self, *args, file: Path, **options):
        if not file.exists():
            raise CommandError(f"{file} not found")
        places = read_places(file)
        with transaction.atomic():
            Place.objects.bulk_create(
                places,
                batch_size=BATCH,
                update_conflicts=True,
                unique_fields=["postcode", "name_normalised", "state"],
                update_fields=["locality", "latitude", "longitude"],
            )
            keys = {(p.postcode, p.name_normalised, p.state) for p in places}
            stale = [
                pk
                for pk, *key in Place.objects.values_list("pk", "postcode", "name_normalised", "state")
                if tuple(key) not in keys
            ]
            Place.objects.filter(pk__in=stale).delete()
        self.stdout.write(f"load_gazetteer: {len(places)} places loaded, {len(stale)} removed")
