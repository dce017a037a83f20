"""The crisis contacts shown on every page. Facts, so each carries its source and when it was checked."""

from dataclasses import dataclass


@dataclass(frozen=True)
class CrisisContact:
    name: str
    number: str
    tel: str
    hours: str
    source_url: str
    verified: str


CRISIS_LINE = CrisisContact(
    name="MensLine Australia",
    number="1300 78 99 78",
    tel="1300789978",
    hours="24/7",
    source_url="https://mensline.org.au/family-violence/abuse-and-domestic-violence/",
    verified="2026-11-28",
)

EMERGENCY = CrisisContact(
    name="Police and ambulance",
    number="000",
    tel="000",
    hours="24/7",
    source_url="https://www.triplezero.gov.au/",
    verified="2026-11-28",
)

MENS_REFERRAL_SERVICE = CrisisContact(
    name="Men's Referral Service",
    number="1300 766 491",
    tel="1300766491",
    hours="see the service page",
    source_url="https://ntv.org.au/get-help/getting-support",
    verified="2026-11-28",
)
