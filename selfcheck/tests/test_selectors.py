from __future__ import annotations

import io
from unittest import mock

import pytest
from django.core.management import call_command
from django.db import DatabaseError

from selfcheck.scoring import score
from selfcheck.selectors import line_states, phone_lines_for_result
from selfcheck.tests.conftest import all_never

pytestmark = pytest.mark.django_db


@pytest.fixture
def national_lines(db):
    call_command("load_taxonomy", verbosity=0, stdout=io.StringIO())
    call_command("load_national_services", verbosity=0, stdout=io.StringIO())


def _names(lines):
    return [service.name for service in lines]


def test_a_plain_result_gets_the_family_violence_lines_not_shown_yet(
    q, national_lines, django_assert_num_queries
):
    result = score(all_never(q, yell_shout="often"))
    with django_assert_num_queries(3):  # services, their phones, their areas
        lines = phone_lines_for_result(result=result, shown=list(q.always_show_contacts), demo=False)
    names = _names(lines)
    assert "DVConnect Mensline" in names
    # Withheld in the contact registry (two numbers in the sources, neither confirmed), so never loaded.
    assert "Men's Domestic Violence Helpline (WA)" not in names
    assert "Suicide Call Back Service" not in names
    shown = {contact.tel for contact in q.always_show_contacts}
    assert not [s for s in lines if s.phones.all()[0].digits in shown], "no number twice on the page"
    assert line_states(next(s for s in lines if s.name == "DVConnect Mensline")) == ["QLD"]


def test_thoughts_of_suicide_add_the_crisis_lines(q, national_lines):
    result = score(all_never(q, now_suicide="yes"))
    shown = [*q.danger.contacts, *result.next_step.contacts]  # as the result page passes them
    names = _names(phone_lines_for_result(result=result, shown=shown, demo=False))
    assert "Suicide Call Back Service" in names
    assert "Lifeline 13 11 14" not in names, "already in the safety block"
    assert names.index("DVConnect Mensline") < names.index("Suicide Call Back Service")


def test_no_directory_means_no_extra_lines_not_an_error(q):
    result = score(all_never(q))
    assert phone_lines_for_result(result=result, shown=[], demo=False) == []
    with mock.patch("django.db.models.query.QuerySet._fetch_all", side_effect=DatabaseError("down")):
        assert phone_lines_for_result(result=result, shown=[], demo=False) == []


def test_the_result_page_lists_them(client, q, national_lines, settings):
    from selfcheck.tests.test_views import walk

    settings.REDIS_URL = ""
    html = walk(client, all_never(q)).content.decode()
    assert "More phone lines" in html
    assert 'href="tel:1800600636"' in html  # DVConnect Mensline, from the directory's seed data
    assert "/services/dvconnect" in html or "More about DVConnect Mensline" in html
