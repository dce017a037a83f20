"""Nearest-first search on PostgreSQL: the `cube` extension and a GiST index of each location as a
point on the unit sphere (search.EarthPoint builds the same expression; a test checks the plan uses
it). SQLite skips both and searches with a bounding box."""

from django.contrib.postgres.operations import CreateExtension
from django.db import migrations

from services_directory.migration_operations import PostgresOnlySQL

EARTH_POINT = (
    "cube(cube(cube(cos(radians(latitude)) * cos(radians(longitude))),"
    " cos(radians(latitude)) * sin(radians(longitude))), sin(radians(latitude)))"
)


class Migration(migrations.Migration):
    dependencies = [("services_directory", "0005_merge_0004_hsds_import_0004_listing_check")]

    operations = [
        CreateExtension("cube"),
        PostgresOnlySQL(
            f"CREATE INDEX location_earth_point ON services_directory_location USING gist ({EARTH_POINT})",
            "DROP INDEX IF EXISTS location_earth_point",
        ),
    ]
