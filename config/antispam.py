"""Protection for public forms that write something, without cookies or IP addresses.

* A signed timestamp: the form must come from our page, be at least MIN_SECONDS old (bots submit
  instantly) and at most MAX_AGE old.
* A honeypot field hidden from people (with CSS and from assistive technology) that bots fill in.
"""

from __future__ import annotations

import time

from django import forms
from django.core import signing

SALT = "config.antispam.form-timestamp"
MIN_SECONDS = 2
MAX_AGE = 6 * 60 * 60


def issue_timestamp(now: float | None = None) -> str:
    return signing.dumps(int(now if now is not None else time.time()), salt=SALT)


def check_timestamp(token: str, now: float | None = None) -> str | None:
    """Return an error message for a bad token, or None when it is good."""
    now = now if now is not None else time.time()
    try:
        issued = signing.loads(token, salt=SALT, max_age=MAX_AGE)
    except signing.SignatureExpired:
        return "This form was open too long. Please check your answers and send it again."
    except signing.BadSignature:
        return "This form could not be checked. Please reload the page and try again."
    if not isinstance(issued, int) or now - issued < MIN_SECONDS:
        return "That was sent very quickly. Please wait a moment and send it again."
    return None


class AntiSpamFormMixin(forms.Form):
    """Add to any public form that writes to the database."""

    form_issued = forms.CharField(widget=forms.HiddenInput, required=False)
    # Named like a real field so that bots fill it in; people never see it.
    website = forms.CharField(
        required=False,
        label="Leave this empty",
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1", "class": "hp-field"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("form_issued", issue_timestamp())

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("website"):
            raise forms.ValidationError("This form could not be sent.", code="honeypot")
        problem = check_timestamp(cleaned.get("form_issued") or "")
        if problem:
            raise forms.ValidationError(problem, code="timestamp")
        return cleaned
