"""The "is your listing still correct?" link and e-mail sent to providers.

The link carries a signed, expiring token naming the service (django.core.signing, keyed by
SECRET_KEY): it cannot be forged or altered, and stops working after VERIFICATION_TOKEN_MAX_AGE.
The portal's confirm view (/providers/confirm/<token>/) reads it with `verification_token_read`.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.core import signing
from django.core.mail import send_mail
from django.template.loader import render_to_string

SALT = "services_directory.verification"
MAX_AGE = datetime.timedelta(days=30)


class VerificationTokenInvalid(Exception):
    """The token was altered, made with another key, or is not a token at all."""


class VerificationTokenExpired(VerificationTokenInvalid):
    """The token was genuine but is older than MAX_AGE."""


def verification_token_make(*, service_id: int) -> str:
    return signing.dumps({"service": service_id}, salt=SALT)


def verification_token_read(token: str) -> int:
    """Return the service id the token was made for, or raise VerificationTokenInvalid / Expired."""
    try:
        payload = signing.loads(token, salt=SALT, max_age=MAX_AGE)
    except signing.SignatureExpired as exc:
        raise VerificationTokenExpired("this link has expired") from exc
    except signing.BadSignature as exc:
        raise VerificationTokenInvalid("this link is not valid") from exc
    service_id = payload.get("service") if isinstance(payload, dict) else None
    if not isinstance(service_id, int) or isinstance(service_id, bool):
        raise VerificationTokenInvalid("this link is not valid")
    return service_id


def verification_url(*, service_id: int) -> str:
    token = verification_token_make(service_id=service_id)
    return f"{settings.SITE_URL}{settings.PROVIDERS_PREFIX}confirm/{token}/"


def verification_email_send(*, service, recipients: list[str], problems: list[str]) -> None:
    """E-mail the people who look after `service` a link to confirm or fix their listing."""
    context = {
        "service": service,
        "problems": problems,
        "url": verification_url(service_id=service.pk),
        "days": MAX_AGE.days,
        "site_name": settings.SITE_NAME,
        "site_url": settings.SITE_URL,
        "last_verified": service.last_verified,
    }
    send_mail(
        subject=f"Is your listing on {settings.SITE_NAME} still correct? ({service.name})",
        message=render_to_string("services_directory/email/verification_reminder.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        recipient_list=recipients,
    )
