"""Articles kept as Markdown files in content/pages/<section>/<slug>.md.

Each file starts with YAML front matter (title, summary, audience, reviewed, order, sources) and a
Markdown body. The body is rendered with `markdown` and sanitised with `nh3`, so a content file can
never inject script or style into a page. Files whose name starts with "_" are fragments used by
other views (the printable handout), not pages of their own.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import markdown
import nh3
import yaml

from services_directory.contacts import render_placeholders
from services_directory.contacts import source_stamp as contacts_stamp

PAGES_DIR = Path(__file__).resolve().parent / "pages"
SECTIONS = ("guides", "gp", "for-services")
REQUIRED_KEYS = ("title", "summary", "audience", "reviewed", "sources")
AUDIENCES = frozenset({"men", "family", "everyone", "gp", "providers"})
SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
# Longer than any real page's slug, and far below the file system's 255-byte name limit: a longer
# slug from the address bar is answered "no such page" before it becomes a file name (a 260-character
# slug made Path.exists() raise "File name too long", a 500).
MAX_SLUG_LENGTH = 80

ALLOWED_TAGS = {
    "a", "abbr", "blockquote", "br", "code", "dd", "div", "dl", "dt", "em", "h2", "h3", "h4", "hr",
    "li", "ol", "p", "pre", "strong", "table", "tbody", "td", "th", "thead", "tr", "ul",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "abbr": {"title"}, "th": {"scope"}, "h2": {"id"}, "h3": {"id"}}
ALLOWED_SCHEMES = {"http", "https", "tel", "mailto"}


class ContentError(ValueError):
    """A content file that cannot be used; the message names the file and line."""

    def __init__(self, path: Path, line: int, message: str):
        self.path, self.line = path, line
        super().__init__(f"{path}:{line}: {message}")


@dataclass(frozen=True)
class Source:
    title: str
    url: str


@dataclass(frozen=True)
class Page:
    section: str
    slug: str
    title: str
    summary: str
    audience: str
    reviewed: datetime.date
    order: int
    sources: tuple[Source, ...]
    body_markdown: str
    html: str = field(repr=False)

    @property
    def url(self) -> str:
        return f"/{self.section}/{self.slug}/"


def render_markdown(text: str) -> str:
    """Markdown to HTML that holds only the tags and link schemes articles need."""
    html = markdown.markdown(text, extensions=["tables", "sane_lists", "toc"], output_format="html")
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=ALLOWED_SCHEMES,
        link_rel="noopener noreferrer",
    )


def parse_page(path: Path, section: str) -> Page:
    """Parse one content file, raising ContentError (with file and line) when it is malformed."""
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise ContentError(path, 1, f"not UTF-8 ({exc.reason})") from exc
    lines = text.splitlines()
    if not lines or lines[0].strip() != "---":
        raise ContentError(path, 1, "must start with '---' and YAML front matter")
    try:
        end = next(i for i, line in enumerate(lines[1:], start=1) if line.strip() == "---")
    except StopIteration:
        raise ContentError(path, 1, "front matter is not closed with '---'") from None
    try:
        meta = yaml.safe_load("\n".join(lines[1:end])) or {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise ContentError(
            path, (mark.line + 2) if mark else 1, f"front matter is not valid YAML: {exc}"
        ) from exc
    if not isinstance(meta, dict):
        raise ContentError(path, 2, "front matter must be a mapping of keys to values")
    for key in REQUIRED_KEYS:
        if key not in meta:
            raise ContentError(path, 2, f"front matter lacks '{key}'")
    if meta["audience"] not in AUDIENCES:
        raise ContentError(path, 2, f"audience must be one of {sorted(AUDIENCES)}")
    reviewed = meta["reviewed"]
    if not isinstance(reviewed, datetime.date):
        raise ContentError(path, 2, "reviewed must be a date (YYYY-MM-DD)")
    sources = meta["sources"] or []
    if not isinstance(sources, list) or not all(
        isinstance(s, dict) and isinstance(s.get("url"), str) and s["url"].startswith(("https://", "http://"))
        for s in sources
    ):
        raise ContentError(path, 2, "sources must be a list of {title, url} with web addresses")
    slug = path.stem.lstrip("_")
    if not SLUG_RE.match(slug):
        raise ContentError(path, 1, "file name must be a slug: lower-case words joined by '-'")
    if len(slug) > MAX_SLUG_LENGTH:
        raise ContentError(path, 1, f"file name is longer than {MAX_SLUG_LENGTH} characters")
    body = "\n".join(lines[end + 1 :]).strip()
    if not body:
        raise ContentError(path, end + 2, "the body is empty")
    return Page(
        section=section,
        slug=slug,
        title=str(meta["title"]),
        summary=str(meta["summary"]).strip(),
        audience=meta["audience"],
        reviewed=reviewed,
        order=int(meta.get("order", 100)),
        sources=tuple(Source(title=str(s.get("title", s["url"])), url=s["url"]) for s in sources),
        body_markdown=body,
        # {{contact:key}} placeholders are filled from the contact registry (services_directory.contacts).
        html=render_markdown(render_placeholders(text=body)),
    )


def _section_files(section: str) -> list[Path]:
    return sorted((PAGES_DIR / section).glob("*.md"))


@lru_cache(maxsize=16)
def _load_section(section: str, stamp: tuple) -> dict[str, Page]:
    pages = [parse_page(path, section) for path in _section_files(section)]
    return {page.slug: page for page in sorted(pages, key=lambda p: (p.order, p.title))}


def _section(section: str) -> dict[str, Page]:
    # The cache key includes each file's modification time (and the contact registry's), so edited
    # files are picked up.
    files = _section_files(section)
    return _load_section(section, (*((p.name, p.stat().st_mtime_ns) for p in files), contacts_stamp()))


def section_pages(section: str) -> list[Page]:
    """The routable pages of a section, in display order (fragments starting with '_' excluded)."""
    return [page for name, page in _section(section).items() if not _is_fragment(section, name)]


def _is_fragment(section: str, slug: str) -> bool:
    return (PAGES_DIR / section / f"_{slug}.md").exists()


def get_page(section: str, slug: str) -> Page | None:
    """The page at /<section>/<slug>/, or None for anything else (unknown, malformed, too long, fragment)."""
    if section not in SECTIONS or len(slug) > MAX_SLUG_LENGTH or not SLUG_RE.match(slug):
        return None
    if _is_fragment(section, slug):
        return None
    return _section(section).get(slug)


def get_fragment(section: str, slug: str) -> Page | None:
    """A '_name.md' fragment, e.g. the handout text."""
    path = PAGES_DIR / section / f"_{slug}.md"
    return parse_page(path, section) if path.exists() else None


def all_pages() -> list[Page]:
    return [page for section in SECTIONS for page in section_pages(section)]


INTERNAL_LINK_RE = re.compile(r'href="(/[^"#?]*)')


def internal_links(page: Page) -> list[str]:
    return INTERNAL_LINK_RE.findall(page.html)
