"""PostgreSQL-only search support: pg_trgm and unaccent, the GIN index on the stored search vector,
and a trigram index on place names. On SQLite every operation here does nothing, so the embedded
default still migrates."""

from django.contrib.postgres.operations import CreateExtension
from django.db import migrations

from services_directory.migration_operations import PostgresOnlySQL


class Migration(migrations.Migration):
    dependencies = [("services_directory", "0001_initial")]

    operations = [
        CreateExtension("pg_trgm"),
        CreateExtension("unaccent"),
        PostgresOnlySQL(
            "CREATE INDEX service_search_vector_gin ON services_directory_service USING gin (search_vector)",
            "DROP INDEX IF EXISTS service_search_vector_gin",
        ),
        PostgresOnlySQL(
            "CREATE INDEX place_name_trgm ON services_directory_place USING gin (name_normalised gin_trgm_ops)",
            "DROP INDEX IF EXISTS place_name_trgm",
        ),
    ]
