"""factory_boy factories for portal tests."""

from __future__ import annotations

import datetime

import factory
from django.contrib.auth import get_user_model
from django_otp.plugins.otp_totp.models import TOTPDevice

from providers.models import ProviderMembership
from services_directory.models import (
    Closure,
    Location,
    Organization,
    Phone,
    Schedule,
    Service,
    ServiceAtLocation,
)

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


class ServiceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Service

    organization = factory.SubFactory(OrganizationFactory)
    name = factory.Sequence(lambda n: f"Test Service {n}")
    slug = factory.Sequence(lambda n: f"test-service-{n}")
    summary = "A test service."
    description = "A test service for the portal tests."
    source_url = "https://example.org/source"
    last_verified = datetime.date(2026, 1, 1)


class LocationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Location

    organization = factory.SubFactory(OrganizationFactory)
    name = factory.Sequence(lambda n: f"Office {n}")
    address_1 = "1 Test Street"
    city = "Melbourne"
    state_province = "VIC"
    postal_code = "3000"


def listing(organisation) -> Service:
    """A service with a location, a phone, weekday hours and a closure."""
    service = ServiceFactory(organization=organisation)
    location = LocationFactory(organization=organisation)
    ServiceAtLocation.objects.create(service=service, location=location)
    Phone.objects.create(service=service, number="03 9123 4567", description="Intake")
    Schedule.objects.create(
        service=service, byday="MO,TU,WE,TH,FR", opens_at=datetime.time(9), closes_at=datetime.time(17)
    )
    Closure.objects.create(
        service=service, starts_on=datetime.date(2026, 12, 24), ends_on=datetime.date(2027, 1, 2)
    )
    return service
