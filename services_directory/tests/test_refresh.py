"""refresh_directory against feeds served from a local HTTP server on 127.0.0.1 (no other network)."""

from __future__ import annotations

import copy
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

import pytest
from celery.exceptions import Retry

from config.jobs import single_instance
from services_directory import refresh
from services_directory.hsds import importing, tabular
from services_directory.models import RefreshReport, Service
from services_directory.tasks import REFRESH_RETRIES, REFRESH_TIME_LIMIT, RefreshSkipped, refresh_directory
from services_directory.tests.test_hsds_import import australian, official, state

SERVICE = australian(official("service_full.json"))
SECOND_ID = "5b0a8c7e-2f61-4d55-9f0e-6a2d1c3b4e77"


def second_service() -> dict:
    other = copy.deepcopy(SERVICE)
    other["id"] = SECOND_ID
    other["name"] = "Second Counselling"
    for key in ("phones", "schedules", "languages", "cost_options", "service_areas", "service_at_locations"):
        other.pop(key, None)
    # A phone line for all Australia: a record with no Australian place at all is refused (issue 17).
    other["service_areas"] = [
        {
            "id": "9e3f1c2a-7b4d-4e5f-8a6b-1c2d3e4f5a6b",
            "name": "Australia",
            "extent": "AU",
            "extent_type": "text",
        }
    ]
    return other


class Feeds:
    """What the local server answers, by path; tests change it between runs."""

    def __init__(self):
        self.routes = {}


class Handler(BaseHTTPRequestHandler):
    feeds: Feeds

    def log_message(self, *args):  # keep test output quiet
        pass

    def do_GET(self):
        route = self.feeds.routes.get(urlsplit(self.path).path)
        if route is None:
            self.send_error(404)
            return
        status, headers, body = route(self)
        self.send_response(status)
        for key, value in headers.items():
            self.send_header(key, value)
        self.end_headers()
        try:
            if isinstance(body, bytes):
                self.wfile.write(body)
            else:
                for chunk in body:
                    self.wfile.write(chunk)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up, as it should


def json_route(data):
    return lambda handler: (200, {"Content-Type": "application/json"}, json.dumps(data).encode())


def text_route(text: str, content_type: str = "text/html"):
    return lambda handler: (200, {"Content-Type": content_type}, text.encode())


def huge_route(handler):
    def chunks():  # 200 MB of JSON-looking bytes, without a Content-Length
        yield b'{"contents": ['
        for _ in range(200 * 16):
            yield b" " * 65536

    return 200, {"Content-Type": "application/json"}, chunks()


def redirect_loop(handler):
    return 302, {"Location": "/loop"}, b""


def slow_route(handler):
    time.sleep(2)
    return 200, {"Content-Type": "application/json"}, json.dumps([SERVICE]).encode()


@pytest.fixture
def server():
    feeds = Feeds()
    handler = type("BoundHandler", (Handler,), {"feeds": feeds})
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{httpd.server_address[1]}"
    try:
        yield feeds, base
    finally:
        httpd.shutdown()
        httpd.server_close()


@pytest.fixture
def short_timeouts(monkeypatch):
    monkeypatch.setattr(refresh, "CONNECT_TIMEOUT", 0.5)


@pytest.mark.django_db
def test_refresh_from_a_json_feed_twice_gives_the_same_state(server, gazetteer):
    feeds, base = server
    feeds.routes["/feed.json"] = json_route([SERVICE])
    first = refresh.source_refresh(source=f"{base}/feed.json")
    assert (first.outcome, first.added, first.rejected) == ("done", 1, 0)
    service = Service.objects.get(hsds_id=SERVICE["id"])
    assert service.source_url == f"{base}/feed.json"
    before = state()
    second = refresh.source_refresh(source=f"{base}/feed.json")
    assert (second.added, second.updated, second.unchanged) == (0, 0, 1)
    assert state() == before


@pytest.mark.django_db
def test_refresh_from_an_hsds_api(server, gazetteer):
    feeds, base = server
    page = {
        "total_items": 2,
        "total_pages": 1,
        "page_number": 1,
        "size": 2,
        "first_page": True,
        "last_page": True,
        "empty": False,
        "contents": [{"id": SERVICE["id"]}, {"id": SECOND_ID}],
    }
    feeds.routes["/api/hsds/services"] = json_route(page)
    feeds.routes[f"/api/hsds/services/{SERVICE['id']}"] = json_route(SERVICE)
    feeds.routes[f"/api/hsds/services/{SECOND_ID}"] = json_route(second_service())
    report = refresh.source_refresh(source=f"{base}/api/hsds")
    assert (report.outcome, report.added) == ("done", 2)


@pytest.mark.django_db
def test_refresh_from_a_csv_datapackage(server, gazetteer, tmp_path):
    from services_directory.tests.test_hsds_import import australian_csv

    feeds, base = server
    directory = australian_csv(tmp_path)
    descriptor = tabular.datapackage_descriptor(name="x", title="x", tables=list(tabular.TABLES))
    feeds.routes["/pkg/datapackage.json"] = json_route(descriptor)
    for path in directory.glob("*.csv"):
        feeds.routes[f"/pkg/{path.name}"] = text_route(path.read_text(), "text/csv")
    report = refresh.source_refresh(source=f"{base}/pkg/datapackage.json")
    assert (report.outcome, report.added) == ("done", 1)


@pytest.mark.django_db
def test_services_gone_from_the_source_are_deactivated_not_deleted(server, gazetteer):
    feeds, base = server
    feeds.routes["/feed.json"] = json_route([SERVICE, second_service()])
    refresh.source_refresh(source=f"{base}/feed.json")
    feeds.routes["/feed.json"] = json_route([SERVICE])
    report = refresh.source_refresh(source=f"{base}/feed.json")
    assert report.deactivated == 1
    assert Service.objects.get(hsds_id=SECOND_ID).is_active is False
    # It comes back when the source lists it again.
    feeds.routes["/feed.json"] = json_route([SERVICE, second_service()])
    refresh.source_refresh(source=f"{base}/feed.json")
    assert Service.objects.get(hsds_id=SECOND_ID).is_active is True


@pytest.mark.django_db
def test_local_changes_are_kept_and_flagged(server, gazetteer):
    feeds, base = server
    feeds.routes["/feed.json"] = json_route([SERVICE])
    refresh.source_refresh(source=f"{base}/feed.json")
    # A provider renames the service through the portal.
    Service.objects.filter(hsds_id=SERVICE["id"]).update(name="Counselling for men, Melbourne")
    changed = copy.deepcopy(SERVICE)
    changed["name"] = "Community Counselling (new name upstream)"
    changed["wait_time"] = "About two weeks"
    feeds.routes["/feed.json"] = json_route([changed])
    report = refresh.source_refresh(source=f"{base}/feed.json")
    service = Service.objects.get(hsds_id=SERVICE["id"])
    assert service.name == "Counselling for men, Melbourne"  # kept
    assert service.typical_wait == "About two weeks"  # the source's other changes applied
    assert report.flagged == [{"id": SERVICE["id"], "fields": ["name"]}]
    assert service.import_record.locally_changed == ["name"]
    # Idempotent: the next run keeps and flags the same field, and changes nothing else.
    before = state()
    again = refresh.source_refresh(source=f"{base}/feed.json")
    assert again.flagged == [{"id": SERVICE["id"], "fields": ["name"]}]
    assert state() == before


@pytest.mark.django_db
def test_a_failing_record_is_skipped_and_reported(server, gazetteer):
    feeds, base = server
    bad = second_service()
    bad["status"] = "sort of open"
    feeds.routes["/feed.json"] = json_route([SERVICE, bad])
    report = refresh.source_refresh(source=f"{base}/feed.json")
    assert (report.outcome, report.added, report.rejected) == ("done", 1, 1)
    assert report.problems[0]["id"] == SECOND_ID
    assert report.problems[0]["field"] == "status"
    assert "is not one of" in report.problems[0]["reason"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("route", "outcome", "reason"),
    [
        (text_route("<html>Down for maintenance</html>"), "rejected", "not JSON"),
        (json_route({"hello": "world"}), "rejected", "not HSDS"),
        (json_route([{"id": "x", "name": 3}]), "rejected", "No record"),
        (huge_route, "rejected", "larger than 20 MB"),
        (redirect_loop, "rejected", "redirect"),
        (slow_route, "failed", "could not reach"),
    ],
    ids=["not-json", "wrong-schema", "no-valid-record", "200mb", "endless-redirects", "too-slow"],
)
def test_broken_feeds_change_nothing(server, gazetteer, short_timeouts, route, outcome, reason):
    feeds, base = server
    feeds.routes["/feed.json"] = json_route([SERVICE, second_service()])
    refresh.source_refresh(source=f"{base}/feed.json")
    before = state()
    feeds.routes["/feed.json"] = route
    feeds.routes["/loop"] = redirect_loop
    started = time.monotonic()
    summary = refresh.directory_refresh(sources=[f"{base}/feed.json"])
    assert time.monotonic() - started < 15
    report = RefreshReport.objects.order_by("-pk").first()
    assert report.outcome == outcome and reason in report.message, report.message
    assert state() == before  # nothing deactivated, nothing partly imported
    assert summary.network_failures == ([f"{base}/feed.json"] if outcome == "failed" else [])


@pytest.mark.django_db
def test_a_run_killed_midway_leaves_the_database_as_it_was(server, gazetteer, monkeypatch):
    feeds, base = server
    feeds.routes["/feed.json"] = json_route([second_service()])
    refresh.source_refresh(source=f"{base}/feed.json")
    before = state()
    feeds.routes["/feed.json"] = json_route([second_service(), SERVICE])
    calls = []
    real = importing.services.imported_record_save

    def dies_on_second(**kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise SystemError("worker killed")  # stands in for a time limit or a lost worker
        return real(**kwargs)

    monkeypatch.setattr(importing.services, "imported_record_save", dies_on_second)
    with pytest.raises(SystemError):
        refresh.source_refresh(source=f"{base}/feed.json")
    assert len(calls) == 2
    assert state() == before
    assert RefreshReport.objects.order_by("-pk").first().outcome == "failed"


@pytest.mark.django_db
def test_the_task_refreshes_every_source_and_cannot_overlap(server, gazetteer, settings):
    feeds, base = server
    feeds.routes["/feed.json"] = json_route([SERVICE])
    settings.HSDS_SOURCES = [f"{base}/feed.json"]
    result = refresh_directory.apply().get()
    assert result["network_failures"] == [] and len(result["reports"]) == 1
    assert Service.objects.filter(hsds_id=SERVICE["id"]).exists()
    with single_instance("refresh_directory", timeout=REFRESH_TIME_LIMIT) as acquired:
        assert acquired
        # A second run does not overlap the first, and does not pass for a success either: it is
        # reported and tried again when the lock is free; on its last try it fails (issue 19, item 5).
        with pytest.raises(Retry) as retry:
            refresh_directory.apply().get()
        assert isinstance(retry.value.exc, RefreshSkipped) and 0 < retry.value.when <= 61
        with pytest.raises(RefreshSkipped):
            refresh_directory.apply(retries=REFRESH_RETRIES).get()
    skipped = RefreshReport.objects.filter(outcome=RefreshReport.Outcome.SKIPPED)
    assert skipped.count() == 2
    assert "Nothing was imported" in skipped.first().message
    # Once the lock is free, the next run does the work.
    assert refresh_directory.apply().get()["network_failures"] == []


def test_the_task_is_configured_for_safety():
    from django.conf import settings as django_settings

    assert refresh_directory.acks_late is True
    assert refresh_directory.soft_time_limit < refresh_directory.time_limit
    assert refresh_directory.time_limit < django_settings.CELERY_BROKER_VISIBILITY_TIMEOUT
    beat = django_settings.CELERY_BEAT_SCHEDULE["refresh-directory-nightly"]
    assert beat["task"] == "services_directory.tasks.refresh_directory"
