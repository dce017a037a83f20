"""A local re-implementation of the MDN HTTP Observatory score (methodology updated 2024-02-27).

Source: https://github.com/mozilla/http-observatory/blob/main/httpobs/docs/scoring.md — every site
starts at 100; penalties and bonuses follow; bonuses count only when the score without them is at
least 90; 100 or more is A+. Only the outcomes our pages can produce are modelled; anything else is
scored as the test's failing outcome, so the test errs on the strict side.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from http.cookies import SimpleCookie


@dataclass(frozen=True)
class Modifier:
    test: str
    result: str
    score: int


def _csp_directives(header: str) -> dict[str, list[str]]:
    directives = {}
    for part in header.split(";"):
        words = part.split()
        if words:
            directives[words[0].lower()] = list(words[1:])
    return directives


def csp(headers) -> Modifier:
    header = headers.get("Content-Security-Policy")
    if not header:
        return Modifier("csp", "csp-not-implemented", -25)
    d = _csp_directives(header)
    scripts = d.get("script-src", d.get("default-src", []))
    styles = d.get("style-src", d.get("default-src", []))
    everything = " ".join(" ".join(v) for v in d.values())
    if "'unsafe-inline'" in scripts:
        return Modifier("csp", "csp-implemented-with-unsafe-inline", -20)
    if re.search(r"(^|\s)http:", everything):
        return Modifier("csp", "csp-implemented-with-insecure-scheme", -20)
    if "'unsafe-eval'" in everything:
        return Modifier("csp", "csp-implemented-with-unsafe-eval", -10)
    if "'unsafe-inline'" in styles:
        return Modifier("csp", "csp-implemented-with-unsafe-inline-in-style-src-only", 0)
    if d.get("default-src") == ["'none'"]:
        return Modifier("csp", "csp-implemented-with-no-unsafe-default-src-none", 10)
    return Modifier("csp", "csp-implemented-with-no-unsafe", 5)


def cookies(set_cookie_headers: list[str], hsts: bool) -> Modifier:
    if not set_cookie_headers:
        return Modifier("cookies", "cookies-not-found", 0)
    jar = SimpleCookie()
    for header in set_cookie_headers:
        jar.load(header)
    all_secure = all(m["secure"] for m in jar.values())
    session_ok = all(m["httponly"] for name, m in jar.items() if "session" in name.lower())
    samesite = all(m["samesite"] for m in jar.values())
    if all_secure and session_ok and samesite:
        return Modifier("cookies", "cookies-secure-with-httponly-sessions-and-samesite", 5)
    if all_secure and session_ok:
        return Modifier("cookies", "cookies-secure-with-httponly-sessions", 0)
    return Modifier("cookies", "cookies-without-secure-flag", -20)


def cors(headers) -> Modifier:
    if headers.get("Access-Control-Allow-Origin", "").strip() == "*":
        # On an HTML page; the read-only API is allowed to be public on purpose.
        return Modifier("cors", "cross-origin-resource-sharing-implemented-with-universal-access", -50)
    return Modifier("cors", "cross-origin-resource-sharing-not-implemented", 0)


def redirection(http_status: int, location: str, host: str) -> Modifier:
    if http_status in (301, 302, 307, 308) and location.startswith(f"https://{host}"):
        return Modifier("redirection", "redirection-to-https", 0)
    return Modifier("redirection", "redirection-missing", -20)


def referrer_policy(headers) -> Modifier:
    value = headers.get("Referrer-Policy", "").split(",")[-1].strip().lower()
    if value in {"no-referrer", "same-origin", "strict-origin", "strict-origin-when-cross-origin"}:
        return Modifier("referrer-policy", "referrer-policy-private", 5)
    if not value:
        return Modifier("referrer-policy", "referrer-policy-not-implemented", 0)
    return Modifier("referrer-policy", "referrer-policy-unsafe", -5)


def hsts(headers) -> Modifier:
    match = re.search(r"max-age=(\d+)", headers.get("Strict-Transport-Security", ""))
    if not match:
        return Modifier("hsts", "hsts-not-implemented", -20)
    if int(match.group(1)) >= 15768000:
        # "hsts-preloaded" (+5) needs the domain on the browsers' preload list: not claimed here.
        return Modifier("hsts", "hsts-implemented-max-age-at-least-six-months", 0)
    return Modifier("hsts", "hsts-implemented-max-age-less-than-six-months", -10)


def sri(html: str, host: str) -> Modifier:
    scripts = re.findall(r"<script\b[^>]*>", html)
    if not scripts:
        return Modifier("sri", "sri-not-implemented-but-no-scripts-loaded", 0)
    srcs = [re.search(r'src="([^"]+)"', s) for s in scripts]
    external = [
        m.group(1) for m in srcs if m and re.match(r"(https?:)?//", m.group(1)) and host not in m.group(1)
    ]
    if not external:
        return Modifier("sri", "sri-not-implemented-but-all-scripts-loaded-from-secure-origin", 0)
    return Modifier("sri", "sri-not-implemented-but-external-scripts-loaded-securely", -5)


def x_content_type_options(headers) -> Modifier:
    if headers.get("X-Content-Type-Options", "").strip().lower() == "nosniff":
        return Modifier("x-content-type-options", "x-content-type-options-nosniff", 0)
    return Modifier("x-content-type-options", "x-content-type-options-not-implemented", -5)


def x_frame_options(headers) -> Modifier:
    d = _csp_directives(headers.get("Content-Security-Policy", ""))
    if d.get("frame-ancestors") in (["'none'"], ["'self'"]):
        return Modifier("x-frame-options", "x-frame-options-implemented-via-csp", 5)
    if headers.get("X-Frame-Options", "").upper() in {"DENY", "SAMEORIGIN"}:
        return Modifier("x-frame-options", "x-frame-options-sameorigin-or-deny", 0)
    return Modifier("x-frame-options", "x-frame-options-not-implemented", -20)


def cross_origin_resource_policy(headers) -> Modifier:
    value = headers.get("Cross-Origin-Resource-Policy", "").strip().lower()
    if value in {"same-origin", "same-site", "cross-origin"}:
        return Modifier("corp", f"corp-implemented-with-{value}", 0)
    if value:
        return Modifier("corp", "corp-header-invalid", -5)
    return Modifier("corp", "corp-not-implemented", 0)


def score(modifiers: list[Modifier]) -> tuple[int, str]:
    penalties = 100 + sum(m.score for m in modifiers if m.score < 0)
    total = penalties + (sum(m.score for m in modifiers if m.score > 0) if penalties >= 90 else 0)
    grades = [(100, "A+"), (90, "A"), (85, "A-"), (80, "B+"), (70, "B"), (65, "B-"), (60, "C+"),
              (50, "C"), (45, "C-"), (40, "D+"), (30, "D"), (25, "D-"), (0, "F")]  # fmt: skip
    return total, next(grade for floor, grade in grades if max(total, 0) >= floor)
