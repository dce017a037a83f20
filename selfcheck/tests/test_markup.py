"""The self-check's questions template writes the markup crispy-forms-gds would (decision 0008)."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from crispy_forms.helper import FormHelper
from crispy_forms.utils import render_crispy_form
from crispy_forms_gds.layout import Field, Layout
from django.template.loader import render_to_string

from selfcheck.forms import step_form
from selfcheck.questionnaire import questionnaire_current


class _Tree(HTMLParser):
    """Elements, sorted attributes and text, with whitespace and character references normalised."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.items: list[tuple] = []

    def handle_starttag(self, tag, attrs):
        self.items.append(("<", tag, tuple(sorted((k, " ".join((v or "").split())) for k, v in attrs))))

    def handle_endtag(self, tag):
        self.items.append((">", tag))

    def handle_data(self, data):
        if text := " ".join(data.split()):
            self.items.append(("text", text))


def tree(html: str) -> list[tuple]:
    parser = _Tree()
    parser.feed(html)
    return parser.items


def crispy_html(form) -> str:
    helper = FormHelper()
    helper.form_tag = False
    helper.disable_csrf = True
    helper.layout = Layout(
        *(
            Field.checkboxes(q.id, legend_size="s") if q.multiple else Field.radios(q.id, legend_size="s")
            for q in form.step.questions
        )
    )
    return render_crispy_form(form, helper)


def our_html(form) -> str:
    return render_to_string("selfcheck/_questions.html", {"questions": form.questions()})


def answers_for(step, pick: int) -> dict:
    data = {}
    for q in step.questions:
        keys = [o.key for o in q.scale.options]
        data[q.id] = keys[: pick + 1] if q.multiple else keys[pick % len(keys)]
    return data


STEPS = questionnaire_current().steps


@pytest.mark.parametrize("step", STEPS, ids=[s.id for s in STEPS])
def test_questions_markup_matches_crispy_forms_gds(step):
    form_class = step_form(step)
    forms = [
        form_class(),  # a fresh step
        form_class(initial=answers_for(step, 1)),  # shown again with earlier answers
        form_class(data={}),  # sent with nothing picked: errors
        form_class(data=answers_for(step, 2)),  # sent with answers
    ]
    for form in forms:
        if form.is_bound:
            form.is_valid()
        assert tree(our_html(form)) == tree(crispy_html(form))


def test_the_comparison_sees_a_difference():
    form = step_form(STEPS[0])(data={})
    form.is_valid()
    ours, theirs = tree(our_html(form)), tree(crispy_html(form.__class__()))
    assert ours != theirs  # errors shown against none: the check is not blind
