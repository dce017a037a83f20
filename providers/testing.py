"""Test support: sign a test client in as the portal's real flow leaves it (password and code)."""

from __future__ import annotations

from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice


def sign_in_fully(client: Client, user) -> Client:
    """Log `client` in as `user` with a confirmed authenticator (one is made if the user has none).

    Staff pages and the admin ask for the second factor, so `force_login` alone is not enough.
    """
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="Test phone", confirmed=True)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client
