"""PostgreSQL only: a trigram index so coverage checks (" 3121 " inside a postcode list) use an index."""

from django.db import migrations

from services_directory.migration_operations import PostgresOnlySQL


class Migration(migrations.Migration):
    dependencies = [("services_directory", "0002_postgres_search")]

    operations = [
        PostgresOnlySQL(
            "CREATE INDEX IF NOT EXISTS service_area_postcodes_trgm ON services_directory_servicearea "
            "USING gin (postcodes gin_trgm_ops)",
            "DROP INDEX IF EXISTS service_area_postcodes_trgm",
        ),
    ]
