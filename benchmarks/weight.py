"""Page weight as a phone browser sees it: every request a page makes, with its bytes on the wire.

Headless Debian Chromium loads the page (cache empty) and reports each response's transfer size
(headers plus the encoded, i.e. compressed, body: whitenoise serves the .gz of each static file when
the browser accepts gzip). Nothing but 127.0.0.1 is reachable: any other request is refused and
reported, so it shows up as a failure rather than as a download.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from urllib.parse import urlsplit

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    "--disable-default-apps",
]

BLOCKING_SCRIPTS = """() => [...document.querySelectorAll('script')]
    .filter(s => !s.async && !s.defer && s.type !== 'module')
    .map(s => s.src || 'inline script')"""
FONT_FACES = """() => [...document.styleSheets].flatMap(sheet => {
    try { return [...sheet.cssRules].filter(r => r instanceof CSSFontFaceRule).map(r => r.cssText); }
    catch (e) { return []; } })"""


@dataclass
class PageWeight:
    url: str
    status: int
    requests: list[tuple[str, str, int]] = field(default_factory=list)  # (url, type, bytes)
    blocking_scripts: list[str] = field(default_factory=list)
    font_faces: list[str] = field(default_factory=list)
    outside: list[str] = field(default_factory=list)

    @property
    def total_bytes(self) -> int:
        return sum(size for _, _, size in self.requests)

    @property
    def fonts(self) -> list[str]:
        return [url for url, kind, _ in self.requests if kind == "font"] + self.font_faces


@contextmanager
def chromium() -> Iterator:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def measure(browser, url: str) -> PageWeight:
    # gzip only, as production serves it (whitenoise also makes .br files when the brotli package is
    # installed, as it is in the development environment, but production requirements do not have it).
    context = browser.new_context(
        viewport={"width": 360, "height": 640},
        service_workers="block",
        extra_http_headers={"Accept-Encoding": "gzip"},
    )
    outside: list[str] = []

    def only_loopback(route):
        if urlsplit(route.request.url).hostname == "127.0.0.1":
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    context.route("**/*", only_loopback)
    finished = []
    page = context.new_page()
    page.on("requestfinished", lambda request: finished.append(request))
    try:
        response = page.goto(url, wait_until="networkidle")
        weight = PageWeight(url=url, status=response.status if response else 0, outside=outside)
        for request in finished:
            sizes = request.sizes()
            size = max(sizes["responseBodySize"], 0) + max(sizes["responseHeadersSize"], 0)
            weight.requests.append((request.url, request.resource_type, size))
        weight.blocking_scripts = page.evaluate(BLOCKING_SCRIPTS)
        weight.font_faces = page.evaluate(FONT_FACES)
        return weight
    finally:
        context.close()


def kb(size: int) -> str:
    return f"{size / 1024:.1f} KB"
