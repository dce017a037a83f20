"""How the browser tests find their way around the site, written against what any form looks like
(radios, checkboxes, selects, text boxes, a submit button) rather than against one app's markup, so the
journeys keep working as the self-check and the search change."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest

# What a person fills in: never hidden fields, the honeypot (class hp-field, tabindex -1) or disabled ones.
FIELD = (
    "input:not([type=hidden]):not([type=submit]):not([type=button]):not([type=reset])"
    ":not([tabindex='-1']):not(.hp-field):not([disabled]), select:not([disabled]), textarea:not([disabled])"
)
SUBMIT = "button:not([type=button]):not([type=reset]), input[type=submit]"
POSTCODE = "3000"  # Melbourne: in the gazetteer, and covered by every national service
SERVICE_PAGE = re.compile(r"^/services/[\w-]+/$")


def path_of(page) -> str:
    return urlsplit(page.url).path


def answerable_form(page):
    """The first form in <main> with something to fill in, or None."""
    forms = page.locator("main form")
    for index in range(forms.count()):
        form = forms.nth(index)
        if form.locator(FIELD).count():
            return form
    return None


def require_form(page, what: str):
    form = answerable_form(page)
    if form is None:
        pytest.skip(f"{what} has no form yet at {path_of(page)} (skip only while the page is absent)")
    return form


def fill(form, *, text: str = POSTCODE, choose: str = "first") -> None:
    """Answer every question: one radio per group, required checkboxes, a select option, text boxes."""
    seen_groups: set[str] = set()
    fields = form.locator(FIELD)
    for index in range(fields.count()):
        field = fields.nth(index)
        kind = (field.get_attribute("type") or field.evaluate("e => e.tagName")).lower()
        name = field.get_attribute("name") or ""
        if kind == "radio":
            if name in seen_groups:
                continue
            seen_groups.add(name)
            group = form.locator(f"input[type=radio][name='{name}']")
            choice = group.first if choose == "first" else group.last
            choice.check()
        elif kind == "checkbox":
            if field.get_attribute("required") is not None:
                field.check()
        elif kind == "select":
            values = [v for v in field.locator("option").evaluate_all("os => os.map(o => o.value)") if v]
            if values:
                field.select_option(values[0])
        elif kind in {"text", "search", "textarea", "number", "tel"} and not field.input_value():
            field.fill(text)


def submit(page, form) -> None:
    """Press the form's main button (not a 'Back' one) and wait for the next page."""
    buttons = form.locator(SUBMIT)
    button = buttons.last
    for index in range(buttons.count()):
        candidate = buttons.nth(index)
        if not re.search(r"\bback\b|previous", candidate.inner_text(), re.I):
            button = candidate
            break
    with page.expect_navigation():
        button.click()


def complete_selfcheck(page, *, choose: str = "first", max_steps: int = 30) -> None:
    """Answer every step of the self-check until the result: the first page whose form (if any) is
    not another step of the walk, i.e. posts somewhere else (a plan, feedback) or asks nothing."""
    walk = require_form(page, "The self-check").get_attribute("action")
    for _ in range(max_steps):
        form = answerable_form(page)
        if form is None or form.get_attribute("action") != walk:
            return
        if not form.locator("input[type=radio], input[type=checkbox], select").count():
            return
        if page.locator("[data-selfcheck-result]").count():  # the result's plan form is not a question
            return
        fill(form, choose=choose)
        submit(page, form)
        assert page.locator(".error-summary").count() == 0, f"the self-check refused answers at {page.url}"
    pytest.fail(f"the self-check did not reach a result within {max_steps} steps")


def search_near(page, postcode: str = POSTCODE) -> None:
    """On the search page, search near a postcode."""
    form = require_form(page, "The service search")
    fields = form.locator("input[type=text], input[type=search]")
    near = form.locator("input[name=near]")
    (near if near.count() else fields.first).fill(postcode)
    submit(page, form)


def service_links(page) -> list[str]:
    hrefs = page.locator("main a[href^='/services/']").evaluate_all(
        "as => as.map(a => a.getAttribute('href'))"
    )
    return [href for href in hrefs if SERVICE_PAGE.match(urlsplit(href).path)]


def start_selfcheck(page) -> None:
    """Some self-checks open with a 'Start' link, or a form that is only a button, before the first question."""
    if answerable_form(page) is not None:
        return
    start = page.locator("main a, main button").filter(has_text=re.compile(r"^\s*start", re.I))
    button_form = page.locator("main form").filter(has=page.locator(SUBMIT))
    if start.count():
        with page.expect_navigation():
            start.first.click()
    elif button_form.count():
        submit(page, button_form.first)


def submit_empty(page, form) -> None:
    """Send a form with nothing filled in, as someone pressing the button straight away would.

    The browser's own required-field check is switched off, so the server's error state is what shows."""
    form.evaluate("f => { f.noValidate = true; }")
    submit(page, form)


def html_urls() -> list[str]:
    """The public pages (not robots.txt, the sitemap or other files the URL walk also finds)."""
    from tests.public_urls import public_urls

    # The open data API (JSON) and data downloads are not pages.
    return [
        url
        for url in public_urls()
        if not re.search(r"\.(txt|xml|json|csv|svg|ico)$", url) and not url.startswith("/api/")
    ]


def page_kind(url: str) -> str:
    """A name for the kind of page a URL is: its URL pattern's view name (selfcheck-start, guide, ...)."""
    from django.urls import resolve

    match = resolve(urlsplit(url).path)
    return (match.view_name or match.route).replace(":", "-")


def visit_page_types(page, site: str):
    """Bring `page` to each kind of public page in turn and yield a short name for it.

    Static pages come from walking the URL configuration (tests/public_urls.py); the pages behind forms
    (self-check steps, errors and result; search errors and results; a service page) are reached by
    using the forms, and are left out while their app has not built the form yet."""
    seen: set[str] = set()
    for url in html_urls():
        kind = page_kind(url)
        if kind not in seen:
            seen.add(kind)
            page.goto(site + url)
            yield kind
    page.goto(site + "/no-such-page/")
    yield "not-found"

    page.goto(site + "/check/")
    start_selfcheck(page)
    form = answerable_form(page)
    if form is not None:
        yield "selfcheck-step"
        submit_empty(page, form)
        yield "selfcheck-error"
        page.goto(site + "/check/")
        start_selfcheck(page)
        complete_selfcheck(page)
        yield "selfcheck-result"

    page.goto(site + "/services/")
    form = answerable_form(page)
    if form is not None:
        submit_empty(page, form)
        yield "search-error"
        page.goto(site + "/services/")
        search_near(page, "Nowhereville 9999")
        yield "search-invalid"
        page.goto(site + "/services/")
        search_near(page)
        yield "search-results"
        links = service_links(page)
        if links:
            page.goto(site + links[0])
            yield "service"
