"""Self-check v2 (issue 18): danger rules, the next-step box, adaptive pages, the plan he can keep, and
replays. The profile table is the one from the issue; each row states the band, the first number and
the first heading he sees."""

from __future__ import annotations

import base64
import re
from html import unescape

import pytest
from django.core import signing
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase as HypothesisTestCase

from selfcheck.forms import STATE_SALT
from selfcheck.keep import plan_fragment, plan_fragment_read
from selfcheck.questionnaire import questionnaire_current, questionnaire_v1
from selfcheck.scoring import score
from selfcheck.tests.conftest import all_never
from selfcheck.tests.test_views import START, WALK, page_questions, page_step, state_of, walk
from usage.models import UsageCount

pytestmark = pytest.mark.django_db

NOTES, DOWNLOAD = "/check/notes/", "/check/notes.txt"
TODAY = "Please talk to someone today"

# name, answers on top of "never" to everything, band, first number (contact id), first heading
PROFILES = [
    ("nothing at all", {}, "nothing-now", "mensline", "Keep checking in"),
    ("mild", {"words_open": "once_or_twice", "yell_shout": "once_or_twice"},
     "keep-an-eye", "mensline", "Talk it over with someone"),
    ("coercive control only",
     {"control_open": "often", "control_money": "sometimes", "control_body": "sometimes", "family_eggshells": "often"},
     "hurting", "mens_referral_service", "Talk to someone this week"),
    ("separated and monitoring",
     {"separation": "separated", "monitor_open": "often", "monitor_calls": "often", "monitor_jealous": "often"},
     "talk-today", "mens_referral_service", TODAY),
    ("strangulation once", {"physical_open": "once_or_twice", "phys_neck": "once_or_twice"},
     "talk-today", "mens_referral_service", TODAY),
    ("suicidal only", {"now_suicide": "yes"}, "nothing-now", "lifeline", TODAY),
    ("also being hurt", {"afraid_of_partner": "often", "words_open": "sometimes", "yell_shout": "sometimes"},
     "keep-an-eye", "mensline", "Talk it over with someone"),
    ("not sure he is safe tonight", {"now_hurt_someone": "not_sure"}, "talk-today", "mens_referral_service", TODAY),
    ("with kids", {"has_kids": "yes", "kids_open": "sometimes", "kids_exposed": "sometimes",
                   "family_kids_quiet": "sometimes"},
     "hurting", "mens_referral_service", "Talk to someone this week"),
    ("a child hurt", {"has_kids": "yes", "kids_open": "once_or_twice", "kids_harm": "once_or_twice"},
     "talk-today", "mens_referral_service", TODAY),
    ("with an order", {"court_order": "yes", "words_open": "once_or_twice"},
     "keep-an-eye", "mens_referral_service", "Get help while there is an order"),
    ("with an order, broken", {"court_order": "yes", "order_breach": "yes"},
     "talk-today", "mens_referral_service", TODAY),
    ("hit once", {"physical_open": "once_or_twice", "phys_hit": "once_or_twice"},
     "talk-today", "mens_referral_service", TODAY),
    ("first-time physical", {"physical_open": "once_or_twice", "phys_push": "once_or_twice"},
     "hurting", "mens_referral_service", "Talk to someone this week"),
    ("sexual force once", {"sex_open": "once_or_twice", "sex_force": "once_or_twice"},
     "talk-today", "mens_referral_service", TODAY),
    ("suicide threats as leverage", {"fear_open": "once_or_twice", "threat_self_harm": "once_or_twice"},
     "talk-today", "mens_referral_service", TODAY),
    ("talking of a split, tracking", {"separation": "talking", "monitor_open": "sometimes",
                                      "monitor_tracking": "once_or_twice"},
     "talk-today", "mens_referral_service", TODAY),
    ("pregnant partner, pushed", {"physical_open": "once_or_twice", "phys_push": "once_or_twice", "pregnant": "yes"},
     "talk-today", "mens_referral_service", TODAY),
    ("gun and threats", {"fear_open": "once_or_twice", "threat_hurt": "once_or_twice", "gun": "yes"},
     "talk-today", "mens_referral_service", TODAY),
    ("getting worse", {"words_open": "often", "yell_shout": "often", "escalation": "yes"},
     "talk-today", "mens_referral_service", TODAY),
]  # fmt: skip
IDS = [row[0] for row in PROFILES]


def _main(html: str) -> str:
    return html[html.index("<main") : html.index("</main>")]


@pytest.mark.parametrize(("name", "extra", "band", "number", "heading"), PROFILES, ids=IDS)
def test_profile_scores_to_its_band_number_and_heading(q, name, extra, band, number, heading):
    result = score(all_never(q, **extra))
    assert (result.band.key, result.first_contact.key, result.next_step.heading) == (band, number, heading)


@pytest.mark.parametrize(("name", "extra", "band", "number", "heading"), PROFILES, ids=IDS)
def test_profile_over_http_opens_with_its_next_step(client, q, name, extra, band, number, heading):
    html = _main(walk(client, all_never(q, **extra)).content.decode())
    first_heading = re.search(r"<h1[^>]*>(.*?)</h1>", html, re.S).group(1)
    assert unescape(first_heading.strip()) == heading
    assert html.index("next-step") < html.index("<h1")
    call = re.search(r'class="button call-button" href="tel:(\d+)"', html).group(1)
    assert call == q.contacts[number].tel
    assert q.band(band).title in html
    if heading == TODAY:
        # 000 guidance and the "today" call come before anything else.
        assert html.index('href="tel:000"') < html.index("call-button") < html.index("result__band")
        below = html[html.index("result__band") :]
        for phrase in ("this week", "come back to this any time", "come back any time"):
            assert phrase not in below.lower()


def test_suicide_only_leads_with_lifeline_and_not_a_program(q):
    result = score(
        all_never(q, now_suicide="yes", words_open="often", putdown_names="often", yell_shout="often")
    )
    assert result.suicide_only and result.band.key == "hurting"
    assert [c.key for c in result.next_step.contacts] == ["lifeline", "mensline"]
    assert result.suggested_actions[0].key == "call_lifeline"
    assert "find_program" not in [a.key for a in result.suggested_actions[:2]]
    assert "could be badly hurt" not in " ".join(result.next_step.text for _ in [0])


def test_suicide_with_danger_is_not_suicide_only(q):
    result = score(all_never(q, now_suicide="yes", physical_open="once_or_twice", phys_neck="once_or_twice"))
    assert not result.suicide_only and result.first_contact.key == "mens_referral_service"
    assert {"suicide_thoughts", "strangulation"} <= {rule.id for rule in result.danger_rules}


def test_separation_alone_is_not_danger_but_with_jealousy_it_is(q):
    assert not score(all_never(q, separation="separated")).danger_rules
    once = score(
        all_never(q, separation="separated", monitor_open="once_or_twice", monitor_jealous="once_or_twice")
    )
    assert not once.danger_rules
    often = score(all_never(q, separation="separated", monitor_open="often", monitor_jealous="sometimes"))
    assert [rule.id for rule in often.danger_rules] == ["separation_and_jealousy"]


def test_own_safety_reflects_his_answer_and_never_reassures_after_choking(client, q):
    html = walk(client, all_never(q, afraid_of_partner="often")).content.decode()
    assert "You said you are often afraid" in html
    assert "hard to tell who is hurting whom" not in html
    serious = walk(client, all_never(q, afraid_of_partner="sometimes", physical_open="once_or_twice",
                                     phys_neck="once_or_twice")).content.decode()  # fmt: skip
    assert "You said you are sometimes afraid" in serious
    assert "does not make that safe or OK" in serious


def test_a_partner_who_keeps_the_peace_is_named_as_fear(client, q):
    html = walk(client, all_never(q, family_eggshells="often")).content.decode()
    assert "it is a sign they are afraid of you" in html


def test_time_out_steps_warn_a_man_with_an_order(client, q):
    html = walk(client, all_never(q, words_open="once_or_twice")).content.decode()
    section = html[html.index('id="time-out"') :]
    assert "Breaking an order is a crime" in section
    assert section.index("Breaking an order") < section.index("Plan it when things are calm")
    assert "Not if an order says no contact." in section


def test_the_confidentiality_box_covers_every_scheme(client, q):
    html = walk(client, all_never(q)).content.decode()
    box = html[html.index('id="who-hears"') :]
    for words in ("New South Wales and Queensland", "In Victoria", "Northern Territory", "In the ACT",
                  "child protection", "contact your partner or ex-partner"):  # fmt: skip
        assert words in box


# --- Adaptive pages, progress, taps -------------------------------------------------------------------


def _taps_for(client, answers) -> tuple[int, list[str]]:
    """Taps as the issue counts them: one per answer (the optional list counted as one) plus each button."""
    taps = 1  # Start the check
    response = client.post(WALK, {"state": state_of(client.get(START)), "nav": "next"})
    seen = []
    while b"data-selfcheck-result" not in response.content:
        html = response.content.decode()
        assert re.search(r"Step \d+ of \d+ <progress", html), "every step shows its progress"
        names = page_questions(response)
        seen.append(page_step(response))
        taps += len(names) + 1  # each answer + Next / See my result
        data = {name: answers[name] for name in names}
        response = client.post(WALK, {"state": state_of(response), "nav": "next", **data})
        assert len(seen) < 20
    return taps, seen


def test_the_mildest_path_takes_at_most_25_taps(client, q):
    taps, pages = _taps_for(client, all_never(q))
    assert taps <= 25, (taps, pages)
    assert pages == ["right_now", "about", "openers", "home", "next"]
    with_kids, _ = _taps_for(Client(), all_never(q, has_kids="yes"))
    assert with_kids <= 25


def test_never_to_an_opening_question_skips_its_follow_ups(client, q):
    _, pages = _taps_for(client, all_never(q, words_open="sometimes", physical_open="once_or_twice"))
    assert pages == ["right_now", "about", "openers", "words", "physical", "home", "next"]


def test_right_now_answers_route_at_once(client, q):
    response = walk(client, all_never(q, now_suicide="yes"), stop_at="about")
    html = response.content.decode()
    assert page_step(response) == "about"
    assert html.index("Please talk to someone now") < html.index("<h1")
    assert f'href="tel:{q.contacts["lifeline"].tel}"' in html


def test_a_stale_follow_up_answer_is_dropped_when_the_opener_changes(q):
    # He said "often" to a follow-up, then went back and said "never" to its opener.
    result = score(all_never(q, physical_open="never", phys_neck="often"))
    assert not result.danger_rules and result.band.key == "nothing-now"


# --- Bad input: cross-version, tampered, expired ----------------------------------------------------------


def test_a_v1_state_posted_to_v2_gives_a_clear_message_and_a_fresh_start(client):
    v1 = questionnaire_v1()
    token = signing.dumps(
        {"v": v1.id, "s": 3, "a": {"control_money": "often"}}, salt=STATE_SALT, compress=True
    )
    response = client.post(WALK, {"state": token, "nav": "next"})
    html = response.content.decode()
    assert response.status_code == 400
    assert "Please start the check again" in html
    assert 'href="/check/"' in html


def test_v1_still_loads_and_scores(q):
    v1 = questionnaire_v1()
    assert v1.id == "selfcheck-v1" and not v1.danger_rules
    result = score(all_never(v1, phys_neck="once_or_twice"), questionnaire=v1)
    assert result.band.key == "talk-this-week" and result.danger


def test_an_expired_state_starts_again(client, q, settings):
    response = walk(client, all_never(q), stop_before=2)
    token = state_of(response)
    settings.SECRET_KEY = settings.SECRET_KEY  # same key, but pretend a day passed:
    from selfcheck import forms

    old = forms.STATE_MAX_AGE
    forms.STATE_MAX_AGE = -1
    try:
        assert client.post(WALK, {"state": token, "nav": "next"}).status_code == 400
    finally:
        forms.STATE_MAX_AGE = old


# --- Replays count once ----------------------------------------------------------------------------------


def test_replaying_the_last_page_does_not_count_twice(client, q):
    answers = all_never(q)
    last = walk(client, answers, stop_at="next")
    data = {"state": state_of(last), "nav": "next", **{n: answers[n] for n in page_questions(last)}}
    before = _completed()
    first = client.post(WALK, data)
    again = client.post(WALK, data)
    assert b"data-selfcheck-result" in first.content and b"data-selfcheck-result" in again.content
    assert _completed() - before == 1
    # Change my answers, then finish again: still the same walk, still one.
    back = client.post(WALK, {"state": state_of(again), "nav": "back"})
    client.post(
        WALK, {"state": state_of(back), "nav": "next", **{n: answers[n] for n in page_questions(back)}}
    )
    assert _completed() - before == 1
    # A new walk counts.
    walk(Client(), answers)
    assert _completed() - before == 2


def _completed() -> int:
    from django.conf import settings

    from usage.counter import redis_client

    if settings.REDIS_URL:
        total = 0
        for key in redis_client().keys("pause:usage:*"):
            total += int(redis_client().hget(key, "check_completed|") or 0)
        return total
    return sum(UsageCount.objects.filter(event="check_completed").values_list("count", flat=True))


# --- Keeping the plan ------------------------------------------------------------------------------------


def test_the_kept_link_holds_the_plan_only_in_the_fragment(client, q):
    html = walk(client, all_never(q, now_suicide="yes")).content.decode()
    href = re.search(r'href="(/check/notes/[^"]*)"', html).group(1)
    path, fragment = href.split("#")
    assert path == NOTES and "?" not in href
    # Not readable at a glance: no step name or number in the address.
    assert "lifeline" not in fragment.lower() and "crisis" not in fragment.lower()
    assert base64.urlsafe_b64decode(fragment + "==").decode().startswith("2~")
    actions, today = plan_fragment_read(fragment=fragment, questionnaire=q)
    assert actions[0].key == "call_lifeline" and today


def test_the_notes_page_is_the_same_whatever_the_fragment(client, q):
    # The server only ever gets the path; the page it sends holds every step as a template and no plan.
    plain = client.get(NOTES)
    assert plain.status_code == 200
    html = plain.content.decode()
    assert "<title>Notes</title>" in html
    assert html.count("<template data-keep-action=") == len(q.actions)
    assert "selfcheck-keep.js" in html
    assert "no-store" not in plain["Cache-Control"]  # Back to it works
    assert not plain.cookies


@pytest.mark.parametrize("fragment", ["", "xx", "!!", "Mn4", "MX4wfg", "Mn45OTl-", "Mn4wLjB-"])
def test_a_bad_fragment_is_refused(q, fragment):
    assert plan_fragment_read(fragment=fragment, questionnaire=q) is None


def test_every_plan_round_trips(q):
    for _, extra, *_ in PROFILES:
        result = score(all_never(q, **extra))
        actions, today = plan_fragment_read(
            fragment=plan_fragment(result=result, questionnaire=q), questionnaire=q
        )
        assert actions == list(result.suggested_actions) and today == result.urgent


def test_the_download_is_plain_text_with_a_neutral_name(client, q):
    result = walk(client, all_never(q, words_open="once_or_twice", yell_shout="once_or_twice"))
    response = client.post(DOWNLOAD, {"state": state_of(result)})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    assert response["Content-Disposition"] == 'attachment; filename="notes.txt"'
    assert "no-store" in response["Cache-Control"]
    text = response.content.decode()
    assert text.startswith("Notes\n")
    assert q.contacts["mensline"].number in text
    assert client.post(DOWNLOAD, {"state": "tampered"}).status_code == 400
    assert client.get(DOWNLOAD).status_code == 302


def test_every_plan_step_links_to_its_action(client, q):
    html = walk(client, all_never(q, words_open="often", yell_shout="often", physical_open="once_or_twice",
                                   phys_push="sometimes", pressure_open="sometimes", pressure_drinking="sometimes",
                                   pressure_low="often", pressure_alone="often")).content.decode()  # fmt: skip
    plan = html[html.index('id="plan"') : html.index('class="keep')]
    for item in plan.split("<li>")[1:]:
        assert 'href="tel:' in item or 'href="/' in item or 'href="#' in item or 'name="near"' in item, item


# --- Content rules ------------------------------------------------------------------------------------


def test_no_number_is_typed_into_free_text_and_no_she_or_her(q):
    for where, text in q.reading_texts():
        assert not re.search(r"\b(she|her|hers|herself)\b", text, re.I), where
        if not where.startswith(("contacts.", "scales.readiness")):
            assert not re.search(r"\b1[38]\d{2}\b|\b13 ?\d{2} ?\d{2}\b|\b\d{3} \d{3}\b", text), where


def test_thirteen_hundred_numbers_are_never_called_free(q):
    for contact in q.contacts.values():
        if contact.tel.startswith("13"):
            assert "free" not in contact.cost.lower() and "free" not in contact.what.lower()


# --- Hypothesis: any tampered, truncated, replayed or cross-version state --------------------------------

_Q = questionnaire_current()
_V1 = questionnaire_v1()
_V1_ANSWERS = st.dictionaries(
    st.sampled_from(list(_V1.questions)), st.sampled_from(["never", "often", "no", "yes", "5"]), max_size=8
)


class TestAnyStateIsAnsweredCalmly(HypothesisTestCase):
    @settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(
        cut=st.integers(min_value=0, max_value=400),
        flip=st.integers(min_value=0, max_value=400),
        how=st.sampled_from(["truncate", "flip", "replay", "v1"]),
        v1_answers=_V1_ANSWERS,
        v1_step=st.integers(min_value=0, max_value=9),
        target=st.sampled_from([WALK, DOWNLOAD]),
    )
    def test_a_bad_state_gives_a_clear_message_and_a_fresh_start(
        self, cut, flip, how, v1_answers, v1_step, target
    ):
        client = Client(raise_request_exception=False)
        response = walk(client, all_never(_Q), stop_at="openers")
        token = state_of(response)
        if how == "truncate":
            token = token[: cut % len(token)]
        elif how == "flip":
            index = flip % len(token)
            token = token[:index] + ("x" if token[index] != "x" else "y") + token[index + 1 :]
        elif how == "v1":
            token = signing.dumps(
                {"v": _V1.id, "s": v1_step, "a": v1_answers}, salt=STATE_SALT, compress=True
            )
        if how == "replay":
            target = WALK
        response = client.post(target, {"state": token, "nav": "next"})
        if how == "replay":
            # The same page posted again is answered like the first time: a page, never an error.
            assert response.status_code == 200
            again = client.post(target, {"state": token, "nav": "next"})
            assert again.status_code == 200
            return
        assert response.status_code == 400
        html = response.content.decode()
        assert "Please start the check again" in html and 'href="/check/"' in html


def test_nothing_on_the_result_page_leaves_its_tab(client, q):
    """Back must never land on the POSTed result (decision 0020a): every way out of the plan and the result
    opens a new tab, calls, downloads, or posts the signed state (the check's own Back)."""
    html = _main(walk(client, all_never(q, words_open="often", yell_shout="often", afraid_of_partner="often",
                                         pressure_open="often", pressure_drinking="often",
                                         barriers=["dont_know_where"])).content.decode())  # fmt: skip
    body = html[: html.index('class="helpful')]
    for tag in re.findall(r"<a [^>]*>", body):
        href = re.search(r'href="([^"]*)"', tag).group(1)
        if href.startswith(("tel:", "#")):
            continue
        assert 'target="_blank"' in tag, tag
    for form in re.findall(r'<form method="get"[^>]*>', body):
        assert 'target="_blank"' in form, form


class TestAnyFragmentIsReadCalmly(HypothesisTestCase):
    @settings(max_examples=200, deadline=None)
    @given(fragment=st.text(max_size=250))
    def test_any_fragment_is_a_plan_or_none(self, fragment):
        read = plan_fragment_read(fragment=fragment, questionnaire=_Q)
        assert read is None or all(action in _Q.actions.values() for action in read[0])


def test_with_an_order_the_plan_leads_with_the_order_steps(q):
    result = score(all_never(q, court_order="yes", words_open="once_or_twice", yell_shout="once_or_twice"))
    assert [action.key for action in result.suggested_actions[:2]] == ["call_mrs", "order_help"]


def test_danger_tonight_leads_the_plan_with_a_safe_night(q):
    result = score(all_never(q, now_hurt_someone="yes"))
    assert result.suggested_actions[0].key == "safe_tonight"
