"""Accounts end to end through HTTP: invitation, enrolment, sign-in, reset, re-authentication."""

from __future__ import annotations

import importlib
import re
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.contrib.sessions.models import Session
from django.core import mail
from django.test import Client
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from providers.models import Invitation, ProviderMembership
from providers.services import backup_code_digest, backup_codes_left, backup_codes_replace
from providers.tests.conftest import signed_in, totp_code
from providers.tests.factories import PASSWORD

pytestmark = pytest.mark.django_db
NEW_PASSWORD = "a long new passphrase 7391"


def link_in(message) -> str:
    return re.search(r"http://[^\s]+", message.body).group(0).replace("http://127.0.0.1:8000", "")


def open_link(client: Client, link: str):
    """What a browser does with an emailed link: GET the path (the part after "#" stays in the
    browser), then link-code.js puts that part in the form, which is POSTed."""
    path, _, code = link.partition("#")
    assert code, "the code is after #, never in the path"
    page = client.get(path)
    assert page.status_code == 200 and b"data-link-code" in page.content
    return client.post(path, {"code": code})


@pytest.fixture
def invite(staff_user, django_capture_on_commit_callbacks):
    def send(org, email="new@example.org") -> str:
        client = signed_in(staff_user)
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post("/providers/staff/invitations/", {"email": email, "organisation": org.pk})
        assert response.status_code == 302
        return link_in(mail.outbox[-1])

    return send


def backup_codes_in(response) -> list[str]:
    return re.findall(r"<li><code>([a-z2-7]{4} [a-z2-7]{4})</code></li>", response.content.decode())


def sign_in(client: Client, username: str, password: str = PASSWORD, next_url: str = ""):
    url = "/providers/sign-in/" + (f"?next={next_url}" if next_url else "")
    return client.post(url, {"username": username, "password": password})


def test_invitation_to_enrolment_to_dashboard(invite, org_a):
    link = invite(org_a, "New.Person@Example.org")
    assert mail.outbox[-1].to == ["new.person@example.org"]
    assert "Organisation A" in mail.outbox[-1].body
    token = link.rsplit("#", 1)[-1]
    assert "/invitation/#" in link and len(token) >= 40
    assert f"\n{token}\n" in mail.outbox[-1].body  # also there to paste, for a browser without JavaScript
    assert not Invitation.objects.filter(token_hash__contains=token).exists()  # only the hash is kept

    client = Client()
    emailed = link
    opened = open_link(client, link)
    assert opened.status_code == 302 and opened.url == "/providers/invitation/set-password/"
    link = opened.url
    assert token not in repr(dict(client.session))  # the session keeps only the hash
    page = client.get(link)
    assert page.status_code == 200 and b"Organisation A" in page.content
    weak = client.post(link, {"password1": "password123", "password2": "password123"})
    assert weak.status_code == 200
    assert b"too short" in weak.content or b"too common" in weak.content
    mismatch = client.post(link, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD + "x"})
    assert b"not the same" in mismatch.content

    response = client.post(link, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    assert response.status_code == 302 and response.url == "/providers/two-factor/set-up/"
    user = get_user_model().objects.get(username="new.person@example.org")
    assert ProviderMembership.objects.filter(user=user, organisation=org_a).exists()

    # Nothing is visible before the second factor is set up.
    for url in ["/providers/", "/providers/account/"]:
        blocked = client.get(url)
        assert blocked.status_code == 302 and blocked.url.startswith("/providers/two-factor/set-up/")

    setup = client.get("/providers/two-factor/set-up/")
    assert setup.status_code == 200
    body = setup.content.decode()
    svg = re.search(r"<svg.*?</svg>", body, re.S).group(0)
    assert "style" not in svg and "<script" not in svg
    assert "style=" not in body
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    wrong = client.post("/providers/two-factor/set-up/", {"code": "000000"})
    assert b"not right" in wrong.content
    device.refresh_from_db()
    device.throttling_failure_count = 0
    device.throttling_failure_timestamp = None
    device.save()
    done = client.post("/providers/two-factor/set-up/", {"code": totp_code(device)})
    # The answer shows ten backup codes, once, and leads on to the dashboard.
    assert done.status_code == 200
    codes = backup_codes_in(done)
    assert len(codes) == 10 and len(set(codes)) == 10
    assert 'href="/providers/"' in done.content.decode()
    assert "no-store" in done["Cache-Control"]
    assert client.get("/providers/").status_code == 200
    device.refresh_from_db()
    assert device.confirmed

    # The link worked once, and says to ask for a new one.
    again = open_link(Client(), emailed)
    assert again.status_code == 404 and b"Ask the person who invited you" in again.content
    assert client.get("/providers/invitation/set-password/").status_code == 404


def test_invitations_last_three_days(invite, org_a):
    invite(org_a)
    invitation = Invitation.objects.get()
    assert (
        timedelta(days=3) - timedelta(minutes=1) < invitation.expires_at - timezone.now() <= timedelta(days=3)
    )
    assert "expires in 3 days" in mail.outbox[-1].body


@pytest.mark.parametrize("state", ["expired", "revoked", "bogus", "used-in-between"])
def test_unusable_invitation_links_say_ask_for_a_new_one(invite, staff_user, org_a, state):
    link = invite(org_a)
    client = Client()
    if state == "used-in-between":
        # Opened, then the invitation runs out before the password is chosen.
        assert open_link(client, link).status_code == 302
        Invitation.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    else:
        if state == "expired":
            Invitation.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
        elif state == "revoked":
            invitation = Invitation.objects.get()
            signed_in(staff_user).post(f"/providers/staff/invitations/{invitation.pk}/revoke/")
        else:
            link = link[:-5] + "abcd"
        gone = open_link(client, link)
        assert gone.status_code == 404
        assert b"does not work any more" in gone.content and b"Ask the person who invited you" in gone.content
    set_password = "/providers/invitation/set-password/"
    assert client.get(set_password).status_code == 404
    refused = client.post(set_password, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    assert refused.status_code == 404 and b"send a new invitation" in refused.content
    assert not get_user_model().objects.filter(username="new@example.org").exists()


@pytest.mark.parametrize(
    "code", ["", " ", "#", "x" * 201, "\x00", "é" * 50, "a.b.c", "MQ.bad-token", "!!.!!"]
)
def test_link_code_pages_take_any_input_without_error(db, code):
    for path in ["/providers/invitation/", "/providers/password-reset/code/"]:
        response = Client().post(path, {"code": code})
        assert response.status_code in (200, 404), (path, code)


def test_inviting_an_existing_account_says_so(staff_user, org_a, provider_b):
    client = signed_in(staff_user)
    response = client.post(
        "/providers/staff/invitations/", {"email": provider_b.email, "organisation": org_a.pk}
    )
    assert response.status_code == 200
    assert b"already has an account" in response.content
    assert not Invitation.objects.exists()


def test_sign_in_needs_password_then_code(provider_a):
    client = Client()
    wrong = sign_in(client, "a@example.org", "wrong password here")
    assert wrong.status_code == 200 and b"not right" in wrong.content
    response = sign_in(client, "A@Example.org")
    assert response.status_code == 302 and response.url == "/providers/sign-in/code/"
    assert client.get("/providers/").status_code == 302  # password alone shows nothing
    device = TOTPDevice.objects.get(user=provider_a)
    response = client.post("/providers/sign-in/code/", {"code": totp_code(device)})
    assert response.status_code == 302 and response.url == "/providers/"
    assert client.get("/providers/").status_code == 200


def test_a_code_works_only_once(provider_a):
    device = TOTPDevice.objects.get(user=provider_a)
    code = totp_code(device)
    first = Client()
    sign_in(first, "a@example.org")
    assert first.post("/providers/sign-in/code/", {"code": code}).status_code == 302

    second = Client()
    sign_in(second, "a@example.org")
    replay = second.post("/providers/sign-in/code/", {"code": code})
    assert replay.status_code == 200
    assert b"already used" in replay.content
    assert second.get("/providers/").status_code == 302


def test_wrong_codes_are_throttled(provider_a):
    device = TOTPDevice.objects.get(user=provider_a)
    client = Client()
    sign_in(client, "a@example.org")
    client.post("/providers/sign-in/code/", {"code": "000000"})
    # Even the right code is refused while the back-off after a wrong one lasts.
    response = client.post("/providers/sign-in/code/", {"code": totp_code(device)})
    assert b"Too many wrong codes" in response.content


@pytest.mark.parametrize(
    ("next_url", "expected"),
    [
        ("/providers/account/", "/providers/account/"),
        ("https://evil.example/steal", "/providers/"),
        ("//evil.example/", "/providers/"),
        ("javascript:alert(1)", "/providers/"),
        ("http://testserver/providers/account/", "http://testserver/providers/account/"),
    ],
)
def test_next_only_leads_within_the_site(provider_a, next_url, expected):
    client = Client()
    sign_in(client, "a@example.org", next_url=next_url)
    device = TOTPDevice.objects.get(user=provider_a)
    response = client.post("/providers/sign-in/code/", {"code": totp_code(device)})
    assert response.url == expected


def test_lockout_by_account_after_five_failures_whatever_the_case(provider_a):
    client = Client(REMOTE_ADDR="192.0.2.77", HTTP_X_FORWARDED_FOR="203.0.113.55")
    for username in ["a@example.org", "A@example.org", "a@EXAMPLE.org", "a@example.org", "A@EXAMPLE.ORG"]:
        sign_in(client, username, "not the password")
    locked = sign_in(Client(), "a@example.org")  # right password, from anywhere
    assert locked.status_code == 429
    assert b"Too many tries" in locked.content
    # Another account is not affected.


def test_axes_stores_no_address_and_no_user_agent(provider_a):
    from axes.models import AccessAttempt, AccessFailureLog, AccessLog

    client = Client(
        REMOTE_ADDR="192.0.2.77",
        HTTP_X_FORWARDED_FOR="203.0.113.55",
        HTTP_X_REAL_IP="198.51.100.9",
        HTTP_USER_AGENT="UA-MARKER-portal-5c1e",
    )

    def stored() -> list:
        rows = list(AccessAttempt.objects.values()) + list(AccessLog.objects.values())
        return rows + list(AccessFailureLog.objects.values())

    sign_in(client, "a@example.org", "not the password")
    failed = stored()
    assert failed, "the failed sign-in is recorded (by account), so there is something to check"
    sign_in(client, "a@example.org")  # success resets the account's attempts
    for rows in (failed, stored()):
        text = repr(rows)
        for marker in ["192.0.2.77", "203.0.113.55", "198.51.100.9", "127.0.0.1", "UA-MARKER-portal-5c1e"]:
            assert marker not in text
        assert all(row.get("ip_address") in (None, "") for row in rows)


def test_password_reset_ends_at_the_code_challenge(provider_a):
    client = Client()
    response = client.post("/providers/password-reset/", {"email": "a@example.org"})
    assert response.url == "/providers/password-reset/sent/"
    link = link_in(mail.outbox[-1])
    uid_token = link.rsplit("#", 1)[-1]
    assert link.startswith("/providers/password-reset/code/#") and f"\n{uid_token}\n" in mail.outbox[-1].body
    step = open_link(client, link)
    assert step.status_code == 302 and step.url == "/providers/password-reset/set-password/"
    form = client.get(step.url)
    assert b"Choose a new password" in form.content
    done = client.post(step.url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert done.status_code == 302 and done.url == "/providers/sign-in/code/"
    assert client.get("/providers/").url.startswith("/providers/sign-in/code/")
    provider_a.refresh_from_db()
    assert provider_a.check_password(NEW_PASSWORD)
    # The link worked once.
    again = open_link(Client(), link)
    assert again.status_code == 404
    assert b"does not work any more" in again.content and b"Ask for a new link" in again.content
    assert b"does not work any more" in Client().get("/providers/password-reset/set-password/").content


def test_password_reset_for_unknown_address_looks_the_same_and_sends_nothing(db):
    response = Client().post("/providers/password-reset/", {"email": "nobody@example.org"})
    assert response.url == "/providers/password-reset/sent/"
    assert mail.outbox == []


def test_email_change_needs_password_and_code(provider_a, django_capture_on_commit_callbacks):
    client = signed_in(provider_a)
    device = TOTPDevice.objects.get(user=provider_a)
    missing = client.post(
        "/providers/account/email/",
        {"email": "new-a@example.org", "current_password": PASSWORD, "code": "123456"},
    )
    assert missing.status_code == 200 and b"not right" in missing.content
    device.refresh_from_db()
    device.throttling_failure_count = 0
    device.save()
    wrong_password = client.post(
        "/providers/account/email/",
        {"email": "new-a@example.org", "current_password": "nope", "code": totp_code(device)},
    )
    assert b"not your current password" in wrong_password.content
    with django_capture_on_commit_callbacks(execute=True):
        ok = client.post(
            "/providers/account/email/",
            {"email": "new-a@example.org", "current_password": PASSWORD, "code": totp_code(device, 1)},
        )
    assert ok.status_code == 302
    provider_a.refresh_from_db()
    assert provider_a.email == provider_a.username == "new-a@example.org"
    assert mail.outbox[-1].to == ["a@example.org"]


def test_new_authenticator_needs_password_and_code_and_replaces_the_old(provider_a):
    client = signed_in(provider_a)
    old = TOTPDevice.objects.get(user=provider_a)
    assert client.get("/providers/two-factor/set-up/").url == "/providers/account/two-factor/"
    response = client.post(
        "/providers/account/two-factor/", {"current_password": PASSWORD, "code": totp_code(old)}
    )
    assert response.url == "/providers/two-factor/set-up/"
    assert client.get("/providers/two-factor/set-up/").status_code == 200
    new = TOTPDevice.objects.get(user=provider_a, confirmed=False)
    assert len(backup_codes_in(client.post("/providers/two-factor/set-up/", {"code": totp_code(new)}))) == 10
    assert list(TOTPDevice.objects.filter(user=provider_a)) == [new]
    assert client.get("/providers/").status_code == 200


def test_password_change_needs_password_and_code(provider_a):
    client = signed_in(provider_a)
    device = TOTPDevice.objects.get(user=provider_a)
    response = client.post(
        "/providers/account/password/",
        {
            "current_password": PASSWORD,
            "code": totp_code(device),
            "password1": NEW_PASSWORD,
            "password2": NEW_PASSWORD,
        },
    )
    assert response.status_code == 302
    provider_a.refresh_from_db()
    assert provider_a.check_password(NEW_PASSWORD)
    assert client.get("/providers/").status_code == 200  # this session stays signed in


def test_sign_out_deletes_the_session_on_the_server(provider_a):
    client = signed_in(provider_a)
    key = client.session.session_key
    assert Session.objects.filter(session_key=key).exists()
    assert client.get("/providers/sign-out/").status_code == 405
    response = client.post("/providers/sign-out/")
    assert response.url == "/providers/sign-in/"
    assert not Session.objects.filter(session_key=key).exists()
    assert client.get("/providers/").status_code == 302


@pytest.mark.parametrize(
    ("idle", "age", "signed_out"), [(29, 60, False), (31, 60, True), (5, 12 * 60 + 1, True)]
)
def test_sessions_end_after_30_idle_minutes_or_12_hours(provider_a, idle, age, signed_out):
    import time

    from providers.middleware import SEEN, STARTED

    client = signed_in(provider_a)
    now = int(time.time())
    session = client.session
    session[STARTED] = now - age * 60
    session[SEEN] = now - idle * 60
    session.save()
    response = client.get("/providers/")
    assert (response.status_code == 302) is signed_out
    if signed_out:
        assert response.url.startswith("/providers/sign-in/")
        assert b"You were signed out" in client.get(response.url).content


def test_admin_needs_staff_and_the_second_factor(provider_a, staff_user):
    assert signed_in(staff_user).get("/providers/admin/").status_code == 200
    assert signed_in(provider_a).get("/providers/admin/", follow=True).status_code == 403
    anonymous = Client().get("/providers/admin/", follow=True)
    assert anonymous.redirect_chain[-1][0].startswith("/providers/sign-in/")
    password_only = Client()
    sign_in(password_only, "staff@example.org")
    response = password_only.get("/providers/admin/", follow=True)
    assert response.redirect_chain[-1][0].startswith("/providers/sign-in/code/")
    device = TOTPDevice.objects.get(user=staff_user)
    done = password_only.post(response.redirect_chain[-1][0], {"code": totp_code(device)})
    assert done.url == "/providers/admin/"


def test_a_backup_code_signs_in_once_without_the_phone(provider_a):
    codes = backup_codes_replace(user=provider_a)
    client = Client()
    sign_in(client, "a@example.org")
    response = client.post("/providers/sign-in/code/", {"code": codes[0].upper()[:4] + "-" + codes[0][4:]})
    assert response.status_code == 302 and response.url == "/providers/"
    dashboard = client.get("/providers/")
    assert dashboard.status_code == 200
    assert b"You signed in with a backup code. You have 9 left." in dashboard.content
    assert b"9 left" in client.get("/providers/account/").content

    again = Client()
    sign_in(again, "a@example.org")
    used = again.post("/providers/sign-in/code/", {"code": codes[0]})
    assert used.status_code == 200 and b"not right, or was already used" in used.content
    assert again.get("/providers/").status_code == 302
    bogus = again.post("/providers/sign-in/code/", {"code": "<script>"})
    assert bogus.status_code == 200 and b"one of your backup codes" in bogus.content


def test_backup_codes_are_stored_only_as_keyed_hashes(provider_a):
    codes = backup_codes_replace(user=provider_a)
    stored = list(StaticToken.objects.filter(device__user=provider_a).values_list("token", flat=True))
    assert len(stored) == 10 and len(set(stored)) == 10
    assert all(len(token) == 16 for token in stored)
    assert not set(stored) & set(codes)
    assert not any(code in token for code in codes for token in stored)
    # Keyed: the same code under another secret key is another digest.
    assert backup_code_digest(codes[0], secret="another key") not in stored


def test_backup_codes_outlive_a_new_secret_key_while_the_old_one_is_a_fallback(provider_a, settings):
    codes = backup_codes_replace(user=provider_a)
    old_key = settings.SECRET_KEY
    settings.SECRET_KEY = "a-new-secret-key-for-this-test-" + "y" * 40
    settings.SECRET_KEY_FALLBACKS = [old_key]
    client = Client()
    sign_in(client, "a@example.org")
    assert client.post("/providers/sign-in/code/", {"code": codes[0]}).status_code == 302
    assert backup_codes_left(user=provider_a) == 9

    settings.SECRET_KEY_FALLBACKS = []  # the old key retired: its codes stop working
    without = Client()
    sign_in(without, "a@example.org")
    refused = without.post("/providers/sign-in/code/", {"code": codes[1]})
    assert refused.status_code == 200 and b"not right, or was already used" in refused.content
    assert backup_codes_left(user=provider_a) == 9


def test_codes_stored_plain_before_the_release_are_hashed_and_still_work(provider_a):
    from django.apps import apps

    migration = importlib.import_module("providers.migrations.0002_backup_codes_hashed")
    device = StaticDevice.objects.create(user=provider_a, name="Backup codes", confirmed=True)
    plain = ["abcdefgh", "234567ab"]
    StaticToken.objects.bulk_create([StaticToken(device=device, token=code) for code in plain])
    migration.hash_plain_backup_codes(apps, None)
    migration.hash_plain_backup_codes(apps, None)  # once hashed, left alone
    stored = set(device.token_set.values_list("token", flat=True))
    assert stored == {backup_code_digest(code) for code in plain}
    client = Client()
    sign_in(client, "a@example.org")
    assert client.post("/providers/sign-in/code/", {"code": "abcd efgh"}).status_code == 302


def test_the_admin_shows_no_ones_second_factor_secrets(provider_a, superuser):
    backup_codes_replace(user=provider_a)
    totp = TOTPDevice.objects.get(user=provider_a)
    backup = StaticDevice.objects.get(user=provider_a)
    client = signed_in(superuser)
    page = client.get(f"/providers/admin/otp_totp/totpdevice/{totp.pk}/change/")
    assert page.status_code == 200 and b"a@example.org" in page.content
    assert totp.key.encode() not in page.content
    assert client.get(f"/providers/admin/otp_totp/totpdevice/{totp.pk}/qrcode/").status_code == 403
    assert client.get(f"/providers/admin/otp_totp/totpdevice/{totp.pk}/config/").status_code == 403
    listing = client.get("/providers/admin/otp_totp/totpdevice/")
    assert listing.status_code == 200 and b"qrcode" not in listing.content
    page = client.get(f"/providers/admin/otp_static/staticdevice/{backup.pk}/change/")
    assert page.status_code == 200
    assert not any(t.encode() in page.content for t in backup.token_set.values_list("token", flat=True))


def test_new_backup_codes_need_password_and_code_and_replace_the_old(provider_a):
    old_codes = backup_codes_replace(user=provider_a)
    client = signed_in(provider_a)
    device = TOTPDevice.objects.get(user=provider_a)
    refused = client.post("/providers/account/backup-codes/", {"current_password": "wrong", "code": "000000"})
    assert refused.status_code == 200 and backup_codes_in(refused) == []
    response = client.post(
        "/providers/account/backup-codes/", {"current_password": PASSWORD, "code": totp_code(device)}
    )
    new_codes = backup_codes_in(response)
    assert len(new_codes) == 10
    assert not set(new_codes) & {f"{c[:4]} {c[4:]}" for c in old_codes}
    # (A wrong try throttles the next one for a second, so the good code goes first.)
    fresh = Client()
    sign_in(fresh, "a@example.org")
    assert fresh.post("/providers/sign-in/code/", {"code": new_codes[1]}).status_code == 302
    stale = Client()
    sign_in(stale, "a@example.org")
    refused = stale.post("/providers/sign-in/code/", {"code": old_codes[1]})
    assert refused.status_code == 200 and b"not right, or was already used" in refused.content


def test_lost_phone_a_backup_code_is_enough_to_set_up_a_new_one(provider_a):
    codes = backup_codes_replace(user=provider_a)
    client = Client()
    sign_in(client, "a@example.org")
    client.post("/providers/sign-in/code/", {"code": codes[0]})
    response = client.post("/providers/account/two-factor/", {"current_password": PASSWORD, "code": codes[1]})
    assert response.status_code == 302 and response.url == "/providers/two-factor/set-up/"
    assert backup_codes_left(user=provider_a) == 8


def test_new_backup_codes_keep_a_backup_code_session_signed_in(provider_a):
    codes = backup_codes_replace(user=provider_a)
    client = Client()
    sign_in(client, "a@example.org")
    client.post("/providers/sign-in/code/", {"code": codes[0]})
    response = client.post(
        "/providers/account/backup-codes/", {"current_password": PASSWORD, "code": codes[1]}
    )
    assert len(backup_codes_in(response)) == 10
    assert client.get("/providers/account/").status_code == 200
    assert b"10 left" in client.get("/providers/account/").content
