"""The site as it runs in production: gunicorn, PRODUCTION=1, collected static files.

One gunicorn server is started for the module on a free port of 127.0.0.1; the tests look at its
headers, its Observatory score, its refusal of oversized input and every line it logs.
"""

from __future__ import annotations

import http.client
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings

from tests import observatory
from tests.gunicorn_server import free_port, gunicorn, production_env

ROOT = Path(settings.BASE_DIR)
MARKERS = {
    "User-Agent": "UA-MARKER-prod-51c2",
    "Referer": "https://referrer-marker-prod-51c2.example/",
    "X-Forwarded-For": "203.0.113.201",
    "X-Real-IP": "198.51.100.202",
}
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[dict]:
    with gunicorn(tmp_path_factory.mktemp("production"), port=free_port()) as running:
        yield running


def fetch(server, path: str, method: str = "GET", headers: dict | None = None, body: bytes | None = None):
    connection = http.client.HTTPConnection("127.0.0.1", server["port"], timeout=10)
    connection.request(method, path, body=body, headers={"Host": "127.0.0.1", **(headers or {})})
    response = connection.getresponse()
    content = response.read()
    connection.close()
    return response, content


HTTPS = {"X-Forwarded-Proto": "https"}


def test_plain_http_is_redirected_to_https_on_the_same_host(server):
    response, _ = fetch(server, "/")
    assert response.status == 301
    assert response.getheader("Location") == "https://127.0.0.1/"


def test_home_page_headers(server):
    response, _ = fetch(server, "/", headers=HTTPS)
    assert response.status == 200
    headers = response.headers
    assert headers["Strict-Transport-Security"] == "max-age=63072000; includeSubDomains; preload"
    csp = headers["Content-Security-Policy"]
    assert "default-src 'none'" in csp and "unsafe-inline" not in csp and "unsafe-eval" not in csp
    for directive in ("script-src 'self'", "style-src 'self'", "form-action 'self'", "base-uri 'none'",
                      "frame-ancestors 'none'", "upgrade-insecure-requests"):  # fmt: skip
        assert directive in csp
    assert headers["Referrer-Policy"] == "no-referrer"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Cross-Origin-Opener-Policy"] == "same-origin"
    assert headers["Cross-Origin-Resource-Policy"] == "same-origin"
    assert "camera=()" in headers["Permissions-Policy"] and "geolocation=()" in headers["Permissions-Policy"]
    assert headers.get_all("Set-Cookie") is None


def test_observatory_score_is_a_plus_with_no_penalty(server):
    redirect, _ = fetch(server, "/")
    response, body = fetch(server, "/", headers=HTTPS)
    headers = response.headers
    modifiers = [
        observatory.csp(headers),
        observatory.cookies(headers.get_all("Set-Cookie") or [], hsts=True),
        observatory.cors(headers),
        observatory.redirection(redirect.status, redirect.getheader("Location", ""), "127.0.0.1"),
        observatory.referrer_policy(headers),
        observatory.hsts(headers),
        observatory.sri(body.decode(), "127.0.0.1"),
        observatory.x_content_type_options(headers),
        observatory.x_frame_options(headers),
        observatory.cross_origin_resource_policy(headers),
    ]
    total, grade = observatory.score(modifiers)
    assert [m for m in modifiers if m.score < 0] == []
    assert grade == "A+", (total, modifiers)
    assert total >= 120


def test_static_files_are_compressed_and_cached_for_long(server):
    _, body = fetch(server, "/", headers=HTTPS)
    css_path = re.search(r'<link rel="stylesheet" href="([^"]+)"', body.decode()).group(1)
    assert ".css" in css_path and css_path != "/static/css/site.css", "hashed file name expected"
    response, _ = fetch(server, css_path, headers={**HTTPS, "Accept-Encoding": "gzip"})
    assert response.status == 200
    assert response.getheader("Content-Encoding") == "gzip"
    assert "max-age=31536000" in response.getheader("Cache-Control")


@pytest.mark.parametrize(
    ("path", "headers", "status"),
    [
        ("/" + "a" * 5000, {}, 414),  # request line over gunicorn's limit
        ("/", {"X-Huge": "b" * 9000}, 431),  # header field over gunicorn's limit
        ("/no-such-page/", {}, 404),
    ],
)
def test_oversized_requests_are_refused_not_crashed(server, path, headers, status):
    response, _ = fetch(server, path, headers={**HTTPS, **headers})
    assert response.status == status


def test_production_logs_hold_no_address_agent_referrer_or_query(server):
    for path in ["/", "/guides/", "/no-such-page/", "/services/?q=prod-search-marker&near=3000", "/healthz"]:
        fetch(server, path, headers={**HTTPS, **MARKERS})
    fetch(server, "/", method="POST", headers={**HTTPS, **MARKERS, "Sec-Fetch-Site": "cross-site"})
    time.sleep(0.5)
    log = server["log"].read_text()
    assert '"GET / HTTP/1.1" 200' in log, "the access log was written"
    for marker in [*MARKERS.values(), "prod-search-marker", "127.0.0.1 -"]:
        assert marker not in log, marker


def test_deploy_check_reports_nothing(tmp_path):
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT, env=production_env(tmp_path), capture_output=True, text=True,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


@pytest.mark.parametrize("missing", ["SECRET_KEY", "DATABASE_URL", "REDIS_URL", "ALLOWED_HOSTS"])
def test_production_without_a_required_variable_stops_with_a_clear_message(tmp_path, missing):
    env = production_env(tmp_path)
    del env[missing]
    result = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert result.returncode != 0
    assert f"{missing} must be set when PRODUCTION=1" in result.stderr


def test_provider_cookies_are_secure_in_production(tmp_path):
    code = (
        "from django.conf import settings as s;"
        "print(s.SESSION_COOKIE_NAME, s.CSRF_COOKIE_NAME, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE,"
        " s.SESSION_COOKIE_HTTPONLY, s.SESSION_COOKIE_SAMESITE, s.SESSION_COOKIE_PATH)"
    )
    env = {**production_env(tmp_path), "DJANGO_SETTINGS_MODULE": "config.settings"}
    result = subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {code}"], cwd=ROOT, env=env, capture_output=True,
        text=True,
    )  # fmt: skip
    assert result.stdout.split() == [
        "__Secure-sessionid", "__Secure-csrftoken", "True", "True", "True", "Lax", "/providers/"
    ]  # fmt: skip
