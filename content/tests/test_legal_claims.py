"""Legal claims in the guides stay dated and rest on legislation or government pages."""

import re

import pytest
from django.test import Client
from django.utils.html import escape

from content import pages

# Hosts that are news reprints, law-firm blogs or document-sharing copies: not a source for a legal claim.
SECONDARY_HOSTS = re.compile(
    r"scribd\.com|gotocourt\.com\.au|lawyers?\.com\.au|law\.com\.au|pageprovan|mygpnotes|noosatoday"
)


def test_the_coercive_control_claim_names_each_state_and_is_dated():
    page = pages.get_page("guides", "what-counts-as-abuse")
    text = page.body_markdown
    assert "crime in two states" not in text
    for place in (
        "New South Wales",
        "Queensland",
        "Tasmania",
        "South Australia",
        "Victoria",
        "Western Australia",
        "the ACT",
        "Northern Territory",
    ):
        assert place in text, place
    assert "1 July 2024" in text and "26 May 2025" in text
    assert "7 December 2026" in text  # the date the claim was checked


@pytest.mark.parametrize("page", pages.section_pages("guides"), ids=lambda p: p.url)
def test_guides_do_not_cite_law_firm_blogs_or_document_copies(page):
    for source in page.sources:
        assert not SECONDARY_HOSTS.search(source.url), f"{page.url}: {source.url}"


@pytest.mark.django_db
@pytest.mark.parametrize("page", pages.section_pages("guides"), ids=lambda p: p.url)
def test_every_guide_shows_its_sources_and_the_date_checked(page):
    # The privacy promise describes this site itself; its "source" is the code (docs/privacy.md).
    assert page.sources or page.slug == "privacy", f"{page.url} has no sources"
    html = Client().get(page.url).content.decode()
    assert f'datetime="{page.reviewed.isoformat()}"' in html
    for source in page.sources:
        assert f'href="{escape(source.url)}"' in html, source.url
