"""Reads for the self-check result: the directory's phone lines that fit what his answers show."""

from __future__ import annotations

import logging

from django.db import DatabaseError
from django.db.models import Exists, OuterRef

from selfcheck.questionnaire import Contact
from selfcheck.scoring import Result
from services_directory.models import AreaScope, Service, ServiceAttribute

logger = logging.getLogger(__name__)

TYPE_TAXONOMY = "service-type"
ALWAYS_NEEDS = frozenset({"family-violence-support"})
# Pressure on him, or thoughts of suicide: add lines for mood and crisis.
MOOD_NEEDS = frozenset({"mental-health", "suicide-prevention"})
MAX_LINES = 8


def phone_lines_for_result(*, result: Result, shown: list[Contact], demo: bool) -> list[Service]:
    """Phone-line services for his result, family-violence lines first, leaving out numbers already on the page.

    The result never depends on the database: if it is unavailable the page shows the lines from the
    questionnaire alone.
    """
    needs = set(ALWAYS_NEEDS)
    if any(f.area.key == "pressures" for f in result.findings) or any(
        q.id == "now_suicide" for q in result.danger
    ):
        needs |= MOOD_NEEDS
    matching_term = ServiceAttribute.objects.filter(
        service=OuterRef("pk"), term__code__in=sorted(needs), term__taxonomy__slug=TYPE_TAXONOMY
    )
    services = (
        Service.objects.visible(demo=demo)
        .with_term("phone-line", taxonomy=TYPE_TAXONOMY)
        .filter(Exists(matching_term))
        .annotate(
            for_family_violence=Exists(
                ServiceAttribute.objects.filter(
                    service=OuterRef("pk"),
                    term__code="family-violence-support",
                    term__taxonomy__slug=TYPE_TAXONOMY,
                )
            )
        )
        .prefetch_related("phones", "service_areas")
    )
    try:
        found = list(services)
    except DatabaseError:
        logger.warning("Self-check result: phone lines from the directory unavailable")
        return []
    shown_numbers = {contact.tel for contact in shown}
    lines = [s for s in found if s.phones.all() and s.phones.all()[0].digits not in shown_numbers]
    # Lines about violence at home first, then national before state-wide, then by name.
    lines.sort(
        key=lambda s: (
            not s.for_family_violence,
            not any(a.scope == AreaScope.NATIONAL for a in s.service_areas.all()),
            s.name,
        )
    )
    return lines[:MAX_LINES]


def line_states(service: Service) -> list[str]:
    """The states a state-wide line covers, or [] for a national one."""
    areas = service.service_areas.all()
    if any(area.scope == AreaScope.NATIONAL for area in areas):
        return []
    return sorted({state for area in areas for state in area.state_list})
