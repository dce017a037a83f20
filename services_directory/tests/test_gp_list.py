import pytest
from django.core.management import call_command
from django.test import Client

pytestmark = pytest.mark.django_db


@pytest.fixture
def directory(gazetteer):
    call_command("load_national_services", verbosity=0)


def test_the_printable_list_always_has_the_lines_open_to_everyone(directory):
    html = Client().get("/gp/services/").content.decode()
    assert 'href="tel:000"' in html
    assert "tel:1300789978" in html  # MensLine, national and 24/7


def test_a_postcode_gives_a_list_for_that_place(directory):
    response = Client().get("/gp/services/", {"near": "3121"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "<h1>Services near Richmond" in html and "VIC 3121</h1>" in html
    assert 'content="noindex"' in html
    assert not response.cookies


@pytest.mark.parametrize("near", ["0000", "zzzzzz", "x" * 5000, "\x00", "' OR 1=1 --", "🙂"])
def test_unknown_or_hostile_places_get_a_message_not_an_error(directory, near):
    response = Client().get("/gp/services/", {"near": near})
    assert response.status_code == 200
    assert "couldn't find" in response.content.decode() or "Choose one" in response.content.decode()


def test_an_ambiguous_suburb_offers_a_choice(directory):
    html = Client().get("/gp/services/", {"near": "Richmond"}).content.decode()
    assert "Choose one" in html and "?near=3121" in html
