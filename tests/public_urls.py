"""The public URLs of the site, found by walking the URL configuration (so new pages are included)."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, get_resolver

from content.pages import all_pages

PRIVATE_PREFIXES = ("providers/",)
# Views that only answer POST, or need a query to mean anything, are exercised by their own tests.
SKIP = {"healthz"}
# Self-check: POST-only steps, the plan download and "did this help?" (selfcheck/tests/test_views.py,
# selfcheck/tests/test_v2.py).
SKIP |= {"walk", "notes-download", "helpful"}


def _walk(patterns, prefix: str = ""):
    for pattern in patterns:
        route = str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            yield from _walk(pattern.url_patterns, prefix + route)
        elif isinstance(pattern, URLPattern):
            yield prefix + route, pattern


def public_urls() -> list[str]:
    """Every parameter-free public route, plus every content page."""
    urls = set()
    for route, pattern in _walk(get_resolver().url_patterns):
        if route.startswith(PRIVATE_PREFIXES) or "<" in route or "(?P" in route or pattern.name in SKIP:
            continue
        if route.startswith("^"):
            continue
        urls.add("/" + route)
    urls.update(page.url for page in all_pages())
    return sorted(urls)
