"""Schemathesis against the official HSDS 3.0 openapi.json, served by our own API through WSGI.

The document is the official file with its remote `$ref`s bundled from the local schema copies (no
network) and one documented correction (schemas.CORRECTIONS). Schemathesis generates requests from it
and checks: no server errors, JSON content type, and bodies that conform to the response schemas.
Kept small (a few examples per operation) so the run stays well under a minute.
"""

from __future__ import annotations

import datetime

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import content_type_conformance, response_schema_conformance

from services_directory.services import AreaData, ScheduleData

MAX_EXAMPLES = 10
CHECKS = (not_a_server_error, content_type_conformance, response_schema_conformance)


@pytest.fixture
def api_schema(make_service, gazetteer):
    make_service(
        "Change Program Melbourne",
        at=(-37.8136, 144.9631, "Melbourne", "VIC", "3000"),
        schedules=[ScheduleData(byday="MO", opens_at=datetime.time(9), closes_at=datetime.time(17))],
        areas=[AreaData(scope="postcodes", postcodes=("3000",))],
    )
    make_service(
        "National Line", types=("phone-line",), delivery=("phone",), areas=[AreaData(scope="national")]
    )
    # As Django's test client does: requests must not close the test's database connection.
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield schemathesis.openapi.from_wsgi("/api/hsds/openapi.json", get_wsgi_application())
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


def test_the_api_conforms_to_the_official_openapi(api_schema):
    """Every operation of the official description, with generated parameters (schemathesis' own pytest
    plugin is not used: it does not support this pytest version)."""
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) == 11
    failures = {}
    statuses: list[int] = []
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=MAX_EXAMPLES, deadline=None, database=None, suppress_health_check=list(HealthCheck)
        )
        def exercise(case):
            response = case.call()
            statuses.append(response.status_code)
            case.validate_response(response, checks=CHECKS)

        try:
            exercise()
        except Exception as error:  # collect every operation's failure, then report them together
            failures[operation.label] = error
    assert not failures, "\n\n".join(f"{label}: {error}" for label, error in failures.items())
    assert len(statuses) >= len(operations) * 3, statuses
    assert statuses.count(200) >= len(operations), statuses
