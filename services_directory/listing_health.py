"""Keep listings honest: the weekly check and the monthly "still correct?" reminders.

`listing_checks_run` checks each active, real (not demo or synthetic) service's phone numbers and
website and records the result in its ListingCheck, replacing the last one. Each service is saved on
its own, oldest check first, and a run stops at its deadline: a run that is cut short loses nothing
and the next run carries on. Running it twice gives the same state.

`verification_reminders_send` e-mails providers of listings that need attention, at most once every
REMINDER_INTERVAL per listing.
"""

from __future__ import annotations

import datetime
import time
from collections.abc import Callable
from dataclasses import dataclass

from dateutil.relativedelta import relativedelta
from django.apps import apps
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from services_directory.link_check import WebsiteResult, phone_problem, website_check
from services_directory.models import ListingCheck, Service
from services_directory.verification import verification_email_send

STALE_AFTER = relativedelta(months=6)
REMINDER_INTERVAL = datetime.timedelta(days=28)


@dataclass
class CheckSummary:
    checked: int = 0
    broken_phones: int = 0
    broken_websites: int = 0
    stale: int = 0
    finished: bool = True


def services_to_check():
    return (
        Service.objects.active()
        .filter(is_demo=False, is_synthetic=False)
        .prefetch_related("phones")
        .order_by(F("listing_check__checked_at").asc(nulls_first=True), "pk")
    )


def listing_check_record(
    *,
    service: Service,
    now: datetime.datetime,
    website: WebsiteResult | None,
) -> ListingCheck:
    """Check one service's phones and store the result with its website result. Idempotent."""
    problems = [
        f"{phone.number}: {problem}"
        for phone in service.phones.all()
        if (problem := phone_problem(phone.number))
    ]
    stale = service.last_verified <= (timezone.localdate(now) - STALE_AFTER)
    with transaction.atomic():
        check, _ = ListingCheck.objects.update_or_create(
            service=service,
            defaults={
                "checked_at": now,
                "phone_ok": not problems,
                "phone_problems": problems,
                "website_ok": None if website is None else website.ok,
                "website_status": None if website is None else website.status,
                "website_problem": "" if website is None else website.problem[:300],
                "stale": stale,
            },
        )
    return check


def listing_checks_run(
    *,
    now: datetime.datetime | None = None,
    deadline: float | None = None,
    check_website: Callable[[str], WebsiteResult] = website_check,
) -> CheckSummary:
    """Check every listing (oldest check first) until done or `deadline` (time.monotonic())."""
    now = now or timezone.now()
    summary = CheckSummary()
    websites: dict[str, WebsiteResult] = {}  # one request per address, however many listings share it
    for service in services_to_check():
        if deadline is not None and time.monotonic() > deadline:
            summary.finished = False
            break
        website = None
        if service.url:
            if service.url not in websites:
                websites[service.url] = check_website(service.url)
            website = websites[service.url]
        check = listing_check_record(service=service, now=now, website=website)
        summary.checked += 1
        summary.broken_phones += not check.phone_ok
        summary.broken_websites += check.website_ok is False
        summary.stale += check.stale
    return summary


def reminder_recipients(*, service: Service) -> list[str]:
    """Who looks after a listing: its portal members if the portal is installed, else its e-mail."""
    try:
        membership = apps.get_model("providers", "ProviderMembership")
    except LookupError:
        membership = None
    if membership is not None:
        emails = sorted(
            set(
                membership.objects.filter(organisation_id=service.organization_id, user__is_active=True)
                .exclude(user__email="")
                .values_list("user__email", flat=True)
            )
        )
        if emails:
            return emails
    return [email for email in (service.organization.email or service.email,) if email]


def reminder_problems(check: ListingCheck) -> list[str]:
    problems = [f"The phone number {problem}" for problem in check.phone_problems]
    if check.website_ok is False:
        problems.append(f"Your website ({check.service.url}): {check.website_problem}")
    if check.stale:
        problems.append("Nobody has confirmed the listing for six months.")
    return problems


def verification_reminders_send(*, now: datetime.datetime | None = None) -> int:
    """E-mail a "still correct?" link for each listing needing attention; return how many were sent.

    Each listing is marked as reminded straight after its e-mail goes, so a run that fails midway
    (the mail server went away) and is retried does not e-mail anyone twice.
    """
    now = now or timezone.now()
    due = (
        ListingCheck.objects.needing_attention()
        .filter(service__is_active=True, service__is_demo=False)
        .exclude(reminder_sent_at__gt=now - REMINDER_INTERVAL)
        .select_related("service__organization")
    )
    sent = 0
    for check in due:
        recipients = reminder_recipients(service=check.service)
        if not recipients:
            continue
        verification_email_send(
            service=check.service, recipients=recipients, problems=reminder_problems(check)
        )
        ListingCheck.objects.filter(pk=check.pk).update(reminder_sent_at=now)
        sent += 1
    return sent
