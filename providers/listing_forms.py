"""Forms providers use to propose changes to their listings. They check input and build snapshots."""

from __future__ import annotations

import datetime
import itertools

import phonenumbers
from django import forms
from django.core.validators import RegexValidator

from providers.listing import DAYS, LOCATION_FIELDS, SERVICE_FIELDS
from services_directory.models import STATE_CHOICES, IntakeStatus, PhoneType, PublicHolidays

LONG_TEXT = 2000
NOTE_HELP = 'For example: "New phone number from 1 December." Our team reads this when checking your change.'


def text(label: str, max_length: int, *, required: bool = False, help_text: str = "", rows: int = 0):
    widget = forms.Textarea(attrs={"rows": rows}) if rows else forms.TextInput()
    return forms.CharField(
        label=label, max_length=max_length, required=required, help_text=help_text, widget=widget
    )


def au_phone_number(value: str) -> str:
    """Accept an Australian number as the service writes it; refuse anything that cannot be dialled."""
    value = " ".join(value.split())
    try:
        parsed = phonenumbers.parse(value, "AU")
    except phonenumbers.NumberParseException:
        raise forms.ValidationError(
            "Enter a phone number, for example 03 9123 4567 or 1300 123 456."
        ) from None
    if parsed.country_code != 61 or not phonenumbers.is_valid_number(parsed):
        raise forms.ValidationError(
            "This is not a valid Australian phone number. Check the digits, for example 03 9123 4567."
        )
    return value


class ServiceDetailsForm(forms.Form):
    name = text(SERVICE_FIELDS["name"], 300, required=True)
    summary = text(SERVICE_FIELDS["summary"], 400, required=True, help_text="One plain sentence.", rows=2)
    description = text(
        SERVICE_FIELDS["description"],
        LONG_TEXT,
        required=True,
        help_text="Two to four plain sentences.",
        rows=5,
    )
    first_contact = text(
        SERVICE_FIELDS["first_contact"],
        LONG_TEXT,
        help_text="Who answers, how long it takes, whether they ask for a name.",
        rows=3,
    )
    url = forms.URLField(label=SERVICE_FIELDS["url"], max_length=500, required=False, assume_scheme="https")
    email = forms.EmailField(label=SERVICE_FIELDS["email"], max_length=254, required=False)
    intake_status = forms.ChoiceField(
        label=SERVICE_FIELDS["intake_status"], choices=IntakeStatus.choices, required=False
    )
    typical_wait = text(SERVICE_FIELDS["typical_wait"], 200, help_text='For example "2 to 4 weeks".')
    eligibility_description = text(SERVICE_FIELDS["eligibility_description"], LONG_TEXT, rows=3)
    fees_description = text(SERVICE_FIELDS["fees_description"], LONG_TEXT, rows=2)
    public_holidays = forms.ChoiceField(
        label=SERVICE_FIELDS["public_holidays"], choices=PublicHolidays.choices, widget=forms.RadioSelect
    )


class PhoneForm(forms.Form):
    number = forms.CharField(label="Phone number", max_length=40, validators=[au_phone_number])
    type = forms.ChoiceField(label="Type", choices=PhoneType.choices, initial=PhoneType.VOICE)
    description = text("What this number is for", 300)

    def clean_number(self):
        return au_phone_number(self.cleaned_data["number"])


class TimeInput(forms.TimeInput):
    input_type = "time"

    def __init__(self):
        super().__init__(format="%H:%M")


class DateInput(forms.DateInput):
    """A browser date picker; it only accepts ISO dates as its value."""

    input_type = "date"

    def __init__(self):
        super().__init__(format="%Y-%m-%d")


class ScheduleForm(forms.Form):
    days = forms.MultipleChoiceField(
        label="Days", choices=list(DAYS.items()), widget=forms.CheckboxSelectMultiple
    )
    opens_at = forms.TimeField(label="Opens", widget=TimeInput())
    closes_at = forms.TimeField(label="Closes", widget=TimeInput())
    overnight = forms.BooleanField(
        label="Closes after midnight (the next day)",
        required=False,
        help_text="Tick this for hours like 6 pm to 2 am. For 24 hours, enter 00:00 to 00:00.",
    )
    description = text("Note", 300, help_text='Optional, for example "Phone line only".')

    def clean(self):
        data = super().clean()
        opens, closes = data.get("opens_at"), data.get("closes_at")
        if opens is None or closes is None:
            return data
        whole_day = opens == closes == datetime.time(0, 0)
        if whole_day:
            return data
        if closes <= opens and not data.get("overnight"):
            self.add_error(
                "closes_at",
                "The closing time is before the opening time. If it closes after midnight, tick "
                "\u201ccloses after midnight\u201d.",
            )
        if closes > opens and data.get("overnight"):
            self.add_error(
                "overnight",
                "You ticked \u201ccloses after midnight\u201d, but the closing time is later the same day. "
                "Untick it or fix the time.",
            )
        return data


class ClosureForm(forms.Form):
    starts_on = forms.DateField(label="Closed from", widget=DateInput())
    ends_on = forms.DateField(label="Closed until (last day closed)", widget=DateInput())
    description = text("Reason", 200, help_text='For example "Christmas break".')

    def clean(self):
        data = super().clean()
        starts, ends = data.get("starts_on"), data.get("ends_on")
        if starts and ends and ends < starts:
            self.add_error("ends_on", "The last day closed is before the first day closed.")
        return data


def _minutes(t: datetime.time) -> int:
    return t.hour * 60 + t.minute


WEEK = 7 * 24 * 60
DAY_INDEX = {code: i for i, code in enumerate(DAYS)}


def _spans(form: ScheduleForm):
    """Each day's span as (start, end) minutes in a week; spans past Sunday midnight wrap to Monday."""
    data = form.cleaned_data
    opens, closes = _minutes(data["opens_at"]), _minutes(data["closes_at"])
    length = (closes - opens) % (24 * 60) or 24 * 60
    for day in data["days"]:
        start = DAY_INDEX[day] * 24 * 60 + opens
        end = start + length
        if end > WEEK:
            yield day, start, WEEK
            yield day, 0, end - WEEK
        else:
            yield day, start, end


class BaseScheduleFormSet(forms.BaseFormSet):
    def clean(self):
        if any(self.errors):
            return
        spans = []
        for form in live_forms(self):
            spans.extend((day, start, end, form) for day, start, end in _spans(form))
        spans.sort(key=lambda s: s[1])
        for (day_a, _, end_a, form_a), (day_b, start_b, _, form_b) in itertools.pairwise(spans):
            if start_b < end_a:
                a, b = form_a.cleaned_data, form_b.cleaned_data
                raise forms.ValidationError(
                    f"Two sets of hours overlap: {DAYS[day_a]} {a['opens_at']:%H:%M}\u2013{a['closes_at']:%H:%M} "
                    f"and {DAYS[day_b]} {b['opens_at']:%H:%M}\u2013{b['closes_at']:%H:%M}. Join them into one or fix the times."
                )


PhoneFormSet = forms.formset_factory(PhoneForm, extra=1, can_delete=True, max_num=10, validate_max=True)
ScheduleFormSet = forms.formset_factory(
    ScheduleForm, formset=BaseScheduleFormSet, extra=1, can_delete=True, max_num=21, validate_max=True
)
ClosureFormSet = forms.formset_factory(ClosureForm, extra=1, can_delete=True, max_num=20, validate_max=True)


class ChangeNoteForm(forms.Form):
    note = text("What changed, and why?", 1000, help_text=NOTE_HELP, rows=3)
    version = forms.CharField(widget=forms.HiddenInput, max_length=64)


class LocationForm(forms.Form):
    name = text(LOCATION_FIELDS["name"], 300)
    address_1 = text(LOCATION_FIELDS["address_1"], 300)
    address_2 = text(LOCATION_FIELDS["address_2"], 300)
    city = text(LOCATION_FIELDS["city"], 120, required=True)
    state_province = forms.ChoiceField(label=LOCATION_FIELDS["state_province"], choices=STATE_CHOICES)
    postal_code = forms.CharField(
        label=LOCATION_FIELDS["postal_code"],
        max_length=4,
        validators=[RegexValidator(r"^\d{4}$", "A postcode is 4 digits, for example 3000.")],
    )
    transportation = text(LOCATION_FIELDS["transportation"], LONG_TEXT, rows=2)
    description = text(LOCATION_FIELDS["description"], LONG_TEXT, rows=2)


def live_forms(formset):
    """Filled-in forms not marked for deletion (blank extra forms have empty cleaned_data)."""
    return [f for f in formset.forms if f.cleaned_data and not formset._should_delete_form(f)]


def formset_rows(formset, fields: list[str]) -> list[dict]:
    rows = []
    for form in live_forms(formset):
        rows.append({name: form.cleaned_data.get(name, "") for name in fields})
    return rows


def schedule_rows(formset) -> list[dict]:
    rows = []
    for row in formset_rows(formset, ["days", "opens_at", "closes_at", "description"]):
        days = sorted(row["days"], key=DAY_INDEX.__getitem__)
        rows.append(
            {
                "byday": ",".join(days),
                "opens_at": row["opens_at"].strftime("%H:%M"),
                "closes_at": row["closes_at"].strftime("%H:%M"),
                "description": row["description"],
            }
        )
    return rows


def closure_rows(formset) -> list[dict]:
    return [
        {
            "starts_on": r["starts_on"].isoformat(),
            "ends_on": r["ends_on"].isoformat(),
            "description": r["description"],
        }
        for r in formset_rows(formset, ["starts_on", "ends_on", "description"])
    ]


def initial_from_snapshot(snapshot: dict) -> dict:
    """Initial data for the service forms, from a snapshot."""
    schedules = []
    for row in snapshot.get("schedules", []):
        opens = datetime.time.fromisoformat(row["opens_at"])
        closes = datetime.time.fromisoformat(row["closes_at"])
        schedules.append(
            {
                "days": [d for d in row["byday"].split(",") if d],
                "opens_at": opens,
                "closes_at": closes,
                "overnight": closes <= opens and not (opens == closes == datetime.time(0, 0)),
                "description": row["description"],
            }
        )
    closures = [
        {
            "starts_on": datetime.date.fromisoformat(r["starts_on"]),
            "ends_on": datetime.date.fromisoformat(r["ends_on"]),
            "description": r["description"],
        }
        for r in snapshot.get("closures", [])
    ]
    return {
        "fields": snapshot["fields"],
        "phones": snapshot.get("phones", []),
        "schedules": schedules,
        "closures": closures,
    }
