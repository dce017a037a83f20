"""Privacy by construction: no cookies on public pages, nothing from another origin, nothing logged."""

from __future__ import annotations

import logging
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

from tests.public_urls import public_urls

MARKERS = {
    "HTTP_USER_AGENT": "UA-MARKER-7f3a9",
    "HTTP_REFERER": "https://referrer-marker-7f3a9.example/",
    "HTTP_X_FORWARDED_FOR": "203.0.113.199",
    "HTTP_X_REAL_IP": "198.51.100.77",
    "REMOTE_ADDR": "192.0.2.123",
}


@pytest.fixture
def anonymous() -> Client:
    return Client(**MARKERS)


def test_the_walk_finds_the_public_pages():
    urls = public_urls()
    assert {"/", "/guides/", "/check/", "/services/", "/stats/"} <= set(urls)
    assert not [url for url in urls if url.startswith("/providers/")]


@pytest.mark.django_db
@pytest.mark.parametrize("url", public_urls())
def test_public_pages_set_no_cookies(anonymous, url):
    response = anonymous.get(url)
    assert response.status_code == 200, url
    assert not response.cookies, f"{url} set {list(response.cookies)}"
    assert "Set-Cookie" not in response.headers


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("method", "url", "headers"),
    [
        ("get", "/no-such-page/", {}),
        ("post", "/", {}),  # 405
        ("post", "/", {"HTTP_SEC_FETCH_SITE": "cross-site"}),  # 403
        ("get", "/healthz", {}),
    ],
)
def test_error_responses_set_no_cookies(anonymous, method, url, headers):
    response = getattr(anonymous, method)(url, **headers)
    assert not response.cookies


@pytest.mark.django_db
def test_cookies_exist_only_under_providers():
    # The admin's login page sends people to the portal's sign-in (providers/admin_site.py).
    assert Client().get("/providers/admin/login/").url.startswith("/providers/sign-in/")
    response = Client().get("/providers/sign-in/")
    assert response.status_code == 200
    assert response.cookies, "the sign-in form needs its CSRF cookie"
    for cookie in response.cookies.values():
        assert cookie["path"] == "/providers/"
        assert cookie["samesite"] == "Lax"
    assert settings.SESSION_COOKIE_PATH == settings.CSRF_COOKIE_PATH == "/providers/"


class _ResourceCollector(HTMLParser):
    """Collects every URL the browser would fetch by itself (links the person clicks are excluded)."""

    FETCHING = {"script": "src", "img": "src", "iframe": "src", "source": "src", "audio": "src",
                "video": "src", "embed": "src", "object": "data", "track": "src", "input": "src"}  # fmt: skip

    def __init__(self):
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in self.FETCHING and attrs.get(self.FETCHING[tag]):
            self.urls.append(attrs[self.FETCHING[tag]])
        if tag == "link" and attrs.get("href") and "canonical" not in (attrs.get("rel") or ""):
            self.urls.append(attrs["href"])
        if tag == "form" and attrs.get("action"):
            self.urls.append(attrs["action"])
        if attrs.get("srcset"):
            self.urls.extend(part.split()[0] for part in attrs["srcset"].split(","))
        if attrs.get("style"):
            self.urls.extend(re.findall(r"url\(([^)]*)\)", attrs["style"]))


def is_other_origin(url: str) -> bool:
    url = url.strip().strip("'\"")
    return bool(re.match(r"^([a-z][a-z0-9+.-]*:)?//", url, re.I)) or url.lower().startswith("http")


@pytest.mark.django_db
@pytest.mark.parametrize("url", public_urls())
def test_public_pages_load_nothing_from_another_origin(url):
    html = Client().get(url).content.decode()
    collector = _ResourceCollector()
    collector.feed(html)
    external = [u for u in collector.urls if is_other_origin(u)]
    assert not external, f"{url} loads {external}"
    assert "<style" not in html and " style=" not in html, "inline styles break the CSP"
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), "inline scripts break the CSP"


def test_stylesheets_and_scripts_load_nothing_from_another_origin():
    for path in Path(settings.BASE_DIR, "static").rglob("*"):
        if path.suffix in {".css", ".js", ".svg"}:
            text = path.read_text()
            refs = re.findall(r"url\(([^)]*)\)|@import\s+['\"]?([^'\";\s]+)", text)
            external = [a or b for a, b in refs if is_other_origin(a or b)]
            assert not external, f"{path} refers to {external}"
            assert not re.search(r"\bfetch\(|XMLHttpRequest|sendBeacon", text), f"{path} makes requests"


@pytest.mark.django_db
def test_no_log_line_carries_address_agent_or_referrer(anonymous, caplog):
    caplog.set_level(logging.DEBUG)
    for url in [*public_urls(), "/no-such-page/?q=marker-search-text"]:
        anonymous.get(url)
    anonymous.post("/", HTTP_SEC_FETCH_SITE="cross-site")
    anonymous.post("/")
    logged = "\n".join(
        [r.getMessage() for r in caplog.records] + [repr(getattr(r, "request", "")) for r in caplog.records]
    )
    assert "Not Found" in logged  # the 404 above was logged, so logging was captured
    for marker in MARKERS.values():
        assert marker not in logged
    assert "marker-search-text" not in logged
