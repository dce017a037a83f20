"""The self-check questionnaire: a versioned YAML file loaded once into a tree of frozen dataclasses.

Clinicians change wording in `selfcheck/questionnaire/v<N>.yaml` without touching Python. Everything the
code relies on is checked when the file is loaded: unknown or missing keys, wrong types, references to
scales, areas, contacts, bands and actions that do not exist, and band ranges with gaps. A malformed file
stops with a `QuestionnaireError` that names the file and the key, e.g.
`v1.yaml: steps[2].questions[0].scale: 'frequncy' is not one of the scales`.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

QUESTIONNAIRE_DIR = Path(__file__).resolve().parent / "questionnaire"
CURRENT_FILE = QUESTIONNAIRE_DIR / "v2.yaml"
V1_FILE = QUESTIONNAIRE_DIR / "v1.yaml"


class QuestionnaireError(ValueError):
    """The questionnaire file is malformed. The message names the file and the key."""


# --- The tree ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Contact:
    key: str
    name: str
    number: str
    when: str
    what: str
    source_url: str
    verified: datetime.date

    @property
    def tel(self) -> str:
        return self.number.replace(" ", "")

    @property
    def in_text(self) -> str:
        """The name inside a sentence: "call the Lifeline crisis line", not "call The Lifeline ..."."""
        return "the" + self.name[3:] if self.name.startswith("The ") else self.name

    @property
    def cost(self) -> str:
        """What a call costs, in words. 1800 numbers are free from most phones; 13 and 1300 numbers cost a
        local call (so they are never called "free" on the page); 000 is free."""
        digits = self.tel
        if digits == "000":
            return "Free."
        if digits.startswith("1800"):
            return "Free from most phones."
        if digits.startswith("13"):
            return "The cost of a local call."
        return ""


@dataclass(frozen=True)
class Option:
    value: int
    key: str
    label: str


@dataclass(frozen=True)
class Scale:
    name: str
    options: tuple[Option, ...]
    is_ruler: bool = False

    def option(self, key: str) -> Option | None:
        return next((option for option in self.options if option.key == key), None)


@dataclass(frozen=True)
class Question:
    id: str
    text: str
    scale: Scale
    area: str
    scored: bool
    weight: int
    danger: bool
    multiple: bool = False
    # Shown only when this holds on the earlier answers (v2: follow-ups of a section's opening question).
    show_when: Condition | None = None

    @property
    def required(self) -> bool:
        # "Pick any that fit" lists may be left empty; every other question needs an answer.
        return not self.multiple


@dataclass(frozen=True)
class Step:
    id: str
    title: str
    intro: tuple[str, ...]
    questions: tuple[Question, ...]


@dataclass(frozen=True)
class Area:
    key: str
    title: str
    scored: bool
    shows: str
    matters: tuple[str, ...]
    handled_by: str


@dataclass(frozen=True)
class Condition:
    """Which questions to look at (all filters must hold) and the answer that makes it fire."""

    danger: bool | None = None
    areas: tuple[str, ...] = ()
    questions: tuple[str, ...] = ()
    min_weight: int | None = None
    min_value: int | None = None
    keys: tuple[str, ...] = ()

    def selects(self, question: Question) -> bool:
        return (
            not question.multiple
            and (self.danger is None or question.danger == self.danger)
            and (not self.areas or question.area in self.areas)
            and (not self.questions or question.id in self.questions)
            and (self.min_weight is None or question.weight >= self.min_weight)
        )


@dataclass(frozen=True)
class Band:
    key: str
    rank: int
    min_score: int
    max_score: int | None
    title: str
    body: tuple[str, ...]
    actions: tuple[str, ...]


@dataclass(frozen=True)
class Rule:
    id: str
    when: Condition | None
    band_at_least: str
    all: tuple[Condition, ...] = ()  # v2: fires when every condition holds (instead of `when`)


@dataclass(frozen=True)
class Block:
    """A titled block of paragraphs with contacts, shown when its condition holds (danger, own safety)."""

    show_when: Condition
    title: str
    body: tuple[str, ...]
    contacts: tuple[Contact, ...]
    notes: dict[str, str]
    answers: dict[str, str] = field(default_factory=dict)  # v2: his answer, reflected back honestly
    serious_rules: tuple[str, ...] = ()  # v2: danger rules after which the block is never reassurance
    serious_body: tuple[str, ...] = ()


@dataclass(frozen=True)
class ReadinessBand:
    key: str
    min: int
    max: int
    title: str
    feedback: tuple[str, ...]
    urgent_feedback: tuple[str, ...] = ()  # v2: used when danger is shown (no "come back any time")


@dataclass(frozen=True)
class Barrier:
    key: str
    label: str
    reassurance: str
    contacts: tuple[Contact, ...]
    link: str
    urgent_reassurance: str = ""  # v2: used instead when the result is urgent (no "when it suits you")


@dataclass(frozen=True)
class Action:
    key: str
    label: str
    text: str
    contacts: tuple[Contact, ...]
    link: str
    suggest_when: Condition | None
    call: Contact | None = None  # v2: the number this step asks him to call
    search: str = ""  # v2: a directory search near a postcode he types
    lead: bool = False  # v2: put first in the plan when suggest_when holds
    suicide_text: str = ""  # v2: used instead on a suicide-only result


@dataclass(frozen=True)
class TimeoutStep:
    title: str
    text: str
    order_note: str = ""  # v2: a warning for a man with a protection order
    order_text: str = ""  # v2: replaces `text` when he said there is (or may be) an order


@dataclass(frozen=True)
class TimeoutPlan:
    id: str
    title: str
    intro: str
    steps: tuple[TimeoutStep, ...]
    note: str
    warning: str = ""  # v2: shown before the steps
    order_warning: str = ""  # v2: a box at the top when order_when holds
    order_when: Condition | None = None


@dataclass(frozen=True)
class DangerRule:
    """A danger signal: fires when ALL its conditions hold. Rationale and source: docs/selfcheck.md."""

    id: str
    all: tuple[Condition, ...]
    note: str
    contacts: tuple[Contact, ...]
    suicide: bool = False  # alone, gives the suicide-only result
    route_now: bool = False  # also shown on the very next page of the check
    shared: str = ""  # a sentence several rules open with: shown once, before the first of them


@dataclass(frozen=True)
class NextStepCase:
    when: str  # danger | suicide_and_danger | suicide_only | band | condition
    band: str
    condition: Condition | None
    heading: str
    text: str
    contacts: tuple[Contact, ...]


@dataclass(frozen=True)
class NextStep:
    label: str
    plan_link: str
    emergency: str
    cases: tuple[NextStepCase, ...]


@dataclass(frozen=True)
class Keep:
    title: str
    intro: str
    link_label: str
    link_text: str
    download_label: str
    download_text: str
    print_label: str
    where: tuple[str, ...]
    page_title: str
    no_script: str
    bad_link: str


@dataclass(frozen=True)
class Intro:
    title: str
    body: tuple[str, ...]
    privacy_title: str
    privacy_points: tuple[str, ...]
    services_note: tuple[str, ...]
    quick_exit_title: str
    quick_exit_body: tuple[str, ...]
    start_label: str


@dataclass(frozen=True)
class Questionnaire:
    source: str
    version: int
    id: str
    minutes: int
    period: str
    contacts: dict[str, Contact]
    intro: Intro
    scales: dict[str, Scale]
    steps: tuple[Step, ...]
    areas: dict[str, Area]
    bands: tuple[Band, ...]
    rules: tuple[Rule, ...]
    results_heading: str
    results_note: tuple[str, ...]
    always_show_title: str
    always_show_contacts: tuple[Contact, ...]
    areas_heading: str
    danger: Block
    own_safety: Block
    readiness_question: str
    readiness_prompt: str
    readiness_bands: tuple[ReadinessBand, ...]
    barriers_question: str
    barriers_title: str
    barriers: dict[str, Barrier]
    actions: dict[str, Action]
    timeout_plan: TimeoutPlan
    when_you_call_title: str
    when_you_call_body: tuple[str, ...]
    # v2 only (empty for v1)
    danger_rules: tuple[DangerRule, ...] = ()
    danger_band: str = ""
    next_step: NextStep | None = None
    confidentiality_title: str = ""
    confidentiality_body: tuple[str, ...] = ()
    keep: Keep | None = None
    # v2: the result when thoughts of suicide are the only worry and nothing else stood out
    suicide_only_title: str = ""
    suicide_only_body: tuple[str, ...] = ()
    suicide_only_contacts: tuple[Contact, ...] = ()
    readiness_prompt_lowest: str = ""  # v2: the prompt at the lowest number ("why not lower?" can't fit)

    @property
    def questions(self) -> dict[str, Question]:
        return {question.id: question for step in self.steps for question in step.questions}

    def band(self, key: str) -> Band:
        return next(band for band in self.bands if band.key == key)

    def reading_texts(self) -> list[tuple[str, str]]:
        """(where, text) for every string a man reads, for the reading-level test."""
        return list(_reading_texts(self))


# --- Reading the YAML with precise error messages ---------------------------------------------------


class _Node:
    """A mapping from the file, read key by key; every error names the file and the key path."""

    def __init__(self, data: Any, path: str, source: str):
        self.path = path
        self.source = source
        if not isinstance(data, dict):
            self.fail(f"expected a mapping, found {type(data).__name__}")
        self.data = data

    def fail(self, message: str, key: str | None = None):
        where = f"{self.path}.{key}" if key and self.path else (key or self.path or "(top level)")
        raise QuestionnaireError(f"{self.source}: {where}: {message}")

    def only(self, required: set[str], optional: frozenset[str] | set[str] = frozenset()) -> None:
        for key in sorted(required - set(self.data)):
            self.fail("is missing", key)
        for key in sorted(set(self.data) - required - set(optional)):
            self.fail("is not a known key (check the spelling)", str(key))

    def child(self, key: str) -> _Node:
        if key not in self.data:
            self.fail("is missing", key)
        return _Node(self.data[key], self._join(key), self.source)

    def _join(self, key: str) -> str:
        return f"{self.path}.{key}" if self.path else key

    def text(self, key: str, default: str | None = None) -> str:
        value = self.data.get(key, default)
        if not isinstance(value, str) or not value.strip():
            self.fail("must be non-empty text", key)
        return value.strip()

    def integer(self, key: str) -> int:
        value = self.data.get(key)
        if isinstance(value, bool) or not isinstance(value, int):
            self.fail("must be a whole number", key)
        return value

    def boolean(self, key: str, default: bool | None = None) -> bool:
        value = self.data.get(key, default)
        if not isinstance(value, bool):
            self.fail("must be true or false", key)
        return value

    def texts(self, key: str) -> tuple[str, ...]:
        value = self.data.get(key)
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not value:
            self.fail("must be a list of paragraphs", key)
        for index, item in enumerate(value):
            if not isinstance(item, str) or not item.strip():
                self.fail("must be non-empty text", f"{key}[{index}]")
        return tuple(item.strip() for item in value)

    def keys(self, key: str, allowed: Any, what: str) -> tuple[str, ...]:
        value = self.data.get(key, [])
        if not isinstance(value, list):
            self.fail(f"must be a list of {what}", key)
        for index, item in enumerate(value):
            if not isinstance(item, str) or item not in allowed:
                self.fail(f"{item!r} is not one of the {what}", f"{key}[{index}]")
        if len(set(value)) != len(value):
            self.fail("lists the same item twice", key)
        return tuple(value)

    def items(self, key: str) -> list[tuple[str, _Node]]:
        """A list of mappings, as (path, node) pairs."""
        value = self.data.get(key)
        if not isinstance(value, list) or not value:
            self.fail("must be a non-empty list", key)
        return [
            (f"{key}[{i}]", _Node(item, f"{self._join(key)}[{i}]", self.source))
            for i, item in enumerate(value)
        ]

    def entries(self, key: str) -> list[tuple[str, _Node]]:
        """A mapping of mappings, as (key, node) pairs."""
        node = self.child(key)
        if not node.data:
            node.fail("must not be empty")
        return [(str(k), _Node(v, f"{node.path}.{k}", self.source)) for k, v in node.data.items()]


def _unique(node: _Node, key: str, values: list[str]) -> None:
    seen = set()
    for value in values:
        if value in seen:
            node.fail(f"{value!r} appears twice", key)
        seen.add(value)


def _condition(node: _Node, questions: dict[str, Question], areas: dict[str, Area]) -> Condition:
    node.only(set(), {"danger", "areas", "questions", "min_weight", "min_value", "keys"})
    condition = Condition(
        danger=node.boolean("danger") if "danger" in node.data else None,
        areas=node.keys("areas", areas, "areas"),
        questions=node.keys("questions", questions, "question ids"),
        min_weight=node.integer("min_weight") if "min_weight" in node.data else None,
        min_value=node.integer("min_value") if "min_value" in node.data else None,
        keys=tuple(str(key) for key in node.data.get("keys", [])),
    )
    if (condition.min_value is None) == (not condition.keys):
        node.fail("needs exactly one of min_value or keys")
    selected = [question for question in questions.values() if condition.selects(question)]
    if not selected:
        node.fail("selects no question")
    if condition.keys:
        known = {option.key for question in selected for option in question.scale.options}
        for key in condition.keys:
            if key not in known:
                node.fail(f"{key!r} is not an answer of the selected questions", "keys")
    return condition


def contact_for(key: str, *, table: dict[str, Contact]) -> Contact:
    """The ONE place a contact id (emergency, mensline, ...) becomes a name, number, hours and source.

    Texts in the questionnaire never type a number: they name a contact id, and every id goes through
    here. The table is the questionnaire's `contacts:`, whose entries in v2 name a key of the site-wide
    contact registry (`registry:`), so every number on the self-check comes from there.
    """
    return table[key]


def _registry_contact(key: str, node: _Node) -> Contact:
    """A contact whose number, hours, source and date come from the site-wide contact registry
    (services_directory.contacts), so the self-check can never disagree with the directory, the crisis
    line or the GP pages. The questionnaire keeps only how it names the line (`name`, `what`) and, for a
    line open around the clock, how it says so (`when`). A withheld number stops the file loading; a line
    whose hours are not confirmed says so, whatever `when` the file has."""
    from services_directory.contacts import UnknownContact, contact

    node.only({"name", "registry"}, {"when", "what"})
    try:
        fact = contact(key=node.text("registry"))
    except UnknownContact:
        node.fail("is not a contact in the registry (services_directory/data/contacts.yaml)", "registry")
    if not fact.is_shown:
        node.fail("is withheld in the contact registry and must not be shown", "registry")
    if fact.verified_on is None:
        node.fail("has no verified date in the contact registry", "registry")
    if not fact.hours_confirmed:
        when = "Hours not confirmed. Call to check."
    elif fact.hours_short == "24/7":
        when = node.text("when") if "when" in node.data else "Open 24 hours, every day."
    else:
        if "when" in node.data:
            node.fail("only a line open 24/7 may word its own hours; these come from the registry", "when")
        when = f"Open {fact.hours_text}."
    what = node.text("what") if "what" in node.data else ""
    return Contact(key, node.text("name"), fact.number, when, what, fact.source_url, fact.verified_on)


def _contacts(node: _Node, key: str, contacts: dict[str, Contact]) -> tuple[Contact, ...]:
    return tuple(contact_for(name, table=contacts) for name in node.keys(key, contacts, "contacts"))


def _link(node: _Node, key: str = "link") -> str:
    if key not in node.data:
        return ""
    link = node.text(key)
    # Only links inside the site: the self-check never sends anyone elsewhere without a phone number.
    if not link.startswith(("/", "#")) or link.startswith("//"):
        node.fail("must be a link inside the site (start with / or #)", key)
    return link


def _scale(name: str, raw: Any, node: _Node) -> Scale:
    path = f"scales.{name}"
    if isinstance(raw, dict):
        ruler = _Node(raw, path, node.source)
        ruler.only({"min", "max", "anchors"})
        low, high = ruler.integer("min"), ruler.integer("max")
        if not 0 <= low < high <= 100:
            ruler.fail("needs 0 <= min < max <= 100", "max")
        anchors = {}
        for _, anchor in ruler.items("anchors"):
            anchor.only({"value", "label"})
            value = anchor.integer("value")
            if not low <= value <= high:
                anchor.fail(f"must be between {low} and {high}", "value")
            anchors[value] = anchor.text("label")
        options = tuple(
            Option(
                value, str(value), f"{value} \N{EN DASH} {anchors[value]}" if value in anchors else str(value)
            )
            for value in range(low, high + 1)
        )
        return Scale(name, options, is_ruler=True)
    if not isinstance(raw, list) or not raw:
        node.fail("must be a list of options or a ruler (min, max, anchors)", name)
    options = []
    for index, item in enumerate(raw):
        option = _Node(item, f"{path}[{index}]", node.source)
        option.only({"value", "key", "label"})
        value = option.integer("value")
        if value < 0:
            option.fail("must not be negative", "value")
        options.append(Option(value, option.text("key"), option.text("label")))
    _unique(node, name, [option.key for option in options])
    return Scale(name, tuple(options))


def questionnaire_parse(data: Any, *, source: str) -> Questionnaire:
    """Build and cross-check the tree from parsed YAML. Raises QuestionnaireError."""
    root = _Node(data, "", source)
    root.only(
        {"version", "id", "language", "minutes", "period", "contacts", "intro", "scales", "steps", "areas",
         "scoring", "results", "danger", "own_safety", "readiness", "barriers", "actions", "timeout_plan",
         "when_you_call"},
        {"danger_rules", "next_step", "confidentiality", "keep"},
    )  # fmt: skip

    contacts = {}
    for key, node in root.entries("contacts"):
        if "registry" in node.data:
            contacts[key] = _registry_contact(key, node)
            continue
        node.only({"name", "number", "source_url", "verified"}, {"when", "what"})
        verified = node.data.get("verified")
        if not isinstance(verified, datetime.date):
            node.fail("must be a date (YYYY-MM-DD)", "verified")
        number = node.text("number")
        if not number.replace(" ", "").isdigit():
            node.fail("must be digits and spaces only", "number")
        if not node.text("source_url").startswith("https://"):
            node.fail("must be an https:// address", "source_url")
        contacts[key] = Contact(
            key, node.text("name"), number, node.text("when") if "when" in node.data else "",
            node.text("what") if "what" in node.data else "", node.text("source_url"), verified,
        )  # fmt: skip

    intro_node = root.child("intro")
    intro_node.only({"title", "body", "privacy", "services_note", "quick_exit", "start_label"})
    privacy, quick_exit = intro_node.child("privacy"), intro_node.child("quick_exit")
    privacy.only({"title", "points"})
    quick_exit.only({"title", "body"})
    intro = Intro(
        intro_node.text("title"), intro_node.texts("body"), privacy.text("title"), privacy.texts("points"),
        intro_node.texts("services_note"), quick_exit.text("title"), quick_exit.texts("body"),
        intro_node.text("start_label"),
    )  # fmt: skip

    scales_node = root.child("scales")
    scales = {str(name): _scale(str(name), raw, scales_node) for name, raw in scales_node.data.items()}

    areas = {}
    for key, node in root.entries("areas"):
        node.only({"title", "scored"}, {"shows", "matters", "handled_by"})
        has_text = "shows" in node.data
        if has_text == ("handled_by" in node.data):
            node.fail("needs either shows and matters, or handled_by")
        areas[key] = Area(
            key, node.text("title"), node.boolean("scored"), node.text("shows") if has_text else "",
            node.texts("matters") if has_text else (), "" if has_text else node.text("handled_by"),
        )  # fmt: skip

    steps = []
    earlier: dict[str, Question] = {}  # a show_when may only look at questions on earlier pages
    for _, step in root.items("steps"):
        step.only({"id", "title", "intro", "questions"}, {"show_when"})
        step_when = _condition(step.child("show_when"), earlier, areas) if "show_when" in step.data else None
        questions = []
        for _, q in step.items("questions"):
            q.only({"id", "text", "scale", "area", "scored", "weight", "danger"}, {"multiple", "show_when"})
            if "show_when" in q.data and step_when is not None:
                q.fail("a question cannot have show_when on a page that has one", "show_when")
            when = _condition(q.child("show_when"), earlier, areas) if "show_when" in q.data else step_when
            scale_name = q.text("scale")
            if scale_name not in scales:
                q.fail(f"{scale_name!r} is not one of the scales", "scale")
            area = q.text("area")
            if area not in areas:
                q.fail(f"{area!r} is not one of the areas", "area")
            weight = q.integer("weight")
            scored = q.boolean("scored")
            if weight < 0 or (scored and weight == 0):
                q.fail("must be 1 or more for a scored question, 0 or more otherwise", "weight")
            multiple = q.boolean("multiple", False)
            if multiple and (scored or scales[scale_name].is_ruler):
                q.fail("a pick-any-number question cannot be scored or a ruler", "multiple")
            if not q.text("id").isidentifier():
                q.fail("must be letters, digits and underscores", "id")
            questions.append(
                Question(q.text("id"), q.text("text"), scales[scale_name], area, scored, weight,
                         q.boolean("danger"), multiple, when)
            )  # fmt: skip
        for question in questions:
            earlier[question.id] = question
        steps.append(Step(step.text("id"), step.text("title"), step.texts("intro"), tuple(questions)))
    _unique(root, "steps", [step.id for step in steps])
    all_ids = [question.id for step in steps for question in step.questions]
    _unique(root, "steps (question ids)", all_ids)
    questions = {question.id: question for step in steps for question in step.questions}

    scoring = root.child("scoring")
    scoring.only({"method", "band_order", "bands", "rules"})
    if scoring.data.get("method") != "weighted_sum":
        scoring.fail("only weighted_sum is supported", "method")
    order = scoring.data.get("band_order")
    if not isinstance(order, list) or not order or not all(isinstance(k, str) for k in order):
        scoring.fail("must be a list of band keys", "band_order")
    _unique(scoring, "band_order", order)

    results = root.child("results")
    results.only({"heading", "note", "bands", "always_show", "areas_heading"}, {"suicide_only"})
    band_texts = results.child("bands")

    actions = {}
    for key, node in root.entries("actions"):
        node.only(
            {"label", "text", "suggest_when"}, {"contacts", "link", "call", "search", "lead", "suicide_text"}
        )
        raw_when = node.data.get("suggest_when")
        call = None
        if "call" in node.data:
            if node.data["call"] not in contacts:
                node.fail(f"{node.data['call']!r} is not one of the contacts", "call")
            call = contact_for(node.data["call"], table=contacts)
        actions[key] = Action(
            key, node.text("label"), node.text("text"), _contacts(node, "contacts", contacts), _link(node),
            None if raw_when is None else _condition(node.child("suggest_when"), questions, areas),
            call, node.text("search") if "search" in node.data else "", node.boolean("lead", False),
            node.text("suicide_text") if "suicide_text" in node.data else "",
        )  # fmt: skip

    bands = []
    expected_min = 0
    for path, node in scoring.items("bands"):
        node.only({"key", "min_score", "max_score"})
        key = node.text("key")
        if key not in order:
            node.fail(f"{key!r} is not in band_order", "key")
        low = node.integer("min_score")
        high = node.data.get("max_score")
        if low != expected_min:
            node.fail(f"must be {expected_min}: bands must run on from 0 with no gap or overlap", "min_score")
        if high is not None and (isinstance(high, bool) or not isinstance(high, int) or high < low):
            node.fail("must be a whole number at least min_score, or null for no limit", "max_score")
        if high is None and path != f"bands[{len(scoring.data['bands']) - 1}]":
            node.fail("only the last band may have no upper limit", "max_score")
        expected_min = (high or 0) + 1
        text = band_texts.child(key)
        text.only({"title", "body", "actions"})
        bands.append(
            Band(key, order.index(key), low, high, text.text("title"), text.texts("body"),
                 text.keys("actions", actions, "actions"))
        )  # fmt: skip
    if bands[-1].max_score is not None:
        scoring.fail("the last band must have max_score: null (no upper limit)", "bands")
    if [band.key for band in bands] != order:
        scoring.fail("bands must be listed in band_order", "bands")
    for key in band_texts.data:
        if key not in order:
            band_texts.fail("is not a band", str(key))

    rules = []
    for _, node in scoring.items("rules"):
        node.only({"id", "band_at_least"}, {"when", "all"})
        target = node.text("band_at_least")
        if target not in order:
            node.fail(f"{target!r} is not in band_order", "band_at_least")
        if ("when" in node.data) == ("all" in node.data):
            node.fail("needs exactly one of when or all")
        if "when" in node.data:
            rules.append(Rule(node.text("id"), _condition(node.child("when"), questions, areas), target))
        else:
            every = tuple(_condition(c, questions, areas) for _, c in node.items("all"))
            rules.append(Rule(node.text("id"), None, target, every))

    always = results.child("always_show")
    always.only({"title", "contacts"})

    blocks = {}
    for name in ("danger", "own_safety"):
        node = root.child(name)
        node.only(
            {"show_when", "title", "body", "contacts"}, {"notes", "answers", "serious_rules", "serious_body"}
        )
        notes = node.data.get("notes") or {}
        if not isinstance(notes, dict):
            node.fail("must be a mapping of question id to text", "notes")
        for question_id in notes:
            if question_id not in questions:
                node.fail(f"{question_id!r} is not a question id", "notes")
        answers = node.child("answers") if "answers" in node.data else None
        blocks[name] = Block(
            _condition(node.child("show_when"), questions, areas), node.text("title"), node.texts("body"),
            _contacts(node, "contacts", contacts),
            {qid: _Node(notes, f"{name}.notes", source).text(qid) for qid in notes},
            {str(k): answers.text(str(k)) for k in answers.data} if answers else {},
            tuple(str(r) for r in node.data.get("serious_rules", [])),
            node.texts("serious_body") if "serious_body" in node.data else (),
        )  # fmt: skip

    readiness = root.child("readiness")
    readiness.only({"question", "prompt", "bands"}, {"prompt_lowest"})
    readiness_id = readiness.text("question")
    if readiness_id not in questions or not questions[readiness_id].scale.is_ruler:
        readiness.fail(f"{readiness_id!r} is not a ruler question", "question")
    ruler_values = [option.value for option in questions[readiness_id].scale.options]
    readiness_bands, expected = [], ruler_values[0]
    for _, node in readiness.items("bands"):
        node.only({"key", "min", "max", "title", "feedback"}, {"urgent_feedback"})
        low, high = node.integer("min"), node.integer("max")
        if low != expected or high < low:
            node.fail(
                f"bands must cover the ruler from {ruler_values[0]} with no gap (expected {expected})", "min"
            )
        expected = high + 1
        readiness_bands.append(
            ReadinessBand(
                node.text("key"),
                low,
                high,
                node.text("title"),
                node.texts("feedback"),
                node.texts("urgent_feedback") if "urgent_feedback" in node.data else (),
            )
        )
    if expected != ruler_values[-1] + 1:
        readiness.fail(f"bands must end at {ruler_values[-1]}", "bands")

    barriers_node = root.child("barriers")
    barriers_node.only({"question", "title", "items"})
    barriers_id = barriers_node.text("question")
    if barriers_id not in questions or not questions[barriers_id].multiple:
        barriers_node.fail(f"{barriers_id!r} is not a pick-any-number question", "question")
    barriers = {}
    for key, node in barriers_node.entries("items"):
        node.only({"label", "reassurance"}, {"contacts", "link", "urgent_reassurance"})
        barriers[key] = Barrier(
            key,
            node.text("label"),
            node.text("reassurance"),
            _contacts(node, "contacts", contacts),
            _link(node),
            node.text("urgent_reassurance") if "urgent_reassurance" in node.data else "",
        )
    option_keys = [option.key for option in questions[barriers_id].scale.options]
    if sorted(option_keys) != sorted(barriers):
        barriers_node.fail("must have exactly one item per answer of the barriers question", "items")

    plan = root.child("timeout_plan")
    plan.only({"id", "title", "intro", "steps", "note"}, {"warning", "order_warning", "order_when"})
    timeout_steps = []
    for _, node in plan.items("steps"):
        node.only({"title", "text"}, {"order_note", "order_text"})
        timeout_steps.append(
            TimeoutStep(node.text("title"), node.text("text"),
                        node.text("order_note") if "order_note" in node.data else "",
                        node.text("order_text") if "order_text" in node.data else "")
        )  # fmt: skip
    if ("order_warning" in plan.data) != ("order_when" in plan.data):
        plan.fail("order_warning and order_when go together")

    call = root.child("when_you_call")
    call.only({"title", "body"})

    for key, area in areas.items():
        if area.handled_by and area.handled_by not in {"danger", "own_safety", "readiness", "barriers"}:
            root.fail(f"{area.handled_by!r} is not a block that handles areas", f"areas.{key}.handled_by")

    return Questionnaire(
        source=source,
        version=root.integer("version"),
        id=root.text("id"),
        minutes=root.integer("minutes"),
        period=root.text("period"),
        contacts=contacts,
        intro=intro,
        scales=scales,
        steps=tuple(steps),
        areas=areas,
        bands=tuple(bands),
        rules=tuple(rules),
        results_heading=results.text("heading"),
        results_note=results.texts("note"),
        always_show_title=always.text("title"),
        always_show_contacts=_contacts(always, "contacts", contacts),
        areas_heading=results.text("areas_heading"),
        danger=blocks["danger"],
        own_safety=blocks["own_safety"],
        readiness_question=readiness_id,
        readiness_prompt=readiness.text("prompt"),
        readiness_bands=tuple(readiness_bands),
        barriers_question=barriers_id,
        barriers_title=barriers_node.text("title"),
        barriers=barriers,
        actions=actions,
        timeout_plan=TimeoutPlan(
            plan.text("id"),
            plan.text("title"),
            plan.text("intro"),
            tuple(timeout_steps),
            plan.text("note"),
            plan.text("warning") if "warning" in plan.data else "",
            plan.text("order_warning") if "order_warning" in plan.data else "",
            _condition(plan.child("order_when"), questions, areas) if "order_when" in plan.data else None,
        ),
        readiness_prompt_lowest=readiness.text("prompt_lowest") if "prompt_lowest" in readiness.data else "",
        when_you_call_title=call.text("title"),
        when_you_call_body=call.texts("body"),
        **_v2_parts(root, questions=questions, areas=areas, contacts=contacts, order=order, blocks=blocks),
    )


def _v2_parts(root: _Node, *, questions, areas, contacts, order, blocks) -> dict[str, Any]:
    """The optional parts that version 2 added: danger rules, the next-step box, confidentiality, keep."""
    parts: dict[str, Any] = {}
    rule_ids: set[str] = set()
    if "danger_rules" in root.data:
        node = root.child("danger_rules")
        node.only({"band", "rules"})
        band = node.text("band")
        if band not in order:
            node.fail(f"{band!r} is not in band_order", "band")
        rules = []
        for _, rule in node.items("rules"):
            rule.only({"id", "all", "note"}, {"contacts", "suicide", "route_now", "shared"})
            conditions = tuple(_condition(c, questions, areas) for _, c in rule.items("all"))
            rules.append(
                DangerRule(rule.text("id"), conditions, rule.text("note"), _contacts(rule, "contacts", contacts),
                           rule.boolean("suicide", False), rule.boolean("route_now", False),
                           rule.text("shared") if "shared" in rule.data else "")
            )  # fmt: skip
        _unique(node, "rules", [rule.id for rule in rules])
        rule_ids = {rule.id for rule in rules}
        parts.update(danger_rules=tuple(rules), danger_band=band)
    for name, block in blocks.items():
        for rule_id in block.serious_rules:
            if rule_id not in rule_ids:
                root.fail(f"{rule_id!r} is not a danger rule", f"{name}.serious_rules")
    if "next_step" in root.data:
        node = root.child("next_step")
        node.only({"label", "plan_link", "emergency", "cases"})
        cases = []
        for _, case in node.items("cases"):
            case.only({"when", "heading", "text", "contacts"}, {"band", "condition"})
            when = case.text("when")
            if when not in {"danger", "suicide_and_danger", "suicide_only", "band", "condition"}:
                case.fail("must be danger, suicide_and_danger, suicide_only, band or condition", "when")
            band = case.text("band") if when == "band" else ""
            if when == "band" and band not in order:
                case.fail(f"{band!r} is not in band_order", "band")
            condition = _condition(case.child("condition"), questions, areas) if when == "condition" else None
            found = _contacts(case, "contacts", contacts)
            if not found:
                case.fail("needs at least one contact", "contacts")
            cases.append(NextStepCase(when, band, condition, case.text("heading"), case.text("text"), found))
        covered = {case.band for case in cases if case.when == "band"}
        if covered != set(order):
            node.fail("needs a band case for every band", "cases")
        parts["next_step"] = NextStep(node.text("label"), node.text("plan_link"), node.text("emergency"),
                                      tuple(cases))  # fmt: skip
    results = root.child("results")
    if "suicide_only" in results.data:
        node = results.child("suicide_only")
        node.only({"title", "body", "contacts"})
        parts.update(suicide_only_title=node.text("title"), suicide_only_body=node.texts("body"),
                     suicide_only_contacts=_contacts(node, "contacts", contacts))  # fmt: skip
    if "confidentiality" in root.data:
        node = root.child("confidentiality")
        node.only({"title", "body"})
        parts.update(confidentiality_title=node.text("title"), confidentiality_body=node.texts("body"))
    if "keep" in root.data:
        node = root.child("keep")
        fields = ("title", "intro", "link_label", "link_text", "download_label", "download_text", "print_label",
                  "where", "page_title", "no_script", "bad_link")  # fmt: skip
        node.only(set(fields))
        parts["keep"] = Keep(*(node.texts(f) if f == "where" else node.text(f) for f in fields))
    return parts


def questionnaire_load(*, path: Path) -> Questionnaire:
    """Read and validate one questionnaire file. Raises QuestionnaireError naming the file and key."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise QuestionnaireError(f"{path.name}: cannot be read ({error.strerror})") from error
    except yaml.YAMLError as error:
        raise QuestionnaireError(f"{path.name}: is not valid YAML: {error}") from error
    return questionnaire_parse(data, source=path.name)


@lru_cache(maxsize=1)
def questionnaire_current() -> Questionnaire:
    """The questionnaire in use, read once per process (on first use, not at import)."""
    return questionnaire_load(path=CURRENT_FILE)


@lru_cache(maxsize=1)
def questionnaire_v1() -> Questionnaire:
    """Version 1, still loadable: its tests keep running, and a v1 page left open gets a clear message."""
    return questionnaire_load(path=V1_FILE)


def _reading_texts(q: Questionnaire):
    def each(where: str, texts) -> Any:
        for index, text in enumerate(texts):
            yield f"{where}[{index}]", text

    yield "intro.title", q.intro.title
    yield from each("intro.body", q.intro.body)
    yield "intro.privacy.title", q.intro.privacy_title
    yield from each("intro.privacy.points", q.intro.privacy_points)
    yield from each("intro.services_note", q.intro.services_note)
    yield "intro.quick_exit.title", q.intro.quick_exit_title
    yield from each("intro.quick_exit.body", q.intro.quick_exit_body)
    yield "intro.start_label", q.intro.start_label
    for scale in q.scales.values():
        for option in scale.options:
            yield f"scales.{scale.name}.{option.key}", option.label
    for step in q.steps:
        yield f"steps.{step.id}.title", step.title
        yield from each(f"steps.{step.id}.intro", step.intro)
        for question in step.questions:
            yield f"questions.{question.id}", question.text
    for area in q.areas.values():
        yield f"areas.{area.key}.title", area.title
        if area.shows:
            yield f"areas.{area.key}.shows", area.shows
            yield from each(f"areas.{area.key}.matters", area.matters)
    for band in q.bands:
        yield f"bands.{band.key}.title", band.title
        yield from each(f"bands.{band.key}.body", band.body)
    yield "results.heading", q.results_heading
    yield from each("results.note", q.results_note)
    yield "results.always_show.title", q.always_show_title
    yield "results.areas_heading", q.areas_heading
    for name, block in (("danger", q.danger), ("own_safety", q.own_safety)):
        yield f"{name}.title", block.title
        yield from each(f"{name}.body", block.body)
        for key, note in block.notes.items():
            yield f"{name}.notes.{key}", note
    yield "readiness.prompt", q.readiness_prompt
    for band in q.readiness_bands:
        yield f"readiness.{band.key}.title", band.title
        yield from each(f"readiness.{band.key}.feedback", band.feedback)
    yield "barriers.title", q.barriers_title
    for barrier in q.barriers.values():
        yield f"barriers.{barrier.key}.label", barrier.label
        yield f"barriers.{barrier.key}.reassurance", barrier.reassurance
    for action in q.actions.values():
        yield f"actions.{action.key}.label", action.label
        yield f"actions.{action.key}.text", action.text
    yield "timeout_plan.title", q.timeout_plan.title
    yield "timeout_plan.intro", q.timeout_plan.intro
    for index, step in enumerate(q.timeout_plan.steps):
        yield f"timeout_plan.steps[{index}].title", step.title
        yield f"timeout_plan.steps[{index}].text", step.text
    yield "timeout_plan.note", q.timeout_plan.note
    yield "when_you_call.title", q.when_you_call_title
    yield from each("when_you_call.body", q.when_you_call_body)
    for rule in q.danger_rules:
        yield f"danger_rules.{rule.id}.note", rule.note
    if q.next_step:
        yield "next_step.label", q.next_step.label
        yield "next_step.plan_link", q.next_step.plan_link
        yield "next_step.emergency", q.next_step.emergency
        for index, case in enumerate(q.next_step.cases):
            yield f"next_step.cases[{index}].heading", case.heading
            yield f"next_step.cases[{index}].text", case.text
    for name, block in (("danger", q.danger), ("own_safety", q.own_safety)):
        for key, text in block.answers.items():
            yield f"{name}.answers.{key}", text
        yield from each(f"{name}.serious_body", block.serious_body)
    for band in q.readiness_bands:
        yield from each(f"readiness.{band.key}.urgent_feedback", band.urgent_feedback)
    if q.timeout_plan.warning:
        yield "timeout_plan.warning", q.timeout_plan.warning
    if q.timeout_plan.order_warning:
        yield "timeout_plan.order_warning", q.timeout_plan.order_warning
    for index, step in enumerate(q.timeout_plan.steps):
        if step.order_note:
            yield f"timeout_plan.steps[{index}].order_note", step.order_note
        if step.order_text:
            yield f"timeout_plan.steps[{index}].order_text", step.order_text
    for rule in q.danger_rules:
        if rule.shared:
            yield f"danger_rules.{rule.id}.shared", rule.shared
    for barrier in q.barriers.values():
        if barrier.urgent_reassurance:
            yield f"barriers.{barrier.key}.urgent_reassurance", barrier.urgent_reassurance
    for action in q.actions.values():
        if action.suicide_text:
            yield f"actions.{action.key}.suicide_text", action.suicide_text
    if q.suicide_only_title:
        yield "results.suicide_only.title", q.suicide_only_title
        yield from each("results.suicide_only.body", q.suicide_only_body)
    if q.readiness_prompt_lowest:
        yield "readiness.prompt_lowest", q.readiness_prompt_lowest
    if q.confidentiality_title:
        yield "confidentiality.title", q.confidentiality_title
        yield from each("confidentiality.body", q.confidentiality_body)
    if q.keep:
        for name in ("title", "intro", "link_label", "link_text", "download_label", "download_text", "print_label",
                     "page_title", "no_script", "bad_link"):  # fmt: skip
            yield f"keep.{name}", getattr(q.keep, name)
        yield from each("keep.where", q.keep.where)
    for contact in q.contacts.values():
        for field_name in ("name", "when", "what"):
            if getattr(contact, field_name):
                yield f"contacts.{contact.key}.{field_name}", getattr(contact, field_name)
