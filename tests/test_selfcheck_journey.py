"""The self-check in a real browser against a real server: no JavaScript needed, keyboard only,
large targets, and the server's own access log (django.server) never holds an answer."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from conftest import require
from selfcheck.questionnaire import questionnaire_current

pytestmark = [pytest.mark.browser, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def server(transactional_db, tmp_path):
    """`manage.py runserver` on the test database, logging at DEBUG into a file we can read."""
    require(connection.vendor == "postgresql", "PostgreSQL")
    db = settings.DATABASES["default"]
    port = _free_port()
    log = tmp_path / "runserver.log"
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "REDIS_URL": "",
        "LOG_LEVEL": "DEBUG",
        "PYTHONUNBUFFERED": "1",
    }
    with log.open("w") as out:
        process = subprocess.Popen(
            [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload", "--skip-checks"],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip
        base = f"http://127.0.0.1:{port}"
        try:
            for _ in range(100):
                try:
                    urllib.request.urlopen(base + "/check/", timeout=1)
                    break
                except OSError:
                    time.sleep(0.1)
            else:
                pytest.fail("runserver did not start: " + log.read_text())
            yield base, log
        finally:
            process.terminate()
            process.wait(timeout=10)


@pytest.fixture
def browser(chromium_path):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS)
        yield instance
        instance.close()


def _answer_all_first(page):
    for group in page.locator("div.govuk-form-group").all():
        choices = group.locator("input")
        if group.locator("input[type=radio]").count() and not group.locator("input:checked").count():
            choices.first.check()


def _walk(page, picks: dict[str, str] | None = None) -> list[str]:
    """Answer each page the server shows: the picks given, else the first answer. Returns the step ids."""
    picks = picks or {}
    seen = []
    while not page.locator("[data-selfcheck-result]").count():
        seen.append(page.locator(".check__progress").get_attribute("data-step"))
        assert len(seen) < 20
        for name, value in picks.items():
            choice = page.locator(f"input[name={name}][value={value}]")
            if choice.count():
                choice.check()
        _answer_all_first(page)
        page.locator("button[value=next]").click()
    return seen


def test_without_javascript_the_whole_check_works_and_the_log_holds_no_answer(server, browser):
    base, log = server
    context = browser.new_context(java_script_enabled=False, viewport={"width": 360, "height": 640})
    page = context.new_page()
    page.goto(base + "/check/")
    page.get_by_role("button", name="Start the check").click()
    assert page.locator(".check__progress").inner_text().startswith("Step 1 of ")
    steps = _walk(
        page, {"physical_open": "once_or_twice", "phys_neck": "once_or_twice", "barriers": "police_court"}
    )
    assert steps == ["right_now", "about", "openers", "physical", "home", "next"]
    assert page.locator("h1").first.inner_text() == "Please talk to someone today"
    assert page.locator("main a[href^='tel:']").first.get_attribute("href") == "tel:000"
    assert not context.cookies()
    # The plan is on the page; the download works without JavaScript and leaves the page where it is.
    with page.expect_download() as download:
        page.get_by_role("button", name="Download it as a text file").click()
    assert download.value.suggested_filename == "notes.txt"
    assert page.locator("[data-selfcheck-result]").count() == 1
    context.close()

    text = log.read_text()
    assert '"POST /check/answers/ HTTP/1.1" 200' in text, "the access log was captured"
    for answer in ("once_or_twice", "police_court", "phys_neck", "never", "state="):
        assert answer not in text


def test_the_kept_link_never_reaches_the_server_and_opens_the_plan(server, browser):
    base, log = server
    context = browser.new_context(viewport={"width": 360, "height": 640})
    page = context.new_page()
    page.goto(base + "/check/")
    page.get_by_role("button", name="Start the check").click()
    _walk(page, {"now_suicide": "yes"})
    link = page.get_by_role("link", name="Open my plan as a link to keep")
    href = link.get_attribute("href")
    assert href.startswith("/check/notes/#")
    fragment = href.split("#", 1)[1]
    # A new tab, as the page says: the result stays where it was.
    with context.expect_page() as opened:
        link.click()
    kept = opened.value
    kept.wait_for_load_state()
    assert kept.title() == "Notes"
    steps = kept.locator("[data-keep-steps] > li h3").all_inner_texts()
    assert steps[0] == "Call a crisis line"
    assert kept.locator("[data-keep-today]").is_visible()
    assert not kept.locator("[data-keep-noscript]").is_visible()
    # Back inside the kept tab works: it is a plain GET page.
    kept.goto(base + "/guides/")
    kept.go_back()
    # Wait for the script to fill the steps in (on a loaded machine it can lag the load event).
    kept.wait_for_function(
        "n => document.querySelectorAll('[data-keep-steps] > li').length === n", arg=len(steps), timeout=15000
    )
    assert kept.title() == "Notes"
    # A cut link says so.
    kept.goto(base + "/check/notes/#" + fragment[:3])
    kept.locator("[data-keep-bad]").wait_for(state="visible", timeout=15000)
    context.close()

    text = log.read_text()
    assert '"GET /check/notes/ HTTP/1.1" 200' in text
    assert fragment not in text and fragment[:6] not in text, "the server never saw the fragment"


SCREENSHOTS = (
    Path(os.environ.get("SELFCHECK_SCREENSHOTS", "")) if os.environ.get("SELFCHECK_SCREENSHOTS") else None
)
FIRST_SCREEN_PROFILES = {
    "strangulation": {"physical_open": "once_or_twice", "phys_neck": "once_or_twice"},
    "might-hurt-soon": {"now_hurt_someone": "yes"},
    "separated-and-jealous": {"separation": "separated", "monitor_open": "often", "monitor_jealous": "often"},
    "suicide-only": {"now_suicide": "yes"},
    "mild": {"words_open": "once_or_twice", "yell_shout": "once_or_twice"},
}


@pytest.mark.parametrize("viewport", [(360, 640), (1280, 800)], ids=["phone", "desktop"])
@pytest.mark.parametrize("profile", list(FIRST_SCREEN_PROFILES))
def test_the_next_step_box_is_in_the_first_screen(server, browser, profile, viewport):
    base, _ = server
    width, height = viewport
    page = browser.new_page(viewport={"width": width, "height": height})
    page.goto(base + "/check/")
    page.get_by_role("button", name="Start the check").click()
    _walk(page, FIRST_SCREEN_PROFILES[profile])
    page.evaluate("window.scrollTo(0, 0)")

    def in_first_screen(locator) -> bool:
        box = locator.bounding_box()
        return box is not None and box["y"] >= 0 and box["y"] + box["height"] <= height

    call = page.locator(".next-step .call-button")
    assert in_first_screen(page.locator(".next-step h1")), profile
    assert in_first_screen(call), f"{profile}: the call button is below the first screen"
    if profile != "mild":
        expected = (
            "Make it safe right now" if profile == "might-hurt-soon" else "Please talk to someone today"
        )
        assert page.locator(".next-step h1").inner_text() == expected
        assert in_first_screen(page.locator(".next-step a[href='tel:000']")), f"{profile}: 000 is not in view"
    if SCREENSHOTS:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / f"result-{profile}-{width}x{height}.png"))
        page.screenshot(path=str(SCREENSHOTS / f"result-{profile}-{width}x{height}-full.png"), full_page=True)
    page.close()


def test_keyboard_only_tab_arrows_and_enter(server, browser):
    base, _ = server
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    page.goto(base + "/check/")
    page.locator("button.button--start").focus()
    page.keyboard.press("Enter")
    page.wait_for_selector("text=Step 1 of")

    # Tab from the top of the page until the first question's first answer has focus.
    presses = 0
    while page.evaluate("document.activeElement.name") != "now_hurt_someone":
        page.keyboard.press("Tab")
        presses += 1
        assert presses < 20, "the first question is a short Tab away"
    # Arrow keys move within a question; Tab moves to the next question.
    page.keyboard.press("ArrowDown")
    assert page.evaluate("document.querySelector('input[name=now_hurt_someone]:checked').value") == "not_sure"
    page.keyboard.press("ArrowUp")
    questions = questionnaire_current().steps[0].questions
    for question in questions[1:]:
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.name") == question.id
        page.keyboard.press("Space")
    # The focus ring is visible on the focused answer.
    outline = page.evaluate(
        "getComputedStyle(document.activeElement.closest('.govuk-radios__item')).outlineStyle"
    )
    assert outline == "solid"
    page.keyboard.press("Enter")  # implicit submission uses the first button: Next
    page.wait_for_selector("[data-step=about]")


@pytest.mark.parametrize("width", [360, 1280])
def test_every_answer_target_is_at_least_44_by_44(server, browser, width):
    base, _ = server
    page = browser.new_page(viewport={"width": width, "height": 800})
    page.goto(base + "/check/")
    page.locator("button.button--start").click()
    for _ in range(20):
        if page.locator("[data-selfcheck-result]").count():
            break
        boxes = page.locator(".govuk-radios__label, .govuk-checkboxes__label, button").all()
        for box in boxes:
            size = box.bounding_box()
            if size:
                assert size["width"] >= 44 and size["height"] >= 44, (page.url, box.inner_text(), size)
        _answer_all_first(page)
        page.locator("button[value=next]").click()
    assert page.locator(".result__band").count() == 1
    for link in page.locator("main a[href^='tel:'].contact__tel, main a.call-button").all():
        size = link.bounding_box()
        assert size["height"] >= 44


def test_an_error_summary_link_moves_focus_to_the_question(server, browser):
    base, _ = server
    page = browser.new_page(viewport={"width": 360, "height": 640})
    page.goto(base + "/check/")
    page.locator("button.button--start").click()
    page.locator("button[value=next]").click()
    summary = page.locator("#error-summary")
    assert summary.is_visible()
    links = summary.locator("a")
    assert links.count() == len(questionnaire_current().steps[0].questions)
    bar = page.locator(".top-bar").bounding_box()
    for index in range(links.count()):
        target = links.nth(index).get_attribute("href")[1:]
        links.nth(index).click()
        assert page.evaluate("document.activeElement.id") == target
        legend = page.locator(f"#{target}").locator("xpath=ancestor::fieldset/legend").bounding_box()
        assert legend["y"] >= bar["y"] + bar["height"], (
            f"{target}: the question is hidden under the sticky bar"
        )
