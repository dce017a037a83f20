"""Portal sessions end after 30 minutes without activity and 12 hours after sign-in."""

from __future__ import annotations

import time
from collections.abc import Callable

from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse

from config.middleware import is_provider_path

IDLE_SECONDS = 30 * 60
MAX_SECONDS = 12 * 60 * 60
STARTED = "portal:started"
SEEN = "portal:seen"


class PortalSessionMiddleware:
    """Time portal sessions out on the server; the cookie's own expiry cannot be trusted.

    Runs only under /providers/ (public pages have no session at all). A timed-out session is
    flushed (the row is deleted) and the request carries on as anonymous, so the page it asked for
    sends the person to sign in and back.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if is_provider_path(request.path_info) and request.user.is_authenticated:
            now = int(time.time())
            started = request.session.get(STARTED)
            seen = request.session.get(SEEN)
            if started is None or seen is None:
                request.session[STARTED] = request.session[SEEN] = now
            elif now - seen > IDLE_SECONDS or now - started > MAX_SECONDS:
                reason = "30 minutes without activity" if now - seen > IDLE_SECONDS else "12 hours"
                logout(request)
                messages.info(request, f"You were signed out after {reason}. Please sign in again.")
            else:
                request.session[SEEN] = now
        response = self.get_response(request)
        if is_provider_path(request.path_info):
            # Under "no-referrer" browsers send "Origin: null" with every POST, and Django's CSRF
            # check refuses it. "same-origin" still sends nothing to other sites.
            response.headers["Referrer-Policy"] = "same-origin"
        return response
