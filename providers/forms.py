"""Forms for portal accounts. They check input; services do the writing."""

from __future__ import annotations

import re

from django import forms
from django.contrib.auth import authenticate, password_validation
from django.contrib.auth.models import AbstractBaseUser

from providers.services import backup_code_as_stored, backup_device_for, normalise_email, totp_device_for
from services_directory.models import Organization

CODE_HELP = "The 6-digit code your authenticator app shows now."
CODE_OR_BACKUP_HELP = "The 6-digit code your authenticator app shows now, or one of your backup codes."
WRONG_CODE = "That code is not right, or was already used. Try the newest code."
TOO_MANY = "Too many wrong codes. Wait a minute, then try the newest code."
# django-otp's static tokens: 8 characters of lower-case base32.
BACKUP_CODE = re.compile(r"[a-z2-7]{8}")


class PortalForm(forms.Form):
    submit_label = "Continue"


def code_field(*, backup: bool = False) -> forms.CharField:
    """The second-factor field; with `backup`, one of the person's backup codes is accepted too."""
    return forms.CharField(
        label="Code from your authenticator app",
        help_text=CODE_OR_BACKUP_HELP if backup else CODE_HELP,
        min_length=6,
        max_length=12,  # a backup code typed as "abcd efgh" or "abcd-efgh"
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", **({} if backup else {"inputmode": "numeric"})}
        ),
    )


def clean_code(value: str) -> str:
    value = "".join(value.split())
    if not value.isdigit() or len(value) != 6:
        raise forms.ValidationError("Enter the 6 digits your authenticator app shows.")
    return value


def verify_second_factor(user: AbstractBaseUser, value: str):
    """The device that accepts `value` (the app's 6 digits, or a backup code, which is then used up).

    Raises ValidationError with a message for the person. Each device throttles its own wrong tries.
    """
    value = "".join(value.split()).replace("-", "").lower()
    if value.isdigit():
        device = totp_device_for(user=user)
        clean_code(value)
    elif BACKUP_CODE.fullmatch(value):
        device = backup_device_for(user=user)
        if device is not None:
            value = backup_code_as_stored(device, value)
    else:
        raise forms.ValidationError("Enter the 6 digits your app shows, or one of your backup codes.")
    if device is None:
        raise forms.ValidationError(WRONG_CODE)
    _verify(device, value)
    return device


def _verify(device, value: str) -> None:
    """Let `device` check `value`, within its throttle. verify_token also refuses a code already used
    (django-otp keeps the TOTP's last time step and deletes a used backup code)."""
    allowed, _ = device.verify_is_allowed()
    if not allowed:
        raise forms.ValidationError(TOO_MANY)
    if not device.verify_token(value):
        raise forms.ValidationError(WRONG_CODE)


class SignInForm(PortalForm):
    # Named "username" because django-axes reads the account from that field.
    username = forms.EmailField(
        label="Email address", max_length=254, widget=forms.EmailInput(attrs={"autocomplete": "username"})
    )
    password = forms.CharField(
        label="Password", strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "current-password"})
    )
    submit_label = "Sign in"

    def __init__(self, request, *args, **kwargs):
        self.request = request
        self.user = None
        super().__init__(*args, **kwargs)

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        user = authenticate(
            self.request, username=normalise_email(data["username"]), password=data["password"]
        )
        if user is None or not user.is_active:
            raise forms.ValidationError("The email address or password is not right.")
        self.user = user
        return data


class LinkCodeForm(PortalForm):
    """The code of an emailed link (invitation or password reset), filled in from the part of the link
    after "#" by static/js/link-code.js, or pasted from the email. It is never in a URL the server sees.
    """

    code = forms.CharField(
        label="Code from the email",
        help_text="If this box is empty, copy the code from the email and paste it here.",
        max_length=200,
        widget=forms.TextInput(
            attrs={
                "autocomplete": "off",
                "spellcheck": "false",
                "autocapitalize": "off",
                "data-link-code": "",
            }
        ),
    )

    def clean_code(self) -> str:
        # Mail programs wrap long lines and people copy a space or the "#" with the code.
        return re.sub(r"\s+", "", self.cleaned_data["code"]).lstrip("#")


class CodeForm(PortalForm):
    """A code for one authenticator being set up (`device`, not yet confirmed)."""

    code = code_field()
    submit_label = "Check code"

    def __init__(self, device, *args, **kwargs):
        self.device = device
        super().__init__(*args, **kwargs)

    def clean_code(self):
        code = clean_code(self.cleaned_data["code"])
        _verify(self.device, code)
        return code


class ChallengeForm(PortalForm):
    """The second step of signing in: the app's code, or a backup code."""

    code = code_field(backup=True)
    submit_label = "Check code"

    def __init__(self, user: AbstractBaseUser, *args, **kwargs):
        self.user = user
        self.device = None  # the device that accepted the code
        super().__init__(*args, **kwargs)

    def clean_code(self):
        self.device = verify_second_factor(self.user, self.cleaned_data["code"])
        return self.cleaned_data["code"]


class UserForm(PortalForm):
    def __init__(self, user: AbstractBaseUser, *args, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)


class SetPasswordForm(UserForm):
    password1 = forms.CharField(
        label="Choose a password",
        strip=False,
        help_text=password_validation.password_validators_help_text_html(),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    password2 = forms.CharField(
        label="Type the password again",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    submit_label = "Set password"

    def clean(self):
        data = super().clean()
        one, two = data.get("password1"), data.get("password2")
        if one and two and one != two:
            self.add_error("password2", "The two passwords are not the same.")
        elif one:
            try:
                password_validation.validate_password(one, self.user)
            except forms.ValidationError as error:
                self.add_error("password1", error)
        return data


class ReauthMixin(UserForm):
    """Password and a fresh code, asked again before changing how someone signs in."""

    current_password = forms.CharField(
        label="Your current password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    code = code_field(backup=True)

    def clean_current_password(self):
        password = self.cleaned_data["current_password"]
        if not self.user.check_password(password):
            raise forms.ValidationError("That is not your current password.")
        return password

    def clean(self):
        data = super().clean()
        if self.errors or "code" not in data:
            return data
        try:
            verify_second_factor(self.user, data["code"])
        except forms.ValidationError as error:
            self.add_error("code", error)
        return data


class EmailChangeForm(ReauthMixin):
    email = forms.EmailField(label="New email address", max_length=254)
    submit_label = "Change email address"
    field_order = ["email", "current_password", "code"]


class PasswordChangeForm(ReauthMixin, SetPasswordForm):
    submit_label = "Change password"
    field_order = ["current_password", "code", "password1", "password2"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["password1"].label = "New password"


class TwoFactorResetForm(ReauthMixin):
    submit_label = "Set up a new authenticator"


class BackupCodesForm(ReauthMixin):
    submit_label = "Make new backup codes"


class InvitationForm(PortalForm):
    email = forms.EmailField(label="Email address of the person to invite", max_length=254)
    organisation = forms.ModelChoiceField(
        label="Organisation", queryset=Organization.objects.filter(is_synthetic=False).order_by("name")
    )
    submit_label = "Send invitation"
