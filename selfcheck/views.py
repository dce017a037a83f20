"""The self-check: an intro page, then one generic view that walks the pages he is asked, then the result.

No session, no cookie, nothing stored: each page posts its answers together with the earlier ones,
which travel in a signed hidden field (selfcheck.forms.State). Every step and result carries
`Cache-Control: no-store`, so Back and history on a shared device show nothing. A GET to a POST-only
address goes back to the start. The traces are the anonymous counters in usage.events and, for one
day, a random "already counted" marker per walk (selfcheck.services.check_completion_first).

The plan is kept without storing anything: `notes` is the same page for everyone and reads the plan
from the address's #fragment in the browser; `notes_download` turns the signed state into a text file
(docs/decisions/0009-selfcheck-back-and-keep.md).

The browser's own Back: every step and the result carry `data-history-url`, and selfcheck-history.js
swaps their history entry for `went_back` (/check/back/), a GET page that holds no answers, so Back
never re-sends a step or meets a resubmit prompt (with JavaScript; same decision record).
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
    State,
    nonce_new,
    state_read,
    state_sign,
    step_form,
    step_initial,
)
from selfcheck.keep import plan_fragment, plan_text
from selfcheck.questionnaire import Questionnaire, contact_for, questionnaire_current
from selfcheck.scoring import (
    Answers,
    InvalidAnswers,
    Result,
    answers_shown,
    condition_holds,
    score,
    step_questions,
)
from selfcheck.selectors import line_states, phone_lines_for_result
from selfcheck.services import (
    check_completed_count,
    check_completion_first,
    check_helpful_count,
    check_started_count,
)

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


def _pages_shown(q: Questionnaire, answers: Answers) -> list[int]:
    """The pages (1-based) he is asked, given his answers so far: a follow-up page is skipped when he
    said "never" to its opening question, so the count can grow as he answers."""
    shown = answers_shown(answers, q)
    return [index for index, step in enumerate(q.steps, start=1) if step_questions(step, shown, q)]


def _route_now(q: Questionnaire, answers: Answers) -> list:
    """Right-now danger rules that already fire: shown at the top of every later page, at once."""
    shown = answers_shown(answers, q)
    return [
        rule
        for rule in q.danger_rules
        if rule.route_now and all(condition_holds(c, shown, q) for c in rule.all)
    ]


def _render_step(request, q: Questionnaire, page: int, answers: Answers, nonce: str, form=None, status=200):
    if page == 0:
        token = state_sign(state=State(0, answers, nonce), questionnaire=q)
        # The intro as the answer to a POST (the page's own Back from step 1): its history entry becomes
        # the plain start address, so the browser's Back and Forward never meet a resubmit prompt.
        context = {"q": q, "state": token, "history_url": reverse("selfcheck:start")}
        return render(request, "selfcheck/check_start.html", context, status=status)
    step = q.steps[page - 1]
    if form is None:
        form = step_form(step, answers, q)(initial=step_initial(step, answers))
    pages = _pages_shown(q, answers)
    position = pages.index(page) + 1 if page in pages else len([p for p in pages if p < page]) + 1
    context = {
        "q": q,
        "step": step,
        "page": position,
        "pages": max(len(pages), position),
        "is_last": page == len(q.steps),
        "form": form,
        "route_now": _route_now(q, answers) if page > 1 else [],
        "state": state_sign(state=State(page, answers, nonce), questionnaire=q),
    }
    return render(request, "selfcheck/check_form.html", context, status=status)


def _render_result(request, q: Questionnaire, answers: Answers, result: Result, nonce: str) -> HttpResponse:
    shown = [*q.always_show_contacts, *(q.danger.contacts if result.danger else ()),
             *(q.own_safety.contacts if result.own_safety else ()),
             *(result.next_step.contacts if result.next_step else ())]  # fmt: skip
    lines = phone_lines_for_result(result=result, shown=shown, demo=settings.DEMO)
    danger_contacts = list(
        {c.key: c for rule in result.danger_rules for c in rule.contacts if c.key != "emergency"}.values()
    )
    context = {
        "phone_lines": [(service, service.phones.all()[0], line_states(service)) for service in lines],
        "q": q,
        "result": result,
        "danger_contacts": danger_contacts,
        "emergency": contact_for("emergency", table=q.contacts),
        "keep_fragment": plan_fragment(result=result, questionnaire=q),
        "state": state_sign(state=State(len(q.steps) + 1, answers, nonce), questionnaire=q),
        "helpful_form": HelpfulForm(),
    }
    return render(request, "selfcheck/check_result.html", context)


def _first_incomplete_page(q: Questionnaire, answers: Answers) -> int:
    shown = answers_shown(answers, q)
    for index, step in enumerate(q.steps, start=1):
        if any(
            question.required and question.id not in answers for question in step_questions(step, shown, q)
        ):
            return index
    return len(q.steps)


def _next_page(q: Questionnaire, answers: Answers, page: int) -> int:
    later = [p for p in _pages_shown(q, answers) if p > page]
    return later[0] if later else len(q.steps) + 1


def _previous_page(q: Questionnaire, answers: Answers, page: int) -> int:
    earlier = [p for p in _pages_shown(q, answers) if p < page]
    return earlier[-1] if earlier else 0


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
    nonce = state.nonce

    if page == 0:
        if not answers:
            check_started_count()
        return _render_step(request, q, _next_page(q, answers, 0), answers, nonce or nonce_new())
    if page == last + 1:  # from the result page: "Change my answers"
        target = _previous_page(q, answers, last + 1) if going_back else _next_page(q, answers, 0)
        return _render_step(request, q, target, answers, nonce)

    form = step_form(q.steps[page - 1], answers, q)(request.POST)
    valid = form.is_valid()
    if valid:
        for question in form.step.questions:
            answers.pop(question.id, None)
        answers.update(form.answers())
    if going_back:
        return _render_step(request, q, _previous_page(q, answers, page), answers, nonce)
    if not valid:
        return _render_step(request, q, page, answers, nonce, form=form)
    following = _next_page(q, answers, page)
    if following <= last:
        return _render_step(request, q, following, answers, nonce)

    try:
        result = score(answers, questionnaire=q)
    except InvalidAnswers:
        # Only reachable when an earlier page was skipped: show it, with its questions marked.
        missing = _first_incomplete_page(q, answers)
        step = q.steps[missing - 1]
        form = step_form(step, answers, q)({**step_initial(step, answers)})
        form.is_valid()
        return _render_step(request, q, missing, answers, nonce, form=form)
    # Count only the first time this walk reaches a result: a replayed or re-sent last page does not.
    if check_completion_first(nonce=nonce):
        check_completed_count(result=result)
    return _render_result(request, q, answers, result, nonce)


@require_safe
@never_cache
def went_back(request: HttpRequest) -> HttpResponse:
    """Where the browser's own Back lands inside the check (selfcheck-history.js swaps each step's and the
    result's history entry for this address). It carries no answers, so the page can only say so, give
    the crisis line and offer a fresh start: never a browser error (decision 0009)."""
    return render(request, "selfcheck/went_back.html")


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


@require_safe
def notes(request: HttpRequest) -> HttpResponse:
    """The kept plan. The plan lives only in the address's #fragment, which browsers never send: this page
    is the same for everyone, and selfcheck-keep.js fills it in on his device. Cacheable, so Back works."""
    q = questionnaire_current()
    response = render(request, "selfcheck/notes.html", {"q": q, "actions": list(q.actions.values())})
    response["Cache-Control"] = "private, max-age=3600"
    return response


@require_http_methods(POST_ONLY)
@never_cache
def notes_download(request: HttpRequest) -> HttpResponse:
    """The plan as a plain-text file with a neutral name, from the same signed answers. Stores nothing.

    A download does not leave the result page, so there is nothing to go Back from."""
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
    response = HttpResponse(
        plan_text(result=result, questionnaire=q), content_type="text/plain; charset=utf-8"
    )
    response["Content-Disposition"] = 'attachment; filename="notes.txt"'
    return response
