"""Real-browser fixtures: one headless Debian Chromium per session, a live server on 127.0.0.1, and a
request log that proves the browser never talks to another origin.

* Chromium is Debian's (`chromium_path`, /usr/bin/chromium); `playwright install` is never run.
* The live server is pytest-django's `LiveServer` (it serves static files through Django's
  StaticFilesHandler, and whitenoise uses the finders outside production), bound to 127.0.0.1 and
  kept for the whole package. The seed data is loaded once into the test database and flushed at the
  end, instead of per test, so the browser tests stay quick.
* Every request the browser makes is logged. Anything not aimed at 127.0.0.1 is answered by a local
  stub (a blank page) and recorded, so no test ever reaches the network; tests then assert that the
  only outside address ever asked for is the quick-exit target, and only by the quick-exit tests.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.core.management import call_command, get_commands

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "tests" / "artifacts"
AXE_PATH = ROOT / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    "--disable-default-apps",
]
PHONE = {"width": 360, "height": 640}
DESKTOP = {"width": 1280, "height": 800}
# The seed loaders the browser journeys need, in order; each is used when its app has merged it.
SEED_COMMANDS = ("load_seed_data",)

# Playwright's sync API runs an event loop in this thread; Django refuses ORM calls from a thread with
# a running loop unless told the caller knows what it is doing. Only the fixtures below touch the ORM.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def pytest_collection_modifyitems(items):
    for item in items:
        if Path(str(item.fspath)).is_relative_to(Path(__file__).parent):
            item.add_marker(pytest.mark.browser)


@dataclass
class RequestLog:
    """Every URL the browser asked for, and every one that was not for the site."""

    site_origin: str
    requests: list[str] = field(default_factory=list)
    outside: list[str] = field(default_factory=list)

    def origins(self) -> set[str]:
        return {"{0.scheme}://{0.netloc}".format(urlsplit(url)) for url in self.requests}

    def assert_only_site(self, allowed: tuple[str, ...] = ()) -> None:
        unexpected = [url for url in self.outside if not url.startswith(allowed)]
        assert not unexpected, f"the browser tried to reach another origin: {unexpected}"
        allowed_origins = {"{0.scheme}://{0.netloc}".format(urlsplit(url)) for url in allowed}
        others = self.origins() - {self.site_origin, "data:"} - allowed_origins
        assert not others, f"requests to other origins: {others}"


@pytest.fixture(scope="package")
def site_server(django_db_setup, django_db_blocker) -> Iterator[str]:
    """A live server on 127.0.0.1 over the test database with the seed data loaded once."""
    from django.db import connection
    from pytest_django.live_server_helper import LiveServer

    # pytest-django creates the test database only when a collected test asks for `db`; the browser
    # tests do not, so when they run on their own they create (and later drop) it themselves.
    created_from = None
    if not connection.settings_dict["NAME"].startswith("test_") and connection.vendor != "sqlite":
        created_from = connection.settings_dict["NAME"]
        with django_db_blocker.unblock():
            connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    with django_db_blocker.unblock():
        available = get_commands()
        for name in SEED_COMMANDS:
            if name in available:
                call_command(name, verbosity=0)
        server = LiveServer("127.0.0.1")
        try:
            yield server.url
        finally:
            server.stop()
            _close_server_connections(connection)
            # Leave the database as a TransactionTestCase would (browser tests run after the others).
            call_command("flush", verbosity=0, interactive=False)
            # Playwright's sync API runs in a greenlet, which gets its own Django connection: close it.
            connection.close()
            if created_from:
                connection.creation.destroy_test_db(created_from, verbosity=0)


def _close_server_connections(connection) -> None:
    """End database sessions the live server's request threads still hold.

    Chromium keeps connections alive, and Django's threaded server closes a thread's database
    connection only when the browser closes the socket. Left open, they stop pytest-django dropping
    the test database at the end of the run (the test database is ours alone)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                " WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )


@pytest.fixture(scope="session")
def browser(chromium_path) -> Iterator:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path, headless=True, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def open_context(browser, site_url: str, *, javascript: bool = True, viewport=PHONE, bypass_csp=False):
    """A fresh, isolated browser context with the request log and the outside-world stub."""
    log = RequestLog(site_origin=site_url)
    context = browser.new_context(
        java_script_enabled=javascript,
        viewport=viewport,
        bypass_csp=bypass_csp,
        service_workers="block",
        locale="en-AU",
    )
    context.set_default_timeout(10_000)
    context.on("request", lambda request: log.requests.append(request.url))

    def stub_outside(route):
        url = route.request.url
        if urlsplit(url).hostname == "127.0.0.1":
            route.continue_()
        else:
            log.outside.append(url)
            route.fulfill(status=200, content_type="text/html", body="<!doctype html><title>Stub</title>")

    context.route("**/*", stub_outside)
    context.request_log = log
    return context


@pytest.fixture
def context(browser, site_server) -> Iterator:
    """A JavaScript-enabled phone-sized context; fails the test if it reached another origin."""
    ctx = open_context(browser, site_server)
    try:
        yield ctx
    finally:
        ctx.close()


@pytest.fixture
def page(context):
    return context.new_page()


@pytest.fixture
def no_js_context(browser, site_server) -> Iterator:
    ctx = open_context(browser, site_server, javascript=False)
    try:
        yield ctx
    finally:
        ctx.close()


@pytest.fixture(scope="session")
def axe_source() -> str:
    from conftest import require

    require(AXE_PATH.exists(), "axe-core (run `npm ci` at the repository root)")
    return AXE_PATH.read_text()


@pytest.fixture(scope="session")
def screenshots_dir() -> Path:
    path = ARTIFACTS / "screenshots"
    path.mkdir(parents=True, exist_ok=True)
    for old in path.glob("*.png"):  # only this run's pages, so a removed page leaves no stale picture
        old.unlink()
    return path


@pytest.fixture(scope="session")
def quick_exit_url() -> str:
    return settings.QUICK_EXIT_URL
