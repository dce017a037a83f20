"""Help in your language: the data is complete, each language has the right lang and dir, and every
public page's footer links to it with each language named in itself."""

import copy
import re

import pytest
import yaml
from django.test import Client

from content import languages
from content.languages import LanguageDataError, parse_language_help, render_message
from tests.public_urls import public_urls

RAW = yaml.safe_load(languages.DATA_FILE.read_text(encoding="utf-8"))
# The ABS 2021 Census top five languages used at home after English.
CENSUS_TOP_FIVE = {"zh-Hans", "ar", "vi", "zh-Hant-HK", "pa"}


def test_at_least_eight_languages_including_the_census_top_five():
    data = languages.language_help()
    codes = {language.code for language in data.languages}
    assert len(codes) >= 8
    assert codes >= CENSUS_TOP_FIVE
    assert {language.code for language in data.languages if language.census_top_five} == CENSUS_TOP_FIVE
    assert "abs.gov.au" in data.ranking_source[1]


def test_every_translation_says_the_four_things():
    data = languages.language_help()
    for language in data.languages:
        text = " ".join(language.messages.values())
        assert "{emergency}" in text and "{tis}" in text, language.code
        assert "{mensline}" in text and "{mrs}" in text, language.code
        assert "MensLine" in text and "Men's Referral Service" in text, language.code


def test_the_file_says_translations_need_a_native_speaker_review():
    text = languages.DATA_FILE.read_text(encoding="utf-8")
    assert "native" in text and "REVIEW BEFORE LAUNCH" in text


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d["languages"][0].update(dir="rtl"), "does not match"),
        (lambda d: d["languages"][1].update(dir="ltr"), "does not match"),
        (lambda d: d["languages"][0].update(dir="up"), "dir must be"),
        (lambda d: d["languages"][0].pop("tis"), "'tis' is missing"),
        (lambda d: d["languages"][0].update(danger="000"), "placeholders"),
        (lambda d: d.pop("numbers"), "missing"),
    ],
)
def test_a_broken_data_file_is_refused_with_a_clear_message(change, message):
    data = copy.deepcopy(RAW)
    change(data)
    with pytest.raises(LanguageDataError, match=message):
        parse_language_help(data)


def test_numbers_become_ltr_call_links_and_text_is_escaped():
    numbers = languages.language_help().numbers
    html = render_message(text="<b>اتصل</b> {tis}", numbers=numbers)
    assert "&lt;b&gt;" in html and "<b>" not in html
    assert '<bdi><a href="tel:131450" dir="ltr" class="tel nowrap">131 450</a></bdi>' in html


@pytest.mark.django_db
def test_the_page_marks_each_language_with_lang_and_dir():
    html = Client().get("/languages/").content.decode()
    for language in languages.language_help().languages:
        expected_dir = "rtl" if language.code in {"ar", "fa"} else "ltr"
        assert language.dir == expected_dir
        assert f'<section id="{language.anchor}" lang="{language.code}" dir="{expected_dir}"' in html
    assert 'href="tel:131450"' in html and 'href="tel:1300789978"' in html and 'href="tel:1300766491"' in html
    assert "abs.gov.au" in html and 'datetime="2026-12-07"' in html


@pytest.mark.django_db
@pytest.mark.parametrize("url", public_urls())
def test_every_public_page_footer_links_every_language_named_in_itself(url):
    response = Client().get(url)
    if "text/html" not in response.get("Content-Type", ""):
        return  # JSON, CSV, XML and plain-text answers (the API, robots.txt) have no footer
    assert response.status_code == 200, url
    html = response.content.decode()
    footer = html[html.index('<footer class="site-footer">') :]
    assert re.search(r'<a href="/languages/">Help in your language</a>', footer)
    for language in languages.language_help().languages:
        link = (
            f'<a href="/languages/#{language.anchor}" lang="{language.code}" dir="{language.dir}" '
            f'hreflang="{language.code}">{language.name}</a>'
        )
        assert link in footer, (url, language.code)
