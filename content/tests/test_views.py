import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def test_the_handout_carries_crisis_numbers_and_a_local_qr_code(settings):
    settings.SITE_URL = "https://pause.example.org"
    html = Client().get("/gp/handout/").content.decode()
    for number in ("tel:000", "tel:1300766491", "tel:1300789978", "tel:131114"):
        assert number in html
    assert '<svg xmlns="http://www.w3.org/2000/svg"' in html and 'class="qr"' in html
    assert "<title>QR code: https://pause.example.org</title>" in html
    assert "pause.example.org" in html
    assert " style=" not in html  # the CSP allows no inline styles


def test_sitemap_lists_the_pages_with_their_reviewed_dates(settings):
    response = Client().get("/sitemap.xml")
    assert response.status_code == 200
    xml = response.content.decode()
    assert "/guides/browse-safely/</loc>" in xml and "<lastmod>" in xml
    assert "/providers/" not in xml


def test_robots_points_to_the_sitemap_and_away_from_the_portal(settings):
    settings.SITE_URL = "https://pause.example.org"
    text = Client().get("/robots.txt").content.decode()
    assert "Disallow: /providers/" in text
    assert "Sitemap: https://pause.example.org/sitemap.xml" in text


def test_discreet_titles_hide_what_the_page_is_about(settings):
    settings.DISCREET_TITLES = True
    html = Client().get("/guides/browse-safely/").content.decode()
    assert "<title>Pause</title>" in html
    assert 'name="description"' not in html and 'rel="canonical"' not in html
    assert 'content="noindex"' in html
    assert "Disallow: /\n" in Client().get("/robots.txt").content.decode()


def test_pages_have_meaningful_titles_descriptions_and_canonical_urls():
    html = Client().get("/guides/browse-safely/").content.decode()
    assert "<title>Browsing safely \u2013 Pause</title>" in html
    assert '<meta name="description" content="How to keep your visit here private' in html
    assert '<link rel="canonical" href="http://127.0.0.1:8000/guides/browse-safely/">' in html


def test_the_home_page_gives_partners_and_family_a_path():
    html = Client().get("/").content.decode()
    assert 'href="/guides/for-family-and-friends/"' in html
    assert "Worried about a man in your life?" in html
