"""Checks of a listing's contact details: is the phone number a real Australian number, does the
website answer?

`website_check` asks with HEAD and falls back to GET when a server refuses HEAD; it follows at most a
few redirects, waits a few seconds at most for each step and never reads more than a few kilobytes
of a page. It only ever reports: a broken site is a finding, not an error.

By default it refuses addresses inside private networks (a listing must not make us probe our own
infrastructure); tests on 127.0.0.1 pass `allow_private=True`.
"""

from __future__ import annotations

import http.client
import ipaddress
import socket
import ssl
from dataclasses import dataclass
from urllib.parse import quote, urljoin, urlsplit

import phonenumbers

USER_AGENT = "Pause listing check (a directory of services for men; checks that links still work)"
MAX_REDIRECTS = 5
TIMEOUT = 5.0
MAX_BYTES = 4096
REDIRECT_STATUSES = {301, 302, 303, 307, 308}
URL_SAFE = "/%:@!$&'()*+,;=-._~?"
# Servers that answer HEAD with these often handle GET fine.
HEAD_REFUSED = {400, 403, 404, 405, 406, 429, 500, 501, 503}


def phone_problem(number: str) -> str | None:
    """Why a listed phone number cannot be right, or None if it is a valid Australian number."""
    try:
        parsed = phonenumbers.parse(number, "AU")
    except phonenumbers.NumberParseException:
        return "not a phone number"
    if not phonenumbers.is_valid_number(parsed):
        return "not a valid Australian phone number"
    return None


@dataclass(frozen=True)
class WebsiteResult:
    ok: bool
    status: int | None  # the last HTTP status seen
    problem: str  # empty when ok
    final_url: str


class _Refused(Exception):
    pass


def _check_address(host: str, port: int, *, allow_private: bool) -> None:
    if allow_private:
        return
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise _Refused("the address does not exist (DNS)") from exc
    for info in infos:
        address = ipaddress.ip_address(info[4][0])
        if not address.is_global:
            raise _Refused("the address is inside a private network")


def _request(method: str, url: str, *, timeout: float, max_bytes: int, allow_private: bool):
    try:
        parts = urlsplit(url)
        port = parts.port or (443 if parts.scheme == "https" else 80)
        if parts.hostname:
            parts.hostname.encode("idna")
    except (ValueError, UnicodeError) as exc:  # a port out of range, a host name that cannot exist
        raise _Refused("not a web address") from exc
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise _Refused("not a web address")
    _check_address(parts.hostname, port, allow_private=allow_private)
    if parts.scheme == "https":
        connection = http.client.HTTPSConnection(
            parts.hostname, port, timeout=timeout, context=ssl.create_default_context()
        )
    else:
        connection = http.client.HTTPConnection(parts.hostname, port, timeout=timeout)
    # Addresses with spaces or non-ASCII letters work in browsers; HTTP needs them percent-encoded.
    path = quote(parts.path or "/", safe=URL_SAFE)
    if parts.query:
        path += "?" + quote(parts.query, safe=URL_SAFE)
    try:
        connection.request(method, path, headers={"User-Agent": USER_AGENT, "Accept": "text/html,*/*"})
        response = connection.getresponse()
        if method == "GET":
            response.read(max_bytes)  # enough to know the server sends a page; never the whole body
        return response.status, response.getheader("Location")
    finally:
        connection.close()


def website_check(
    url: str,
    *,
    timeout: float = TIMEOUT,
    max_redirects: int = MAX_REDIRECTS,
    max_bytes: int = MAX_BYTES,
    allow_private: bool = False,
) -> WebsiteResult:
    """Does `url` lead to a page that answers 2xx within a few redirects and seconds?"""
    current, status = url, None
    try:
        for _ in range(max_redirects + 1):
            status, location = _request(
                "HEAD", current, timeout=timeout, max_bytes=max_bytes, allow_private=allow_private
            )
            if status in HEAD_REFUSED:
                status, location = _request(
                    "GET", current, timeout=timeout, max_bytes=max_bytes, allow_private=allow_private
                )
            if status in REDIRECT_STATUSES and location:
                current = urljoin(current, location)
                continue
            if 200 <= status < 300:
                return WebsiteResult(True, status, "", current)
            return WebsiteResult(False, status, f"the site answered {status}", current)
        return WebsiteResult(False, status, f"more than {max_redirects} redirects", current)
    except _Refused as exc:
        return WebsiteResult(False, status, str(exc), current)
    except TimeoutError:
        return WebsiteResult(False, status, "the site did not answer in time", current)
    except ssl.SSLError as exc:
        return WebsiteResult(False, status, f"the secure connection failed ({exc.reason})", current)
    except (OSError, http.client.HTTPException) as exc:
        return WebsiteResult(False, status, f"the site could not be reached ({type(exc).__name__})", current)
