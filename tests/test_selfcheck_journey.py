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
        if group.locator("input[type=radio]").count():
            choices.first.check()


def test_without_javascript_the_whole_check_works_and_the_log_holds_no_answer(server, browser):
    base, log = server
    context = browser.new_context(java_script_enabled=False, viewport={"width": 360, "height": 640})
    page = context.new_page()
    page.goto(base + "/check/")
    page.get_by_role("button", name="Start the check").click()
    q = questionnaire_current()
    for number, step in enumerate(q.steps, start=1):
        assert page.locator(".check__progress").inner_text() == f"Step {number} of {len(q.steps)}"
        if step.id == "physical_sex":
            page.locator("#id_phys_neck_2").check()  # once or twice
        if step.id == "next":
            page.locator("input[name=barriers][value=police_court]").check()
        for group in page.locator("div.govuk-form-group").all():
            radios = group.locator("input[type=radio]")
            if radios.count() and not group.locator("input:checked").count():
                radios.first.check()
        page.locator("button[value=next]").click()
    assert page.locator("#danger-title").inner_text() == "Safety comes first"
    assert page.locator("main a[href^='tel:']").first.get_attribute("href") == "tel:000"
    assert not context.cookies()
    page.locator("#action-call_tonight").check()
    page.get_by_role("button", name="Make my plan").click()
    assert page.locator("h1").inner_text() == "My plan"
    assert page.url == base + "/check/plan/"
    context.close()

    text = log.read_text()
    assert '"POST /check/answers/ HTTP/1.1" 200' in text, "the access log was captured"
    for answer in ("once_or_twice", "police_court", "phys_neck", "never", "state="):
        assert answer not in text


def test_keyboard_only_tab_arrows_and_enter(server, browser):
    base, _ = server
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    page.goto(base + "/check/")
    page.locator("button.button--start").focus()
    page.keyboard.press("Enter")
    page.wait_for_selector("text=Step 1 of 8")

    # Tab from the top of the page until the first question's first answer has focus.
    presses = 0
    while page.evaluate("document.activeElement.name") != "control_money":
        page.keyboard.press("Tab")
        presses += 1
        assert presses < 20, "the first question is a short Tab away"
    # Arrow keys move within a question; Tab moves to the next question.
    page.keyboard.press("ArrowDown")
    assert (
        page.evaluate("document.querySelector('input[name=control_money]:checked').value") == "once_or_twice"
    )
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
    page.wait_for_selector("text=Step 2 of 8")


@pytest.mark.parametrize("width", [360, 1280])
def test_every_answer_target_is_at_least_44_by_44(server, browser, width):
    base, _ = server
    page = browser.new_page(viewport={"width": width, "height": 800})
    page.goto(base + "/check/")
    page.locator("button.button--start").click()
    for _ in questionnaire_current().steps:
        boxes = page.locator(".govuk-radios__label, .govuk-checkboxes__label, button").all()
        for box in boxes:
            size = box.bounding_box()
            if size:
                assert size["width"] >= 44 and size["height"] >= 44, (page.url, box.inner_text(), size)
        _answer_all_first(page)
        page.locator("button[value=next]").click()
    assert page.locator(".result__band").count() == 1
    for link in page.locator("main a[href^='tel:'].contact__tel").all():
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
