"""Scoring: a table of scenarios covering every band boundary, danger item, rule and readiness band."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from selfcheck import scoring
from selfcheck.questionnaire import questionnaire_v1
from selfcheck.scoring import InvalidAnswers, answers_validate, score
from selfcheck.tests.conftest import VALUE_KEYS, all_never


def freq(**values: int) -> dict[str, str]:
    return {qid: VALUE_KEYS[value] for qid, value in values.items()}


@pytest.fixture(autouse=True)
def _version_1(monkeypatch):
    """These scenarios hold version 1's scoring (still loadable); v2's profiles are in test_v2.py."""
    monkeypatch.setattr(scoring, "questionnaire_current", questionnaire_v1)


@pytest.fixture
def q():
    return questionnaire_v1()


CONTROL_ALL_OFTEN = freq(control_money=3, control_friends=3, control_going_out=3, control_decisions=3)

# (name, answers on top of all-never, expected total, expected band, expected fired rules)
SCENARIOS = [
    ("all never", {}, 0, "nothing-now", ()),
    # nothing-now | keep-an-eye at 0 | 1
    ("score 1: lowest keep-an-eye", freq(yell_shout=1), 1, "keep-an-eye", ()),
    ("score 2", freq(yell_shout=2), 2, "keep-an-eye", ()),
    # keep-an-eye | hurting at 8 | 9
    (
        "score 7",
        freq(yell_shout=2, putdown_names=1, monitor_jealous=2, monitor_phone=1),
        7,
        "keep-an-eye",
        (),
    ),
    (
        "score 8: top of keep-an-eye",
        freq(yell_shout=2, putdown_names=1, monitor_jealous=2, monitor_phone=1, putdown_blame=1),
        8,
        "keep-an-eye",
        (),
    ),
    ("score 9: lowest hurting", freq(yell_shout=3, putdown_names=3), 9, "hurting", ()),
    ("score 10", freq(yell_shout=3, putdown_names=3, monitor_phone=1), 10, "hurting", ()),
    # hurting | talk-this-week at 23 | 24
    ("score 22", {**CONTROL_ALL_OFTEN, **freq(monitor_phone=1)}, 22, "hurting", ()),
    ("score 23: top of hurting", {**CONTROL_ALL_OFTEN, **freq(monitor_tracking=1)}, 23, "hurting", ()),
    (
        "score 24: lowest talk-this-week",
        {**CONTROL_ALL_OFTEN, **freq(monitor_tracking=1, monitor_phone=1)},
        24,
        "talk-this-week",
        (),
    ),
    (
        "score 25",
        {**CONTROL_ALL_OFTEN, **freq(monitor_tracking=1, monitor_phone=1, monitor_calls=1)},
        25,
        "talk-this-week",
        (),
    ),
    # Rules
    ("weight-3 item once", freq(phys_push=1), 3, "hurting", ("severe_behaviour_any",)),
    (
        "physical sometimes",
        freq(phys_push=2),
        6,
        "talk-this-week",
        ("physical_or_sexual_sometimes", "severe_behaviour_any"),
    ),
    ("sexual weight-2 once", freq(sex_sulk=1), 2, "keep-an-eye", ()),
    ("sexual weight-2 sometimes", freq(sex_sulk=2), 4, "talk-this-week", ("physical_or_sexual_sometimes",)),
    ("partner afraid once", freq(family_partner_afraid=1), 3, "hurting", ("severe_behaviour_any",)),
    ("partner afraid sometimes", freq(family_partner_afraid=2), 6, "hurting", ("severe_behaviour_any",)),
    (
        "partner afraid often",
        freq(family_partner_afraid=3),
        9,
        "talk-this-week",
        ("partner_afraid_often", "severe_behaviour_any"),
    ),
    # Not scored: never raise the band
    (
        "every pressure often",
        {
            f"pressure_{k}": "often"
            for k in ("stress", "money_work", "separation", "drinking", "sleep", "low", "angry", "alone")
        },
        0,
        "nothing-now",
        (),
    ),
    ("afraid of partner often", {"afraid_of_partner": "often"}, 0, "nothing-now", ()),
    ("no kids in my life", {"kids_exposed": "no_children", "kids_used": "no_children"}, 0, "nothing-now", ()),
    ("readiness 10 alone", {"readiness": "10"}, 0, "nothing-now", ()),
    ("barriers alone", {"barriers": ["cost", "time", "privacy"]}, 0, "nothing-now", ()),
]


@pytest.mark.parametrize(
    ("name", "answers", "total", "band", "rules"), SCENARIOS, ids=[s[0] for s in SCENARIOS]
)
def test_scenarios(q, name, answers, total, band, rules):
    result = score(all_never(q, **answers))
    assert result.total == total
    assert result.band.key == band
    assert set(result.fired_rules) == set(rules)


def test_every_band_threshold_is_covered_by_the_table(q):
    totals = {scenario[2] for scenario in SCENARIOS}
    for band in q.bands:
        assert band.min_score in totals
        if band.min_score > 0:
            assert band.min_score - 1 in totals, f"just below {band.key}"
            assert band.min_score + 1 in totals, f"just above the start of {band.key}"


DANGER_ITEMS = [question.id for question in questionnaire_v1().questions.values() if question.danger]


def test_the_five_danger_items_are_the_ones_the_issue_names():
    assert set(DANGER_ITEMS) == {"threat_kill", "phys_neck", "phys_weapon", "now_hurt_someone", "now_suicide"}


@pytest.mark.parametrize("question_id", DANGER_ITEMS)
@pytest.mark.parametrize("position", [1, 2, -1])
def test_each_danger_item_alone_puts_safety_first(q, question_id, position):
    question = q.questions[question_id]
    key = question.scale.options[position].key  # "once or twice"/"not sure" ... "often"/"yes"
    result = score(all_never(q, **{question_id: key}))
    assert result.band.key == "talk-this-week"
    assert "any_danger" in result.fired_rules
    assert [d.id for d in result.danger] == [question_id]
    assert result.danger_notes == (q.danger.notes[question_id],)


@pytest.mark.parametrize("question_id", DANGER_ITEMS)
def test_danger_items_at_never_show_no_danger(q, question_id):
    result = score(all_never(q))
    assert not result.danger
    assert result.band.key == "nothing-now"


def test_all_never_is_nothing_now_with_nothing_to_show(q):
    result = score(all_never(q))
    assert (result.total, result.band.key, result.findings, result.danger) == (0, "nothing-now", (), ())
    assert not result.own_safety
    assert not result.barriers


def test_everything_often_is_the_top_band_with_every_rule(q):
    answers = all_never(
        q,
        **{
            qid: "often"
            for qid, question in q.questions.items()
            if question.scale.name.startswith("frequency")
        },
    )
    result = score(answers)
    assert result.total == 225
    assert result.band.key == "talk-this-week"
    assert set(result.fired_rules) == {rule.id for rule in q.rules}
    assert {finding.area.key for finding in result.findings} == {
        key for key, area in q.areas.items() if area.shows
    }


@pytest.mark.parametrize(
    ("value", "band"),
    [("0", "not-sure-yet"), ("3", "not-sure-yet"), ("4", "thinking-about-it"), ("6", "thinking-about-it"),
     ("7", "ready-to-act"), ("10", "ready-to-act")],
)  # fmt: skip
def test_readiness_boundaries(q, value, band):
    result = score(all_never(q, readiness=value))
    assert result.readiness_band.key == band
    assert result.band.key == "nothing-now", "readiness never changes the concern band"


@pytest.mark.parametrize(
    ("key", "shown"), [("never", False), ("sometimes", True), ("often", True), ("not_sure", True)]
)
def test_afraid_of_partner_routes_to_own_safety(q, key, shown):
    result = score(all_never(q, afraid_of_partner=key))
    assert result.own_safety is shown
    if shown:
        numbers = {contact.number for contact in q.own_safety.contacts}
        assert {"1300 78 99 78", "1800 737 732"} <= numbers


def test_barriers_come_back_in_questionnaire_order(q):
    result = score(all_never(q, barriers=["privacy", "cost", "dont_know_where"]))
    assert [b.key for b in result.barriers] == ["dont_know_where", "cost", "privacy"]


def test_area_findings_list_what_he_marked(q):
    result = score(all_never(q, **freq(monitor_phone=1, yell_shout=2)))
    assert [(f.area.key, [x.id for x in f.questions]) for f in result.findings] == [
        ("monitoring", ["monitor_phone"]),
        ("yelling", ["yell_shout"]),
    ]


def test_pressures_are_described_but_not_scored(q):
    result = score(all_never(q, pressure_low="sometimes"))
    assert [f.area.key for f in result.findings] == ["pressures"]
    assert result.band.key == "nothing-now"


def test_actions_follow_the_band_then_the_suggestion_rules(q):
    result = score(all_never(q, **freq(yell_shout=1), pressure_drinking="once_or_twice"))
    keys = [a.key for a in result.suggested_actions]
    assert keys[: len(q.band("keep-an-eye").actions)] == list(q.band("keep-an-eye").actions)
    assert "cut_drinking" in keys
    assert set(keys).isdisjoint(a.key for a in result.other_actions)
    assert set(keys) | {a.key for a in result.other_actions} == set(q.actions)


# --- Bad input ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"no_such_question": "never"}, "no_such_question"),
        ({"yell_shout": "always"}, "yell_shout"),  # out of range
        ({"yell_shout": 3}, "yell_shout"),  # a number, not an answer key
        ({"yell_shout": ["never", "often"]}, "yell_shout"),  # two answers to one question
        ({"readiness": "11"}, "readiness"),
        ({"readiness": "-1"}, "readiness"),
        ({"barriers": ["cost", "cost"]}, "barriers"),  # repeated
        ({"barriers": ["cost", "bribe"]}, "barriers"),
        ({"barriers": "cost"}, "barriers"),
    ],
)
def test_invalid_answers_are_refused(q, change, field):
    with pytest.raises(InvalidAnswers) as caught:
        score(all_never(q, **change))
    assert field in caught.value.errors


@pytest.mark.parametrize("missing", ["yell_shout", "readiness", "now_suicide", "afraid_of_partner"])
def test_a_missing_answer_is_refused(q, missing):
    answers = all_never(q)
    del answers[missing]
    with pytest.raises(InvalidAnswers) as caught:
        score(answers)
    assert caught.value.errors == {missing: "is missing"}


def test_the_optional_barriers_question_may_be_left_out(q):
    answers = all_never(q)
    del answers["barriers"]
    assert score(answers).barriers == ()


@pytest.mark.parametrize("raw", [None, [], "answers", 3, {1: "never"}, {None: None}])
def test_non_mappings_and_odd_keys_are_refused(raw):
    with pytest.raises(InvalidAnswers):
        score(raw)


def test_partial_answers_validate_without_complete(q):
    assert answers_validate({"yell_shout": "often"}, complete=False) == {"yell_shout": "often"}


_q = questionnaire_v1()
_KEYS = [*sorted(_q.questions), "other", "", "readiness ", "__proto__"]
_VALUES = st.one_of(
    st.sampled_from(sorted({o.key for s in _q.scales.values() for o in s.options})),
    st.text(max_size=12),
    st.integers(),
    st.none(),
    st.booleans(),
    st.lists(st.sampled_from(["cost", "time", "privacy", "never", "x"]), max_size=4),
    st.lists(st.integers(), max_size=2),
    st.dictionaries(st.text(max_size=3), st.text(max_size=3), max_size=2),
)


def _complete_valid():
    fields = {}
    for question in _q.questions.values():
        keys = [option.key for option in question.scale.options]
        if question.multiple:
            fields[question.id] = st.lists(st.sampled_from(keys), unique=True)
        else:
            fields[question.id] = st.sampled_from(keys)
    return st.fixed_dictionaries(fields)


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(st.dictionaries(st.sampled_from(_KEYS), _VALUES, max_size=60), _complete_valid()))
def test_any_answers_either_score_deterministically_or_are_refused(raw):
    try:
        first = score(raw)
    except InvalidAnswers as error:
        assert error.errors
        return
    assert score(dict(raw)) == first
    assert first.band.rank >= first.score_band.rank


@settings(max_examples=200)
@given(_complete_valid())
def test_every_complete_valid_set_scores(raw):
    result = score(raw)
    assert result.band.key in {band.key for band in _q.bands}
    assert bool(result.danger) == ("any_danger" in result.fired_rules)
