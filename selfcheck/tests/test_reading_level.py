"""Every sentence a man reads on the self-check pages, templates included, is at grade 8 or below."""

from __future__ import annotations

import html
import re
import time
from html.parser import HTMLParser

import pytest
import textstat

from config.antispam import issue_timestamp
from selfcheck.tests.conftest import all_never
from selfcheck.tests.test_views import DOWNLOAD, START, WALK, page_questions, state_of, walk

pytestmark = pytest.mark.django_db
MAX_GRADE = 8
BLOCKS = {"p", "li", "h1", "h2", "h3", "legend", "label", "dt", "dd", "button", "a", "span"}


class _Blocks(HTMLParser):
    """The text of each block inside <main>, one string per block element."""

    def __init__(self):
        super().__init__()
        self.in_main = False
        self.stack: list[list[str]] = []
        self.texts: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag == "main":
            self.in_main = True
        elif self.in_main and tag in BLOCKS:
            self.stack.append([])

    def handle_endtag(self, tag):
        if tag == "main":
            self.in_main = False
        elif self.in_main and tag in BLOCKS and self.stack:
            text = " ".join("".join(self.stack.pop()).split())
            if text:
                self.texts.append(text)

    def handle_data(self, data):
        for part in self.stack:
            part.append(data)


def _too_hard(page_html: str) -> list[tuple[str, float]]:
    parser = _Blocks()
    parser.feed(page_html)
    hard = []
    for text in parser.texts:
        text = html.unescape(text)
        # Phone numbers and lone names ("MensLine 1300 78 99 78") are not sentences.
        words = re.findall(r"[A-Za-z']+", text)
        if len(words) < 4:
            continue
        grade = textstat.flesch_kincaid_grade(text)
        if grade > MAX_GRADE:
            hard.append((text, grade))
    return hard


def _pages(client, q):
    yield "intro", client.get(START)
    response = client.post(WALK, {"state": state_of(client.get(START)), "nav": "next"})
    yield "step 1 with errors", client.post(WALK, {"state": state_of(response), "nav": "next"})
    # Every page and block: every opening question "sometimes", so every follow-up page is shown.
    answers = all_never(
        q, **{question.id: "sometimes" for question in q.questions.values() if question.id.endswith("_open")},
        has_kids="yes", court_order="yes", phys_neck="once_or_twice", yell_shout="often", control_money="sometimes",
        pressure_low="often", afraid_of_partner="sometimes", now_suicide="yes", barriers=list(q.barriers),
    )  # fmt: skip
    index = 0
    while b"data-selfcheck-result" not in response.content:
        index += 1
        yield f"step {index}", response
        data = {name: answers[name] for name in page_questions(response)}
        response = client.post(WALK, {"state": state_of(response), "nav": "next", **data})
    yield "result with every block", response
    yield "kept plan", client.get("/check/notes/")
    yield "after the browser's Back", client.get("/check/back/")
    yield "state error", client.post(WALK, {"state": "x"})
    yield "download error", client.post(DOWNLOAD, {"state": "x"})
    for answer in ("yes", "no"):
        yield (
            f"thanks {answer}",
            client.post(
                "/check/helpful/", {"answer": answer, "form_issued": issue_timestamp(now=time.time() - 30)}
            ),
        )
    yield "helpful error", client.post("/check/helpful/", {"answer": "maybe"})
    for name, band_answers in (
        ("nothing", {}),
        ("mild", {"words_open": "once_or_twice", "yell_shout": "once_or_twice"}),
        ("hurting", {"words_open": "often", "yell_shout": "often", "putdown_names": "often"}),
        ("suicide only", {"now_suicide": "yes"}),
        ("order", {"court_order": "yes"}),
    ):
        yield f"result {name}", walk(client, all_never(q, **band_answers))


def test_every_self_check_page_reads_at_grade_8_or_below(client, q, settings):
    settings.REDIS_URL = ""
    problems = {
        name: hard for name, response in _pages(client, q) if (hard := _too_hard(response.content.decode()))
    }
    assert not problems
