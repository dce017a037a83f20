"""Who gets what: every portal URL for every role, and a walk that catches unprotected new views."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from providers.access import LEVELS
from providers.models import ChangeRequest, Invitation
from providers.tests.conftest import signed_in
from providers.tests.factories import LocationFactory, listing
from services_directory.verification import verification_token_make

pytestmark = pytest.mark.django_db

ROLES = ["anonymous", "password_only", "provider_a", "provider_b", "staff", "superuser"]
SIGN_IN = "302 sign-in"
CHALLENGE = "302 code"
GOES_ON = "302"

# url name -> (method, path template, outcome per role in ROLES order)
MATRIX = {
    "dashboard": ("get", "/providers/", [SIGN_IN, CHALLENGE, 200, 200, 200, 200]),
    "sign_in": ("get", "/providers/sign-in/", [200, 200, GOES_ON, GOES_ON, GOES_ON, GOES_ON]),
    "challenge": ("get", "/providers/sign-in/code/", [SIGN_IN, 200, GOES_ON, GOES_ON, GOES_ON, GOES_ON]),
    "sign_out": ("post", "/providers/sign-out/", [GOES_ON] * 6),
    "two_factor_setup": ("get", "/providers/two-factor/set-up/", [SIGN_IN, CHALLENGE, GOES_ON, GOES_ON, GOES_ON, GOES_ON]),
    "invitation_open": ("get", "/providers/invitation/", [200] * 6),
    "invitation_accept": ("get", "/providers/invitation/set-password/", [200] * 6),
    "password_reset": ("get", "/providers/password-reset/", [200] * 6),
    "password_reset_sent": ("get", "/providers/password-reset/sent/", [200] * 6),
    "password_reset_code": ("get", "/providers/password-reset/code/", [200] * 6),
    "password_reset_confirm": ("get", "/providers/password-reset/set-password/", [200] * 6),
    "account": ("get", "/providers/account/", [SIGN_IN, CHALLENGE, 200, 200, 200, 200]),
    "email_change": ("get", "/providers/account/email/", [SIGN_IN, CHALLENGE, 200, 200, 200, 200]),
    "password_change": ("get", "/providers/account/password/", [SIGN_IN, CHALLENGE, 200, 200, 200, 200]),
    "two_factor_reset": ("get", "/providers/account/two-factor/", [SIGN_IN, CHALLENGE, 200, 200, 200, 200]),
    "backup_codes_new": ("get", "/providers/account/backup-codes/", [SIGN_IN, CHALLENGE, 200, 200, 200, 200]),
    "service_detail": ("get", "/providers/services/{service}/", [SIGN_IN, CHALLENGE, 200, 404, 403, 403]),
    "service_edit": ("get", "/providers/services/{service}/edit/", [SIGN_IN, CHALLENGE, 200, 404, 403, 403]),
    "service_copy": ("get", "/providers/services/{service}/copy/", [SIGN_IN, CHALLENGE, 200, 404, 403, 403]),
    "service_confirm": ("post", "/providers/services/{service}/still-correct/", [SIGN_IN, CHALLENGE, GOES_ON, 404, 403, 403]),
    "service_confirm_link": ("get", "/providers/confirm/{confirm}/", [SIGN_IN, CHALLENGE, GOES_ON, 404, 403, 403]),
    "location_edit": ("get", "/providers/locations/{location}/edit/", [SIGN_IN, CHALLENGE, 200, 404, 403, 403]),
    "change_list": ("get", "/providers/changes/", [SIGN_IN, CHALLENGE, 200, 200, 403, 403]),
    "change_detail": ("get", "/providers/changes/{change}/", [SIGN_IN, CHALLENGE, 200, 404, 403, 403]),
    "change_withdraw": ("post", "/providers/changes/{change}/withdraw/", [SIGN_IN, CHALLENGE, GOES_ON, 404, 403, 403]),
    "moderation_list": ("get", "/providers/staff/changes/", [SIGN_IN, CHALLENGE, 403, 403, 200, 200]),
    "moderation_detail": ("get", "/providers/staff/changes/{change}/", [SIGN_IN, CHALLENGE, 403, 403, 200, 200]),
    "invitation_list": ("get", "/providers/staff/invitations/", [SIGN_IN, CHALLENGE, 403, 403, 200, 200]),
    "search-debug": ("get", "/providers/search-debug/", [SIGN_IN, CHALLENGE, 403, 403, 200, 200]),
    "invitation_revoke": ("post", "/providers/staff/invitations/{invitation}/revoke/", [SIGN_IN, CHALLENGE, 403, 403, GOES_ON, GOES_ON]),
}  # fmt: skip


def _portal_patterns():
    """(name, pattern) for every URL under /providers/ outside the admin."""

    def walk(patterns, prefix=""):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                yield from walk(pattern.url_patterns, prefix + str(pattern.pattern))
            elif isinstance(pattern, URLPattern):
                yield prefix + str(pattern.pattern), pattern

    return [
        (route, pattern)
        for route, pattern in walk(get_resolver().url_patterns)
        if route.startswith("providers/") and not route.startswith("providers/admin/")
    ]


def test_every_portal_view_is_protected_and_in_the_matrix():
    patterns = _portal_patterns()
    assert len(patterns) >= len(MATRIX)
    unstamped = [route for route, p in patterns if getattr(p.callback, "portal_access", None) not in LEVELS]
    assert unstamped == [], "wrap these views in a providers.access decorator"
    assert sorted(p.name for _, p in patterns) == sorted(MATRIX), "add new portal URLs to MATRIX"


@pytest.fixture
def world(org_a, org_b, provider_a, provider_b, staff_user, superuser):
    from django.contrib.auth import get_user_model

    from providers.tests.factories import MembershipFactory

    service = listing(org_a)
    LocationFactory(organization=org_a, city="Geelong")  # so "copy" has somewhere to go
    listing(org_b)
    change = ChangeRequest.objects.create(
        organisation=org_a, kind="service", service=service, status="submitted",
        base={"fields": {}}, proposed={"fields": {"name": "x"}}, created_by=provider_a,
    )  # fmt: skip
    invitation = Invitation.objects.create(
        email="x@example.org", organisation=org_a, token_hash="0" * 64,
        expires_at="2099-01-01T00:00:00Z",
    )  # fmt: skip
    password_only_user = MembershipFactory(organisation=org_a, user__username="half@example.org").user
    password_only = Client()
    password_only.force_login(password_only_user, backend="django.contrib.auth.backends.ModelBackend")
    clients = {
        "anonymous": Client(),
        "password_only": password_only,
        "provider_a": signed_in(provider_a),
        "provider_b": signed_in(provider_b),
        "staff": signed_in(staff_user),
        "superuser": signed_in(superuser),
    }
    assert get_user_model().objects.count() == 5
    ids = {
        "service": service.pk,
        "location": service.service_at_locations.get().location_id,
        "change": change.pk,
        "invitation": invitation.pk,
        "token": "no-such-token",
        "confirm": verification_token_make(service_id=service.pk),
    }
    return clients, ids


def _check(response, expected, path):
    if expected == SIGN_IN:
        assert response.status_code == 302, path
        assert response.url.startswith("/providers/sign-in/?next="), response.url
    elif expected == CHALLENGE:
        assert response.status_code == 302, path
        assert response.url.startswith("/providers/sign-in/code/"), response.url
    elif expected == GOES_ON:
        assert response.status_code == 302, path
        assert not response.url.startswith("/providers/sign-in/?next="), response.url
    else:
        assert response.status_code == expected, (path, response.status_code)
    if response.status_code == 200 and response["Content-Type"].startswith("text/html"):
        html = response.content.decode()
        # The CSP allows no inline styles or scripts: a page that relied on them would break.
        assert " style=" not in html and "<style" not in html, path
        assert re.findall(r"<script(?![^>]*\bsrc=)", html) == [], path
        assert response["Referrer-Policy"] == "same-origin"


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name", sorted(MATRIX))
def test_matrix(world, name, role):
    clients, ids = world
    method, template, outcomes = MATRIX[name]
    path = template.format(**ids)
    if name == "invitation_accept":
        # Without a code POSTed first (the session holds its hash), it is 404 for everyone.
        _check(getattr(clients[role], method)(path), 404, path)
        return
    _check(getattr(clients[role], method)(path), outcomes[ROLES.index(role)], path)


def test_admin_urls_need_staff_and_second_factor(world, staff_user):
    clients, _ = world
    admin_routes = [
        "/" + route
        for route, p in _walk_admin()
        if "<" not in route and "(?P" not in route and not route.endswith(("logout/", "login/"))
    ]
    assert "/providers/admin/" in admin_routes and len(admin_routes) > 10
    password_only_staff = Client()
    password_only_staff.force_login(staff_user, backend="django.contrib.auth.backends.ModelBackend")
    for route in admin_routes:
        for client in (clients["anonymous"], clients["provider_a"], password_only_staff):
            assert client.get(route).status_code in (302, 403, 404), route
    assert clients["staff"].get("/providers/admin/").status_code == 200


def _walk_admin():
    def walk(patterns, prefix=""):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                yield from walk(pattern.url_patterns, prefix + str(pattern.pattern))
            elif isinstance(pattern, URLPattern):
                yield prefix + str(pattern.pattern), pattern

    return [(r, p) for r, p in walk(get_resolver().url_patterns) if r.startswith("providers/admin/")]


# --- No IDOR through form fields or query parameters -----------------------------------------------


@pytest.fixture
def b_records(org_b, provider_b):
    service_b = listing(org_b)
    other_location_b = LocationFactory(organization=org_b)
    change_b = ChangeRequest.objects.create(
        organisation=org_b, kind="service", service=service_b, status="draft", base={}, proposed={},
        form_data={"service-name": ["B's draft"]}, created_by=provider_b,
    )  # fmt: skip
    return service_b, other_location_b, change_b


def test_copy_to_another_organisations_location_is_404(provider_a, org_a, b_records):
    service = listing(org_a)
    _, location_b, _ = b_records
    client = signed_in(provider_a)
    assert (
        client.post(f"/providers/services/{service.pk}/copy/", {"location": location_b.pk}).status_code == 404
    )
    assert client.post(f"/providers/services/{service.pk}/copy/", {"location": "abc"}).status_code == 404
    assert not ChangeRequest.objects.filter(kind="copy").exists()


@pytest.mark.parametrize("param", ["draft", "from"])
def test_another_organisations_change_in_a_query_or_field_is_404(provider_a, org_a, b_records, param):
    service = listing(org_a)
    _, _, change_b = b_records
    client = signed_in(provider_a)
    assert client.get(f"/providers/services/{service.pk}/edit/?{param}={change_b.pk}").status_code == 404
    if param == "draft":
        response = client.post(
            f"/providers/services/{service.pk}/edit/", {"draft": change_b.pk, "action": "draft"}
        )
        assert response.status_code == 404
        change_b.refresh_from_db()
        assert change_b.form_data == {"service-name": ["B's draft"]}
