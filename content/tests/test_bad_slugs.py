"""Unknown, malformed and overlong page slugs answer the styled 404 (crisis line and exit), never a 500."""

import pytest
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from content import pages
from content.crisis import CRISIS_LINE

pytestmark = pytest.mark.django_db

SECTION_PREFIXES = ["/guides/", "/gp/", "/for-services/"]


def assert_styled_404(response) -> None:
    assert response.status_code == 404
    html = response.content.decode()
    assert "We can't find that page" in html
    assert f'href="tel:{CRISIS_LINE.tel}"' in html  # the crisis line
    assert "data-quick-exit" in html  # the exit button


@pytest.mark.parametrize("prefix", SECTION_PREFIXES)
@pytest.mark.parametrize("length", [81, 255, 256, 260, 1000, 5000])
def test_an_overlong_slug_is_a_404_not_a_500(prefix, length):
    # 260 characters made Path.exists() raise OSError "File name too long": a 500.
    assert_styled_404(Client(raise_request_exception=False).get(f"{prefix}{'a' * length}/"))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    prefix=st.sampled_from(SECTION_PREFIXES),
    slug=st.one_of(
        st.from_regex(r"[a-z0-9]{1,40}(-[a-z0-9]{1,40}){0,12}", fullmatch=True),
        st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789-_", min_size=1, max_size=600),
    ),
)
def test_any_slug_that_is_not_a_page_is_the_styled_404(prefix, slug):
    section = prefix.strip("/")
    if pages.get_page(section, slug) is not None:
        return  # a real page; the other tests cover those
    response = Client(raise_request_exception=False).get(f"{prefix}{slug}/")
    if response.status_code == 404:
        assert_styled_404(response)
    else:  # e.g. /gp/handout/ is a page of its own; it must still not fail
        assert response.status_code < 500


def test_a_real_slug_still_resolves():
    assert pages.get_page("guides", "browse-safely") is not None
    assert Client().get("/guides/browse-safely/").status_code == 200
