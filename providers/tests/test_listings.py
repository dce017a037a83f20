"""Editing listings: change requests, moderation, conflicts, drafts, copies, history, bad input."""

from __future__ import annotations

import datetime
import re
from html.parser import HTMLParser

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from providers.changes import Conflict, change_request_approve
from providers.listing import service_snapshot, snapshot_version
from providers.models import ChangeRequest
from providers.tests.conftest import signed_in
from providers.tests.factories import LocationFactory, listing
from services_directory.models import ListingReport, Service
from usage.models import UsageCount

pytestmark = pytest.mark.django_db


@pytest.fixture
def service(org_a):
    return listing(org_a)


def edit_data(service, *, fields=None, phones=None, hours=None, closures=None, note="", version=None) -> dict:
    """POST data for the service form: the published listing, with some parts replaced."""
    snap = service_snapshot(service)
    data = {f"service-{k}": v for k, v in snap["fields"].items()}
    data.update({f"service-{k}": v for k, v in (fields or {}).items()})
    phones = snap["phones"] if phones is None else phones
    hours = (
        [
            {
                "days": s["byday"].split(","),
                "opens_at": s["opens_at"],
                "closes_at": s["closes_at"],
                "overnight": s["closes_at"] <= s["opens_at"],
            }
            for s in snap["schedules"]
        ]
        if hours is None
        else hours
    )
    closures = snap["closures"] if closures is None else closures
    for prefix, rows, initial in (
        ("phones", phones, len(snap["phones"])),
        ("hours", hours, len(snap["schedules"])),
        ("closures", closures, len(snap["closures"])),
    ):
        data[f"{prefix}-TOTAL_FORMS"] = str(len(rows))
        data[f"{prefix}-INITIAL_FORMS"] = str(min(initial, len(rows)))
        data[f"{prefix}-MIN_NUM_FORMS"] = "0"
        data[f"{prefix}-MAX_NUM_FORMS"] = "1000"
        for i, row in enumerate(rows):
            for key, value in row.items():
                if key == "overnight":
                    if value:
                        data[f"{prefix}-{i}-overnight"] = "on"
                elif key == "days":
                    data[f"{prefix}-{i}-days"] = value
                else:
                    data[f"{prefix}-{i}-{key}"] = value
    data["note-note"] = note
    data["note-version"] = version or snapshot_version(snap)
    data["action"] = "submit"
    return data


def submit(client, service, **kwargs):
    return client.post(f"/providers/services/{service.pk}/edit/", edit_data(service, **kwargs))


def test_provider_edit_goes_to_review_then_staff_approves(provider_a, staff_user, service):
    client = signed_in(provider_a)
    assert client.get(f"/providers/services/{service.pk}/edit/").status_code == 200
    response = submit(
        client, service,
        fields={"typical_wait": "2 to 4 weeks", "intake_status": "waitlist"},
        phones=[{"number": "1300 789 978", "type": "voice", "description": "Intake line"}],
        note="New intake line",
    )  # fmt: skip
    assert response.status_code == 302, response.content.decode()[:3000]
    change = ChangeRequest.objects.get()
    assert change.status == "submitted"
    service.refresh_from_db()
    assert (
        service.typical_wait == "" and service.phones.get().number == "03 9123 4567"
    )  # nothing published yet

    detail = client.get(response.url).content.decode()
    assert "2 to 4 weeks" in detail and "Waiting list" in detail and "1300 789 978" in detail

    staff = signed_in(staff_user)
    assert f"#{change.pk}" in staff.get("/providers/staff/changes/").content.decode()
    review = staff.post(
        f"/providers/staff/changes/{change.pk}/", {"action": "approve", "reason": "Checked by phone"}
    )
    assert review.status_code == 302
    service.refresh_from_db()
    assert service.typical_wait == "2 to 4 weeks" and service.intake_status == "waitlist"
    assert [p.number for p in service.phones.all()] == ["1300 789 978"]
    assert service.last_verified == timezone.localdate()
    record = service.history.first()
    assert record.history_user == staff_user
    assert (
        "New intake line" in record.history_change_reason and "a@example.org" in record.history_change_reason
    )
    change.refresh_from_db()
    assert change.status == "approved" and change.reviewed_by == staff_user


def test_reject_needs_a_reason_and_publishes_nothing(provider_a, staff_user, service):
    submit(signed_in(provider_a), service, fields={"name": "Renamed"})
    change = ChangeRequest.objects.get()
    staff = signed_in(staff_user)
    empty = staff.post(f"/providers/staff/changes/{change.pk}/", {"action": "reject", "reason": " "})
    assert b"Say why" in empty.content
    staff.post(
        f"/providers/staff/changes/{change.pk}/", {"action": "reject", "reason": "Name must match ABN"}
    )
    change.refresh_from_db()
    assert change.status == "rejected"
    service.refresh_from_db()
    assert service.name != "Renamed"
    page = signed_in(provider_a).get(f"/providers/changes/{change.pk}/").content.decode()
    assert "Name must match ABN" in page


def test_stale_form_shows_a_conflict_and_keeps_both_edits(provider_a, service):
    client = signed_in(provider_a)
    stale_version = snapshot_version(service_snapshot(service))
    Service.objects.filter(pk=service.pk).update(summary="Changed by our team meanwhile.")
    service.refresh_from_db()
    data = edit_data(service, fields={"summary": "My new summary."}, version=stale_version)
    response = client.post(f"/providers/services/{service.pk}/edit/", data)
    page = response.content.decode()
    assert response.status_code == 200
    assert "Someone changed this listing since you opened it" in page
    assert "My new summary." in page  # their edit is still in the form
    assert not ChangeRequest.objects.exists()
    service.refresh_from_db()
    assert service.summary == "Changed by our team meanwhile."
    # Sending again (the form now carries the current version) goes through.
    version = re.search(r'name="note-version" value="([0-9a-f]+)"', page).group(1)
    data["note-version"] = version
    assert client.post(f"/providers/services/{service.pk}/edit/", data).status_code == 302


def test_approval_of_a_stale_change_is_a_conflict_and_loses_neither(provider_a, staff_user, service):
    submit(signed_in(provider_a), service, fields={"summary": "Provider's summary."})
    change = ChangeRequest.objects.get()
    Service.objects.filter(pk=service.pk).update(summary="Staff summary.")
    with pytest.raises(Conflict):
        change_request_approve(change=change, reviewer=staff_user)
    page = signed_in(staff_user).post(
        f"/providers/staff/changes/{change.pk}/", {"action": "approve", "reason": ""}
    )
    assert b"Conflict" in page.content
    service.refresh_from_db()
    change.refresh_from_db()
    assert service.summary == "Staff summary." and change.status == "submitted"
    assert change.proposed["fields"]["summary"] == "Provider's summary."


def test_edits_to_different_fields_merge(provider_a, staff_user, service):
    submit(signed_in(provider_a), service, fields={"typical_wait": "1 week"})
    Service.objects.filter(pk=service.pk).update(summary="Staff summary.")
    change_request_approve(change=ChangeRequest.objects.get(), reviewer=staff_user)
    service.refresh_from_db()
    assert service.summary == "Staff summary." and service.typical_wait == "1 week"


def test_draft_keeps_unfinished_input_and_can_be_sent_later(provider_a, staff_user, service):
    client = signed_in(provider_a)
    data = edit_data(service, phones=[{"number": "12", "type": "voice", "description": ""}])
    data["action"] = "draft"
    assert client.post(f"/providers/services/{service.pk}/edit/", data).status_code == 302
    draft = ChangeRequest.objects.get()
    assert draft.status == "draft"
    assert f"#{draft.pk}" not in signed_in(staff_user).get("/providers/staff/changes/").content.decode()
    page = client.get(f"/providers/services/{service.pk}/edit/?draft={draft.pk}").content.decode()
    assert 'value="12"' in page
    data = edit_data(service, phones=[{"number": "02 6123 4567", "type": "voice", "description": ""}])
    data["draft"] = str(draft.pk)
    assert client.post(f"/providers/services/{service.pk}/edit/", data).status_code == 302
    draft.refresh_from_db()
    assert draft.status == "submitted" and ChangeRequest.objects.count() == 1


def test_still_correct_stamps_last_verified_with_history(provider_a, service):
    client = signed_in(provider_a)
    response = client.post(f"/providers/services/{service.pk}/still-correct/")
    assert response.status_code == 302
    service.refresh_from_db()
    assert service.last_verified > datetime.date(2026, 1, 1)
    assert service.history.first().history_change_reason.startswith("Confirmed still correct")


def test_copy_to_another_location(provider_a, staff_user, service, org_a):
    other = LocationFactory(organization=org_a, city="Geelong")
    client = signed_in(provider_a)
    response = client.post(f"/providers/services/{service.pk}/copy/", {"location": other.pk})
    assert response.status_code == 302
    change = ChangeRequest.objects.get()
    change_request_approve(change=change, reviewer=staff_user)
    copy = Service.objects.exclude(pk=service.pk).get()
    assert copy.name == service.name and "geelong" in copy.slug
    assert [p.number for p in copy.phones.all()] == ["03 9123 4567"]
    assert copy.schedules.count() == 1 and copy.closures.count() == 1
    assert copy.service_at_locations.get().location == other


def test_reports_and_suppressed_view_counts(provider_a, service):
    ListingReport.objects.create(
        service=service, problem="phone", details="<script>alert(1)</script> rang out"
    )
    today = timezone.localdate()
    UsageCount.objects.create(date=today, event="listing_view", dimension=f"service={service.slug}", count=3)
    page = signed_in(provider_a).get(f"/providers/services/{service.pk}/").content.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt; rang out" in page and "<script>alert" not in page
    assert "<strong>&lt;5</strong>" in page
    yesterday = today - datetime.timedelta(days=1)
    UsageCount.objects.create(
        date=yesterday, event="listing_view", dimension=f"service={service.slug}", count=0
    )
    UsageCount.objects.filter(event="listing_view").update(count=12)
    # Views older than 30 days are not counted.
    long_ago = today - datetime.timedelta(days=40)
    UsageCount.objects.create(
        date=long_ago, event="listing_view", dimension=f"service={service.slug}", count=99
    )
    page = signed_in(provider_a).get(f"/providers/services/{service.pk}/").content.decode()
    assert "<strong>24</strong>" in page


# --- Bad input ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"hours": [{"days": ["MO"], "opens_at": "17:00", "closes_at": "09:00"}]}, "closing time is before the opening time"),
        ({"hours": [{"days": ["MO"], "opens_at": "09:00", "closes_at": "17:00", "overnight": True}]}, "later the same day"),
        (
            {"hours": [
                {"days": ["MO", "TU"], "opens_at": "09:00", "closes_at": "17:00"},
                {"days": ["TU"], "opens_at": "16:00", "closes_at": "20:00"},
            ]},
            "overlap",
        ),
        (
            {"hours": [
                {"days": ["SU"], "opens_at": "22:00", "closes_at": "02:00", "overnight": True},
                {"days": ["MO"], "opens_at": "01:00", "closes_at": "05:00"},
            ]},
            "overlap",
        ),
        ({"phones": [{"number": "12345", "type": "voice", "description": ""}]}, "not a valid Australian phone number"),
        ({"phones": [{"number": "+1 202 555 0143", "type": "voice", "description": ""}]}, "not a valid Australian phone number"),
        ({"phones": [{"number": "call us!", "type": "voice", "description": ""}]}, "Enter a phone number"),
        ({"fields": {"summary": "x" * 401}}, "at most 400 characters"),
        ({"fields": {"description": "x" * 2001}}, "at most 2000 characters"),
        ({"fields": {"name": ""}}, "This field is required"),
        ({"closures": [{"starts_on": "2026-12-24", "ends_on": "2026-12-20", "description": ""}]}, "before the first day closed"),
    ],
)  # fmt: skip
def test_bad_input_gets_a_clear_message_and_changes_nothing(provider_a, service, kwargs, message):
    response = submit(signed_in(provider_a), service, **kwargs)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not ChangeRequest.objects.exists()


@pytest.mark.parametrize(
    "hours",
    [
        [{"days": ["FR", "SA"], "opens_at": "18:00", "closes_at": "02:00", "overnight": True}],
        [{"days": ["MO", "TU", "WE", "TH", "FR", "SA", "SU"], "opens_at": "00:00", "closes_at": "00:00"}],
        [
            {"days": ["MO"], "opens_at": "09:00", "closes_at": "12:00"},
            {"days": ["MO"], "opens_at": "12:00", "closes_at": "17:00"},
        ],
    ],
)
def test_good_hours_are_accepted(provider_a, service, hours):
    assert submit(signed_in(provider_a), service, hours=hours).status_code == 302


@pytest.mark.parametrize(
    "number",
    ["03 9123 4567", "1300 78 99 78", "1800 737 732", "0412 345 678", "(02) 6123 4567", "+61 3 9123 4567"],
)
def test_australian_numbers_are_accepted(provider_a, service, number):
    response = submit(
        signed_in(provider_a), service, phones=[{"number": number, "type": "voice", "description": ""}]
    )
    assert response.status_code == 302, number


def test_html_is_shown_as_text_everywhere(provider_a, staff_user, service):
    evil = '<script>alert("x")</script><b>bold</b>'
    submit(signed_in(provider_a), service, fields={"summary": evil}, note=evil)
    change = ChangeRequest.objects.get()
    for client, url in [
        (signed_in(provider_a), f"/providers/changes/{change.pk}/"),
        (signed_in(staff_user), f"/providers/staff/changes/{change.pk}/"),
    ]:
        page = client.get(url).content.decode()
        assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&lt;b&gt;bold&lt;/b&gt;" in page
        assert "<script>alert" not in page and "<b>bold" not in page


def test_unchanged_submission_is_refused_kindly(provider_a, service):
    response = submit(signed_in(provider_a), service)
    assert "You have not changed anything" in response.content.decode()


def test_location_edit_goes_to_review(provider_a, staff_user, service):
    location = service.service_at_locations.get().location
    client = signed_in(provider_a)
    assert client.get(f"/providers/locations/{location.pk}/edit/").status_code == 200
    data = {
        "location-name": location.name, "location-address_1": "2 New Street", "location-address_2": "",
        "location-city": "Melbourne", "location-state_province": "VIC", "location-postal_code": "3000",
        "location-transportation": "", "location-description": "",
        "note-note": "Moved", "note-version": snapshot_version({"fields": {}}), "action": "submit",
    }  # fmt: skip
    from providers.listing import location_snapshot

    data["note-version"] = snapshot_version(location_snapshot(location))
    bad = client.post(f"/providers/locations/{location.pk}/edit/", {**data, "location-postal_code": "30"})
    assert b"A postcode is 4 digits" in bad.content
    assert client.post(f"/providers/locations/{location.pk}/edit/", data).status_code == 302
    change_request_approve(change=ChangeRequest.objects.get(), reviewer=staff_user)
    location.refresh_from_db()
    assert location.address_1 == "2 New Street"
    assert location.history.first().history_user == staff_user


def test_withdraw(provider_a, service):
    submit(signed_in(provider_a), service, fields={"name": "New name"})
    change = ChangeRequest.objects.get()
    assert signed_in(provider_a).post(f"/providers/changes/{change.pk}/withdraw/").status_code == 302
    change.refresh_from_db()
    assert change.status == "withdrawn"


def test_history_user_model_is_the_auth_user():
    assert get_user_model().__name__ == "User"


class _FormFields(HTMLParser):
    """The values a browser would send for the first POST form on a page (without pressing a button)."""

    def __init__(self):
        super().__init__()
        self.data: dict[str, list[str]] = {}
        self._textarea = None
        self._select = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        name = a.get("name")
        if tag == "input" and name and a.get("type") not in ("submit", "button"):
            if a.get("type") in ("checkbox", "radio") and "checked" not in a:
                return
            self.data.setdefault(name, []).append(a.get("value", "on" if a.get("type") == "checkbox" else ""))
        elif tag == "textarea" and name:
            self._textarea = name
            self.data.setdefault(name, []).append("")
        elif tag == "select" and name:
            self._select = name
        elif tag == "option" and self._select and "selected" in a:
            self.data.setdefault(self._select, []).append(a.get("value", ""))

    def handle_endtag(self, tag):
        if tag == "textarea":
            self._textarea = None
        elif tag == "select":
            self._select = None

    def handle_data(self, data):
        if self._textarea:
            self.data[self._textarea][-1] += data


@pytest.mark.parametrize("kind", ["service", "location"])
def test_the_form_as_rendered_round_trips_unchanged(provider_a, service, kind):
    """What the browser sends back untouched must parse to the published listing (dates, times, choices)."""
    client = signed_in(provider_a)
    if kind == "service":
        url = f"/providers/services/{service.pk}/edit/"
    else:
        url = f"/providers/locations/{service.service_at_locations.get().location_id}/edit/"
    page = client.get(url).content.decode()
    assert kind == "location" or ('value="2026-12-24"' in page and 'value="09:00"' in page)
    parser = _FormFields()
    parser.feed(page.split('<main id="main"', 1)[1])
    data = {k: v for k, v in parser.data.items() if k != "csrfmiddlewaretoken"}
    data["action"] = ["submit"]
    response = client.post(url, data)
    assert response.status_code == 200
    assert "You have not changed anything" in response.content.decode()


@pytest.mark.parametrize(("count", "shown"), [(0, "0"), (1, "<5"), (4, "<5"), (5, "5"), (1234, "1,234")])
def test_view_counts_are_suppressed_like_the_public_statistics(count, shown):
    from providers.selectors import suppressed

    assert suppressed(count) == shown
