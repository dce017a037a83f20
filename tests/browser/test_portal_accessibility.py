"""axe-core on the provider portal's account pages, signed in the way a person would be: password,
then the app's code, then the pages that change how they sign in, and the backup codes they are shown.
The public pages are covered by test_accessibility.py; the portal is where people work every week."""

from __future__ import annotations

import time
from binascii import unhexlify

import pytest
from django_otp.oath import TOTP

from tests.browser.test_accessibility import axe_violations

pytestmark = pytest.mark.browser

PASSWORD = "a long test passphrase 4821"


class App:
    """The person's authenticator app: the code for now, and for the next time steps (each works once)."""

    def __init__(self, key_hex: str):
        self.key = unhexlify(key_hex)
        self.step = 0

    def code(self) -> str:
        totp = TOTP(self.key)
        totp.time = time.time() + self.step * 30  # django-otp accepts one step of drift, each code once
        self.step += 1
        return f"{totp.token():06d}"


@pytest.fixture
def provider(site_server, django_db_blocker):
    from django.contrib.auth import get_user_model
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from providers.models import ProviderMembership
    from services_directory.models import Organization

    with django_db_blocker.unblock():
        user = get_user_model().objects.create_user("axe@example.org", "axe@example.org", PASSWORD)
        organisation = Organization.objects.filter(is_synthetic=False).order_by("pk").first()
        ProviderMembership.objects.create(user=user, organisation=organisation)
        device = TOTPDevice.objects.create(user=user, name="Phone", confirmed=True)
    try:
        yield App(device.key)
    finally:
        with django_db_blocker.unblock():
            user.delete()


def test_portal_account_pages_have_no_axe_violations(context, site_server, axe_source, provider):
    page = context.new_page()
    problems = []

    def check():
        problems.extend(axe_violations(page, axe_source))

    page.goto(site_server + "/providers/sign-in/")
    check()
    page.fill("input[name=username]", "axe@example.org")
    page.fill("input[name=password]", PASSWORD)
    page.click("main form button[type=submit]")
    page.wait_for_url("**/providers/sign-in/code/")
    check()
    page.fill("input[name=code]", "123")  # an error state
    page.click("main form button[type=submit]")
    # The page comes back at the same address: wait for it, or axe may read it half loaded (unstyled).
    page.wait_for_selector(".error-summary")
    page.wait_for_load_state("load")
    check()
    page.fill("input[name=code]", provider.code())
    page.click("main form button[type=submit]")
    page.wait_for_url("**/providers/")
    check()
    for path in ["/providers/account/", "/providers/account/two-factor/", "/providers/account/email/"]:
        page.goto(site_server + path)
        check()
    page.goto(site_server + "/providers/account/backup-codes/")
    check()
    page.fill("input[name=current_password]", PASSWORD)
    page.fill("input[name=code]", provider.code())
    page.click("main form button[type=submit]")
    assert page.locator(".backup-codes code").count() == 10
    check()
    assert not problems, "\n".join(problems)
