"""factory_boy factories for portal tests."""

from __future__ import annotations

import datetime

import factory
from django.contrib.auth import get_user_model
from django_otp.plugins.otp_totp.models import TOTPDevice

from providers.models import ProviderMembership
from services_directory.models import Organization

PASSWORD = "correct horse battery staple 42"


class OrganizationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organization

    name = factory.Sequence(lambda n: f"Test Organisation {n}")
    slug = factory.Sequence(lambda n: f"test-organisation-{n}")
    description = "A test organisation."
    source_url = "https://example.org/source"
    last_verified = datetime.date(2026, 11, 1)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"person{n}@example.org")
    email = factory.SelfAttribute("username")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def device(self, create, extracted, **kwargs):
        self.save()
        if extracted is not False:
            TOTPDevice.objects.create(user=self, name="Phone", confirmed=True)


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProviderMembership

    user = factory.SubFactory(UserFactory)
    organisation = factory.SubFactory(OrganizationFactory)
