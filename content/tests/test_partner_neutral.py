"""Every man is addressed: the guides do not assume the partner is a woman.

The self-check says "your partner" and "they"; the guides must too, so a man with a male partner is
not written out. Quoted speech and the titles of sources (kept in the front matter, not the body)
are allowed to say what their authors said.
"""

import re

import pytest

from content import pages

GENDERED_PARTNER_WORDS = re.compile(r"\b(she|she's|she'd|she'll|her|hers|herself|wife|girlfriend)\b", re.I)
QUOTED = re.compile(r'"[^"\n]*"|“[^”\n]*”')


def unquoted_words(markdown_text: str) -> list[tuple[int, str]]:
    found = []
    for number, line in enumerate(markdown_text.splitlines(), start=1):
        line = QUOTED.sub("", line)
        line = re.sub(r"\]\([^)]*\)", "]", line)  # link targets are addresses, not words
        found += [(number, match.group(0)) for match in GENDERED_PARTNER_WORDS.finditer(line)]
    return found


def test_the_check_finds_gendered_words_outside_quotes():
    assert unquoted_words('Ask her first.\nHe said "she left".') == [(1, "her")]
    assert unquoted_words("If your wife calls") == [(1, "wife")]
    assert unquoted_words("Their phone, their choice.") == []


@pytest.mark.parametrize("page", pages.section_pages("guides"), ids=lambda p: p.url)
def test_guides_use_partner_neutral_words(page):
    text = page.title + "\n" + page.summary + "\n" + page.body_markdown
    bad = unquoted_words(text)
    assert not bad, f"{page.url}: gendered partner words (say 'your partner', 'they'): {bad}"
