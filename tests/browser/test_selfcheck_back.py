"""The browser's own Back button inside the self-check (decision 0009): never a browser error page.

Each step and the result answer a POST with `no-store`; selfcheck-history.js swaps each such history
entry for /check/back/, which holds no answers. So Back after two steps lands on a calm page with the
crisis line and a fresh start, not on "Confirm form resubmission" (ERR_CACHE_MISS)."""

from __future__ import annotations

import pytest

from tests.browser.site import answerable_form, fill, path_of, start_selfcheck, submit

pytestmark = pytest.mark.browser

ERRORS = (
    "ERR_CACHE_MISS",
    "Confirm Form Resubmission",
    "Confirm form resubmission",
    "This page isn't working",
)


def _two_steps(page, site: str) -> None:
    page.goto(site + "/check/")
    start_selfcheck(page)
    for _ in range(2):
        form = answerable_form(page)
        fill(form)
        submit(page, form)
    assert page.locator("[data-step]").count(), "still inside the check"


def _back(page) -> list[str]:
    """Press the browser's Back; return the methods of the page requests it made.

    A headed Chromium asks "Confirm form resubmission" before re-POSTing a no-store page; headless
    Chromium re-POSTs silently. Either way a POST here means Back went to a POSTed page (and re-sent the
    answers), which is what must not happen."""
    methods: list[str] = []
    page.on(
        "request", lambda request: methods.append(request.method) if request.is_navigation_request() else None
    )
    page.go_back(wait_until="load")
    return methods


def _assert_no_error_page(page) -> None:
    body = page.content()
    for error in ERRORS:
        assert error not in body, f"browser error page after Back: {error!r} at {page.url}"
    # One of our pages (every page has the quick exit), not the browser's own.
    assert page.locator(".quick-exit__button").count(), f"not a page of the site after Back: {page.url}"


def test_browser_back_between_steps_shows_a_calm_page(context, site_server):
    page = context.new_page()
    _two_steps(page, site_server)
    methods = _back(page)
    assert "POST" not in methods, f"Back re-sent a step (a resubmit prompt in a headed browser): {methods}"
    _assert_no_error_page(page)
    assert path_of(page) == "/check/back/"
    assert page.get_by_role("heading", name="Your answers are not kept").is_visible()
    assert page.evaluate("window.scrollY") == 0, "the calm page opens at its top, not at the step's scroll"
    assert page.locator("main a[href='tel:1300789978']").count()  # the crisis line
    page.locator("main a[href='/check/']").first.click()
    page.wait_for_load_state("load")
    assert path_of(page) == "/check/"
    assert context.cookies() == []
    stored = page.evaluate("() => [localStorage.length, sessionStorage.length]")
    assert stored == [0, 0]
    # The server only ever saw plain addresses: no answer in any URL the browser asked for.
    asked = [url for url in context.request_log.requests if "/check/" in url]
    assert not [url for url in asked if "?" in url], asked
    context.request_log.assert_only_site()


def test_browser_back_from_the_result_shows_a_calm_page(context, site_server):
    from tests.browser.site import complete_selfcheck

    page = context.new_page()
    page.goto(site_server + "/check/")
    start_selfcheck(page)
    complete_selfcheck(page)
    assert page.locator("[data-selfcheck-result]").count()
    methods = _back(page)
    assert "POST" not in methods, f"Back re-sent a step (a resubmit prompt in a headed browser): {methods}"
    _assert_no_error_page(page)
    assert page.get_by_role("heading", name="Your answers are not kept").is_visible()
