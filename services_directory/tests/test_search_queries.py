"""Real queries men type, run against the real seed data (`load_seed_data`: the gazetteer and the
national and state lines of national_services.yaml), with the help each should find first.

Local programs are not in the seed data yet, so the expectations are about the national and state
lines: the first of them shown for the query (local results, when there are some, come before them on
the page). At 11 pm on a Tuesday in Melbourne, as in the issue ("tried at 11 pm, on a phone").
"""

import datetime
from zoneinfo import ZoneInfo

import pytest
import yaml
from django.core.management import call_command

from services_directory.management.commands.load_national_services import DEFAULT_FILE
from services_directory.models import Place
from services_directory.places import resolve_place
from services_directory.search import Filters, search_services

pytestmark = pytest.mark.django_db
LATE = datetime.datetime(2026, 12, 1, 23, 0, tzinfo=ZoneInfo("Australia/Melbourne"))
SEED_LINES = {
    service["id"]
    for org in yaml.safe_load(DEFAULT_FILE.read_text(encoding="utf-8"))["organisations"]
    for service in org.get("services", [])
}

MRS = "mens-referral-service"
MENSLINE = "mensline-australia-phone"
LIFELINE = "lifeline-crisis-support"
SCBS = "suicide-call-back-service-phone"
RA = "relationships-australia-phone"
NTV_BIS = "ntv-brief-intervention-service"
# Where a protection order leads with the seed data: the Men's Referral Service or No to Violence's
# Brief Intervention Service (they link men to court-related programs and legal help); local programs
# and legal services come first once listed.
ORDER = {MRS, NTV_BIS}

# (words, postcode or "", the first national or state line expected, "crisis"/"self" flags)
QUERIES = [
    ("suicide", "3121", {SCBS, LIFELINE}, "crisis"),
    ("suicide", "6000", {SCBS, LIFELINE}, "crisis"),
    ("suicide", "", {SCBS, LIFELINE}, "crisis"),
    ("kill myself", "2170", {SCBS, LIFELINE}, "crisis"),
    ("i want to end my life", "4870", {SCBS, LIFELINE}, "crisis"),
    ("might hurt someone tonight", "0870", {MRS, SCBS, LIFELINE, MENSLINE}, "crisis"),
    ("phone counselling", "3121", {MENSLINE}, ""),
    ("phone counselling", "", {MENSLINE}, ""),
    ("relationship counselling", "2170", {RA}, ""),
    ("relationship counselling", "", {RA}, ""),
    ("free", "3121", {MRS}, ""),
    ("free", "", {MRS}, ""),
    ("after hours", "4870", {MENSLINE}, ""),
    ("after hours", "", {MENSLINE}, ""),
    ("i hit my wife", "", {MRS}, ""),  # not a one-state line when the state is unknown
    ("i hit my wife", "6000", {"wa-mens-domestic-violence-helpline", MRS}, ""),
    ("aboriginal men", "", {"13yarn"}, ""),
    ("aboriginal men", "0870", {"13yarn"}, ""),
    ("parenting after separation", "", {RA}, ""),
    ("parenting after separation", "3121", {RA}, ""),
    ("intervention order", "", {NTV_BIS, MRS}, ""),
    ("intervention order", "5000", {NTV_BIS, MRS}, ""),
    ("counselling near me", "", {RA, MENSLINE}, ""),
    ("counselling near me", "2170", {RA, MENSLINE}, ""),
    ("AVO", "", ORDER, ""),
    ("AVO", "2170", ORDER, ""),
    ("ADVO", "2000", ORDER, ""),
    ("apprehended violence order", "2750", ORDER, ""),
    ("IVO", "3121", ORDER, ""),
    ("FVIO", "3121", ORDER, ""),
    ("DVO", "4870", ORDER, ""),
    ("DVO", "0870", ORDER, ""),
    ("FVRO", "6000", ORDER, ""),
    ("restraining order", "6000", ORDER, ""),
    ("FVO", "7000", ORDER, ""),
    ("PFVO", "7000", ORDER, ""),
    ("family violence order", "2600", ORDER, ""),
    ("am I abusive", "", {MRS}, "self"),
    ("is this abuse", "3121", {MRS}, "self"),
    ("am i controlling", "", {MRS}, "self"),
    ("am I a bad person?", "", {MRS, RA}, "self"),
    ("anger management", "", {NTV_BIS}, ""),
    ("anger management", "3121", {NTV_BIS}, ""),
    ("help with my temper", "", {NTV_BIS}, ""),
    ("dv course", "3121", {MRS}, ""),
    # "court ordered program" with no place: the national lines do not hold every word, and programs do
    # (the reach test below checks a national program comes first; near 3121 a court-ordered one does).
    ("behaviour change", "6000", {NTV_BIS}, ""),
    ("counselling for blokes", "", {MENSLINE}, ""),
    ("someone to talk to", "4870", {SCBS, MENSLINE}, ""),
    ("mensline", "", {MENSLINE}, ""),
    ("lifeline", "6000", {LIFELINE}, ""),
    ("depression", "", {SCBS, LIFELINE, MENSLINE, "beyond-blue-support-service"}, ""),
    ("gay", "", {"qlife"}, ""),
    ("young", "", {"kids-helpline"}, ""),
]


@pytest.fixture
def seed():
    call_command("load_seed_data", verbosity=0)


def run(words: str, near: str, now=LATE):
    place = resolve_place(near) if near else None
    assert place is None or isinstance(place, Place), near
    return search_services(query=words, place=place, filters=Filters(), page=1, now=now)


def first_lines(result) -> list[str]:
    """The national and state lines among what was found, in page order."""
    return [h.service.slug for h in result.first_results if h.service.slug in SEED_LINES]


def test_real_queries_find_the_expected_help_first(seed):
    assert len(QUERIES) >= 40
    failures = []
    for words, near, expected_first, flag in QUERIES:
        result = run(words, near)
        found = first_lines(result)
        # With a place, the expected line is the first line found. Without one, national programs
        # (online, by phone) rank beside the national lines, so the expected line is among the lines
        # on the first page, and the first result reaches the whole country (tested below).
        wrong = not found or (found[0] not in expected_first if near else not expected_first & set(found))
        if wrong:
            failures.append(
                f"{words!r} near {near or '-'}: first {found[:3]}, expected one of {expected_first}"
            )
        if result.crisis != (flag == "crisis") or result.self_check != (flag == "self"):
            failures.append(
                f"{words!r}: crisis={result.crisis} self_check={result.self_check}, wanted {flag}"
            )
        if flag == "crisis" and LIFELINE not in [h.service.slug for h in result.talk_now_first]:
            failures.append(f"{words!r} near {near or '-'}: Lifeline not in the first talk-now lines")
    assert not failures, "\n".join(failures)


# One postcode per state and territory.
STATES = {
    "NSW": "2170",
    "VIC": "3121",
    "QLD": "4870",
    "WA": "6000",
    "SA": "5000",
    "TAS": "7000",
    "ACT": "2600",
    "NT": "0870",
}
CRISIS_QUERIES = [
    "suicide",
    "suicidal",
    "kill myself",
    "I want to end my life",
    "want to die",
    "might hurt someone tonight",
    "i could kill her",
]


def test_lifeline_on_every_crisis_query_in_every_state(seed):
    failures = []
    for state, postcode in STATES.items():
        for hour in (3, 23):
            for words in CRISIS_QUERIES:
                result = run(words, postcode, now=LATE.replace(hour=hour))
                assert result.place.state == state
                pinned = [h.service.slug for h in result.talk_now_first]
                if (
                    not result.crisis
                    or LIFELINE not in pinned
                    or not all(h.service.is_crisis_line for h in result.talk_now_first)
                ):
                    failures.append(
                        f"{words!r} in {state} at {hour}:00: crisis={result.crisis}, first {pinned}"
                    )
    assert not failures, "\n".join(failures)


def test_one_unknown_word_does_not_empty_the_page(seed):
    result = run("mensline wibblewobble", "3121")
    assert first_lines(result)[0] == MENSLINE
    assert result.matched_words == ["mensline"]
    # Nothing known at all: nothing shown, never the whole directory.
    nothing = run("wibblewobble flibbertigibbet", "")
    assert nothing.first_results == [] and nothing.matched_words == []


def test_lines_are_matched_by_text_with_or_without_a_place(seed):
    for near in ("", "3121", "6000", "2170"):
        assert MENSLINE in first_lines(run("phone counselling", near)), near
        assert RA in first_lines(run("relationship counselling", near)), near
    # A state line only for its own state (the WA line is withheld in the contact registry until its
    # number is confirmed, so Queensland's line stands in).
    assert "dvconnect-mensline" in first_lines(run("dvconnect mensline", "4870"))
    assert "dvconnect-mensline" not in first_lines(run("dvconnect mensline", "3121"))


def test_without_a_place_help_that_reaches_anywhere_comes_first(seed):
    """A man who gives no place first sees help he can use from anywhere (a national line or a national
    online or phone program), never a program in one town."""
    from services_directory.models import AreaScope

    for words in ("i hit my wife", "court ordered program", "counselling", "anger", "program"):
        result = run(words, "")
        assert result.first_results, words
        top = result.first_results[0].service
        assert top.service_areas.filter(scope=AreaScope.NATIONAL).exists(), (words, top.slug)


def test_court_ordered_programs_near_a_place(seed):
    result = run("court ordered program", "3121")
    assert result.first_results[0].service.court_ordered is True
