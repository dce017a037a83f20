"""What may be counted. Anything not declared here is refused, so free text can never be stored.

Counters are one-dimensional: an event and at most one coarse dimension, never crossed. Hour of day
is kept only for the totals of visits, searches and completed checks.
"""

from __future__ import annotations

from dataclasses import dataclass

STATES = ("NSW", "VIC", "QLD", "SA", "WA", "TAS", "NT", "ACT")


@dataclass(frozen=True)
class Event:
    name: str
    label: str
    # dimension name -> allowed values (None: any short slug, checked by DIMENSION_VALUE_RE)
    dimensions: dict[str, tuple[str, ...] | None]
    hourly: bool = False


_EVENTS = [
    Event(
        "visit",
        "Visits",
        {"section": ("home", "check", "services", "guides", "gp", "for-services", "stats", "api")},
        hourly=True,
    ),
    Event("search", "Searches", {"state": STATES, "type": None}, hourly=True),
    Event("check_started", "Self-checks started", {}),
    Event("check_completed", "Self-checks completed", {"state": STATES}, hourly=True),
    Event("check_band", "Self-check result", {"band": None}),
    Event("check_readiness", "Readiness to change", {"band": None}),
    Event("check_barrier", "What stopped men reaching out", {"barrier": None}),
    Event("check_helpful", "Did the self-check help?", {"answer": ("yes", "no")}),
    Event("listing_view", "Listing views", {"service": None}),
    Event("listing_report", "Listing problem reports", {}),
]
EVENTS: dict[str, Event] = {event.name: event for event in _EVENTS}
