"""Search points (models.SearchPoint) stay a faithful copy of the listings through every write path."""

from __future__ import annotations

import pytest

from services_directory import services
from services_directory.models import Location, SearchPoint, Service
from services_directory.places import resolve_place
from services_directory.search import Filters, search_services
from services_directory.tasks import rebuild_search_points
from services_directory.tests.conftest import location_fields

pytestmark = pytest.mark.usefixtures("postgres")

RICHMOND_VIC = (-37.8230, 145.0000, "Richmond", "VIC", "3121")
GEELONG = (-38.1470, 144.3600, "Geelong", "VIC", "3220")


def points() -> set[tuple]:
    return set(
        SearchPoint.objects.values_list(
            "pk", "service_id", "latitude", "longitude", "is_demo", "cost", "term_ids", "search_vector"
        )
    )


def assert_points_current() -> None:
    """What the write paths left equals a rebuild from scratch."""
    kept = points()
    services.search_points_rebuild()
    assert kept == points()


def local_names(near: str, **filters) -> list[str]:
    result = search_services(query="", place=resolve_place(near), filters=Filters(**filters), page=1)
    return [hit.service.name for hit in result.local]


def test_a_new_listing_gets_a_point_copied_from_it(gazetteer, make_service):
    service = make_service("Eastside Program", at=RICHMOND_VIC, cost="free", types=("mbcp",))
    (point,) = SearchPoint.objects.filter(service=service)
    assert (point.latitude, point.longitude) == RICHMOND_VIC[:2]
    assert (point.cost, point.is_demo) == ("free", False)
    term_ids = sorted(service.attributes.values_list("term_id", flat=True))
    assert point.term_ids == f" {' '.join(map(str, term_ids))} "
    assert point.search_vector == Service.objects.get(pk=service.pk).search_vector
    assert_points_current()


def test_points_follow_edits_moves_and_closures(gazetteer, make_service):
    make_service("Eastside Program", slug="eastside", at=RICHMOND_VIC, types=("mbcp",), cost="free")
    assert local_names("3121", types=("mbcp",), cost="free") == ["Eastside Program"]

    # New types and cost (the service upsert every loader and the portal go through).
    make_service("Eastside Program", slug="eastside", at=RICHMOND_VIC, types=("parenting",), cost="fee")
    assert local_names("3121", types=("mbcp",)) == []
    assert local_names("3121", cost="free") == []
    assert local_names("3121", types=("parenting",)) == ["Eastside Program"]
    assert_points_current()

    # The place moves to Geelong, 60 km away.
    location = Location.objects.get()
    services.location_upsert(hsds_id=location.hsds_id, fields=location_fields(GEELONG))
    assert local_names("3121") == []
    assert local_names("3220") == ["Eastside Program"]
    assert_points_current()

    # Closed: gone from search, no point left.
    services.service_deactivate(service=Service.objects.get(slug="eastside"))
    assert local_names("3220") == []
    assert not SearchPoint.objects.exists()
    assert_points_current()

    # Deleted outright: the point goes with it.
    make_service("Westside Program", slug="westside", at=GEELONG)
    Service.objects.filter(slug="westside").delete()
    assert not SearchPoint.objects.exists()


def test_the_nightly_rebuild_corrects_a_write_that_bypassed_the_refresh(gazetteer, make_service):
    make_service("Eastside Program", at=RICHMOND_VIC)
    lat, lon, *_ = GEELONG
    Location.objects.update(latitude=lat, longitude=lon)  # a bulk write: no refresh
    assert local_names("3220") == []  # stale until ...
    assert rebuild_search_points.delay().get() == 1  # ... the nightly job (run here in-process)
    assert local_names("3220") == ["Eastside Program"]
    assert local_names("3121") == []


def test_the_rebuild_works_in_batches(gazetteer, make_service, monkeypatch):
    monkeypatch.setattr(services, "SEARCH_POINTS_BATCH", 2)
    for i in range(5):
        make_service(f"Program {i}", at=RICHMOND_VIC)
    SearchPoint.objects.all().delete()
    assert services.search_points_rebuild() == 5
    assert len(local_names("3121")) == 5


@pytest.mark.django_db(transaction=True)
def test_two_refreshes_of_one_service_at_once_both_succeed(gazetteer, make_service):
    """An approval in the portal while the nightly rebuild has the same service in hand: the second
    refresh waits for the first, then overwrites its point instead of failing on the primary key."""
    import threading

    import psycopg
    from django.conf import settings
    from django.db import connection

    service = make_service("Eastside Program", at=RICHMOND_VIC)
    db = settings.DATABASES["default"]
    first = psycopg.connect(host=db["HOST"], port=db["PORT"], user=db["USER"], dbname=db["NAME"])
    tables = services.search_point_tables()
    errors: list[BaseException] = []

    def second_refresh():
        try:
            services.search_points_refresh(service_ids=[service.pk])
        except BaseException as error:  # reported to the test below
            errors.append(error)
        finally:
            connection.close()

    try:
        # The first refresh has deleted and re-inserted the point, and not committed yet.
        first.execute(f"DELETE FROM {tables['point_t']} WHERE service_id = %s", [service.pk])  # noqa: S608
        first.execute(services.SEARCH_POINTS_SQL.format(**tables, where="AND s.id = %s"), [service.pk])
        second = threading.Thread(target=second_refresh)
        second.start()
        second.join(timeout=1)
        assert second.is_alive()  # waiting for the first
        first.commit()
        second.join(timeout=10)
    finally:
        first.close()
    assert not second.is_alive() and errors == []
    assert SearchPoint.objects.filter(service=service).count() == 1
