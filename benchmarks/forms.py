"""Read the first form in a page's <main>: where it goes, its hidden values and the choices offered.
Used by the load test to walk the self-check as a person would, whatever its questions are."""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser


@dataclass
class Form:
    action: str = ""
    method: str = "get"
    hidden: dict[str, str] = field(default_factory=dict)
    choices: dict[str, list[str]] = field(default_factory=dict)  # radio groups and selects
    checkboxes: dict[str, list[str]] = field(default_factory=dict)
    text: list[str] = field(default_factory=list)
    buttons: list[tuple[str, str]] = field(default_factory=list)  # (name, value)


class _FormParser(HTMLParser):
    def __init__(self):
        super().__init__()
        self.in_main = False
        self.form: Form | None = None
        self.done = False
        self.select: str | None = None

    def handle_starttag(self, tag, attrs):
        a = {k: v or "" for k, v in attrs}
        if tag == "main":
            self.in_main = True
        if self.done or not self.in_main:
            return
        if tag == "form" and self.form is None:
            self.form = Form(action=a.get("action", ""), method=a.get("method", "get").lower())
        if self.form is None or not a.get("name"):
            if tag == "option" and self.form is not None and self.select:
                self.form.choices[self.select].append(a.get("value", ""))
            return
        name, kind = a["name"], a.get("type", "text").lower()
        if tag == "input" and kind == "hidden":
            self.form.hidden[name] = a.get("value", "")
        elif tag == "input" and kind == "radio":
            self.form.choices.setdefault(name, []).append(a.get("value", "on"))
        elif tag == "input" and kind == "checkbox":
            self.form.checkboxes.setdefault(name, []).append(a.get("value", "on"))
        elif tag == "select":
            self.select = name
            self.form.choices[name] = []
        elif (
            tag in {"textarea", "input"}
            and kind not in {"submit", "button"}
            and "hp-field" not in a.get("class", "")
        ):
            self.form.text.append(name)
        elif tag == "button" or (tag == "input" and kind == "submit"):
            self.form.buttons.append((name, a.get("value", "")))

    def handle_endtag(self, tag):
        if tag == "form" and self.form is not None:
            self.done = True
        if tag == "select":
            self.select = None


def first_form(html: str) -> Form | None:
    parser = _FormParser()
    parser.feed(html)
    return parser.form
