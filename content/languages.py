""" "Help in your language": a short message in the community languages most used at home in Australia.

The words live in content/data/languages.yaml, with the English source beside every translation so
a reviewer can check each line. Phone numbers are {placeholders} in the text, filled in here as
links, so a number is written once and cannot drift between languages. Loading validates the file
(every key, every placeholder, a known text direction) so a broken edit fails at start-up and in
the tests, not on the page.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml
from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe

DATA_FILE = Path(__file__).resolve().parent / "data" / "languages.yaml"
MESSAGE_KEYS = ("title", "private", "danger", "talk", "tis", "confidential")
RTL_LANGUAGES = frozenset({"ar", "fa", "ur", "he", "ps", "dv", "ckb"})
PLACEHOLDER_RE = re.compile(r"\{([a-z]+)\}")


class LanguageDataError(ValueError):
    """languages.yaml cannot be used; the message says which language and key."""


@dataclass(frozen=True)
class Number:
    number: str
    tel: str


@dataclass(frozen=True)
class Language:
    code: str
    dir: str
    name: str
    english_name: str
    census_top_five: bool
    reviewed: bool
    messages: dict[str, str]

    @property
    def anchor(self) -> str:
        return self.code.lower()


@dataclass(frozen=True)
class LanguageHelp:
    english: dict[str, str]
    languages: tuple[Language, ...]
    numbers: dict[str, Number]
    sources: tuple[tuple[str, str], ...]
    ranking_source: tuple[str, str]
    checked: datetime.date


def _placeholders(text: str) -> set[str]:
    return set(PLACEHOLDER_RE.findall(text))


def parse_language_help(data: dict) -> LanguageHelp:
    """Validate and shape the YAML; every translation must keep the English placeholders exactly."""
    try:
        numbers = {
            key: Number(number=str(v["number"]), tel=str(v["tel"])) for key, v in data["numbers"].items()
        }
        english = {key: str(data["english"][key]).strip() for key in MESSAGE_KEYS}
        raw_languages = data["languages"]
        sources = tuple((str(s["title"]), str(s["url"])) for s in data["sources"])
        ranking_source = (str(data["ranking_source"]["title"]), str(data["ranking_source"]["url"]))
        checked = data["checked"]
    except (KeyError, TypeError, AttributeError) as exc:
        raise LanguageDataError(f"languages.yaml is missing {exc}") from exc
    if not isinstance(checked, datetime.date):
        raise LanguageDataError("checked must be a date (YYYY-MM-DD)")
    languages = []
    for entry in raw_languages:
        code = str(entry.get("code", ""))
        direction = entry.get("dir")
        if direction not in {"ltr", "rtl"}:
            raise LanguageDataError(f"{code}: dir must be 'ltr' or 'rtl'")
        if (direction == "rtl") != (code.split("-")[0] in RTL_LANGUAGES):
            raise LanguageDataError(f"{code}: dir {direction} does not match the script of the language")
        messages = {}
        for key in MESSAGE_KEYS:
            text = str(entry.get(key) or "").strip()
            if not text:
                raise LanguageDataError(f"{code}: '{key}' is missing")
            if _placeholders(text) != _placeholders(english[key]):
                raise LanguageDataError(f"{code}: '{key}' must use the placeholders of the English text")
            if not _placeholders(text) <= numbers.keys():
                raise LanguageDataError(f"{code}: '{key}' uses an unknown placeholder")
            messages[key] = text
        languages.append(
            Language(
                code=code,
                dir=direction,
                name=str(entry["name"]),
                english_name=str(entry["english_name"]),
                census_top_five=bool(entry.get("census_top_five")),
                reviewed=bool(entry.get("reviewed_by")),
                messages=messages,
            )
        )
    return LanguageHelp(
        english=english,
        languages=tuple(languages),
        numbers=numbers,
        sources=sources,
        ranking_source=ranking_source,
        checked=checked,
    )


@lru_cache(maxsize=1)
def language_help() -> LanguageHelp:
    """The parsed data file (read once per process: it changes only with a deploy)."""
    return parse_language_help(yaml.safe_load(DATA_FILE.read_text(encoding="utf-8")))


def render_message(*, text: str, numbers: dict[str, Number]) -> SafeString:
    """Escape the text, then put each number in as a left-to-right call link (also inside RTL text)."""
    parts = []
    position = 0
    for match in PLACEHOLDER_RE.finditer(text):
        parts.append(escape(text[position : match.start()]))
        number = numbers[match.group(1)]
        parts.append(
            format_html(
                '<bdi><a href="tel:{}" dir="ltr" class="tel nowrap">{}</a></bdi>', number.tel, number.number
            )
        )
        position = match.end()
    parts.append(escape(text[position:]))
    return mark_safe("".join(parts))  # noqa: S308 - every piece above is escaped or format_html


def rendered_sections() -> list[dict]:
    """English first, then each language: what the page template shows."""
    data = language_help()
    english = Language(
        code="en-AU",
        dir="ltr",
        name="English",
        english_name="English",
        census_top_five=False,
        reviewed=True,
        messages=data.english,
    )
    return [
        {
            "language": language,
            "messages": {
                key: render_message(text=text, numbers=data.numbers)
                for key, text in language.messages.items()
            },
        }
        for language in (english, *data.languages)
    ]
