"""Real-browser journeys (headless Debian Chromium): the path a man takes from the home page to a
phone number, with and without JavaScript; the quick exit; keyboard-only use; and what the browser
holds afterwards (nothing)."""

from __future__ import annotations

import pytest

from tests.browser.conftest import DESKTOP, PHONE, open_context
from tests.browser.site import (
    POSTCODE,
    SERVICE_PAGE,
    complete_selfcheck,
    html_urls,
    path_of,
    search_near,
    service_links,
    start_selfcheck,
    submit,
    visit_page_types,
)

pytestmark = pytest.mark.browser

CRISIS_LINK = "a[href='tel:1300789978']"
EXIT_BUTTON = ".quick-exit__button"


def assert_nothing_kept(context, page, site: str, *, allowed_outside: tuple[str, ...] = ()) -> None:
    """No cookies, no web storage, and no request anywhere but the site."""
    assert context.cookies() == [], context.cookies()
    page.goto(site + "/")
    stored = page.evaluate("() => [localStorage.length, sessionStorage.length]")
    assert stored == [0, 0], f"web storage used: localStorage {stored[0]}, sessionStorage {stored[1]} items"
    context.request_log.assert_only_site(allowed_outside)


def walk_to_a_phone_number(page, site: str) -> None:
    """home -> self-check -> result -> services near a postcode -> a service page -> tap to call."""
    page.goto(site + "/")
    with page.expect_navigation():
        page.locator("main a[href='/check/']").first.click()
    assert path_of(page) == "/check/"
    start_selfcheck(page)
    complete_selfcheck(page)
    result = page.url
    assert page.locator(f"main {CRISIS_LINK}, {CRISIS_LINK}").count(), "the result shows the crisis line"

    # The handover: a postcode box that searches the directory, or a link to it.
    search_form = page.locator("main form[action='/services/']")
    to_search = page.locator("main a[href^='/services/']")
    if search_form.count():
        search_form.first.locator("input[type=text], input[type=search]").first.fill(POSTCODE)
        # The self-check opens its plan's searches in a new tab, so its result stays for Back
        # (docs/decisions/0009-selfcheck-back-and-keep.md); this walk follows it in the same tab.
        search_form.first.evaluate("form => form.removeAttribute('target')")
        submit(page, search_form.first)
    else:
        assert to_search.count(), f"the self-check result ({result}) offers no way to the service search"
        with page.expect_navigation():
            to_search.first.click()
    assert path_of(page) == "/services/", page.url
    if not service_links(page):
        search_near(page)
    links = service_links(page)
    assert links, f"no service listed near the postcode at {page.url}"

    with page.expect_navigation():
        page.locator(f"main a[href='{links[0]}']").first.click()
    assert SERVICE_PAGE.match(path_of(page)), page.url
    assert page.locator("main a[href^='tel:']").count(), f"{page.url} has no tap-to-call link"


def test_journey_from_home_to_a_phone_number(context, site_server):
    page = context.new_page()
    walk_to_a_phone_number(page, site_server)
    assert_nothing_kept(context, page, site_server)


def test_journey_without_javascript(no_js_context, site_server):
    page = no_js_context.new_page()
    walk_to_a_phone_number(page, site_server)
    assert no_js_context.cookies() == []
    no_js_context.request_log.assert_only_site()


def test_quick_exit_by_click_replaces_the_page(context, site_server, quick_exit_url):
    page = context.new_page()
    page.goto(site_server + "/guides/")  # opened directly: the only page of the site in this tab
    page.locator(EXIT_BUTTON).click()
    page.wait_for_url(quick_exit_url + "**")
    page.go_back()
    assert not page.url.startswith(site_server), f"Back returned to the site: {page.url}"
    assert_nothing_kept(context, page, site_server, allowed_outside=(quick_exit_url,))


def test_quick_exit_by_pressing_shift_three_times(context, site_server, quick_exit_url):
    page = context.new_page()
    page.goto(site_server + "/")
    with page.expect_navigation():
        page.locator("nav a[href='/guides/']").click()
    for _ in range(3):
        page.keyboard.press("Shift")
    page.wait_for_url(quick_exit_url + "**")
    page.go_back()
    # location.replace swaps out the page he was on; earlier pages stay in history, as with GOV.UK's
    # component (the "Browse safely" guide says so).
    assert path_of(page) != "/guides/", "Back returned to the page he left"
    context.request_log.assert_only_site((quick_exit_url,))


def test_the_no_javascript_exit_is_a_plain_link(no_js_context, site_server, quick_exit_url):
    page = no_js_context.new_page()
    page.goto(site_server + "/")
    page.locator(EXIT_BUTTON).click()
    page.wait_for_url(quick_exit_url + "**")


def test_typing_capitals_does_not_exit(context, site_server):
    page = context.new_page()
    page.goto(site_server + "/services/")
    box = page.locator("main input[type=text], main input[type=search]")
    if box.count():
        box.first.focus()
    for letter in "ABCD":
        page.keyboard.press(f"Shift+Key{letter}")
    page.wait_for_timeout(300)
    assert page.url.startswith(site_server), "typing capital letters triggered the quick exit"
    context.request_log.assert_only_site()


def _focus_state(page) -> dict:
    return page.evaluate(
        """() => {
        const e = document.activeElement, s = getComputedStyle(e), r = e.getBoundingClientRect();
        return {html: e.outerHTML.slice(0, 120), id: e.id,
                outline: s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0,
                shadow: s.boxShadow !== 'none',
                onScreen: r.bottom > 0 && r.right > 0 && r.top < innerHeight && r.left < innerWidth};
    }"""
    )


def test_keyboard_only(context, site_server):
    page = context.new_page()
    page.goto(site_server + "/")
    page.keyboard.press("Tab")
    first = _focus_state(page)
    assert "data-quick-exit" in first["html"] and "skip-link" in first["html"], first
    assert (first["outline"] or first["shadow"]) and first["onScreen"], first
    page.keyboard.press("Tab")
    second = _focus_state(page)
    assert 'href="#main"' in second["html"], second
    assert (second["outline"] or second["shadow"]) and second["onScreen"], second
    page.keyboard.press("Enter")
    assert _focus_state(page)["id"] == "main", "the skip link did not move focus to the main content"
    for _ in range(40):  # every later stop, to the end of the page, shows where focus is
        page.keyboard.press("Tab")
        state = _focus_state(page)
        if state["html"].startswith("<body"):
            break
        assert state["outline"] or state["shadow"], f"no visible focus on {state['html']}"
        assert state["onScreen"], f"focus is off screen on {state['html']}"
    assert_nothing_kept(context, page, site_server)


@pytest.mark.parametrize("url", [*html_urls(), "/no-such-page/"])
def test_crisis_line_and_exit_fit_the_first_phone_screen(context, site_server, url):
    page = context.new_page()
    page.goto(site_server + url)
    for selector in (CRISIS_LINK, EXIT_BUTTON):
        box = page.locator(selector).first.bounding_box()
        assert box, f"{selector} missing on {url}"
        assert box["x"] >= 0 and box["y"] >= 0, f"{selector} starts off screen on {url}: {box}"
        assert box["x"] + box["width"] <= PHONE["width"], f"{selector} runs off the right on {url}: {box}"
        assert box["y"] + box["height"] <= PHONE["height"], f"{selector} is below the first screen on {url}"


def test_crisis_line_and_exit_fit_the_first_phone_screen_behind_forms(context, site_server):
    page = context.new_page()
    problems = []
    for kind in visit_page_types(page, site_server):
        page.evaluate("() => window.scrollTo(0, 0)")
        for selector in (CRISIS_LINK, EXIT_BUTTON):
            box = page.locator(selector).first.bounding_box()
            if (
                not box
                or box["y"] + box["height"] > PHONE["height"]
                or box["x"] + box["width"] > PHONE["width"]
            ):
                problems.append(f"{kind} ({path_of(page)}): {selector} at {box}")
    assert not problems, problems


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["360x640", "1280x800"])
def test_screenshots_of_every_page_type(browser, site_server, screenshots_dir, viewport):
    context = open_context(browser, site_server, viewport=viewport)
    try:
        page = context.new_page()
        size = f"{viewport['width']}x{viewport['height']}"
        taken = []
        for kind in visit_page_types(page, site_server):
            path = screenshots_dir / f"{kind}-{size}.png"
            page.screenshot(path=str(path), full_page=True)
            taken.append(path)
        assert len(taken) >= 5
        context.request_log.assert_only_site()
    finally:
        context.close()
