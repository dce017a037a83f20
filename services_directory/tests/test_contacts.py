"""The contact registry: one source of truth for every number, with a status per fact."""

from __future__ import annotations

import re

import pytest

from content import crisis
from content.pages import PAGES_DIR, parse_page
from services_directory import contacts
from services_directory.contacts import HOURS_NOT_CONFIRMED, UnknownContact, contact, render_placeholders


def test_the_crisis_numbers_come_from_the_registry():
    assert contact(key="emergency").number == "000"
    assert contact(key="lifeline").number == "13 11 14"
    assert contact(key="mensline").number == "1300 78 99 78"
    assert contact(key="mens-referral-service").number == "1300 766 491"
    assert contact(key="mensline") == crisis.CRISIS_LINE
    assert contact(key="emergency") == crisis.EMERGENCY
    assert contact(key="mens-referral-service") == crisis.MENS_REFERRAL_SERVICE


def test_every_shown_contact_carries_its_source_and_date():
    for key, item in contacts.all_contacts().items():
        assert item.status in contacts.STATUSES, key
        assert item.source_url.startswith(("https://", "http://")), key
        if item.status == contacts.VERIFIED:
            assert item.verified_on is not None and item.hours_confirmed, key


def test_the_wa_helpline_is_withheld_and_carries_no_number():
    item = contact(key="wa-mens-dv-helpline")
    assert item.status == contacts.WITHHELD and not item.is_shown
    assert item.number == "" and item.tel == "" and item.call_cost == ""
    assert {"1800000599", "1800000559"} <= contacts.withheld_numbers()


def test_a_line_without_confirmed_hours_is_unverified_and_says_so():
    item = contact(key="dvconnect-mensline")  # national_services.yaml gives no hours for it
    assert item.status == contacts.UNVERIFIED
    assert item.hours_text == HOURS_NOT_CONFIRMED and not item.hours_confirmed


def test_an_unknown_key_is_a_bug_and_raises():
    with pytest.raises(UnknownContact):
        contact(key="no-such-line")
    with pytest.raises(UnknownContact):
        render_placeholders(text="Call {{contact:no-such-line}}")


def test_placeholders_render_numbers_names_and_hours():
    text = render_placeholders(
        text="{{contact:lifeline:name}} on {{contact:lifeline}}, {{contact:lifeline:hours}}"
    )
    assert text == "Lifeline 13 11 14 on [13 11 14](tel:131114), 24 hours, 7 days"


def test_a_withheld_placeholder_points_to_the_mens_referral_service_instead():
    text = render_placeholders(text="Call {{contact:wa-mens-dv-helpline}}.")
    assert "1800 000" not in text and "1300 766 491" in text


def test_gp_pages_write_no_registry_number_by_hand():
    """Every number the registry holds is written in the GP pages' text only as a {{contact:...}}
    placeholder, so a changed number is changed in one place."""
    numbers = {c.tel for c in contacts.all_contacts().values() if c.tel and len(c.tel) > 3}
    for path in sorted((PAGES_DIR / "gp").glob("*.md")):
        body = path.read_text(encoding="utf-8").split("\n---\n", 1)[1]
        for tel in numbers:
            assert not re.search(rf"tel:{tel}\b", body), f"{path.name} writes tel:{tel} by hand"
    page = parse_page(PAGES_DIR / "gp" / "_handout.md", "gp")
    assert 'href="tel:1300766491"' in page.html and "{{contact" not in page.html
