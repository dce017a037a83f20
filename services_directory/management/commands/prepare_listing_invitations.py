"""Prepare invitations for each listed program provider to confirm or correct its listing in the
provider portal (providers/), for staff to send.

    manage.py prepare_listing_invitations                      # the list, for staff (writes nothing)
    manage.py prepare_listing_invitations --send --as alice    # invite those ready, as staff user alice

For each organisation with a listed program it says one of: "has an account" (someone already keeps
the listing), "invitation pending" (sent, not yet accepted or expired), "no e-mail" (staff must add
the provider's published e-mail in the admin first: the research gave none, and we never guess one),
or "ready". `--send` creates invitations only for "ready" organisations, through the portal's own
`providers.services.invitation_create` (which e-mails the link), so running it twice invites no one
twice. The portal itself is not changed.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from providers.models import Invitation, ProviderMembership
from providers.services import invitation_create
from services_directory.models import Organization

HAS_ACCOUNT, PENDING, NO_EMAIL, READY = "has an account", "invitation pending", "no e-mail", "ready"


def listing_invitation_states() -> list[tuple[Organization, str, int]]:
    """(organisation, state, number of listed programs) for every provider of a listed, real program."""
    organisations = (
        Organization.objects.filter(
            services__is_active=True, services__is_demo=False, services__is_synthetic=False
        )
        .exclude(services__program_kind="")
        .distinct()
        .order_by("name")
    )
    members = set(ProviderMembership.objects.values_list("organisation_id", flat=True))
    pending = set(Invitation.objects.pending().values_list("organisation_id", flat=True))
    result = []
    for organisation in organisations:
        count = organisation.services.filter(is_active=True).exclude(program_kind="").count()
        if organisation.pk in members:
            state = HAS_ACCOUNT
        elif organisation.pk in pending:
            state = PENDING
        elif not organisation.email:
            state = NO_EMAIL
        else:
            state = READY
        result.append((organisation, state, count))
    return result


class Command(BaseCommand):
    help = "List program providers and their portal invitation state; --send invites those ready."

    def add_arguments(self, parser):
        parser.add_argument(
            "--send", action="store_true", help="Create (and e-mail) invitations for those ready."
        )
        parser.add_argument("--as", dest="staff", help="Username of the staff member sending them.")

    def handle(self, *args, send: bool, staff: str | None, **options):
        inviter = None
        if send:
            inviter = (
                get_user_model().objects.filter(username=staff, is_staff=True).first() if staff else None
            )
            if inviter is None:
                raise CommandError("--send needs --as <username of a staff member>")
        states = listing_invitation_states()
        counts: dict[str, int] = {}
        self.stdout.write("provider\tprograms\tstate\te-mail")
        for organisation, state, programs in states:
            if send and state == READY:
                try:
                    invitation_create(email=organisation.email, organisation=organisation, invited_by=inviter)
                    state = "invited now"
                except ValidationError as error:
                    state = f"not invited: {'; '.join(error.messages)}"
            counts[state] = counts.get(state, 0) + 1
            self.stdout.write(f"{organisation.name}\t{programs}\t{state}\t{organisation.email or '-'}")
        summary = ", ".join(f"{n} {s}" for s, n in sorted(counts.items()))
        self.stdout.write(f"{len(states)} providers: {summary or 'none'}")
