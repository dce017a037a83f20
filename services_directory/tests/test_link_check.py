"""The website and phone checks, against a real HTTP server on 127.0.0.1."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services_directory.link_check import phone_problem, website_check


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args):  # keep test output quiet
        pass

    def _answer(self, body: bool) -> None:
        path = self.path
        if path == "/ok":
            self._send(200, body)
        elif path == "/no-head" and self.command == "HEAD":
            self._send(405, False)
        elif path == "/no-head":
            self._send(200, body)
        elif path == "/missing":
            self._send(404, body)
        elif path == "/moved":
            self.send_response(301)
            self.send_header("Location", "/ok")
            self.send_header("Content-Length", "0")
            self.end_headers()
        elif path.startswith("/loop"):
            self.send_response(302)
            self.send_header("Location", "/loop-again" if path == "/loop" else "/loop")
            self.send_header("Content-Length", "0")
            self.end_headers()
        elif path == "/slow":
            time.sleep(2)
            self._send(200, body)
        elif path == "/huge":
            self.send_response(200)
            self.send_header("Content-Length", str(200 * 1024 * 1024))
            self.end_headers()
            if body:
                try:
                    for _ in range(200 * 1024):
                        self.wfile.write(b"x" * 1024)
                except OSError:
                    pass  # the checker hung up after a few kilobytes, as it should
        else:
            self._send(500, body)

    def _send(self, status: int, body: bool) -> None:
        content = b"<!doctype html><title>t</title>"
        self.send_response(status)
        self.send_header("Content-Length", str(len(content)))
        self.end_headers()
        if body:
            self.wfile.write(content)

    def do_HEAD(self):
        self._answer(body=False)

    def do_GET(self):
        self._answer(body=True)


@pytest.fixture(scope="module")
def site() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def check(url: str, **kwargs):
    return website_check(url, allow_private=True, timeout=0.5, **kwargs)


def test_a_working_site(site):
    result = check(site + "/ok")
    assert result.ok and result.status == 200


def test_a_server_that_refuses_head_is_asked_with_get(site):
    assert check(site + "/no-head").ok


def test_a_missing_page_is_broken(site):
    result = check(site + "/missing")
    assert not result.ok and result.status == 404 and "404" in result.problem


def test_a_redirect_is_followed(site):
    result = check(site + "/moved")
    assert result.ok and result.final_url == site + "/ok"


def test_a_redirect_loop_stops(site):
    started = time.monotonic()
    result = check(site + "/loop")
    assert not result.ok and "redirects" in result.problem
    assert time.monotonic() - started < 2


def test_a_slow_site_times_out(site):
    started = time.monotonic()
    result = check(site + "/slow")
    assert not result.ok and "in time" in result.problem
    assert time.monotonic() - started < 1.5


def test_a_huge_page_is_not_downloaded(site):
    started = time.monotonic()
    assert check(site + "/huge").ok
    assert time.monotonic() - started < 1


def test_nothing_listens():
    result = website_check("http://127.0.0.1:9/", allow_private=True, timeout=0.5)
    assert not result.ok and "could not be reached" in result.problem


@pytest.mark.parametrize(
    "url",
    ["http://127.0.0.1:9/", "http://10.0.0.1/", "http://169.254.169.254/latest/meta-data/", "http://[::1]/"],
)
def test_private_addresses_are_never_fetched_for_real(url):
    result = website_check(url, timeout=0.5)
    assert not result.ok and "private network" in result.problem


@pytest.mark.parametrize("url", ["ftp://example.org/", "javascript:alert(1)", "not a url", ""])
def test_only_web_addresses(url):
    result = website_check(url, timeout=0.5)
    assert not result.ok and result.problem == "not a web address"


@given(st.text(max_size=40))
def test_any_path_gives_a_result_not_an_error(text):
    result = website_check("http://127.0.0.1:9/" + text, timeout=0.2, allow_private=True)
    assert not result.ok and result.problem


@given(st.text(max_size=40).filter(lambda text: not text.lower().lstrip().startswith("http")))
def test_anything_else_is_not_a_web_address(text):
    assert website_check(text, timeout=0.2).problem == "not a web address"


@pytest.mark.parametrize("url", ["http://example.org:99999/", "http://\x80/", "http://[::1/"])
def test_malformed_web_addresses(url):
    assert website_check(url, timeout=0.2).problem == "not a web address"


@pytest.mark.parametrize(
    ("number", "problem"),
    [
        ("1300 78 99 78", None),
        ("13 11 14", None),
        ("(03) 9123 4567", None),
        ("0412 345 678", None),
        ("+61 3 9123 4567", None),
        ("12345", "not a valid Australian phone number"),
        ("02 9999 999", "not a valid Australian phone number"),
        ("call us", "not a phone number"),
    ],
)
def test_phone_numbers(number, problem):
    assert phone_problem(number) == problem


@given(st.text(max_size=30))
def test_any_phone_text_is_judged_without_error(text):
    assert phone_problem(text) in {None, "not a phone number", "not a valid Australian phone number"}
