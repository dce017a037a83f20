"""Fuzzing gate: hostile input in every public query parameter and form never causes a server error.

The targets are found, not listed: the crawl starts from every public URL (tests/public_urls.py),
follows internal links to one page of each URL pattern (so /services/<slug>/, report forms and
self-check steps are reached once their apps exist) and reads every <form> it renders. Hypothesis
then sends each form, and each page's query string, random and hostile values: 10 KB strings, NUL
bytes, emoji, right-to-left marks, SQL and PostgreSQL tsquery syntax, repeated keys, unknown keys.
Any status from 500 up (or an exception in a view) fails.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import pytest
from django.core.management import call_command, get_commands
from django.test import Client
from django.urls import Resolver404, resolve
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.public_urls import PRIVATE_PREFIXES, public_urls

HOSTILE = [
    "",
    " ",
    "\x00",
    "a\x00b",
    "A" * 10_240,
    "😀" * 50,
    "\u202e\u200b\ufeff",
    "' OR 1=1 --",
    "'; DROP TABLE services_directory_service; --",
    "a & b | !c <-> d:* (",
    "!!!",
    ":*",
    "\\",
    "%",
    "%00",
    "%%%",
    "<script>alert(1)</script>",
    "../../../etc/passwd",
    "9" * 400,
    "-1",
    "0",
    "1e309",
    "NaN",
    "\uff53\uff45\uff52\uff56\uff49\uff43\uff45",  # full-width letters
    "\r\nSet-Cookie: x=1",
    "null",
    "[]",
    "{}",
]
# Query parameter names worth trying on every page, on top of the ones its forms use.
COMMON_PARAMS = [
    "q",
    "near",
    "page",
    "per_page",
    "sort",
    "state",
    "type",
    "step",
    "format",
    "cost",
    "open_now",
]
MAX_PAGES_PER_PATTERN = 1
MAX_CRAWL = 80

values = st.one_of(st.sampled_from(HOSTILE), st.text(max_size=40), st.integers().map(str))


@dataclass
class Form:
    page: str
    action: str
    method: str
    fields: dict[str, list[str]] = field(default_factory=dict)  # name -> values seen (options, defaults)

    def __repr__(self) -> str:
        return f"<{self.method} form on {self.page} -> {self.action} {sorted(self.fields)}>"


class _Parser(HTMLParser):
    def __init__(self, page: str):
        super().__init__()
        self.page = page
        self.forms: list[Form] = []
        self.links: list[str] = []
        self._select: str | None = None

    def handle_starttag(self, tag, attrs):
        attrs = {key: value or "" for key, value in attrs}
        if tag == "a" and attrs.get("href"):
            self.links.append(attrs["href"])
        elif tag == "form":
            action = urljoin(self.page, attrs.get("action") or self.page)
            self.forms.append(Form(self.page, action, (attrs.get("method") or "get").upper()))
        elif self.forms and tag in {"input", "textarea", "select", "button"} and attrs.get("name"):
            values = self.forms[-1].fields.setdefault(attrs["name"], [])
            if attrs.get("value"):
                values.append(attrs["value"])
            self._select = attrs["name"] if tag == "select" else None
        elif tag == "option" and self.forms and self._select:
            self.forms[-1].fields[self._select].append(attrs.get("value", ""))


def _internal(page: str, href: str) -> str | None:
    url = urljoin(page, href)
    parts = urlsplit(url)
    if parts.scheme not in {"", "http"} or parts.netloc not in {"", "testserver"}:
        return None
    path = parts.path
    if path.lstrip("/").startswith(PRIVATE_PREFIXES) or path.startswith("/static/"):
        return None
    return path + (f"?{parts.query}" if parts.query else "")


def _pattern(url: str) -> str | None:
    try:
        return resolve(urlsplit(url).path).route
    except Resolver404:
        return None


def crawl(client: Client) -> tuple[list[str], list[Form]]:
    """One page per URL pattern (plus every parameter-free public URL) and every form on them."""
    queue = list(public_urls())
    seen_patterns: dict[str, int] = {}
    pages, forms = [], []
    while queue and len(pages) < MAX_CRAWL:
        url = queue.pop(0)
        pattern = _pattern(url)
        if pattern is None or url in pages:
            continue
        if seen_patterns.get(pattern, 0) >= MAX_PAGES_PER_PATTERN and url not in public_urls():
            continue
        response = client.get(url)
        if response.status_code != 200:
            continue
        seen_patterns[pattern] = seen_patterns.get(pattern, 0) + 1
        pages.append(url)  # every answering page gets hostile query strings, JSON (the API) included
        if "html" not in response.headers.get("Content-Type", ""):
            continue
        parser = _Parser("http://testserver" + url)
        parser.feed(response.content.decode())
        forms += [f for f in parser.forms if _internal(f.page, f.action)]
        for href in parser.links:
            target = _internal(parser.page, href)
            if target and target not in pages:
                queue.append(target)
        for form in parser.forms:  # a GET form's results page is a page worth walking too
            if form.method == "GET" and (target := _internal(form.page, form.action)):
                sample = {name: (vals or ["3000"])[0] for name, vals in form.fields.items()}
                query = "&".join(f"{k}={v}" for k, v in sample.items())
                queue.append(f"{target.split('?')[0]}?{query}")
    return pages, forms


@pytest.fixture
def site(db) -> tuple[Client, list[str], list[Form]]:
    if "load_seed_data" in get_commands():
        call_command("load_seed_data", verbosity=0)
    client = Client()
    pages, forms = crawl(client)
    return client, pages, forms


def _fuzzed_fields(draw, form: Form) -> dict[str, list[str]]:
    data: dict[str, list[str]] = {}
    for name, seen in form.fields.items():
        choice = draw(st.sampled_from(["keep", "hostile", "omit", "many"]))
        if choice == "omit":
            continue
        if choice == "keep" and seen:
            data[name] = [draw(st.sampled_from(seen))]
        elif choice == "many":
            data[name] = draw(st.lists(values, min_size=2, max_size=4))
        else:
            data[name] = [draw(values)]
    if draw(st.booleans()):
        data[draw(st.sampled_from(COMMON_PARAMS) | st.text(min_size=1, max_size=20))] = [draw(values)]
    return data


FUZZ = settings(
    max_examples=100,
    deadline=None,
    derandomize=True,  # the same inputs on every run, so CI cannot pass by luck
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
)


def _assert_no_server_error(response, what: str) -> None:
    assert response.status_code < 500, f"{what} -> {response.status_code}"


def test_the_crawl_finds_pages_and_forms(site):
    _, pages, forms = site
    assert {"/", "/services/", "/check/"} <= {urlsplit(p).path for p in pages}
    assert forms, "no form found on any public page"


@FUZZ
@given(data=st.data())
def test_hostile_query_strings_never_cause_a_server_error(site, data):
    client, pages, forms = site
    page = data.draw(st.sampled_from(pages))
    names = sorted({n for f in forms for n in f.fields} | set(COMMON_PARAMS))
    params = data.draw(
        st.dictionaries(st.sampled_from(names) | st.text(max_size=10), st.lists(values, max_size=3))
    )
    response = client.get(urlsplit(page).path, params)
    _assert_no_server_error(response, f"GET {page} {params!r:.300}")


@FUZZ
@given(data=st.data())
def test_hostile_form_submissions_never_cause_a_server_error(site, data):
    client, _, forms = site
    form = data.draw(st.sampled_from(forms))
    fields = _fuzzed_fields(data.draw, form)
    action = _internal(form.page, form.action)
    if form.method == "GET":
        response = client.get(action.split("?")[0], fields)
    else:
        response = client.post(action, fields)
    _assert_no_server_error(response, f"{form!r} with {fields!r:.300}")


@pytest.mark.parametrize(
    "body", [b"\x00" * 100, "😀=😀".encode(), b"a=" + b"%FF" * 200, b"=&=&&==", b"x" * 200_000]
)
def test_raw_hostile_post_bodies_never_cause_a_server_error(site, body):
    client, _, forms = site
    for form in {f.action: f for f in forms if f.method == "POST"}.values():
        action = _internal(form.page, form.action)
        response = client.generic("POST", action, body, content_type="application/x-www-form-urlencoded")
        _assert_no_server_error(response, f"raw POST {action} {body[:40]!r}")


def test_no_form_posts_to_another_site(site):
    _, _, forms = site
    for form in forms:
        assert re.match(r"^http://testserver/", form.action), form
