"""The emailed invitation link in a real browser: the code after "#" fills the form (static/js/link-code.js),
leaves the address bar, and pressing Continue leads to choosing a password. Without JavaScript the
person pastes the code. The server never sees the code in a URL (tests/test_secret_links.py)."""

from __future__ import annotations

import pytest

from tests.browser.conftest import open_context
from tests.browser.test_accessibility import axe_violations

pytestmark = pytest.mark.browser


@pytest.fixture
def invitation(site_server, django_db_blocker):
    from django.contrib.auth import get_user_model

    from providers import services
    from providers.models import Invitation
    from services_directory.models import Organization

    with django_db_blocker.unblock():
        staff = get_user_model().objects.create_user("inviter@example.org", is_staff=True)
        organisation = Organization.objects.filter(is_synthetic=False).order_by("pk").first()
        _, token = services.invitation_create(
            email="invitee@example.org", organisation=organisation, invited_by=staff
        )
    try:
        yield token, organisation.name
    finally:
        with django_db_blocker.unblock():
            Invitation.objects.filter(email="invitee@example.org").delete()
            get_user_model().objects.filter(
                username__in=["inviter@example.org", "invitee@example.org"]
            ).delete()


def test_the_code_after_the_hash_fills_the_form_and_leaves_the_address_bar(
    context, site_server, invitation, axe_source, screenshots_dir
):
    token, organisation = invitation
    page = context.new_page()
    page.goto(f"{site_server}/providers/invitation/#{token}")
    field = page.get_by_label("Code from the email")
    assert field.input_value() == token
    assert "#" not in page.url and token not in page.url
    assert axe_violations(page, axe_source) == []
    page.screenshot(path=screenshots_dir / "portal-invitation-code.png", full_page=True)
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url(f"{site_server}/providers/invitation/set-password/")
    assert organisation in page.content()
    assert page.evaluate("() => window.location.hash") == ""
    # The same code again: used up, so the page says to ask for a new invitation.
    page.goto(f"{site_server}/providers/invitation/#{token}")
    page.get_by_label("Code from the email").fill("not-a-real-code")
    page.get_by_role("button", name="Continue").click()
    assert "Ask the person who invited you" in page.inner_text("main")
    assert axe_violations(page, axe_source) == []
    page.screenshot(path=screenshots_dir / "portal-link-gone.png", full_page=True)
    context.request_log.assert_only_site()


def test_without_javascript_the_code_is_pasted(browser, site_server, invitation):
    token, organisation = invitation
    context = open_context(browser, site_server, javascript=False)
    try:
        page = context.new_page()
        page.goto(f"{site_server}/providers/invitation/#{token}")
        field = page.get_by_label("Code from the email")
        assert field.input_value() == ""
        field.fill(f"  {token[:20]}\n{token[20:]} ")  # as copied from a wrapped line of the email
        page.get_by_role("button", name="Continue").click()
        # The exact address: no "#code" carried over the redirect into the address bar.
        page.wait_for_url(f"{site_server}/providers/invitation/set-password/")
        assert organisation in page.content()
    finally:
        context.close()
