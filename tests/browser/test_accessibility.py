"""axe-core (npm, node_modules/axe-core) in real Chromium: 0 WCAG 2.2 AA violations on every public
page, the pages behind the forms (self-check steps, errors and result; search errors and results; a
service page) and the 404 page. The rules include colour contrast and target size (>= 24 px)."""

from __future__ import annotations

import pytest

from tests.browser.conftest import DESKTOP, open_context
from tests.browser.site import (
    answerable_form,
    html_urls,
    path_of,
    search_near,
    start_selfcheck,
    submit_empty,
    visit_page_types,
)

pytestmark = pytest.mark.browser

WCAG_22_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
# Rules that must have run on every page, so that a tag change cannot silently drop them.
MUST_RUN = {"color-contrast", "target-size", "label", "link-name", "html-has-lang", "document-title"}


def axe_violations(page, axe_source: str) -> list[str]:
    """Run axe on the page as it stands; return one readable line per failing element."""
    # Evaluated through the DevTools protocol, so the page's CSP (script-src 'self') does not apply.
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(axe_source)
    result = page.evaluate(
        """async (tags) => {
            const r = await axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']});
            return {violations: r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                        nodes: v.nodes.map(n => n.target.join(' ') + ' :: ' + n.failureSummary.split('\\n')[1])})),
                    ran: [...r.passes, ...r.incomplete, ...r.inapplicable, ...r.violations].map(x => x.id)};
        }""",
        WCAG_22_AA,
    )
    missing = MUST_RUN - set(result["ran"])
    assert not missing, f"axe did not run {missing}"
    return [
        f"{path_of(page)}: {v['id']} ({v['impact']}) {v['help']}: {node}"
        for v in result["violations"]
        for node in v["nodes"]
    ]


@pytest.mark.parametrize("url", [*html_urls(), "/no-such-page/"])
def test_no_axe_violations(context, site_server, axe_source, url):
    page = context.new_page()
    page.goto(site_server + url)
    assert not axe_violations(page, axe_source)


def test_no_axe_violations_on_desktop(browser, site_server, axe_source):
    context = open_context(browser, site_server, viewport=DESKTOP)
    try:
        page = context.new_page()
        page.goto(site_server + "/")
        assert not axe_violations(page, axe_source)
    finally:
        context.close()


def test_no_axe_violations_behind_the_forms(context, site_server, axe_source):
    page = context.new_page()
    problems, kinds = [], []
    for kind in visit_page_types(page, site_server):
        kinds.append(kind)
        problems += axe_violations(page, axe_source)
    assert not problems, "\n".join(problems)


def test_selfcheck_error_state(context, site_server, axe_source):
    page = context.new_page()
    page.goto(site_server + "/check/")
    start_selfcheck(page)
    form = answerable_form(page)
    if form is None:
        pytest.skip("The self-check has no form yet (skip only while the page is absent)")
    submit_empty(page, form)
    summary = page.locator(".error-summary, .govuk-error-summary")
    assert summary.count(), "an empty answer shows an error summary"
    assert page.evaluate(
        "() => document.activeElement.closest('.error-summary, .govuk-error-summary') !== null"
    ) or (summary.first.get_attribute("role") == "alert"), (
        "the error summary is announced (focused or role=alert)"
    )
    assert not axe_violations(page, axe_source)


def test_search_error_states(context, site_server, axe_source):
    page = context.new_page()
    page.goto(site_server + "/services/")
    form = answerable_form(page)
    if form is None:
        pytest.skip("The service search has no form yet (skip only while the page is absent)")
    search_near(page, "Nowhereville 9999")
    assert page.locator("main").inner_text(), "an unknown place gets a message"
    problems = axe_violations(page, axe_source)
    page.goto(site_server + "/services/?near=%00%F0%9F%98%80' OR 1=1 --&q=a:*%20%26%20!b")
    problems += axe_violations(page, axe_source)
    assert not problems, "\n".join(problems)
