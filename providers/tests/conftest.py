"""Fixtures for the portal: organisations, people in every role, and clients signed in as them."""

from __future__ import annotations

import pytest
from django.test import Client
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from providers.testing import sign_in_fully
from providers.tests.factories import MembershipFactory, OrganizationFactory, UserFactory


def totp_code(device: TOTPDevice, offset: int = 0) -> str:
    """The code the person's app would show now (offset in 30-second steps)."""
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = totp.time + offset * device.step
    return f"{totp.token():0{device.digits}d}"


def signed_in(user) -> Client:
    """A client that has passed both the password and the code (as the real flow leaves it)."""
    return sign_in_fully(Client(), user)


@pytest.fixture
def org_a(db):
    return OrganizationFactory(name="Organisation A")


@pytest.fixture
def org_b(db):
    return OrganizationFactory(name="Organisation B")


@pytest.fixture
def provider_a(org_a):
    return MembershipFactory(organisation=org_a, user__username="a@example.org").user


@pytest.fixture
def provider_b(org_b):
    return MembershipFactory(organisation=org_b, user__username="b@example.org").user


@pytest.fixture
def staff_user(db):
    return UserFactory(username="staff@example.org", is_staff=True)


@pytest.fixture
def superuser(db):
    return UserFactory(username="root@example.org", is_staff=True, is_superuser=True)


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """The real hasher is slow on purpose; the matrix builds hundreds of accounts."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
