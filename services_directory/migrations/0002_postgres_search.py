"""PostgreSQL-only search support: pg_trgm and unaccent, the GIN index on the stored search vector,
and a trigram index on place names. On SQLite every operation here does nothing, so the embedded
default still migrates."""

from django.contrib.postgres.operations import CreateExtension
from django.db import migrations


class PostgresOnlySQL(migrations.RunSQL):
    """RunSQL that runs only on PostgreSQL (Django's CreateExtension guards itself the same way)."""

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_backwards(app_label, schema_editor, from_state, to_state)


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
        # Coverage checks look for " 3121 " inside the space-padded postcode list.
        PostgresOnlySQL(
            "CREATE INDEX service_area_postcodes_trgm ON services_directory_servicearea "
            "USING gin (postcodes gin_trgm_ops)",
            "DROP INDEX IF EXISTS service_area_postcodes_trgm",
        ),
    ]
