"""A withheld number (services_directory/contacts.py) never appears on any page a visitor can reach.

Renders every public page type (tests/public_urls.py: home, guides, GP pages, the GP handout), the GP
printable list of services near a WA postcode, a search near Perth, and the page of every directory
service, then looks for every withheld number in any spacing. The self-check results are not covered
here yet: the self-check reads its own contacts until it is wired to the registry (docs/architecture.md).
"""

from __future__ import annotations

import io
import re

import pytest
from django.core.management import call_command
from django.test import Client

from services_directory.contacts import withheld_numbers
from services_directory.models import Service
from tests.public_urls import public_urls


def _digits_in(html: str) -> str:
    return re.sub(r"[\s\-().]", "", html)


@pytest.fixture
def seeded(db):
    call_command("load_gazetteer", stdout=io.StringIO())
    call_command("load_seed_data", stdout=io.StringIO())


def test_no_withheld_number_on_any_page(seeded):
    withheld = withheld_numbers()
    assert withheld, "the WA helpline's disputed numbers are withheld"
    client = Client()
    urls = list(public_urls())
    urls += ["/gp/services/?near=6000", "/services/?near=6000", "/services/?near=Perth+WA"]
    urls += [s.get_absolute_url() for s in Service.objects.all()]
    assert any(u.startswith("/services/") and u.count("/") == 3 for u in urls)
    checked = 0
    for url in urls:
        response = client.get(url)
        if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
            continue
        checked += 1
        page = _digits_in(response.content.decode())
        for number in withheld:
            assert number not in page, f"withheld number {number} on {url}"
    assert checked > 20
