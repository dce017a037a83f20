""" "Talk to someone now": crisis lines never cut, staff priority, what the visitor asked, lines whose
hours are not confirmed, crisis words pinning crisis lines (search page and GP printout)."""

import datetime
import re
from html import unescape
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.test import Client

from services_directory import search
from services_directory.models import SearchSynonym, Service
from services_directory.places import resolve_place
from services_directory.search import Filters, search_services
from services_directory.services import AreaData, directory_changed, synonyms_changed

T = datetime.time
EVERY_DAY = "MO,TU,WE,TH,FR,SA,SU"
LATE = datetime.datetime(2026, 12, 1, 23, 0, tzinfo=ZoneInfo("Australia/Melbourne"))


def line(make_service, name, *, priority=0, crisis=False, audiences=("men",), hours=True, **kwargs):
    return make_service(
        name,
        types=("phone-line",),
        delivery=("phone",),
        audiences=audiences,
        areas=[AreaData(scope="national")],
        schedules=[(EVERY_DAY, T(0), T(0))] if hours else [],
        talk_now_priority=priority,
        is_crisis_line=crisis,
        **kwargs,
    )


def names(hits):
    return [h.service.name for h in hits]


def run(query="", near="3121", now=LATE, filters=None, **kwargs):
    place = resolve_place(near) if near else None
    return search_services(query=query, place=place, filters=filters or Filters(), page=1, now=now, **kwargs)


@pytest.fixture
def many_lines(gazetteer, make_service):
    # More open lines than the block holds, the crisis lines last by name and lowest by priority: a cut
    # by name or by priority alone would drop them.
    for i in range(8):
        line(make_service, f"A General Line {i}", priority=50)
    line(make_service, "Zed Crisis Line", priority=1, crisis=True)
    line(make_service, "Zulu Suicide Line", priority=2, crisis=True, audiences=("men", "families"))
    line(make_service, "Young People's Line", priority=99, audiences=("young-people",))
    line(make_service, "Rainbow Line", priority=99, audiences=("lgbtiq", "families"))
    line(make_service, "Unconfirmed Men's Line", priority=80, hours=False)


def test_crisis_lines_are_never_cut(many_lines):
    result = run()
    shown = names(result.talk_now)
    assert {"Zed Crisis Line", "Zulu Suicide Line"} <= set(shown)
    assert len(shown) == search.TALK_NOW_MAX
    # Without crisis words the staff priority orders the block.
    assert shown[:4] == [f"A General Line {i}" for i in range(4)]


def test_crisis_words_pin_the_crisis_lines_first(many_lines):
    for words in ["suicide", "I want to kill myself", "end my life", "might hurt someone tonight"]:
        result = run(words)
        assert result.crisis, words
        assert names(result.talk_now)[:2] == ["Zulu Suicide Line", "Zed Crisis Line"], words
        # Shown before "More lines open now", never folded away.
        assert names(result.talk_now_first)[:2] == ["Zulu Suicide Line", "Zed Crisis Line"]


def test_crisis_words_are_data_staff_edit(many_lines):
    assert not run("grim night").crisis
    SearchSynonym.objects.create(phrase="grim night", is_crisis=True)
    synonyms_changed()
    result = run("grim night")
    assert result.crisis
    assert names(result.talk_now)[0] == "Zulu Suicide Line"


def test_narrow_lines_show_when_asked_for_not_instead_of_crisis_lines(many_lines):
    plain = names(run().talk_now)
    assert "Young People's Line" not in plain and "Rainbow Line" not in plain
    by_filter = names(run(filters=Filters(audience=("young-people",))).talk_now)
    assert "Young People's Line" in by_filter
    assert {"Zed Crisis Line", "Zulu Suicide Line"} <= set(by_filter)
    by_words = names(run("gay").talk_now)  # a synonym for the LGBTIQ+ audience (taxonomy.yaml)
    assert "Rainbow Line" in by_words and "Young People's Line" not in by_words
    assert {"Zed Crisis Line", "Zulu Suicide Line"} <= set(by_words)
    by_name = names(run("rainbow").talk_now)
    assert "Rainbow Line" in by_name


def test_lines_whose_hours_are_not_confirmed_are_a_second_group(many_lines):
    result = run()
    assert "Unconfirmed Men's Line" not in names(result.talk_now)
    assert names(result.talk_now_unconfirmed) == ["Unconfirmed Men's Line"]
    assert not result.talk_now_unconfirmed[0].hours.known


def test_the_cached_lines_serve_every_search_of_the_minute(many_lines):
    """The talk-now cache holds every candidate line; what a search asked for is chosen afterwards, so
    searches in the same minute from the same state get different, correct blocks without working the
    lines out again."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    directory_changed()
    run()
    with CaptureQueriesContext(connection) as asked:
        young = run(filters=Filters(audience=("young-people",)))
        crisis = run("suicide")
    talk_now_sql = f'"talk_now_priority" DESC, "services_directory_service"."name" ASC LIMIT {search.TALK_NOW_CANDIDATES}'
    assert not [q for q in asked.captured_queries if talk_now_sql in q["sql"]]
    assert "Young People's Line" in names(young.talk_now)
    assert names(crisis.talk_now)[0] == "Zulu Suicide Line"
    assert "Young People's Line" not in names(run().talk_now)
    assert names(run().talk_now)[0] == "A General Line 0"


def test_staff_priority_changes_the_order_on_the_next_search(many_lines):
    assert names(run().talk_now)[0] == "A General Line 0"
    Service.objects.filter(name="A General Line 7").update(talk_now_priority=70)
    directory_changed()  # what saving in the admin does (search_vector_refresh)
    assert names(run().talk_now)[0] == "A General Line 7"


# --- Against the real national lines (services_directory/data/national_services.yaml) ---------------------


@pytest.fixture
def national(gazetteer):
    call_command("load_national_services", verbosity=0)


NEVER_CUT = {"Lifeline 13 11 14", "MensLine Australia", "Men's Referral Service"}


@pytest.mark.parametrize("near", ["3121", "6000", "2000", "4870", "0870", "5000", "7000", "2600"])
@pytest.mark.parametrize("hour", [2, 10, 23])
def test_the_real_crisis_lines_show_in_every_state_at_any_hour(national, near, hour):
    now = LATE.replace(hour=hour)
    for words in ["", "suicide", "phone counselling"]:
        result = run(words, near=near, now=now)
        assert set(names(result.talk_now)) >= NEVER_CUT, (words, near, hour)
    crisis = run("suicide", near=near, now=now)
    first = names(crisis.talk_now_first)
    assert set(first) >= NEVER_CUT
    assert "Lifeline 13 11 14" in first
    assert all(hit.service.is_crisis_line for hit in crisis.talk_now_first)


def test_the_search_page_pins_crisis_lines_and_names_000(national):
    html = Client().get("/services/", {"q": "suicide", "near": "3121"}).content.decode()
    talk_now = html[html.index('id="talk-now"') :]
    assert talk_now.index('href="tel:000"') < talk_now.index("Lifeline 13 11 14")
    assert "have to face this alone" in html
    # Lifeline is not folded away under "More lines open now".
    assert talk_now.index("Lifeline 13 11 14") < talk_now.find("More lines open now") or (
        "More lines open now" not in talk_now
    )


def test_the_search_page_lists_lines_with_unconfirmed_hours(national):
    html = Client().get("/services/", {"near": "4000"}).content.decode()
    unconfirmed = html[html.index("Hours not confirmed: try calling") :]
    assert "DVConnect Mensline" in unconfirmed  # Queensland's men's line, hours not confirmed


def test_the_gp_printout_lists_crisis_lines_first(national):
    html = Client().get("/gp/services/", {"near": "3121"}).content.decode()
    listed = [unescape(n) for n in re.findall(r"<li><strong>([^<]+)</strong>", html)]
    crisis = {s.name for s in Service.objects.filter(is_crisis_line=True)}
    assert listed[0].startswith("Emergency")
    first = listed[1 : 1 + len(crisis & set(listed))]
    assert set(first) <= crisis and set(first) >= NEVER_CUT


def test_questions_about_himself_lead_to_the_self_check(national):
    for words in ["am I abusive", "is this abuse", "am i controlling", "Am I a bad person?"]:
        html = Client().get("/services/", {"q": words}).content.decode()
        assert 'href="/check/"' in html, words
        assert html.index('href="/check/"') < html.index('id="talk-now"'), words
