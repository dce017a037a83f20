"""Forms for the self-check, built from the questionnaire: one form per step, plus "did this help?".

Earlier answers travel in one hidden field, `state`, signed with Django's signing (SECRET_KEY), so a
changed value is detected. Nothing is kept on the server between pages.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from django import forms
from django.core import signing

from config.antispam import AntiSpamFormMixin
from selfcheck.questionnaire import Question, Questionnaire, Step
from selfcheck.scoring import Answers, InvalidAnswers, answers_shown, answers_validate, step_questions

STATE_SALT = "selfcheck.state"
# A page left open longer than this asks him to start again. It also bounds how long the one-time
# completion marker (selfcheck.services) must live to stop a replayed last page counting twice.
STATE_MAX_AGE = 24 * 60 * 60
# Fields every step page sends besides its questions.
KNOWN_FIELDS = frozenset({"state", "nav"})
MISSING_ANSWER = "Please pick an answer to this question."


class BadState(ValueError):
    """The hidden state is missing, changed or from another version of the check."""


@dataclass(frozen=True)
class State:
    step: int  # the page that posted: 0 the intro, 1..N a step, N + 1 the result
    answers: Answers
    # One random value per walk through the check (v2), so a replayed last page counts once. It says
    # nothing about him or his answers.
    nonce: str = ""


def nonce_new() -> str:
    return secrets.token_urlsafe(16)


def state_sign(*, state: State, questionnaire: Questionnaire) -> str:
    payload = {"v": questionnaire.id, "s": state.step, "a": {k: list(v) if isinstance(v, tuple) else v
                                                             for k, v in state.answers.items()}}  # fmt: skip
    if state.nonce:
        payload["n"] = state.nonce
    return signing.dumps(payload, salt=STATE_SALT, compress=True)


def state_read(*, token: str, questionnaire: Questionnaire) -> State:
    """Check the signature and every carried answer. Raises BadState."""
    if not token or len(token) > 20_000:
        raise BadState("missing")
    try:
        payload = signing.loads(token, salt=STATE_SALT, max_age=STATE_MAX_AGE)
    except signing.SignatureExpired as error:
        raise BadState("expired") from error
    except (signing.BadSignature, ValueError, TypeError, OverflowError) as error:
        raise BadState("signature") from error
    if not isinstance(payload, dict) or payload.get("v") != questionnaire.id:
        raise BadState("version")
    step = payload.get("s")
    if isinstance(step, bool) or not isinstance(step, int) or not 0 <= step <= len(questionnaire.steps) + 1:
        raise BadState("step")
    try:
        answers = answers_validate(payload.get("a"), questionnaire=questionnaire, complete=False)
    except InvalidAnswers as error:
        raise BadState("answers") from error
    nonce = payload.get("n", "")
    if not isinstance(nonce, str) or len(nonce) > 64:
        raise BadState("nonce")
    return State(step, answers, nonce)


@dataclass(frozen=True)
class ChoiceView:
    position: int  # 1-based: the input's id is id_<name>_<position>, as crispy-forms-gds writes it
    value: str
    label: str
    checked: bool


@dataclass(frozen=True)
class QuestionView:
    name: str
    label: str
    multiple: bool
    errors: list[str]
    choices: list[ChoiceView]


def _field(question: Question) -> forms.Field:
    choices = [(option.key, option.label) for option in question.scale.options]
    if question.multiple:
        return forms.MultipleChoiceField(
            label=question.text,
            choices=choices,
            required=False,
            widget=forms.CheckboxSelectMultiple,
            error_messages={"invalid_choice": "Please pick only from the choices shown."},
        )
    return forms.ChoiceField(
        label=question.text,
        choices=choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": MISSING_ANSWER,
            "invalid_choice": "Please pick one of the answers shown.",
        },
    )


class StepForm(forms.Form):
    """The questions of one step. Built per step by `step_form`."""

    step: Step
    shown: tuple[Question, ...]  # the questions of this page that are asked (v2 skips follow-ups)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for question in self.shown:
            self.fields[question.id] = _field(question)

    def questions(self) -> list[QuestionView]:
        """The questions as plain values for templates/selfcheck/_questions.html.

        That template writes the GOV.UK Design System radios and checkboxes markup that crispy-forms-gds
        would, in one pass: rendering this form through crispy's nested templates was two thirds of a
        self-check step's time, and the steps are a third of the site's requests (docs/performance.md).
        """
        views = []
        for question in self.shown:
            value = self[question.id].value()
            values = value if isinstance(value, list | tuple) else [] if value in (None, "") else [value]
            chosen = {str(v) for v in values}
            views.append(
                QuestionView(
                    name=question.id,
                    label=self.fields[question.id].label,
                    multiple=question.multiple,
                    errors=list(self.errors.get(question.id, [])) if self.is_bound else [],
                    choices=[
                        ChoiceView(position, option.key, option.label, option.key in chosen)
                        for position, option in enumerate(question.scale.options, start=1)
                    ],
                )
            )
        return views

    def clean(self):
        cleaned = super().clean()
        # A repeated field (two values for a one-answer question) is tampering or a broken client.
        getlist = getattr(self.data, "getlist", None)
        if getlist is None:
            return cleaned
        for question in self.shown:
            if not question.multiple and len(getlist(question.id)) > 1:
                self.add_error(question.id, "Please pick only one answer.")
        unknown = set(self.data) - set(self.fields) - KNOWN_FIELDS
        if unknown:
            raise forms.ValidationError(
                "This page sent an answer we don't know. Please answer the questions shown."
            )
        return cleaned

    def answers(self) -> Answers:
        out: Answers = {}
        for question in self.shown:
            value = self.cleaned_data.get(question.id)
            if question.multiple:
                out[question.id] = tuple(value or ())
            elif value:
                out[question.id] = value
        return out

    def error_links(self) -> list[tuple[str, str, str]]:
        """(anchor id, question, message) for the error summary; the anchor is the first choice."""
        return [
            (f"id_{name}_1", self.fields[name].label, error)
            for name, errors in self.errors.items()
            if name in self.fields
            for error in errors
        ]


def step_form(step: Step, answers: Answers | None = None, questionnaire: Questionnaire | None = None):
    """The form for one page. With the earlier answers, only the questions that are asked."""
    if questionnaire is None:
        shown = step.questions
    else:
        shown = step_questions(step, answers_shown(answers or {}, questionnaire), questionnaire)
    return type(f"StepForm_{step.id}", (StepForm,), {"step": step, "shown": tuple(shown)})


def step_initial(step: Step, answers: Answers) -> dict:
    return {
        q.id: list(answers[q.id]) if q.multiple else answers[q.id] for q in step.questions if q.id in answers
    }


class HelpfulForm(AntiSpamFormMixin, forms.Form):
    answer = forms.ChoiceField(choices=[("yes", "Yes"), ("no", "No")])
