"""Input for the directory pages: the search parameters (from the URL) and the listing report form."""

from __future__ import annotations

from dataclasses import dataclass

from django import forms
from django.http import QueryDict

from config.antispam import AntiSpamFormMixin
from services_directory.models import LANGUAGE_NAMES, ListingReport, TaxonomyTerm
from services_directory.search import COST_FILTERS, DEFAULT_RADIUS_KM, RADIUS_CHOICES, Filters, clean_query

MAX_PAGE = 10_000
FACETS = (
    ("type", "service-type"),
    ("delivery", "delivery"),
    ("audience", "audience"),
    ("referral", "referral"),
)
COST_LABELS = {"free": "Free", "free-call": "Free to call"}


@dataclass
class SearchParams:
    q: str
    near: str
    filters: Filters
    page: int
    radius_km: int
    ignored: list[str]  # names of parameters whose values we could not use

    @property
    def is_search(self) -> bool:
        return bool(self.q or self.near or self.filters.any)


def term_choices() -> dict[str, list[tuple[str, str]]]:
    """Filter choices by URL parameter name, from the taxonomy (one query)."""
    choices: dict[str, list[tuple[str, str]]] = {name: [] for name, _ in FACETS}
    taxonomy_to_param = {taxonomy: name for name, taxonomy in FACETS}
    for code, name, taxonomy in TaxonomyTerm.objects.order_by("position").values_list(
        "code", "name", "taxonomy__slug"
    ):
        if taxonomy in taxonomy_to_param:
            choices[taxonomy_to_param[taxonomy]].append((code, name))
    return choices


def _int(value: str, default: int) -> int | None:
    value = (value or "").strip()
    if not value:
        return default
    if not value.isascii() or not value.lstrip("-").isdigit() or len(value) > 9:
        return None
    return int(value)


def parse_search(data: QueryDict, choices: dict[str, list[tuple[str, str]]]) -> SearchParams:
    """Read the search from the URL. Unknown values are dropped and named, never an error."""
    ignored = []

    def pick(name: str) -> tuple[str, ...]:
        allowed = {code for code, _ in choices[name]}
        values = [v for v in data.getlist(name)[:20] if v]
        kept = tuple(dict.fromkeys(v for v in values if v in allowed))
        if len(kept) < len(values):
            ignored.append(name)
        return kept

    cost = data.get("cost", "")
    if cost and cost not in COST_FILTERS:
        ignored.append("cost")
        cost = ""
    language = data.get("language", "")
    if language and language not in LANGUAGE_NAMES:
        ignored.append("language")
        language = ""
    page = _int(data.get("page", ""), 1)
    if page is None:
        ignored.append("page")
        page = 1
    radius = _int(data.get("radius", ""), DEFAULT_RADIUS_KM)
    if radius not in RADIUS_CHOICES:
        if data.get("radius"):
            ignored.append("radius")
        radius = DEFAULT_RADIUS_KM
    return SearchParams(
        q=clean_query(data.get("q", "")),
        near=clean_query(data.get("near", ""))[:100],
        filters=Filters(
            types=pick("type"),
            delivery=pick("delivery"),
            audience=pick("audience"),
            referral=pick("referral"),
            cost=cost,
            language=language,
            open_now=data.get("open_now", "") in {"1", "on", "true", "yes"},
        ),
        page=min(max(page, 1), MAX_PAGE),
        radius_km=radius,
        ignored=ignored,
    )


class ListingReportForm(AntiSpamFormMixin, forms.Form):
    problem = forms.ChoiceField(
        label="What is wrong?", choices=ListingReport.Problem.choices, widget=forms.RadioSelect
    )
    details = forms.CharField(
        label="Tell us more (optional)",
        help_text="Please don't include your name or anything that shows who you are.",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    def clean_details(self) -> str:
        return (self.cleaned_data.get("details") or "").replace("\x00", "").strip()
