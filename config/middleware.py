"""Site-wide middleware: cookie-free CSRF protection for public forms, headers, friendly errors."""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.template.loader import render_to_string

from config.context_processors import site

logger = logging.getLogger(__name__)

UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
# "none" is a navigation the person started themselves (typed address, bookmark).
ALLOWED_FETCH_SITES = frozenset({"same-origin", "none"})


def is_provider_path(path: str) -> bool:
    return path.startswith(settings.PROVIDERS_PREFIX)


def cross_site_reason(request: HttpRequest) -> str | None:
    """Why an unsafe request looks cross-site, or None when it comes from our own pages.

    Browsers send `Sec-Fetch-Site` (all current ones) and `Origin` (on every POST) and scripts on
    other sites cannot forge either, so public forms are protected without a CSRF cookie. Requests
    with neither header are not from a browser and so cannot carry a visitor's ambient authority
    (public pages have none anyway).
    """
    fetch_site = request.headers.get("Sec-Fetch-Site")
    if fetch_site is not None and fetch_site not in ALLOWED_FETCH_SITES:
        return f"Sec-Fetch-Site is {fetch_site!r}"
    origin = request.headers.get("Origin")
    if origin == "null" and fetch_site == "same-origin":
        # Our pages send `Referrer-Policy: no-referrer`, and under that policy browsers send
        # `Origin: null` even on a same-origin form post. Sec-Fetch-Site, set by the browser itself,
        # still says where the post came from (sandboxed frames get "cross-site").
        return None
    if origin is not None:
        expected = f"{request.scheme}://{request.get_host()}"
        if origin != expected and origin not in settings.CSRF_TRUSTED_ORIGINS:
            return "the Origin header names another site"
    return None


def cross_site_forbidden(request: HttpRequest) -> HttpResponse:
    body = render_to_string("403_cross_site.html", site(), request=None)
    return HttpResponse(body, status=403)


class PublicFormOriginMiddleware:
    """Cookie-free CSRF protection for public pages; Django's CsrfViewMiddleware for /providers/.

    Public pages must not set cookies, so they cannot use Django's CSRF token. Their unsafe requests
    get a header check instead (see cross_site_reason), and forms that write something also carry a
    signed timestamp and a honeypot (config.antispam). Under /providers/ nothing changes: Django's
    middleware, which must come after this one, checks its cookie and token as usual.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not is_provider_path(request.path_info):
            if request.method in UNSAFE_METHODS and cross_site_reason(request):
                return cross_site_forbidden(request)
            # The documented switch Django's own test client uses to skip the token check.
            request._dont_enforce_csrf_checks = True
        return self.get_response(request)


class ForgetUserAgentMiddleware:
    """Drop the browser's User-Agent header before anything else sees the request.

    Nothing here needs it, and what never reaches the app cannot be stored or logged: django-axes
    would otherwise keep it with each failed portal sign-in, and error reports would carry it.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.META.pop("HTTP_USER_AGENT", None)
        return self.get_response(request)


class SecurityHeadersMiddleware:
    """Headers Django has no setting for, and a guarantee that public pages carry no cookies."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.headers.setdefault("Permissions-Policy", settings.PERMISSIONS_POLICY)
        response.headers.setdefault("Cross-Origin-Resource-Policy", "same-origin")
        response.headers.setdefault("X-Permitted-Cross-Domain-Policies", "none")
        if not is_provider_path(request.path_info) and response.cookies:
            # Nothing public may set a cookie. Should a future change try, drop the cookie and say so.
            logger.error("Dropped cookies %s on a public page", sorted(response.cookies))
            response.cookies.clear()
        return response


class FriendlyErrorsMiddleware:
    """Give a bare 405 (Django's HttpResponseNotAllowed has no body) the site's styled page."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if isinstance(response, HttpResponseNotAllowed) and not response.content:
            allowed = response.headers.get("Allow", "")
            body = render_to_string("405.html", {**site(), "allowed": allowed}, request=None)
            styled = HttpResponseNotAllowed(allowed.split(", ") if allowed else [], content=body)
            return styled
        return response
