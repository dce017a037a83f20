from __future__ import annotations

import pytest

from selfcheck.questionnaire import questionnaire_current


@pytest.fixture(scope="session")
def q():
    return questionnaire_current()


def all_never(q, **overrides) -> dict:
    """A complete set of answers: every one-answer question at its first option ("never"/"no"/0)."""
    answers = {}
    for question in q.questions.values():
        if question.multiple:
            answers[question.id] = []
        else:
            answers[question.id] = question.scale.options[0].key
    answers[q.readiness_question] = "5"
    answers.update(overrides)
    return answers


VALUE_KEYS = {0: "never", 1: "once_or_twice", 2: "sometimes", 3: "often"}
