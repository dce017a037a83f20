"""check_listings and the "still correct?" reminders, against a local web server and the real database."""

from __future__ import annotations

import datetime
import functools
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core import mail, signing
from django.utils import timezone

from services_directory.link_check import website_check
from services_directory.listing_health import listing_checks_run, verification_reminders_send
from services_directory.models import ListingCheck
from services_directory.verification import (
    MAX_AGE,
    VerificationTokenExpired,
    VerificationTokenInvalid,
    verification_token_make,
    verification_token_read,
)

NOW = datetime.datetime(2026, 11, 28, 2, 0, tzinfo=datetime.UTC)
REQUESTS: list[str] = []


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def do_HEAD(self):
        REQUESTS.append(self.path)
        self.send_response(200 if self.path == "/ok" else 404)
        self.send_header("Content-Length", "0")
        self.end_headers()

    do_GET = do_HEAD


@pytest.fixture(scope="module")
def site() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


local_check = functools.partial(website_check, allow_private=True, timeout=1)


@pytest.fixture
def listings(make_service, site):
    good = make_service(
        "Good", url=site + "/ok", phones=("1300 78 99 78",), last_verified=datetime.date(2026, 10, 1)
    )
    broken = make_service(
        "Broken", url=site + "/gone", phones=("12345",), last_verified=datetime.date(2026, 10, 1)
    )
    stale = make_service("Stale", url=site + "/ok", last_verified=datetime.date(2026, 5, 1))
    demo = make_service("Demo", url=site + "/gone", is_demo=True)
    for service in (good, broken, stale):
        service.organization.email = f"{service.slug}@example.org"
        service.organization.save()
    return {"good": good, "broken": broken, "stale": stale, "demo": demo}


def test_check_flags_broken_phones_websites_and_old_listings(listings):
    REQUESTS.clear()
    summary = listing_checks_run(now=NOW, check_website=local_check)
    assert (summary.checked, summary.broken_phones, summary.broken_websites, summary.stale) == (3, 1, 1, 1)
    checks = {check.service.name: check for check in ListingCheck.objects.select_related("service")}
    assert set(checks) == {"Good", "Broken", "Stale"}, "demo listings are not checked"
    assert not checks["Good"].needs_attention
    assert checks["Broken"].phone_problems == ["12345: not a valid Australian phone number"]
    assert checks["Broken"].website_status == 404
    assert checks["Stale"].stale and checks["Stale"].website_ok
    assert REQUESTS.count("/ok") == 1, "a website shared by listings is checked once per run"


def test_running_the_check_twice_gives_the_same_state(listings):
    listing_checks_run(now=NOW, check_website=local_check)
    first = list(ListingCheck.objects.order_by("pk").values())
    listing_checks_run(now=NOW, check_website=local_check)
    assert list(ListingCheck.objects.order_by("pk").values()) == first


def test_a_run_out_of_time_stops_and_the_next_run_starts_with_the_rest(listings):
    summary = listing_checks_run(now=NOW, check_website=local_check, deadline=time.monotonic() - 1)
    assert not summary.finished and summary.checked == 0
    assert listing_checks_run(now=NOW, check_website=local_check).checked == 3


def test_reminders_go_once_to_listings_needing_attention(listings):
    listing_checks_run(now=NOW, check_website=local_check)
    assert verification_reminders_send(now=NOW) == 2
    recipients = sorted(message.to[0] for message in mail.outbox)
    assert recipients == [f"{listings['broken'].slug}@example.org", f"{listings['stale'].slug}@example.org"]
    message = next(m for m in mail.outbox if m.to[0].startswith(listings["broken"].slug))
    assert "12345" in message.body and "/providers/confirm/" in message.body
    token = message.body.split("/providers/confirm/")[1].split("/")[0]
    assert verification_token_read(token) == listings["broken"].pk
    assert verification_reminders_send(now=NOW + datetime.timedelta(days=7)) == 0, "not again the same month"
    assert verification_reminders_send(now=NOW + datetime.timedelta(days=29)) == 2


def test_a_failed_mail_server_does_not_mail_anyone_twice(listings, settings, monkeypatch):
    listing_checks_run(now=NOW, check_website=local_check)
    import services_directory.listing_health as health

    real_send = health.verification_email_send
    calls = []

    def flaky_send(**kwargs):
        calls.append(kwargs["service"].name)
        if len(calls) == 2:
            raise ConnectionError("mail server went away")
        real_send(**kwargs)

    monkeypatch.setattr(health, "verification_email_send", flaky_send)
    with pytest.raises(ConnectionError):
        verification_reminders_send(now=NOW)
    monkeypatch.undo()
    assert len(mail.outbox) == 1
    assert verification_reminders_send(now=NOW) == 1, "the retry mails only the one not yet mailed"
    assert len({m.to[0] for m in mail.outbox}) == 2


def test_a_token_reads_back_and_cannot_be_altered():
    token = verification_token_make(service_id=42)
    assert verification_token_read(token) == 42
    with pytest.raises(VerificationTokenInvalid):
        verification_token_read(token[:-2] + ("aa" if not token.endswith("aa") else "bb"))
    forged = signing.dumps({"service": 43}, salt="another-purpose")
    with pytest.raises(VerificationTokenInvalid):
        verification_token_read(forged)
    for rubbish in ["", "x", "a:b:c", "%00", "💥"]:
        with pytest.raises(VerificationTokenInvalid):
            verification_token_read(rubbish)


def test_a_token_expires(monkeypatch):
    token = verification_token_make(service_id=7)
    later = time.time() + MAX_AGE.total_seconds() + 60
    monkeypatch.setattr(time, "time", lambda: later)
    with pytest.raises(VerificationTokenExpired):
        verification_token_read(token)


def test_the_task_is_scheduled_and_limited():
    from django.conf import settings

    from services_directory.tasks import check_listings, send_verification_reminders

    names = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert {check_listings.name, send_verification_reminders.name} <= names
    assert timezone.now()  # the tasks import cleanly with the app loaded


def test_reminders_go_to_the_portal_members_of_the_organisation(listings, django_user_model):
    from django.apps import apps

    membership = apps.get_model("providers", "ProviderMembership")
    broken = listings["broken"]
    for name, active in (("kim", True), ("lee", True), ("gone", False)):
        user = django_user_model.objects.create_user(name, f"{name}@service.example", is_active=active)
        membership.objects.create(user=user, organisation=broken.organization)
    listing_checks_run(now=NOW, check_website=local_check)
    verification_reminders_send(now=NOW)
    to_broken = next(message for message in mail.outbox if "Broken" in message.subject)
    assert to_broken.to == ["kim@service.example", "lee@service.example"]
