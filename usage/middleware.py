"""Count page views by section of the public site. Never under /providers/, never blocking.

A view is counted after the page is built, only for a successful GET of a public page. The count
is the visit total (kept by hour) and the visit by section; nothing about the request itself (no
address, agent, referrer or query) is read. If Redis is down the count is dropped (usage.counter).
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from usage.counter import count
from usage.events import EVENTS

SECTIONS = EVENTS["visit"].dimensions["section"]
# The first part of the path names the section; the home page is the empty path.
SECTION_BY_PREFIX = {"": "home", **{section: section for section in SECTIONS if section != "home"}}


def section_for(path: str) -> str | None:
    """The section a public path belongs to, or None for anything not counted."""
    if path.startswith(settings.PROVIDERS_PREFIX) or path.startswith(settings.STATIC_URL):
        return None
    first = path.lstrip("/").split("/", 1)[0]
    if first and "/" not in path.lstrip("/"):
        return None  # a file at the root: robots.txt, sitemap.xml, healthz
    return SECTION_BY_PREFIX.get(first)


class VisitCounterMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if request.method == "GET" and response.status_code == 200:
            section = section_for(request.path_info)
            if section is not None:
                count("visit")
                count("visit", section=section)
        return response
