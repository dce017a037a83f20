"""Turn a man's answers into a result. Pure: no database, no request, no clock, no randomness.

`answers_validate` checks a mapping of answers against the questionnaire and returns a clean copy or
raises `InvalidAnswers` (the only exception either function raises for bad input). `score` validates
first, so a result is never computed from invalid data.

Answers are `{question id: option key}`, and `{question id: [option keys]}` for pick-any-number
questions. The ruler question's keys are "0" to "10". The rules are documented in docs/selfcheck.md.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from selfcheck.questionnaire import (
    Action,
    Area,
    Band,
    Barrier,
    Condition,
    Contact,
    DangerRule,
    NextStepCase,
    Question,
    Questionnaire,
    ReadinessBand,
    Step,
    questionnaire_current,
)

Answers = dict[str, str | tuple[str, ...]]


class InvalidAnswers(ValueError):
    """Answers that cannot be scored. `errors` maps each question id (or "" for the whole) to why."""

    def __init__(self, errors: dict[str, str]):
        self.errors = errors
        super().__init__("; ".join(f"{key or 'answers'}: {message}" for key, message in errors.items()))


@dataclass(frozen=True)
class AreaFinding:
    area: Area
    questions: tuple[Question, ...]  # the questions in this area answered above "never"


@dataclass(frozen=True)
class Result:
    band: Band
    score_band: Band
    total: int
    fired_rules: tuple[str, ...]
    findings: tuple[AreaFinding, ...]
    danger: tuple[Question, ...]
    danger_notes: tuple[str, ...]
    own_safety: bool
    readiness: int
    readiness_band: ReadinessBand
    barriers: tuple[Barrier, ...]
    suggested_actions: tuple[Action, ...]
    other_actions: tuple[Action, ...]
    # v2 (empty or False for v1)
    danger_rules: tuple[DangerRule, ...] = ()
    suicide_only: bool = False
    urgent: bool = False  # "today": danger shown or the top band; nothing below says "this week"
    next_step: NextStepCase | None = None
    own_safety_answer: str = ""
    own_safety_serious: bool = False
    readiness_feedback: tuple[str, ...] = ()
    suicide_and_danger: bool = False  # thoughts of suicide together with danger to others
    has_order: bool = False  # he said there is, or may be, a protection order (the time-out steps change)
    band_title: str = ""  # what the page shows as the band's heading and body (the suicide-only text
    band_body: tuple[str, ...] = ()  # when nothing else stood out)
    show_readiness: bool = True
    readiness_prompt: str = ""
    talk_contacts: tuple[Contact, ...] = ()  # "Talk to someone", in the order that fits this result

    @property
    def first_contact(self) -> Contact | None:
        return self.next_step.contacts[0] if self.next_step else None


def question_shown(question: Question, answers: Mapping, q: Questionnaire) -> bool:
    """Whether a question is asked, given the answers so far. Conditions only look at earlier pages."""
    return question.show_when is None or condition_holds(question.show_when, answers, q)


def step_questions(step: Step, answers: Mapping, q: Questionnaire) -> tuple[Question, ...]:
    """The questions of a page that are asked, given the earlier answers (none: the page is skipped)."""
    return tuple(question for question in step.questions if question_shown(question, answers, q))


def answers_shown(answers: Mapping, q: Questionnaire) -> dict:
    """Only the answers to questions that are asked. A follow-up skipped because he said "never" to its
    opening question counts as "never"; a stale answer left from before he changed that answer is dropped."""
    kept: dict = {}
    for step in q.steps:
        for question in step.questions:
            if question.id in answers and question_shown(question, kept, q):
                kept[question.id] = answers[question.id]
    return kept


def answers_validate(
    raw: object, *, questionnaire: Questionnaire | None = None, complete: bool = True
) -> Answers:
    """Return a clean copy of the answers or raise InvalidAnswers.

    Unknown questions, unknown or repeated options and wrong types are always refused. With
    `complete`, every required question must be answered too.
    """
    q = questionnaire or questionnaire_current()
    if not isinstance(raw, Mapping):
        raise InvalidAnswers({"": "answers must be a mapping"})
    questions = q.questions
    errors: dict[str, str] = {}
    clean: Answers = {}
    for key, value in raw.items():
        question = questions.get(key) if isinstance(key, str) else None
        if question is None:
            errors[str(key)[:60]] = "is not a question in this check"
            continue
        allowed = {option.key for option in question.scale.options}
        if question.multiple:
            if not isinstance(value, list | tuple) or not all(isinstance(item, str) for item in value):
                errors[key] = "must be a list of answers"
            elif len(set(value)) != len(value):
                errors[key] = "has the same answer twice"
            elif not set(value) <= allowed:
                errors[key] = "has an answer that is not one of the choices"
            else:
                # Keep the questionnaire's order so equal choices give equal results.
                clean[key] = tuple(option.key for option in question.scale.options if option.key in value)
        elif not isinstance(value, str):
            errors[key] = "must be one answer"
        elif value not in allowed:
            errors[key] = "is not one of the choices"
        else:
            clean[key] = value
    if complete and not errors:
        shown = answers_shown(clean, q)
        for question in questions.values():
            if question.required and question.id not in raw and question_shown(question, shown, q):
                errors.setdefault(question.id, "is missing")
    if errors:
        raise InvalidAnswers(errors)
    return clean


def _value(question: Question, answers: Answers) -> int:
    key = answers.get(question.id)
    if key is None or question.multiple:
        return 0
    option = question.scale.option(key)  # type: ignore[arg-type]
    return option.value if option else 0


def condition_holds(condition: Condition, answers: Answers, q: Questionnaire) -> bool:
    for question in q.questions.values():
        if not condition.selects(question) or question.id not in answers:
            continue
        if condition.keys and answers[question.id] in condition.keys:
            return True
        if condition.min_value is not None and _value(question, answers) >= condition.min_value:
            return True
    return False


def score(raw: object, *, questionnaire: Questionnaire | None = None) -> Result:
    """The result for one complete set of answers. Raises InvalidAnswers for anything else."""
    q = questionnaire or questionnaire_current()
    answers = answers_shown(answers_validate(raw, questionnaire=q), q)
    questions = q.questions

    total = sum(
        question.weight * _value(question, answers) for question in questions.values() if question.scored
    )
    score_band = next(
        band
        for band in q.bands
        if band.min_score <= total and (band.max_score is None or total <= band.max_score)
    )
    fired = tuple(
        rule
        for rule in q.rules
        if (condition_holds(rule.when, answers, q) if rule.when else all(condition_holds(c, answers, q)
                                                                          for c in rule.all))
    )  # fmt: skip
    band = max([score_band, *(q.band(rule.band_at_least) for rule in fired)], key=lambda b: b.rank)
    danger_rules = tuple(
        rule for rule in q.danger_rules if all(condition_holds(c, answers, q) for c in rule.all)
    )
    # "Suicide only": every danger rule that fired is about suicide AND nothing else already puts him in
    # the top band (hitting once does, by itself: review finding 7). Otherwise suicide is one danger of several.
    top_rank = q.band(q.danger_band).rank if q.danger_rules else None
    suicide_only = (
        bool(danger_rules) and all(rule.suicide for rule in danger_rules)
        and (top_rank is None or band.rank < top_rank)
    )  # fmt: skip
    suicide_and_danger = any(rule.suicide for rule in danger_rules) and not suicide_only
    if danger_rules and not suicide_only:
        band = max(band, q.band(q.danger_band), key=lambda b: b.rank)

    findings = []
    for area in q.areas.values():
        if not area.shows:
            continue
        marked = tuple(
            question
            for question in questions.values()
            if question.area == area.key and _value(question, answers) > 0
        )
        if marked:
            findings.append(AreaFinding(area, marked))

    danger = (
        tuple(
            question
            for question in questions.values()
            if q.danger.show_when.selects(question)
            and _value(question, answers) >= (q.danger.show_when.min_value or 1)
        )
        if condition_holds(q.danger.show_when, answers, q)
        else ()
    )
    danger_notes = tuple(q.danger.notes[question.id] for question in danger if question.id in q.danger.notes)
    if q.danger_rules:
        involved = {question.id for rule in danger_rules for c in rule.all for question in questions.values()
                    if c.selects(question) and _value(question, answers) > 0}  # fmt: skip
        danger = tuple(question for question in questions.values() if question.id in involved)
        # Rules that open with the same sentence (the split is the most dangerous time) say it once.
        said: set[str] = set()
        notes = []
        for rule in danger_rules:
            if rule.shared and rule.shared not in said:
                said.add(rule.shared)
                notes.append(f"{rule.shared} {rule.note}")
            else:
                notes.append(rule.note)
        danger_notes = tuple(notes)
    urgent = bool(danger_rules) or (bool(q.danger_rules) and band.key == q.danger_band)

    readiness = int(answers[q.readiness_question])  # type: ignore[arg-type]
    readiness_band = next(b for b in q.readiness_bands if b.min <= readiness <= b.max)
    chosen_barriers = answers.get(q.barriers_question, ())
    barriers = tuple(q.barriers[key] for key in chosen_barriers)  # type: ignore[union-attr]

    suggested_keys = list(band.actions)
    leads = []  # `lead` actions that apply go first, in the file's order (a crisis line, tonight, the order)
    for action in q.actions.values():
        if action.suggest_when and condition_holds(action.suggest_when, answers, q):
            if action.lead:
                leads.append(action.key)
            elif action.key not in suggested_keys:
                suggested_keys.append(action.key)
    suggested_keys = leads + [key for key in suggested_keys if key not in leads]
    if suicide_only and "find_program" in suggested_keys[:2]:
        # A man whose only worrying answer is suicide is not sent to a behaviour change program first.
        suggested_keys.remove("find_program")
        suggested_keys.append("find_program")

    own_safety = condition_holds(q.own_safety.show_when, answers, q)
    fired_ids = {rule.id for rule in danger_rules}
    if q.danger_rules:
        # v2: the "you are afraid too" block is never reassurance after anything urgent (review finding 9).
        own_serious = own_safety and urgent and not suicide_only
    else:
        own_serious = own_safety and bool(fired_ids & set(q.own_safety.serious_rules))
    nothing_else = suicide_only and band.rank == 0 and bool(q.suicide_only_title)
    if readiness == int(q.questions[q.readiness_question].scale.options[0].key) and q.readiness_prompt_lowest:
        prompt = q.readiness_prompt_lowest
    else:
        prompt = q.readiness_prompt
    talk = q.always_show_contacts
    if suicide_only and q.suicide_only_contacts:
        talk = q.suicide_only_contacts
    own_answer = (
        answers.get(q.own_safety.show_when.questions[0], "") if q.own_safety.show_when.questions else ""
    )

    return Result(
        band=band,
        score_band=score_band,
        total=total,
        fired_rules=tuple(rule.id for rule in fired),
        findings=tuple(findings),
        danger=danger,
        danger_notes=danger_notes,
        own_safety=own_safety,
        readiness=readiness,
        readiness_band=readiness_band,
        barriers=barriers,
        suggested_actions=tuple(q.actions[key] for key in suggested_keys),
        other_actions=tuple(action for action in q.actions.values() if action.key not in suggested_keys),
        danger_rules=danger_rules,
        suicide_only=suicide_only,
        urgent=urgent,
        next_step=_next_step(q, answers, band=band, danger=bool(danger_rules) and not suicide_only,
                             suicide_only=suicide_only, suicide_and_danger=suicide_and_danger),
        own_safety_answer=q.own_safety.answers.get(str(own_answer), "") if own_safety else "",
        own_safety_serious=own_serious,
        readiness_feedback=(readiness_band.urgent_feedback if urgent and readiness_band.urgent_feedback
                            else readiness_band.feedback),
        suicide_and_danger=suicide_and_danger,
        has_order=bool(q.timeout_plan.order_when and condition_holds(q.timeout_plan.order_when, answers, q)),
        band_title=q.suicide_only_title if nothing_else else band.title,
        band_body=q.suicide_only_body if nothing_else else band.body,
        show_readiness=not nothing_else,
        readiness_prompt=prompt,
        talk_contacts=talk,
    )  # fmt: skip


def _next_step(
    q: Questionnaire,
    answers: Answers,
    *,
    band: Band,
    danger: bool,
    suicide_only: bool,
    suicide_and_danger: bool,
):
    """The one box that opens the result: the first case in next_step.cases that fits."""
    if q.next_step is None:
        return None
    for case in q.next_step.cases:
        if (
            (case.when == "danger" and danger)
            or (case.when == "suicide_and_danger" and suicide_and_danger)
            or (case.when == "suicide_only" and suicide_only)
            or (case.when == "band" and case.band == band.key)
            or (case.when == "condition" and case.condition and condition_holds(case.condition, answers, q))
        ):
            return case
    return None
