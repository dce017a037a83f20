"""What a man asks before he calls a program, worked out for the results list and the service page.

`program_facts(service=...)` turns a service's program fields, sources and phones into plain facts
for templates/services_directory/_program_facts.html: each known fact in words, "Ask when you call"
for each unknown one, who reported it and when, whether it needs confirmation, and the way in when
there is no intake number. Reads only the service and its prefetched rows; writes nothing.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.utils import timezone

from services_directory.contacts import Contact, contact
from services_directory.programs import parse_partial_date

# Facts whose newest source is older than this are shown as needing confirmation. Programs are
# funded in rounds of one to three years; a report older than two years may describe a program that
# has changed its length, intake or referral rules, or closed (docs/directory.md, "Programs").
STALE_AFTER_MONTHS = 24
MBCP_KINDS = {"mbcp", "same-sex-program"}
LINE_KINDS = {"state-line", "national-line"}
ASK = "Ask when you call"
MONTHS = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]


@dataclass(frozen=True)
class Fact:
    label: str
    text: str
    known: bool


@dataclass(frozen=True)
class Report:
    publisher: str
    when: str  # "March 2024", "2024", or "" when the page shows no date
    read_on: str  # "December 2026"
    url: str


@dataclass(frozen=True)
class WayIn:
    kind: str  # "provider-phone" | "provider-website" | "referral-service"
    text: str
    number: str = ""
    tel: str = ""
    url: str = ""


@dataclass(frozen=True)
class ProgramFacts:
    is_program: bool
    facts: list[Fact] = field(default_factory=list)
    report: Report | None = None
    needs_confirmation: bool = False
    is_mbcp: bool = False
    way_in: WayIn | None = None
    no_number: bool = False


def _month_text(raw: str | None) -> str:
    """ "2024-03" -> "March 2024"; "2024" -> "2024"; "" when absent."""
    if not raw:
        return ""
    parts = str(raw).split("-")
    if len(parts) >= 2 and parts[1].isdigit() and 1 <= int(parts[1]) <= 12:
        return f"{MONTHS[int(parts[1]) - 1]} {parts[0]}"
    return parts[0]


def _months_between(earlier: datetime.date, later: datetime.date) -> int:
    return (later.year - earlier.year) * 12 + later.month - earlier.month


def _newest_source(sources: list[dict]) -> tuple[dict | None, datetime.date | None]:
    """The source with the newest own date (or, when no page shows a date, the newest read)."""
    best, best_date = None, None
    for source in sources or []:
        date = parse_partial_date(source.get("page_date"))
        if date and (best_date is None or date > best_date):
            best, best_date = source, date
    if best is None:
        for source in sources or []:
            date = parse_partial_date(source.get("read_on"))
            if date and (best_date is None or date > best_date):
                best, best_date = source, date
    return best, best_date


def _yes_no(value: bool | None, yes: str, no: str) -> tuple[str, bool]:
    if value is None:
        return ASK, False
    return (yes if value else no), True


def _way_in(service) -> WayIn | None:
    if any(p.type != "fax" for p in service.phones.all()):
        return None
    organisation = service.organization
    org_phones = [p for p in organisation.phones.all() if p.service_id is None and p.type != "fax"]
    if org_phones:
        phone = org_phones[0]
        return WayIn(
            kind="provider-phone",
            text=f"No intake number is published for this program. Call {organisation.name}:",
            number=phone.number,
            tel=phone.tel,
        )
    website = service.url or organisation.website
    if website:
        return WayIn(
            kind="provider-website",
            text=f"No phone number is published for this program. Contact {organisation.name} through their website.",
            url=website,
        )
    mrs: Contact = contact(key="mens-referral-service")
    return WayIn(
        kind="referral-service",
        text=f"No phone number is published for this program. Call the {mrs.name}: they can connect you to this program.",
        number=mrs.number,
        tel=mrs.tel,
    )


def _report(source: dict | None) -> Report | None:
    if not source:
        return None
    return Report(
        publisher=source.get("publisher") or "a public source",
        when=_month_text(source.get("page_date")),
        read_on=_month_text(str(source.get("read_on") or "")[:7]),
        url=source.get("url") or "",
    )


def _stale(date: datetime.date | None, today: datetime.date) -> bool:
    return date is None or _months_between(date, today) > STALE_AFTER_MONTHS


def program_facts(*, service, brief: bool = False, today: datetime.date | None = None) -> ProgramFacts:
    """The facts to show for one service; `is_program` is False for the national lines.

    `brief` (a search result) reads only the service row and its prefetched phones, so a page of
    results costs no query per result: no delivery, languages or way in (the service page has them).
    """
    if not service.program_kind:
        return ProgramFacts(is_program=False)
    today = today or timezone.localdate()
    is_mbcp = service.program_kind in MBCP_KINDS
    facts: list[Fact] = []
    if service.program_kind in LINE_KINDS:  # a phone line: who reported it and the way in, no program facts
        source, date = _newest_source(service.sources)
        return ProgramFacts(
            is_program=True,
            report=_report(source),
            needs_confirmation=_stale(date, today) or service.verification == "needs-confirmation",
            way_in=None if brief else _way_in(service),
        )
    # No intake number (brief mode cannot say which way in, the service page does).
    no_number = brief and not any(p.type != "fax" for p in service.phones.all())

    if service.voluntary is None and service.court_ordered is None:
        text, known = ASK, False
    else:
        parts = []
        if service.voluntary:
            parts.append("men who choose to come")
        if service.court_ordered:
            parts.append("men sent by a court or corrections")
        text = ("Takes " + " and ".join(parts) + ".") if parts else ASK
        known = bool(parts)
        if service.court_ordered and service.court_orders:
            text += " Approved for: " + "; ".join(service.court_orders) + "."
    facts.append(Fact("Voluntary or court-ordered", text, known))

    text, known = _yes_no(
        service.self_referral, "Yes, you can contact them yourself.", "No, you need a referral."
    )
    facts.append(Fact("Can you refer yourself?", text, known))

    if not brief:
        delivery = [t.name for t in service.terms.all() if t.taxonomy.slug == "delivery"]
        facts.append(Fact("How it runs", ", ".join(delivery) if delivery else ASK, bool(delivery)))
    facts.append(Fact("How long", service.program_length or ASK, bool(service.program_length)))
    cost_known = service.cost != "unknown"
    facts.append(Fact("Cost", service.get_cost_display() if cost_known else ASK, cost_known))

    if service.partner_contact is True:
        text, known = (
            "Yes. The program contacts your partner to offer them support and check they are safe.",
            True,
        )
    elif service.partner_contact is False:
        text, known = "The source says it does not.", True
    elif is_mbcp:
        text, known = (
            "Most likely. Men's behaviour change programs that follow the minimum standards contact "
            "your partner to offer them support and check they are safe. Ask when you call.",
            True,
        )
    else:
        text, known = ASK, False
    facts.append(Fact("Does it contact your partner?", text, known))

    if not brief:
        languages = [lang.name for lang in service.languages.all()]
        facts.append(Fact("Languages", ", ".join(languages) if languages else ASK, bool(languages)))
    text, known = _yes_no(
        service.interpreter, "Yes, an interpreter can be arranged.", "No interpreter, says the source."
    )
    facts.append(Fact("Interpreter", text, known))
    if service.intake_status == "open":
        text, known = "Taking new people.", True
    elif service.intake_status == "waitlist":
        text = "There is a waiting list" + (
            f", about {service.typical_wait}." if service.typical_wait else "."
        )
        known = True
    elif service.intake_status == "closed":
        text, known = "Not taking new people right now.", True
    else:
        text, known = "Not known. " + ASK + ".", False
    facts.append(Fact("Waiting list", text, known))

    source, date = _newest_source(service.sources)
    return ProgramFacts(
        is_program=True,
        facts=facts,
        report=_report(source),
        needs_confirmation=_stale(date, today) or service.verification == "needs-confirmation",
        is_mbcp=is_mbcp,
        no_number=no_number,
        way_in=None if brief else _way_in(service),
    )
