"""Bad input on the search page: only stop words, punctuation or emoji, 10 KB strings, mixed scripts
and tsquery syntax get a page (200) with a helpful message, never a 500; the partial-match fallback
never returns the whole directory."""

import pytest
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from services_directory.search import Filters, search_services
from services_directory.services import AreaData

pytestmark = pytest.mark.django_db

NO_USABLE_WORDS = [
    "the and of",
    "i me my",
    "help near me",
    "!!! ??? ...",
    "😀😀😀",
    "🙂 🙃",
    "консультация",
    "カウンセリング",
    "مشورة",
    ":* & | ! <->",
    "'\"\\",
]
OTHER_HOSTILE = [
    "x" * 10_240,
    "counselling " * 1000,
    "a & b | !c <-> d:* (",
    "'; DROP TABLE services_directory_service; --",
    "консультация counselling",
    "counselling カウンセリング",
    "anger:* & !!court",
    '"unclosed quote anger',
    "-anger -court",
    "or or or",
    "\x00anger",
    "\u202e\u200b\ufeff",  # invisible characters only: removed, so no words at all (a plain page)
]


@pytest.fixture
def listings(gazetteer, make_service):
    make_service("Eastside Men's Behaviour Change Program", at=(-37.8230, 145.0, "Richmond", "VIC", "3121"))
    make_service(
        "City Men's Counselling",
        types=("individual-counselling",),
        description="Counselling for men about stress and relationships.",
        at=(-37.8140, 144.9633, "Melbourne", "VIC", "3000"),
    )
    make_service(
        "National Men's Line",
        types=("phone-line",),
        delivery=("phone",),
        areas=[AreaData(scope="national")],
        schedules=[("MO,TU,WE,TH,FR,SA,SU", __import__("datetime").time(0), __import__("datetime").time(0))],
        is_crisis_line=True,
    )


@pytest.mark.parametrize("q", NO_USABLE_WORDS)
@pytest.mark.parametrize("near", ["", "3121"])
def test_queries_without_usable_words_get_a_helpful_message(listings, q, near):
    response = Client().get("/services/", {"q": q, "near": near})
    assert response.status_code == 200
    body = response.content.decode()
    assert "We could not use those search words" in body
    assert "National Men&#x27;s Line" in body  # the lines to call are still there


@pytest.mark.parametrize("q", OTHER_HOSTILE)
@pytest.mark.parametrize("near", ["", "3121"])
def test_hostile_queries_get_a_page(listings, q, near):
    response = Client().get("/services/", {"q": q, "near": near})
    assert response.status_code == 200
    assert "National Men&#x27;s Line" in response.content.decode()


UNKNOWN = st.from_regex(r"[qxzj]{7,12}", fullmatch=True)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(unknown=st.lists(UNKNOWN, min_size=1, max_size=4), near=st.sampled_from([None, "3121"]))
def test_unknown_words_never_bring_the_whole_directory(listings, unknown, near):
    from services_directory.places import resolve_place

    place = resolve_place(near) if near else None
    result = search_services(query=" ".join(unknown), place=place, filters=Filters(), page=1)
    assert result.first_results == []
    assert result.matched_words == []


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    q=st.one_of(
        st.text(max_size=300),
        st.text(alphabet=st.characters(codec="utf-8"), max_size=50),
        st.lists(st.sampled_from(["counselling", "anger", "xqzjqx", "the", "&", ":*", "😀", "or", "-"])).map(
            " ".join
        ),
    ),
    near=st.sampled_from(["", "3121", "Richmond", "😀"]),
)
def test_any_query_gets_a_page_and_partial_matches_only_known_words(listings, q, near):
    response = Client().get("/services/", {"q": q, "near": near})
    assert response.status_code == 200
    from services_directory.search import query_words

    result = response.context["result"]
    if result is not None and result.matched_words:
        assert set(result.matched_words) <= set(query_words(q))
