"""Search points carry a summary of their service's hours (SearchPoint.opening), so "open now" is
decided from the rows the nearest-first walk returns, without reading schedules and closures apart.
Filled from the listings already stored (PostgreSQL only; SQLite's table is empty)."""

from django.db import migrations, models

from services_directory.migration_operations import PostgresOnlySQL

# The `opening` column of services.SEARCH_POINTS_SQL as it was when this migration was written
# (migrations keep their own copy, so later edits to the service code cannot change what this does).
FILL = """
    UPDATE services_directory_searchpoint p SET opening = CASE WHEN s.hours_known THEN coalesce((
        SELECT json_build_array(
            s.hours_in_local_time, s.time_zone, s.public_holidays,
            l.state_province, l.time_zone, l.postal_code,
            json_agg(json_build_array(sc.byday, sc.opens_at, sc.closes_at, sc.time_zone,
                                      sc.valid_from, sc.valid_to) ORDER BY sc.id),
            (SELECT coalesce(json_agg(json_build_array(c.starts_on, c.ends_on)
                                      ORDER BY c.starts_on, c.ends_on), '[]')
             FROM services_directory_closure c WHERE c.service_id = s.id))::text
        FROM services_directory_schedule sc WHERE sc.service_id = s.id
        HAVING count(*) > 0), '') ELSE '' END
    FROM services_directory_serviceatlocation sal
    JOIN services_directory_service s ON s.id = sal.service_id
    JOIN services_directory_location l ON l.id = sal.location_id
    WHERE sal.id = p.service_at_location_id
"""


class Migration(migrations.Migration):
    dependencies = [("services_directory", "0007_search_point")]

    operations = [
        migrations.AddField(
            model_name="searchpoint",
            name="opening",
            field=models.TextField(blank=True, default=""),
        ),
        PostgresOnlySQL(FILL, migrations.RunSQL.noop),
    ]
