"""The self-check: an intro page, then one generic view that walks the steps, then the result.

No session, no cookie, nothing stored: each page posts its answers together with the earlier ones,
which travel in a signed hidden field (selfcheck.forms.State). Every response carries
`Cache-Control: no-store`, so Back and history on a shared device show nothing. A GET to a POST-only
address goes back to the start. The only trace is the anonymous counters in usage.events.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_safe

from selfcheck.forms import (
    BadState,
    HelpfulForm,
    PlanForm,
    State,
    state_read,
    state_sign,
    step_form,
    step_initial,
)
from selfcheck.questionnaire import Questionnaire, questionnaire_current
from selfcheck.scoring import Answers, InvalidAnswers, Result, score
from selfcheck.selectors import line_states, phone_lines_for_result
from selfcheck.services import check_completed_count, check_helpful_count, check_started_count

POST_ONLY = ["GET", "HEAD", "POST"]


def _back_to_start() -> HttpResponse:
    return HttpResponseRedirect(reverse("selfcheck:start"))


def _bad_state(request: HttpRequest) -> HttpResponse:
    return render(request, "selfcheck/state_error.html", status=400)


@require_safe
@never_cache
def start(request: HttpRequest) -> HttpResponse:
    q = questionnaire_current()
    token = state_sign(state=State(0, {}), questionnaire=q)
    return render(request, "selfcheck/check_start.html", {"q": q, "state": token})


def _render_step(request, q: Questionnaire, page: int, answers: Answers, form=None, status: int = 200):
    if page == 0:
        token = state_sign(state=State(0, answers), questionnaire=q)
        return render(request, "selfcheck/check_start.html", {"q": q, "state": token}, status=status)
    step = q.steps[page - 1]
    if form is None:
        form = step_form(step)(initial=step_initial(step, answers))
    context = {
        "q": q,
        "step": step,
        "page": page,
        "pages": len(q.steps),
        "is_last": page == len(q.steps),
        "form": form,
        "state": state_sign(state=State(page, answers), questionnaire=q),
    }
    return render(request, "selfcheck/check_form.html", context, status=status)


def _render_result(request, q: Questionnaire, answers: Answers, result: Result) -> HttpResponse:
    shown = [*q.always_show_contacts, *(q.danger.contacts if result.danger else ()),
             *(q.own_safety.contacts if result.own_safety else ())]  # fmt: skip
    lines = phone_lines_for_result(result=result, shown=shown, demo=settings.DEMO)
    context = {
        "phone_lines": [(service, service.phones.all()[0], line_states(service)) for service in lines],
        "q": q,
        "result": result,
        "state": state_sign(state=State(len(q.steps) + 1, answers), questionnaire=q),
        "plan_form": PlanForm(questionnaire=q),
        "helpful_form": HelpfulForm(),
    }
    return render(request, "selfcheck/check_result.html", context)


def _first_incomplete_page(q: Questionnaire, answers: Answers) -> int:
    for index, step in enumerate(q.steps, start=1):
        if any(question.required and question.id not in answers for question in step.questions):
            return index
    return len(q.steps)


@require_http_methods(POST_ONLY)
@never_cache
def walk(request: HttpRequest) -> HttpResponse:
    """Every step posts here: check the carried answers and this page's, then show the next page."""
    if request.method != "POST":
        return _back_to_start()
    q = questionnaire_current()
    try:
        state = state_read(token=request.POST.get("state", ""), questionnaire=q)
    except BadState:
        return _bad_state(request)
    going_back = request.POST.get("nav") == "back"
    answers, page, last = dict(state.answers), state.step, len(q.steps)

    if page == 0:
        if not answers:
            check_started_count()
        return _render_step(request, q, 1, answers)
    if page == last + 1:  # from the result page: "Change my answers"
        return _render_step(request, q, last if going_back else 1, answers)

    form = step_form(q.steps[page - 1])(request.POST)
    valid = form.is_valid()
    if valid:
        for question in form.step.questions:
            answers.pop(question.id, None)
        answers.update(form.answers())
    if going_back:
        return _render_step(request, q, page - 1, answers)
    if not valid:
        return _render_step(request, q, page, answers, form=form)
    if page < last:
        return _render_step(request, q, page + 1, answers)

    try:
        result = score(answers, questionnaire=q)
    except InvalidAnswers:
        # Only reachable when an earlier page was skipped: show it, with its questions marked.
        missing = _first_incomplete_page(q, answers)
        step = q.steps[missing - 1]
        form = step_form(step)({**step_initial(step, answers)})
        form.is_valid()
        return _render_step(request, q, missing, answers, form=form)
    check_completed_count(result=result)
    return _render_result(request, q, answers, result)


@require_http_methods(POST_ONLY)
@never_cache
def plan(request: HttpRequest) -> HttpResponse:
    """A print-friendly plan from the same signed answers and the steps he ticked. Stores nothing."""
    if request.method != "POST":
        return _back_to_start()
    q = questionnaire_current()
    try:
        state = state_read(token=request.POST.get("state", ""), questionnaire=q)
        if state.step != len(q.steps) + 1:
            raise BadState("not a result")
        result = score(state.answers, questionnaire=q)
    except (BadState, InvalidAnswers):
        return _bad_state(request)
    form = PlanForm(request.POST, questionnaire=q)
    if not form.is_valid():
        return render(request, "selfcheck/plan_error.html", {"form": form}, status=400)
    chosen = form.cleaned_data["action"]
    actions = [action for key, action in q.actions.items() if key in chosen] or list(result.suggested_actions)
    contacts = [*(q.danger.contacts if result.danger else ()), *q.always_show_contacts,
                *(q.own_safety.contacts if result.own_safety else ())]  # fmt: skip
    unique_contacts = list({contact.key: contact for contact in contacts}.values())
    context = {"q": q, "actions": actions, "picked": bool(chosen), "contacts": unique_contacts}
    return render(request, "selfcheck/plan_detail.html", context)


@require_http_methods(POST_ONLY)
@never_cache
def helpful(request: HttpRequest) -> HttpResponse:
    """One tap: "did this help?" Counted, then thanked. No answers are sent with it."""
    if request.method != "POST":
        return _back_to_start()
    form = HelpfulForm(request.POST)
    if not form.is_valid():
        return render(request, "selfcheck/helpful_error.html", {"form": form}, status=400)
    check_helpful_count(answer=form.cleaned_data["answer"])
    return render(request, "selfcheck/helpful_thanks.html", {"answer": form.cleaned_data["answer"]})
