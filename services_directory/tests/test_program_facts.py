"""What a man sees about a program before he calls: facts, "Ask when you call", dated reports,
stale facts marked, partner contact said plainly, and a way in without an intake number."""

from __future__ import annotations

import datetime
import io

import pytest
from django.core.management import call_command
from django.test import Client

from services_directory.models import Service
from services_directory.program_facts import STALE_AFTER_MONTHS, program_facts
from services_directory.tests.test_programs import programs_file, record, write


@pytest.fixture
def ready(gazetteer, taxonomy):
    call_command("load_national_services", stdout=io.StringIO())


def load(tmp_path, *records, **org):
    path = write(tmp_path, programs_file(*records, **org))
    call_command("load_programs", file=[path], stdout=io.StringIO())


def page(slug: str) -> str:
    response = Client().get(f"/services/{slug}/")
    assert response.status_code == 200
    return response.content.decode()


def test_known_facts_are_shown_and_unknown_ones_say_ask_when_you_call(ready, tmp_path):
    load(tmp_path, record(length=None, cost="unknown", interpreter=None, self_referral=None))
    html = page("example-mbcp-wagga")
    assert "Takes men who choose to come and men sent by a court or corrections." in html
    assert "Approved for: condition of bail or a bond." in html
    assert html.count("Ask when you call") >= 3  # length, cost, self-referral, interpreter
    assert "Arabic" in html and "In a group" in html


def test_the_report_is_dated_and_old_facts_are_marked(ready, tmp_path):
    old = record(
        sources=[{"url": "https://example.org/news", "publisher": "Local News", "page_date": "2021-03",
                  "read_on": datetime.date(2026, 12, 7)}]
    )  # fmt: skip
    load(tmp_path, old)
    html = page("example-mbcp-wagga")
    assert "Reported by" in html and "Local News" in html and "March 2021" in html
    assert "programs change, call to check" in html
    assert "These details need confirming" in html
    service = Service.objects.get(slug="example-mbcp-wagga")
    recent = datetime.date(2021, 3, 1) + datetime.timedelta(days=30 * (STALE_AFTER_MONTHS - 2))
    assert not program_facts(service=service, today=recent).needs_confirmation
    assert program_facts(service=service, today=datetime.date(2026, 12, 7)).needs_confirmation


def test_a_recent_report_is_not_marked(ready, tmp_path):
    load(tmp_path, record())  # page_date 2025-07
    html = page("example-mbcp-wagga")
    assert "July 2025" in html and "These details need confirming" not in html


def test_an_mbcp_says_plainly_that_it_contacts_partners(ready, tmp_path):
    load(
        tmp_path,
        record(partner_contact=None),
        record(id="example-counselling", kind="mens-counselling", partner_contact=None),
    )
    assert (
        "Men&#x27;s behaviour change programs that follow the minimum standards contact your partner"
        in page("example-mbcp-wagga")
    )
    counselling = page("example-counselling")
    assert "follow the minimum standards" not in counselling


def test_without_an_intake_number_the_providers_phone_is_the_way_in(ready, tmp_path):
    load(tmp_path, record(intake_phone=None, intake_phone_source=None))
    html = page("example-mbcp-wagga")
    assert "No intake number is published for this program. Call Example Org:" in html
    assert 'href="tel:0269210000"' in html


def test_without_any_number_the_website_then_the_mens_referral_service_is_the_way_in(ready, tmp_path):
    load(tmp_path, record(intake_phone=None, intake_phone_source=None), phone=None)
    assert "Contact Example Org through their website" in page("example-mbcp-wagga")
    load(tmp_path, record(intake_phone=None, intake_phone_source=None, url=None), phone=None, website=None)
    html = page("example-mbcp-wagga")
    assert "they can connect you to this program" in html and 'href="tel:1300766491"' in html


def test_results_show_the_brief_facts_and_the_report(ready, tmp_path):
    load(tmp_path, record())
    html = Client().get("/services/?near=2650").content.decode()
    assert "Men&#x27;s Behaviour Change Program" in html
    assert "How long: 20 weeks" in html and "Reported by" in html and "July 2025" in html


def test_national_lines_show_no_program_block(ready):
    assert "Before you call" not in page("mensline-australia-phone")


def test_a_phone_line_from_the_programs_shows_its_report_but_no_program_facts(ready, tmp_path):
    line = record(
        id="example-state-line", kind="state-line", locations=[], online_area=["NSW"], delivery=["phone"]
    )
    load(tmp_path, line)
    html = page("example-state-line")
    assert "Before you call" not in html and "Reported by" in html
