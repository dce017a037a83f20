import pytest
from django.test import Client
from hypothesis import given, settings
from hypothesis import strategies as st

pytestmark = [pytest.mark.urls("tests.urls_for_tests"), pytest.mark.django_db]

ECHO = "/test-only/echo/"


@pytest.mark.parametrize(
    ("headers", "status"),
    [
        ({}, 200),  # not a browser: no ambient authority to abuse
        ({"HTTP_SEC_FETCH_SITE": "same-origin"}, 200),
        ({"HTTP_SEC_FETCH_SITE": "none"}, 200),
        ({"HTTP_ORIGIN": "http://testserver"}, 200),
        ({"HTTP_SEC_FETCH_SITE": "same-origin", "HTTP_ORIGIN": "http://testserver"}, 200),
        ({"HTTP_SEC_FETCH_SITE": "cross-site"}, 403),
        ({"HTTP_SEC_FETCH_SITE": "same-site"}, 403),  # a sibling subdomain is another site to us
        ({"HTTP_ORIGIN": "https://evil.example"}, 403),
        ({"HTTP_ORIGIN": "null"}, 403),  # sandboxed frames and data: URLs
        # What Chromium sends for our own forms: no-referrer makes the Origin "null" (QA journey test).
        ({"HTTP_SEC_FETCH_SITE": "same-origin", "HTTP_ORIGIN": "null"}, 200),
        ({"HTTP_SEC_FETCH_SITE": "cross-site", "HTTP_ORIGIN": "null"}, 403),
        ({"HTTP_ORIGIN": "https://testserver"}, 403),  # another scheme is another origin
        ({"HTTP_SEC_FETCH_SITE": "same-origin", "HTTP_ORIGIN": "https://evil.example"}, 403),
        # What Chromium really sends for our own forms under Referrer-Policy: no-referrer.
        ({"HTTP_SEC_FETCH_SITE": "same-origin", "HTTP_ORIGIN": "null"}, 200),
        ({"HTTP_SEC_FETCH_SITE": "cross-site", "HTTP_ORIGIN": "null"}, 403),
    ],
)
def test_public_posts_are_checked_by_origin_not_by_cookie(headers, status):
    response = Client().post(ECHO, {"a": "1"}, **headers)
    assert response.status_code == status
    if status == 403:
        assert b"sent from another site" in response.content
        assert b"Nothing was saved" in response.content
    assert not response.cookies


def test_provider_paths_keep_djangos_token_check():
    client = Client(enforce_csrf_checks=True)
    response = client.post("/providers/admin/login/", {"username": "x", "password": "y"})
    assert response.status_code == 403


@settings(max_examples=60, deadline=None)
@given(
    fetch_site=st.one_of(st.none(), st.text(max_size=40)),
    origin=st.one_of(st.none(), st.text(max_size=200)),
)
def test_any_header_values_give_200_or_403_never_500(fetch_site, origin):
    headers = {}
    if fetch_site is not None:
        headers["HTTP_SEC_FETCH_SITE"] = fetch_site
    if origin is not None:
        headers["HTTP_ORIGIN"] = origin
    response = Client(raise_request_exception=False).post(ECHO, {"a": "1"}, **headers)
    assert response.status_code in (200, 403)


def test_an_oversized_body_is_refused_with_400():
    response = Client(raise_request_exception=False).post(ECHO, {"a": "x" * (300 * 1024)})
    assert response.status_code == 400
    assert b"Something in that request was not right" in response.content


def test_too_many_fields_are_refused_with_400():
    response = Client(raise_request_exception=False).post(ECHO, {f"f{i}": "1" for i in range(500)})
    assert response.status_code == 400


def test_a_wrong_method_gets_the_styled_405():
    response = Client().put("/")
    assert response.status_code == 405
    assert response.headers["Allow"] == "GET, HEAD"
    assert b"That doesn" in response.content and b"Exit this page" in response.content
