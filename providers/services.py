"""Writes for portal accounts: invitations, enrolment of the second factor, changes to an account."""

from __future__ import annotations

import base64
import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.http import urlsafe_base64_decode
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from providers.models import Invitation, ProviderMembership

# Short enough that an old email is not a standing key, long enough to span a weekend.
INVITATION_LIFETIME = timedelta(days=3)


class InvitationInvalid(Exception):
    """The token matches no invitation that can still be accepted."""


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def normalise_email(email: str) -> str:
    return email.strip().lower()


def invitation_url(*, token: str) -> str:
    """The emailed link: the token goes after "#", which browsers never send to the server, so it is
    in no access log, proxy log or Referer (docs/decisions/0014-link-codes-in-the-fragment.md)."""
    return f"{settings.SITE_URL}{reverse('providers:invitation_open')}#{token}"


@transaction.atomic
def invitation_create(*, email: str, organisation, invited_by: AbstractBaseUser) -> tuple[Invitation, str]:
    """Store an invitation and e-mail its link. Returns the invitation and the one copy of its token."""
    email = normalise_email(email)
    if get_user_model().objects.filter(username=email).exists():
        raise ValidationError(
            {"email": "This person already has an account. Add them to the organisation in the admin."}
        )
    token = secrets.token_urlsafe(32)
    invitation = Invitation(
        email=email,
        organisation=organisation,
        token_hash=token_hash(token),
        invited_by=invited_by,
        expires_at=timezone.now() + INVITATION_LIFETIME,
    )
    invitation.full_clean()
    invitation.save()
    context = {
        "invitation": invitation,
        "url": invitation_url(token=token),
        "code": token,
        "days": INVITATION_LIFETIME.days,
        "site_name": settings.SITE_NAME,
    }
    transaction.on_commit(
        lambda: send_mail(
            subject=f"You are invited to keep {organisation}'s listings current on {settings.SITE_NAME}",
            message=render_to_string("providers/emails/invitation.txt", context),
            from_email=None,
            recipient_list=[email],
        )
    )
    return invitation, token


def invitation_get_pending(*, hashed: str) -> Invitation:
    """The pending invitation whose token hashes to `hashed` (the session keeps only the hash)."""
    try:
        return Invitation.objects.pending().select_related("organisation").get(token_hash=hashed)
    except Invitation.DoesNotExist:
        raise InvitationInvalid from None


@transaction.atomic
def invitation_revoke(*, invitation: Invitation) -> Invitation:
    if invitation.status == "pending":
        invitation.revoked_at = timezone.now()
        invitation.save(update_fields=["revoked_at"])
    return invitation


@transaction.atomic
def invitation_accept(*, hashed: str, password: str) -> AbstractBaseUser:
    """Create the invitee's account and membership; the token cannot be used again.

    The password must already have passed the validators (the form does that, so it can show
    every message next to the field).
    """
    try:
        invitation = Invitation.objects.pending().select_for_update().get(token_hash=hashed)
    except Invitation.DoesNotExist:
        raise InvitationInvalid from None
    User = get_user_model()
    if User.objects.filter(username=invitation.email).exists():
        raise InvitationInvalid
    user = User(username=invitation.email, email=invitation.email)
    user.set_password(password)
    user.full_clean()
    user.save()
    membership = ProviderMembership(user=user, organisation=invitation.organisation)
    membership.full_clean()
    membership.save()
    invitation.accepted_at = timezone.now()
    invitation.accepted_user = user
    invitation.save(update_fields=["accepted_at", "accepted_user"])
    return user


def password_reset_code_check(*, code: str) -> tuple[str, str] | None:
    """`(uidb64, token)` if `code` ("uidb64.token" from the reset email) is a live reset token.

    Django's token is single-use (it hashes the password and last sign-in) and expires after
    PASSWORD_RESET_TIMEOUT.
    """
    uidb64, _, token = code.partition(".")
    try:
        pk = get_user_model()._meta.pk.to_python(urlsafe_base64_decode(uidb64).decode())
        user = get_user_model()._default_manager.get(pk=pk)
    except (TypeError, ValueError, OverflowError, UnicodeDecodeError, ValidationError, ObjectDoesNotExist):
        return None
    if not default_token_generator.check_token(user, token):
        return None
    return uidb64, token


def totp_device_pending(*, user: AbstractBaseUser) -> TOTPDevice:
    """The unconfirmed authenticator this person is setting up (made on first call)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-id").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=False)
    return device


@transaction.atomic
def totp_device_confirm(*, device: TOTPDevice) -> TOTPDevice:
    """Make a newly set-up authenticator the person's only one (replacing any older one)."""
    TOTPDevice.objects.filter(user=device.user).exclude(pk=device.pk).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    return device


def totp_device_for(*, user: AbstractBaseUser) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


BACKUP_CODES = 10


BACKUP_CODE_SALT = "providers.backup-code"


def backup_code_digest(code: str, *, secret: str | None = None) -> str:
    """What is stored for a backup code: a keyed hash of it (HMAC-SHA256 with the site's secret key,
    the first 16 characters of its base32, which is what django-otp's token column holds).

    A code is 8 characters of base32, 40 random bits: a plain hash could be reversed by trying every
    code, so the hash is keyed, and a copy of the database alone gives no code back. With a new
    SECRET_KEY, codes made under the old one still work while it is in SECRET_KEY_FALLBACKS.
    """
    mac = salted_hmac(BACKUP_CODE_SALT, code, secret=secret, algorithm="sha256").digest()
    return base64.b32encode(mac).decode()[:16].lower()


def backup_code_as_stored(device: StaticDevice, code: str) -> str:
    """The digest under which `device` keeps `code` (made with the current secret key or a fallback);
    the current key's digest when it keeps none, which then counts as a wrong try."""
    digests = [
        backup_code_digest(code, secret=key) for key in (settings.SECRET_KEY, *settings.SECRET_KEY_FALLBACKS)
    ]
    if len(digests) > 1:
        kept = set(device.token_set.filter(token__in=digests).values_list("token", flat=True))
        return next((d for d in digests if d in kept), digests[0])
    return digests[0]


@transaction.atomic
def backup_codes_replace(*, user: AbstractBaseUser) -> list[str]:
    """Ten new single-use codes for signing in without the phone; any older ones stop working.

    Shown to the person once, when made, and stored only as keyed hashes (backup_code_digest): each is
    checked through django-otp's static device, which deletes a code when it is used.
    """
    # The same device keeps new codes: a session signed in with a backup code is verified by it.
    device = StaticDevice.objects.filter(user=user).order_by("id").first()
    if device is None:
        device = StaticDevice.objects.create(user=user, name="Backup codes", confirmed=True)
    StaticDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
    device.token_set.all().delete()
    codes = [StaticToken.random_token() for _ in range(BACKUP_CODES)]
    StaticToken.objects.bulk_create(
        [StaticToken(device=device, token=backup_code_digest(code)) for code in codes]
    )
    return codes


def backup_device_for(*, user: AbstractBaseUser) -> StaticDevice | None:
    return StaticDevice.objects.filter(user=user, confirmed=True).first()


def backup_codes_left(*, user: AbstractBaseUser) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


@transaction.atomic
def user_email_change(*, user: AbstractBaseUser, email: str) -> AbstractBaseUser:
    """Change the sign-in address; the old address is told, in case it was not them."""
    email = normalise_email(email)
    User = get_user_model()
    if User.objects.filter(username=email).exclude(pk=user.pk).exists():
        raise ValidationError({"email": "Another account uses this address."})
    old = user.email
    user.username = email
    user.email = email
    user.full_clean()
    user.save(update_fields=["username", "email"])
    if old and old != email:
        context = {"old": old, "new": email, "site_name": settings.SITE_NAME}
        transaction.on_commit(
            lambda: send_mail(
                subject=f"Your {settings.SITE_NAME} sign-in address was changed",
                message=render_to_string("providers/emails/email_changed.txt", context),
                from_email=None,
                recipient_list=[old],
            )
        )
    return user


@transaction.atomic
def user_password_change(*, user: AbstractBaseUser, password: str) -> AbstractBaseUser:
    user.set_password(password)
    user.save(update_fields=["password"])
    return user
