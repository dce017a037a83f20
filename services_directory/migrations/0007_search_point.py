"""Search points (models.SearchPoint): a narrow copy of what a nearest-first search decides on, with
a GiST index of each point on the unit sphere (the same expression as location_earth_point in 0006,
over this table), filled from the listings already stored. PostgreSQL only for the index and the fill;
SQLite gets the empty table."""

import django.contrib.postgres.search
import django.db.models.deletion
from django.db import migrations, models

from services_directory.migration_operations import PostgresOnlySQL

EARTH_POINT = (
    "cube(cube(cube(cos(radians(latitude)) * cos(radians(longitude))),"
    " cos(radians(latitude)) * sin(radians(longitude))), sin(radians(latitude)))"
)

# As services.SEARCH_POINTS_SQL when this migration was written (migrations keep their own copy).
FILL = """
    INSERT INTO services_directory_searchpoint (service_at_location_id, service_id, latitude, longitude,
                                                is_demo, cost, term_ids, search_vector)
    SELECT sal.id, s.id, l.latitude, l.longitude, s.is_demo, s.cost,
           coalesce(' ' || (SELECT string_agg(a.term_id::text, ' ' ORDER BY a.term_id)
                            FROM services_directory_serviceattribute a WHERE a.service_id = s.id) || ' ', ''),
           s.search_vector
    FROM services_directory_serviceatlocation sal
    JOIN services_directory_service s ON s.id = sal.service_id
    JOIN services_directory_location l ON l.id = sal.location_id
    WHERE s.is_active AND l.latitude IS NOT NULL AND l.longitude IS NOT NULL
"""


class Migration(migrations.Migration):
    dependencies = [("services_directory", "0006_location_earth_point")]

    operations = [
        migrations.CreateModel(
            name="SearchPoint",
            fields=[
                (
                    "service_at_location",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        primary_key=True,
                        related_name="+",
                        serialize=False,
                        to="services_directory.serviceatlocation",
                    ),
                ),
                ("latitude", models.FloatField()),
                ("longitude", models.FloatField()),
                ("is_demo", models.BooleanField()),
                ("cost", models.CharField(max_length=20)),
                ("term_ids", models.TextField()),
                ("search_vector", django.contrib.postgres.search.SearchVectorField(null=True)),
                (
                    "service",
                    models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="services_directory.service",
                    ),
                ),
            ],
            options={"indexes": [models.Index(fields=["service"], name="search_point_service")]},
        ),
        PostgresOnlySQL(
            f"CREATE INDEX search_point_earth ON services_directory_searchpoint USING gist ({EARTH_POINT})",
            "DROP INDEX IF EXISTS search_point_earth",
        ),
        PostgresOnlySQL(FILL, migrations.RunSQL.noop),
    ]
