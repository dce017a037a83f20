"""After a search, the first screen shows what was found: the form folds to one line ("Near Liverpool
NSW 2170 · Change") and the first line to call (or the nearest program) is above the fold, on a phone
and on a desktop, with and without JavaScript. Screenshots go to tests/artifacts/screenshots."""

from __future__ import annotations

import pytest

from tests.browser.conftest import DESKTOP, PHONE, open_context

pytestmark = pytest.mark.browser

SEARCHES = [
    ("/services/?near=2170&q=counselling", "counselling-2170"),
    ("/services/?near=3121&q=suicide", "suicide-3121"),
    ("/services/?near=6000", "postcode-6000"),
    ("/services/?q=AVO", "avo"),
]


def first_result_box(page):
    """The first thing found: the first talk-now line's call link, else the first result."""
    for selector in (".talk-now .line:not(.line--000) .tel-link", ".results .result h3 a"):
        locator = page.locator(f"main {selector}")
        if locator.count():
            return locator.first.bounding_box()
    return None


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["360x640", "1280x800"])
def test_the_first_result_is_on_the_first_screen(browser, site_server, screenshots_dir, viewport, javascript):
    context = open_context(browser, site_server, viewport=viewport, javascript=javascript)
    try:
        page = context.new_page()
        size = f"{viewport['width']}x{viewport['height']}"
        for url, name in SEARCHES:
            page.goto(site_server + url)
            if javascript:
                page.screenshot(path=str(screenshots_dir / f"search-first-screen-{name}-{size}.png"))
            summary = page.locator("main details.search-summary > summary")
            assert summary.count() == 1, url
            assert "Change" in summary.inner_text()
            summary_box = summary.bounding_box()
            assert summary_box["height"] <= 80, (url, summary_box)  # one line, two on a narrow phone
            # The form is folded away: its fields take no room until "Change" is pressed.
            assert not page.locator("main input[name=near]").is_visible(), url
            box = first_result_box(page)
            assert box, f"nothing found on {url}"
            assert box["y"] >= 0 and box["y"] + box["height"] <= viewport["height"], (url, box)
            # 000 is named above the first line.
            danger = page.locator("main .talk-now a[href='tel:000']").first.bounding_box()
            assert danger and danger["y"] < box["y"], url
        # "Change" opens the form where it is (a details element: no JavaScript needed).
        page.goto(site_server + "/services/?near=2170&q=counselling")
        page.locator("main details.search-summary > summary").click()
        near = page.locator("main input[name=near]")
        assert near.is_visible() and near.input_value() == "2170"
        context.request_log.assert_only_site()
    finally:
        context.close()


def test_the_summary_names_the_place_in_one_short_line(browser, site_server):
    context = open_context(browser, site_server, viewport=PHONE)
    try:
        page = context.new_page()
        page.goto(site_server + "/services/?near=2170")
        text = page.locator("main details.search-summary > summary").inner_text()
        assert "Near Liverpool NSW 2170" in text, text
        page.goto(site_server + "/services/?near=6000")
        text = page.locator("main details.search-summary > summary").inner_text()
        assert "Near Perth WA 6000" in text, text  # not "City Delivery Centre"
        page.goto(site_server + "/services/?near=3121&q=suicide")
        assert "You don't have to face this alone" in page.locator("main section.talk-now").inner_text()
        first_line = page.locator("main .talk-now .line:not(.line--000) .line__name").first.inner_text()
        assert first_line in {
            "Lifeline 13 11 14",
            "MensLine Australia",
            "Men's Referral Service",
            "Suicide Call Back Service",
        }, first_line
    finally:
        context.close()
