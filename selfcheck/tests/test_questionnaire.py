"""The shipped questionnaire validates, and a malformed one fails with a message naming file and key."""

from __future__ import annotations

import copy
import datetime

import pytest
import textstat
import yaml

from selfcheck import forms as selfcheck_forms
from selfcheck.questionnaire import CURRENT_FILE as V2_FILE
from selfcheck.questionnaire import V1_FILE, QuestionnaireError, questionnaire_load, questionnaire_parse

# Version 1 is no longer served (v2 is, selfcheck/tests/test_v2.py) but stays loadable; these tests hold
# the parser to it. The reading-level test covers both files.
CURRENT_FILE = V1_FILE

MAX_GRADE = 8


@pytest.fixture(scope="module")
def raw():
    return yaml.safe_load(CURRENT_FILE.read_text())


def test_the_shipped_file_validates():
    q = questionnaire_load(path=CURRENT_FILE)
    assert q.id == "selfcheck-v1"
    assert len(q.steps) == 8
    assert len(q.questions) == 47
    assert sum(1 for question in q.questions.values() if question.scored) == 34
    assert sum(question.weight for question in q.questions.values() if question.scored) == 75
    assert [band.key for band in q.bands] == ["nothing-now", "keep-an-eye", "hurting", "talk-this-week"]


def test_every_fact_carries_its_source_and_date():
    q = questionnaire_load(path=CURRENT_FILE)
    for contact in q.contacts.values():
        assert contact.source_url.startswith("https://")
        assert contact.verified == datetime.date(2026, 11, 28)
    numbers = {contact.key: contact.number for contact in q.contacts.values()}
    assert numbers == {
        "emergency": "000",
        "mens_referral_service": "1300 766 491",
        "mensline": "1300 78 99 78",
        "lifeline": "13 11 14",
        "respect_1800": "1800 737 732",
    }
    assert [c.key for c in q.danger.contacts] == [
        "emergency",
        "mens_referral_service",
        "mensline",
        "lifeline",
    ]


def _mutate(raw, change):
    data = copy.deepcopy(raw)
    change(data)
    return data


MUTATIONS = [
    (
        "unknown scale",
        lambda d: d["steps"][2]["questions"][0].update(scale="frequncy"),
        "steps[2].questions[0].scale",
    ),
    ("missing text", lambda d: d["steps"][0]["questions"][1].pop("text"), "steps[0].questions[1].text"),
    (
        "typo in a key",
        lambda d: d["steps"][0]["questions"][0].update(wieght=2),
        "steps[0].questions[0].wieght",
    ),
    (
        "weight as text",
        lambda d: d["steps"][0]["questions"][0].update(weight="2"),
        "steps[0].questions[0].weight",
    ),
    (
        "unknown area",
        lambda d: d["steps"][1]["questions"][0].update(area="words"),
        "steps[1].questions[0].area",
    ),
    ("duplicate id", lambda d: d["steps"][0]["questions"][1].update(id="control_money"), "question ids"),
    ("band gap", lambda d: d["scoring"]["bands"][2].update(min_score=10), "scoring.bands[2].min_score"),
    ("rule to no band", lambda d: d["scoring"]["rules"][0].update(band_at_least="call-now"), "band_at_least"),
    (
        "rule on no question",
        lambda d: d["scoring"]["rules"][2]["when"].update(questions=["nope"]),
        "questions[0]",
    ),
    ("unknown contact", lambda d: d["danger"].update(contacts=["emergency", "batman"]), "danger.contacts[1]"),
    ("unknown action", lambda d: d["results"]["bands"]["hurting"].update(actions=["fly"]), "actions[0]"),
    ("readiness gap", lambda d: d["readiness"]["bands"][1].update(min=5), "readiness.bands[1].min"),
    (
        "bad verified date",
        lambda d: d["contacts"]["mensline"].update(verified="last week"),
        "contacts.mensline.verified",
    ),
    (
        "external link",
        lambda d: d["actions"]["find_program"].update(link="https://example.com/"),
        "actions.find_program.link",
    ),
    ("barrier missing", lambda d: d["barriers"]["items"].pop("cost"), "barriers.items"),
    ("empty paragraph", lambda d: d["intro"].update(body=["Fine.", ""]), "intro.body[1]"),
    ("not a mapping", lambda d: d.update(intro=["x"]), "intro"),
]


@pytest.mark.parametrize(("name", "change", "where"), MUTATIONS, ids=[m[0] for m in MUTATIONS])
def test_a_malformed_file_names_the_file_and_the_key(raw, name, change, where):
    with pytest.raises(QuestionnaireError) as caught:
        questionnaire_parse(_mutate(raw, change), source="v1.yaml")
    message = str(caught.value)
    assert message.startswith("v1.yaml: ")
    assert where in message


def test_unreadable_and_invalid_yaml_files_are_clear(tmp_path):
    with pytest.raises(QuestionnaireError, match=r"v9\.yaml: cannot be read"):
        questionnaire_load(path=tmp_path / "v9.yaml")
    bad = tmp_path / "v2.yaml"
    bad.write_text("steps: [unclosed")
    with pytest.raises(QuestionnaireError, match=r"v2\.yaml: is not valid YAML"):
        questionnaire_load(path=bad)
    bad.write_text("- just a list")
    with pytest.raises(QuestionnaireError, match=r"v2\.yaml: .*expected a mapping"):
        questionnaire_load(path=bad)


# --- Reading level -----------------------------------------------------------------------------------


@pytest.mark.parametrize("path", [V1_FILE, V2_FILE], ids=["v1", "v2"])
def test_every_questionnaire_string_reads_at_grade_8_or_below(path):
    q = questionnaire_load(path=path)
    texts = q.reading_texts()
    assert len(texts) > 250
    too_hard = [(where, text, textstat.flesch_kincaid_grade(text)) for where, text in texts
                if textstat.flesch_kincaid_grade(text) > MAX_GRADE]  # fmt: skip
    assert not too_hard


def test_form_messages_read_at_grade_8_or_below():
    messages = [selfcheck_forms.MISSING_ANSWER, "Please pick only one answer.", "Please pick one of the answers shown.",
                "Please pick only from the choices shown.",
                "This page sent an answer we don't know. Please answer the questions shown."]  # fmt: skip
    assert not [m for m in messages if textstat.flesch_kincaid_grade(m) > MAX_GRADE]


# --- v2 keys added after the practitioner review ------------------------------------------------------

V2_MUTATIONS = [
    (
        "band rule with when and all",
        lambda d: d["scoring"]["rules"][-1].update(when={"questions": ["control_open"], "min_value": 1}),
        "needs exactly one of when or all",
    ),
    (
        "band rule all: unknown question",
        lambda d: d["scoring"]["rules"][-1]["all"][0].update(questions=["nope"]),
        "'nope' is not one of the question ids",
    ),
    (
        "order warning alone",
        lambda d: d["timeout_plan"].pop("order_when"),
        "order_warning and order_when go together",
    ),
    (
        "unknown next-step case",
        lambda d: d["next_step"]["cases"][1].update(when="suicide_and_dogs"),
        "must be danger",
    ),
    (
        "empty shared sentence",
        lambda d: d["danger_rules"]["rules"][-6].update(shared=""),
        "must be non-empty text",
    ),
    (
        "contact not in the registry",
        lambda d: d["contacts"]["mensline"].update(registry="no-such-line"),
        "is not a contact in the registry",
    ),
    (
        "withheld contact",
        lambda d: d["contacts"]["mensline"].update(registry="wa-mens-dv-helpline"),
        "is withheld in the contact registry",
    ),
    (
        "a registry contact typing its own number",
        lambda d: d["contacts"]["mensline"].update(number="1300 000 000"),
        "number",
    ),
    (
        "suicide-only unknown contact",
        lambda d: d["results"]["suicide_only"].update(contacts=["batman"]),
        "batman",
    ),
]


@pytest.mark.parametrize(("name", "change", "message"), V2_MUTATIONS, ids=[m[0] for m in V2_MUTATIONS])
def test_a_malformed_v2_file_is_refused_with_a_clear_message(name, change, message):
    raw = yaml.safe_load(V2_FILE.read_text())
    with pytest.raises(QuestionnaireError) as caught:
        questionnaire_parse(_mutate(raw, change), source="v2.yaml")
    assert message in str(caught.value)


def test_v2_numbers_hours_and_sources_come_from_the_contact_registry():
    """One source of truth (issue 16): every number the self-check shows is the registry's, with its source
    and date; a line whose hours the registry has not confirmed never claims hours."""
    from services_directory.contacts import contact

    q = questionnaire_load(path=V2_FILE)
    raw = yaml.safe_load(V2_FILE.read_text())
    for key, node in raw["contacts"].items():
        assert set(node) <= {"name", "registry", "when", "what"}, key
        fact = contact(key=node["registry"])
        shown = q.contacts[key]
        assert fact.is_shown
        assert (shown.number, shown.source_url, shown.verified) == (
            fact.number,
            fact.source_url,
            fact.verified_on,
        )
        if not fact.hours_confirmed:
            assert shown.when == "Hours not confirmed. Call to check."
