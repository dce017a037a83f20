"""The self-check flow over HTTP: steps, result, plan, "did this help?", and every kind of bad input."""

from __future__ import annotations

import logging
import re
import time

import pytest
from django.apps import apps
from django.core import signing
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase as HypothesisTestCase

from config.antispam import issue_timestamp
from selfcheck.forms import STATE_SALT
from selfcheck.questionnaire import questionnaire_current
from selfcheck.tests.conftest import all_never
from usage.models import UsageCount

pytestmark = pytest.mark.django_db

START, WALK, HELPFUL, DOWNLOAD = "/check/", "/check/answers/", "/check/helpful/", "/check/notes.txt"
NO_STORE = "no-store"


def state_of(response) -> str:
    match = re.search(r'name="state" value="([^"]+)"', response.content.decode())
    assert match, "the page carries no state"
    return match.group(1)


def step_data(step, answers: dict) -> dict:
    data = {}
    for question in step.questions:
        if question.id in answers:
            data[question.id] = answers[question.id]
    return data


def page_questions(response) -> list[str]:
    """The question names a step page asks (v2 skips follow-ups, so the server decides the pages)."""
    names = re.findall(r'<input type="(?:radio|checkbox)" name="([a-z_]+)"', response.content.decode())
    return list(dict.fromkeys(names))


def page_step(response) -> str:
    match = re.search(r'data-step="([a-z_]+)"', response.content.decode())
    return match.group(1) if match else ""


def walk(client: Client, answers: dict, *, stop_before: int | None = None, stop_at: str | None = None):
    """Answer every page the server shows with `answers`; return the last response (the result, normally).

    `stop_before=n` returns the n-th page (0-based) unanswered; `stop_at` the page with that step id."""
    response = client.post(WALK, {"state": state_of(client.get(START)), "nav": "next"})
    for index in range(40):
        assert response.status_code == 200
        if b"data-selfcheck-result" in response.content:
            return response
        if index == stop_before or (stop_at and page_step(response) == stop_at):
            return response
        data = {name: answers[name] for name in page_questions(response) if name in answers}
        response = client.post(WALK, {"state": state_of(response), "nav": "next", **data})
    raise AssertionError("the check did not end")


@pytest.fixture
def client() -> Client:
    return Client()


def test_the_intro_says_what_is_kept_and_how_to_leave(client):
    response = client.get(START)
    html = response.content.decode()
    assert response.status_code == 200
    assert "What this site keeps: nothing" in html
    assert "they may have to act" in html
    assert "Exit" in html
    assert 'autocomplete="off"' in html
    assert NO_STORE in response["Cache-Control"]


def test_a_full_check_shows_a_result_and_keeps_nothing_in_the_browser(client, q):
    result = walk(
        client, all_never(q, words_open="sometimes", yell_shout="sometimes", putdown_names="sometimes")
    )
    html = result.content.decode()
    assert result.status_code == 200
    assert q.band("keep-an-eye").title in html
    assert "Safety comes first" not in html and "Please talk to someone today" not in html
    assert NO_STORE in result["Cache-Control"]
    assert not result.cookies and "Set-Cookie" not in result.headers
    assert html.count('autocomplete="off"') >= 4  # postcode, download, helpful, change answers
    # No score is shown as a grade.
    assert (
        not re.search(r"\b(score|points?)\b", re.sub(r"<[^>]+>", " ", html), re.I)
        or "We show no score" in html
    )


def test_every_step_page_is_no_store_and_carries_no_answers_in_a_url(client, q):
    response = client.post(WALK, {"state": state_of(client.get(START)), "nav": "next"})
    answers = all_never(
        q, words_open="often", physical_open="once_or_twice", has_kids="yes", kids_open="often"
    )
    while b"data-selfcheck-result" not in response.content:
        assert NO_STORE in response["Cache-Control"]
        html = response.content.decode()
        assert '<form method="post"' in html and 'autocomplete="off"' in html
        assert not re.search(r'action="[^"]*\?', html), "no answers in a form address"
        data = {name: answers[name] for name in page_questions(response)}
        response = client.post(WALK, {"state": state_of(response), "nav": "next", **data})
    assert response.request["QUERY_STRING"] == ""


@pytest.mark.parametrize("url", [WALK, DOWNLOAD, HELPFUL])
@pytest.mark.parametrize("method", ["get", "head"])
def test_a_get_to_a_step_plan_or_helpful_goes_back_to_the_start(client, url, method):
    response = getattr(client, method)(url)
    assert response.status_code == 302
    assert response["Location"] == START
    assert NO_STORE in response["Cache-Control"]


@pytest.mark.parametrize("url", [WALK, DOWNLOAD, HELPFUL])
def test_other_methods_get_a_styled_405(client, url):
    response = client.put(url)
    assert response.status_code == 405
    assert b"That doesn't work on this page" in response.content


@pytest.mark.parametrize("url", [WALK, DOWNLOAD, HELPFUL])
@pytest.mark.parametrize(
    "headers", [{"HTTP_SEC_FETCH_SITE": "cross-site"}, {"HTTP_ORIGIN": "https://evil.example"}]
)
def test_a_cross_site_post_is_refused(client, url, headers):
    response = client.post(url, {"state": "x", "answer": "yes"}, **headers)
    assert response.status_code == 403
    assert b"sent from another site" in response.content


def test_our_own_browser_posts_pass(client):
    # Under Referrer-Policy: no-referrer, browsers send Origin: null with Sec-Fetch-Site: same-origin.
    response = client.post(
        WALK,
        {"state": state_of(client.get(START)), "nav": "next"},
        HTTP_SEC_FETCH_SITE="same-origin",
        HTTP_ORIGIN="null",
    )
    assert response.status_code == 200
    assert b"Step 1 of " in response.content


def test_a_huge_body_is_refused_with_400():
    response = Client(raise_request_exception=False).post(WALK, {"state": "x" * (300 * 1024)})
    assert response.status_code == 400


# --- Tampering -----------------------------------------------------------------------------------------


def _sign(payload) -> str:
    return signing.dumps(payload, salt=STATE_SALT, compress=True)


@pytest.mark.parametrize(
    "token",
    [
        "",
        "garbage",
        "eyJ2Ijoic2VsZmNoZWNrLXYxIiwicyI6MSwiYSI6e319:1xXUl2:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        signing.dumps({"v": "selfcheck-v1", "s": 1, "a": {}}, salt="another.salt"),
        _sign({"v": "selfcheck-v0", "s": 1, "a": {}}),  # another version
        _sign({"v": "selfcheck-v1", "s": 99, "a": {}}),  # no such step
        _sign({"v": "selfcheck-v1", "s": True, "a": {}}),
        _sign({"v": "selfcheck-v1", "s": 1, "a": {"yell_shout": "always"}}),  # out of range
        _sign({"v": "selfcheck-v1", "s": 1, "a": {"is_admin": "yes"}}),  # unknown question
        _sign({"v": "selfcheck-v1", "s": 1, "a": ["yell_shout"]}),
        _sign(["not", "a", "dict"]),
    ],
)
def test_a_changed_or_foreign_state_is_refused_clearly(client, token):
    response = client.post(WALK, {"state": token, "nav": "next"})
    assert response.status_code == 400
    assert b"Please start the check again" in response.content
    assert NO_STORE in response["Cache-Control"]


def test_changing_one_character_of_a_real_state_is_detected(client, q):
    response = walk(client, all_never(q), stop_before=3)
    token = state_of(response)
    flipped = token[:10] + ("A" if token[10] != "A" else "B") + token[11:]
    data = {name: all_never(q)[name] for name in page_questions(response)}
    response = client.post(WALK, {"state": flipped, "nav": "next", **data})
    assert response.status_code == 400


def test_a_validly_signed_but_incomplete_state_never_gives_a_result(client, q):
    # Jump to the last step with nothing answered before it: the first unanswered step comes back.
    token = _sign({"v": q.id, "s": len(q.steps), "a": {}})
    response = client.post(WALK, {"state": token, "nav": "next", **step_data(q.steps[-1], all_never(q))})
    html = response.content.decode()
    assert response.status_code == 200
    assert "Step 1 of " in html and 'data-step="right_now"' in html
    assert "Please pick an answer to this question." in html
    assert "data-selfcheck-result" not in html


# --- Bad answers on a step -----------------------------------------------------------------------------


def _first_step(client):
    return client.post(WALK, {"state": state_of(client.get(START)), "nav": "next"})


def test_missing_answers_are_listed_at_the_top_with_links(client, q):
    step = q.steps[0]
    response = client.post(
        WALK, {"state": state_of(_first_step(client)), "nav": "next", step.questions[0].id: "no"}
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "Please check your answers" in html
    assert "Step 1 of " in html
    for question in step.questions[1:]:
        assert f'href="#id_{question.id}_1"' in html
        assert f'id="id_{question.id}_1"' in html, "the link target exists"
    assert f'href="#id_{step.questions[0].id}_1"' not in html
    assert 'value="never"\n    \n      checked="checked"' in html or "checked" in html, "his answer is kept"


def test_a_repeated_answer_is_refused(client, q):
    data = {"state": state_of(_first_step(client)), "nav": "next", **step_data(q.steps[0], all_never(q))}
    data["now_suicide"] = ["no", "yes"]
    response = client.post(WALK, data)
    assert b"Please pick only one answer." in response.content
    assert b"Step 1 of " in response.content


def test_an_out_of_range_answer_is_refused(client, q):
    data = {"state": state_of(_first_step(client)), "nav": "next", **step_data(q.steps[0], all_never(q))}
    data["now_suicide"] = "always"
    response = client.post(WALK, data)
    assert b"Please pick one of the answers shown." in response.content


def test_an_unknown_answer_is_refused(client, q):
    data = {"state": state_of(_first_step(client)), "nav": "next", **step_data(q.steps[0], all_never(q))}
    data["phys_hit"] = "often"  # belongs to another step
    response = client.post(WALK, data)
    assert b"This page sent an answer we don&#x27;t know." in response.content
    assert b"Step 1 of " in response.content


def test_back_keeps_earlier_answers(client, q):
    answers = all_never(q, now_suicide="not_sure")
    response = walk(client, answers, stop_before=1)
    response = client.post(WALK, {"state": state_of(response), "nav": "back"})
    html = response.content.decode()
    assert "Step 1 of " in html
    checked = re.search(r'name="now_suicide"[^>]*value="not_sure"\s*checked', html)
    assert checked, "the earlier answer is ticked again"


def test_change_my_answers_from_the_result_goes_to_the_last_step(client, q):
    result = walk(client, all_never(q))
    response = client.post(WALK, {"state": state_of(result), "nav": "back"})
    assert page_step(response) == "next"
    assert b"Step 5 of 5" in response.content


# --- The result page -----------------------------------------------------------------------------------

TEL = re.compile(r'href="tel:(\d+)"')


def test_danger_puts_emergency_numbers_before_anything_else(client, q):
    html = walk(
        client, all_never(q, physical_open="once_or_twice", phys_neck="once_or_twice")
    ).content.decode()
    main = html[html.index("<main") :]
    assert main.index("Please talk to someone today") < main.index(q.band("talk-today").title)
    box = main[: main.index("</section>")]
    assert TEL.findall(box)[:2] == ["000", "1300766491"]
    danger_box = main[main.index('class="danger-box"') :]
    danger_box = danger_box[: danger_box.index("</section>")]
    assert "Pressure on the neck" in danger_box


@pytest.mark.parametrize("item", ["now_suicide", "now_hurt_someone"])
def test_not_sure_about_safety_right_now_also_shows_the_danger_block(client, q, item):
    html = walk(client, all_never(q, **{item: "not_sure"})).content.decode()
    heading = "Please talk to someone today" if item == "now_suicide" else "Make it safe right now"
    assert heading in html and 'class="danger-box"' in html
    assert 'href="tel:000"' in html


def test_afraid_of_partner_routes_to_mensline_and_1800respect(client, q):
    html = walk(client, all_never(q, afraid_of_partner="not_sure")).content.decode()
    assert q.own_safety.title in html
    section = html[html.index(q.own_safety.title) :]
    section = section[: section.index("</section>")]
    assert TEL.findall(section) == ["1300789978", "1800737732"]


@pytest.mark.parametrize("band", ["nothing-now", "keep-an-eye", "hurting", "talk-today"])
def test_each_band_has_its_heading_and_the_phone_lines(client, q, band):
    answers = {
        "nothing-now": {},
        "keep-an-eye": {"words_open": "once_or_twice", "yell_shout": "once_or_twice"},
        "hurting": {"words_open": "often", "yell_shout": "often", "putdown_names": "often"},
        "talk-today": {"family_partner_afraid": "often"},
    }[band]
    html = walk(client, all_never(q, **answers)).content.decode()
    assert q.band(band).title in html
    assert 'href="tel:1300766491"' in html and 'href="tel:1300789978"' in html
    assert 'id="time-out"' in html
    assert "What happens when you call" in html


def test_the_postcode_box_sends_nothing_but_the_postcode(client, q):
    html = walk(client, all_never(q)).content.decode()
    forms = re.findall(r'<form method="get" action="/services/"[^>]*>(.*?)</form>', html, re.S)
    assert forms
    for form in forms:
        assert re.findall(r'name="([^"]+)"', form) == ["q", "near"]
        assert re.search(r'name="q" value="[a-zA-Z ]+"', form), "only the search words of the step"


def test_barriers_get_their_reassurance(client, q):
    html = walk(client, all_never(q, barriers=["police_court", "cost"])).content.decode()
    assert "What might get in the way" in html
    assert "are not the police" in html
    assert "cost no more than a local call" in html


# --- The plan (kept without storing: selfcheck/tests/test_v2.py) ----------------------------------------


def test_the_plan_is_on_the_result_page_with_no_tick_boxes_to_post(client, q):
    html = walk(client, all_never(q, words_open="often", yell_shout="often")).content.decode()
    plan = html[html.index('id="plan"') :]
    assert q.actions["time_out"].label in plan
    assert 'name="action"' not in html, "nothing to post and come Back to"
    assert 'action="/check/notes.txt"' in plan


# --- "Did this help?" -----------------------------------------------------------------------------------


def _helpful(client, **data):
    return client.post(HELPFUL, {"form_issued": issue_timestamp(now=time.time() - 30), "website": "", **data})


@pytest.mark.parametrize("answer", ["yes", "no"])
def test_did_this_help_counts_one_word(client, settings, answer):
    settings.REDIS_URL = ""
    response = _helpful(client, answer=answer)
    assert response.status_code == 200
    assert b"Thanks for telling us" in response.content
    assert not response.cookies
    assert list(UsageCount.objects.values_list("event", "dimension", "count")) == [
        ("check_helpful", f"answer={answer}", 1)
    ]


@pytest.mark.parametrize("data", [{"answer": "maybe"}, {"answer": "yes", "website": "http://spam"}, {}])
def test_did_this_help_refuses_anything_else(client, settings, data):
    settings.REDIS_URL = ""
    response = _helpful(client, **data)
    assert response.status_code == 400
    assert not UsageCount.objects.exists()


def test_did_this_help_refuses_a_missing_timestamp(client):
    assert client.post(HELPFUL, {"answer": "yes"}).status_code == 400


# --- Counting without watching ---------------------------------------------------------------------------


def _row_counts() -> dict[str, int]:
    return {model._meta.label: model._default_manager.count() for model in apps.get_models()}


def test_a_finished_check_changes_only_usage_counters_and_logs_no_answer(client, q, settings, caplog):
    settings.REDIS_URL = ""  # counters go straight to the database, so the test can see every write
    caplog.set_level(logging.DEBUG)
    answers = all_never(
        q, control_open="once_or_twice", control_money="once_or_twice", has_kids="yes", afraid_of_partner="not_sure",
        now_suicide="not_sure", readiness="7", barriers=["police_court", "dont_know_where"],
    )  # fmt: skip
    before = _row_counts()
    result = walk(client, answers)
    client.post(DOWNLOAD, {"state": state_of(result)})
    client.get("/check/notes/")
    after = _row_counts()

    changed = {label for label in before if before[label] != after[label]}
    assert changed == {"usage.UsageCount"}
    cells = {(event, dimension): total for event, dimension, total in
             UsageCount.objects.values_list("event", "dimension", "count")}  # fmt: skip
    # Opening /check/ and the kept plan /check/notes/ count as visits to the check section
    # (usage.middleware); nothing else is kept.
    assert {cell: cells.pop(cell) for cell in list(cells) if cell[0] == "visit"} == {
        ("visit", ""): 2,
        ("visit", "section=check"): 2,
    }
    assert cells == {
        ("check_started", ""): 1,
        ("check_completed", ""): 1,
        ("check_band", "band=keep-an-eye"): 1,
        ("check_readiness", "band=ready-to-act"): 1,
        ("check_barrier", "barrier=dont-know-where"): 1,
        ("check_barrier", "barrier=police-court"): 1,
    }
    logged = "\n".join(f"{record.name} {record.getMessage()}" for record in caplog.records)
    for secret in ["once_or_twice", "not_sure", "police_court", "dont_know_where", "control_money",
                   state_of(result)[:20]]:  # fmt: skip
        assert secret not in logged


def test_counts_go_to_redis_when_it_is_there(client, q, clean_redis):
    walk(client, all_never(q, barriers=["cost"]))
    fields = set()
    for key in clean_redis.keys("pause:usage:*"):
        fields |= {field.decode() for field in clean_redis.hgetall(key)}
    assert fields - {"visit|", "visit|section=check"} == {
        "check_started|",
        "check_completed|",
        "check_band|band=nothing-now",
        "check_readiness|band=thinking-about-it",
        "check_barrier|barrier=cost",
    }
    assert not UsageCount.objects.exists()


# --- Hypothesis over the view -----------------------------------------------------------------------------

_q = questionnaire_current()
_HOME = next(step for step in _q.steps if step.id == "home")
_FIELD_NAMES = [question.id for question in _HOME.questions] + [
    "nav",
    "website",
    "readiness",
    "phys_neck",
    "x",
]
_FIELD_VALUES = st.one_of(
    st.sampled_from(["never", "once_or_twice", "sometimes", "often", "back", "next", "", "7"]),
    st.text(max_size=20),
    st.lists(st.sampled_from(["never", "often", "zzz"]), min_size=2, max_size=3),
)


class TestAnyPostIsAnsweredCalmly(HypothesisTestCase):
    @settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(
        data=st.dictionaries(st.sampled_from(_FIELD_NAMES), _FIELD_VALUES, max_size=12), mangle=st.booleans()
    )
    def test_any_post_to_a_step_gives_a_page_or_a_4xx_never_a_500(self, data, mangle):
        client = Client(raise_request_exception=False)
        response = walk(client, all_never(_q), stop_at="home")
        token = state_of(response)
        if mangle:
            token = token[::-1]
        response = client.post(WALK, {"state": token, **data})
        assert response.status_code in (200, 400)
        html = response.content.decode()
        if response.status_code == 200:
            # Either the same step again (with a message) or the next/previous step: never a result.
            assert re.search(r"Step [345] of 5", html)
            assert "data-selfcheck-result" not in html

    @settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(token=st.text(max_size=300))
    def test_any_state_text_gives_a_clear_400(self, token):
        response = Client(raise_request_exception=False).post(WALK, {"state": token, "nav": "next"})
        assert response.status_code == 400
