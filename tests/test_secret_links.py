"""Invitation and password-reset codes never reach a log: walked through gunicorn in production mode.

The attack in issue 19 (item 2): the token was in the path of the emailed link, so the access log
held it and anyone who could read the log could accept the invitation. Now the code is after "#",
which a browser never sends, and is POSTed from the page (static/js/link-code.js or pasted).
This starts gunicorn with config/gunicorn.conf.py on 127.0.0.1, walks both flows the way a browser
does, and greps everything gunicorn wrote (access and error log) for the codes.
"""

from __future__ import annotations

import http.client
import re
import time
from http.cookies import SimpleCookie
from urllib.parse import urlencode

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.tokens import default_token_generator
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from providers import services
from providers.models import Invitation
from providers.tests.factories import MembershipFactory, OrganizationFactory
from tests import gunicorn_server

pytestmark = pytest.mark.slow
PORT = 8017
NEW_PASSWORD = "a long new passphrase 7391"


class Browser:
    """Just enough of a browser over http.client: cookies, CSRF form field, Origin, no fragment."""

    def __init__(self, port: int):
        self.port = port
        self.cookies: dict[str, str] = {}

    def request(self, method: str, url: str, form: dict | None = None):
        path = url.split("#", 1)[0]  # what every browser does: the fragment stays on the device
        headers = {"Host": "127.0.0.1", "X-Forwarded-Proto": "https", "Origin": "https://127.0.0.1"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            body = urlencode(form).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        content = response.read().decode()
        for header in response.headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(header).items():
                self.cookies[name] = morsel.value
        connection.close()
        return response, content

    def submit(self, url: str, fields: dict):
        """GET the page, then POST its form with the CSRF token, as a person pressing the button."""
        response, page = self.request("GET", url)
        assert response.status == 200, (url, response.status, page[:500])
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
        return self.request("POST", url, {"csrfmiddlewaretoken": token, **fields})


@pytest.fixture
def gunicorn(transactional_db, tmp_path, redis_url):
    from django.db import connection

    from conftest import require

    require(connection.vendor == "postgresql", "PostgreSQL")
    # The test makes the reset token, so the server must check it with the same key.
    with gunicorn_server.gunicorn(
        tmp_path, port=PORT, SECRET_KEY=settings.SECRET_KEY,
        DATABASE_URL=gunicorn_server.database_url_of_tests(), REDIS_URL=redis_url,
    ) as server:  # fmt: skip
        yield server


def _emailed(link: str) -> tuple[str, str]:
    path, _, code = link.replace(settings.SITE_URL, "").partition("#")
    assert code and code not in path
    return path, code


def test_invitation_and_reset_codes_never_reach_gunicorns_logs(gunicorn):
    org = OrganizationFactory(name="Organisation Log")
    staff = get_user_model().objects.create_user("staff-log@example.org", is_staff=True)
    _, token = services.invitation_create(email="invitee@example.org", organisation=org, invited_by=staff)
    path, code = _emailed(services.invitation_url(token=token))
    assert code == token

    invitee = Browser(gunicorn["port"])
    response, _ = invitee.submit(path, {"code": code})
    assert response.status == 302 and response.getheader("Location") == "/providers/invitation/set-password/"
    response, _ = invitee.submit(
        "/providers/invitation/set-password/", {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
    )
    assert response.status == 302 and response.getheader("Location") == "/providers/two-factor/set-up/"
    assert Invitation.objects.get().accepted_at is not None
    # Used once: the same code now says to ask for a new invitation.
    response, page = Browser(gunicorn["port"]).submit(path, {"code": code})
    assert response.status == 404 and "Ask the person who invited you" in page

    user = MembershipFactory(organisation=org, user__username="reset-log@example.org").user
    uid_token = f"{urlsafe_base64_encode(force_bytes(user.pk))}.{default_token_generator.make_token(user)}"
    reset_path = "/providers/password-reset/code/"
    person = Browser(gunicorn["port"])
    response, _ = person.submit(reset_path, {"code": uid_token})
    assert (
        response.status == 302 and response.getheader("Location") == "/providers/password-reset/set-password/"
    )
    response, _ = person.submit(
        "/providers/password-reset/set-password/",
        {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert response.status == 302 and response.getheader("Location") == "/providers/sign-in/code/"
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)

    time.sleep(0.5)
    log = gunicorn["log"].read_text()
    assert '"POST /providers/invitation/ HTTP/1.1" 302' in log, log
    assert '"POST /providers/password-reset/code/ HTTP/1.1" 302' in log, log
    token_part = uid_token.split(".", 1)[1]
    for secret in [token, token[:16], services.token_hash(token), uid_token, token_part]:
        assert secret not in log
