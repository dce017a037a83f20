"""Forms for portal accounts. They check input; services do the writing."""

from __future__ import annotations

from django import forms
from django.contrib.auth import authenticate, password_validation
from django.contrib.auth.models import AbstractBaseUser

from providers.services import normalise_email, totp_device_for
from services_directory.models import Organization

CODE_HELP = "The 6-digit code your authenticator app shows now."


class PortalForm(forms.Form):
    submit_label = "Continue"


def code_field() -> forms.CharField:
    return forms.CharField(
        label="Code from your authenticator app",
        help_text=CODE_HELP,
        min_length=6,
        max_length=8,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )


def clean_code(value: str) -> str:
    value = "".join(value.split())
    if not value.isdigit() or len(value) != 6:
        raise forms.ValidationError("Enter the 6 digits your authenticator app shows.")
    return value


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


class CodeForm(PortalForm):
    code = code_field()
    submit_label = "Check code"

    def __init__(self, device, *args, **kwargs):
        self.device = device
        super().__init__(*args, **kwargs)

    def clean_code(self):
        code = clean_code(self.cleaned_data["code"])
        allowed, _ = self.device.verify_is_allowed()
        if not allowed:
            raise forms.ValidationError("Too many wrong codes. Wait a minute, then try the newest code.")
        if not self.device.verify_token(code):
            # verify_token also refuses a code that was already used (django-otp keeps last_t).
            raise forms.ValidationError("That code is not right, or was already used. Try the newest code.")
        return code


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
    code = code_field()

    def clean_current_password(self):
        password = self.cleaned_data["current_password"]
        if not self.user.check_password(password):
            raise forms.ValidationError("That is not your current password.")
        return password

    def clean(self):
        data = super().clean()
        if self.errors or "code" not in data:
            return data
        device = totp_device_for(user=self.user)
        try:
            code = clean_code(data["code"])
        except forms.ValidationError as error:
            self.add_error("code", error)
            return data
        allowed, _ = device.verify_is_allowed() if device else (False, None)
        if not allowed or not device.verify_token(code):
            self.add_error("code", "That code is not right, or was already used. Try the newest code.")
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


class InvitationForm(PortalForm):
    email = forms.EmailField(label="Email address of the person to invite", max_length=254)
    organisation = forms.ModelChoiceField(
        label="Organisation", queryset=Organization.objects.filter(is_synthetic=False).order_by("name")
    )
    submit_label = "Send invitation"
