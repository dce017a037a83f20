import re
from pathlib import Path

import pytest
import textstat
from django.test import Client
from django.urls import Resolver404, resolve

from content import pages
from content.pages import ContentError, parse_page, render_markdown

MAX_GRADE = {"men": 8, "family": 8, "everyone": 8, "providers": 10, "gp": 12}


def plain_text(markdown_text: str) -> str:
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", markdown_text)  # links -> their words
    text = re.sub(r"https?://\S+", "", text)
    text = re.sub(r"^\s*(#+|[-*]|\d+\.)\s*", "", text, flags=re.M)  # headings and list markers
    text = re.sub(r"[*_`|>]", "", text)
    # A heading or list item is a sentence of its own; without a full stop it would merge with the next.
    return "\n".join(
        line if re.search(r"[.!?:]$", line) else line + "." for line in text.splitlines() if line.strip()
    )


ALL_FILES = sorted(pages.PAGES_DIR.glob("*/*.md"))


def test_there_are_content_files():
    assert len(ALL_FILES) >= 10


@pytest.mark.parametrize("path", ALL_FILES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_every_content_file_parses(path):
    page = parse_page(path, path.parent.name)
    assert page.title and page.summary
    if "tel:" in page.body_markdown:
        assert page.sources, "a page that gives phone numbers must cite where they come from"


@pytest.mark.parametrize("page", pages.all_pages(), ids=lambda p: p.url)
def test_every_internal_link_resolves(page):
    for link in pages.internal_links(page):
        try:
            match = resolve(link)
        except Resolver404:
            pytest.fail(f"{page.url} links to {link}, which does not exist")
        if match.url_name in {"guide", "gp-page", "for-services-page"}:
            section, slug = link.strip("/").split("/")
            assert pages.get_page(section, slug), f"{page.url} links to missing page {link}"


@pytest.mark.parametrize("path", ALL_FILES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_reading_grade(path):
    page = parse_page(path, path.parent.name)
    grade = textstat.flesch_kincaid_grade(plain_text(page.body_markdown))
    assert grade <= MAX_GRADE[page.audience], f"{path.name}: grade {grade}"


@pytest.mark.django_db
@pytest.mark.parametrize("page", pages.all_pages(), ids=lambda p: p.url)
def test_every_page_renders_with_its_reviewed_date(page):
    response = Client().get(page.url)
    assert response.status_code == 200
    assert f'datetime="{page.reviewed.isoformat()}"' in response.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/guides/no-such-guide/", "/gp/nope/", "/guides/_handout/", "/gp/handout-/"])
def test_unknown_slugs_get_the_styled_404(url):
    response = Client().get(url)
    assert response.status_code == 404
    assert b"We can't find that page" in response.content


def test_markdown_cannot_inject_script_or_style():
    html = render_markdown(
        '<script>alert(1)</script>\n\n<p style="color:red" onclick="x()">hi</p>\n\n'
        "[click](javascript:alert(1)) [call](tel:000) <img src=x onerror=alert(1)>"
    )
    assert "<script" not in html and "style=" not in html and "onclick" not in html
    assert "javascript:" not in html and "<img" not in html
    assert 'href="tel:000"' in html


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ("no front matter", 1, "must start with '---'"),
        ("---\ntitle: x\n", 1, "not closed"),
        ("---\ntitle: [unclosed\n---\nbody", 2, "not valid YAML"),
        ("---\ntitle: x\n---\nbody", 2, "lacks 'summary'"),
        (
            "---\ntitle: x\nsummary: y\naudience: aliens\nreviewed: 2026-01-01\nsources: []\n---\nbody",
            2,
            "audience",
        ),
        ("---\ntitle: x\nsummary: y\naudience: men\nreviewed: soon\nsources: []\n---\nbody", 2, "reviewed"),
        (
            "---\ntitle: x\nsummary: y\naudience: men\nreviewed: 2026-01-01\nsources: [ftp]\n---\nb",
            2,
            "sources",
        ),
        ("---\ntitle: x\nsummary: y\naudience: men\nreviewed: 2026-01-01\nsources: []\n---\n\n", 8, "empty"),
    ],
)
def test_a_malformed_file_names_itself_and_the_line(tmp_path: Path, text, line, message):
    path = tmp_path / "broken-page.md"
    path.write_text(text)
    with pytest.raises(ContentError) as error:
        parse_page(path, "guides")
    assert error.value.line == line
    assert message in str(error.value)
    assert str(error.value).startswith(f"{path}:{line}:")
