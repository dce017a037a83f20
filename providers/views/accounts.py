"""Signing in and out, the second factor, invitations and one's own account."""

from __future__ import annotations

import time
from base64 import b32encode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model, login, logout, update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.views import INTERNAL_RESET_SESSION_TOKEN
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST
from django_otp import login as otp_login

from content.qr import qr_svg
from providers import access, forms, services
from providers.middleware import SEEN, STARTED

NEXT = "portal:next"
REAUTH = "portal:reauth"
REAUTH_SECONDS = 10 * 60
BACKEND = "django.contrib.auth.backends.ModelBackend"


def safe_next(request: HttpRequest, url: str | None) -> str:
    """`url` if it points into this site, otherwise the dashboard."""
    if url and url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return url
    return reverse("providers:dashboard")


def _continue(request: HttpRequest) -> HttpResponse:
    return redirect(safe_next(request, request.session.pop(NEXT, None)))


def _start_session(request: HttpRequest, user) -> None:
    login(request, user, backend=BACKEND)
    request.session[STARTED] = request.session[SEEN] = int(time.time())


@access.public
@never_cache
@sensitive_post_parameters("password")
def sign_in(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated and request.user.is_verified():
        return redirect(safe_next(request, request.GET.get("next")))
    form = forms.SignInForm(request, data=request.POST or None)
    if request.method == "POST" and form.is_valid():
        next_url = safe_next(request, request.POST.get("next") or request.GET.get("next"))
        _start_session(request, form.user)
        request.session[NEXT] = next_url
        if services.totp_device_for(user=form.user):
            return redirect("providers:challenge")
        return redirect("providers:two_factor_setup")
    return render(request, "providers/sign_in_form.html", {"form": form, "next": request.GET.get("next", "")})


@access.password_stage
@never_cache
def challenge(request: HttpRequest) -> HttpResponse:
    if request.user.is_verified():
        return _continue(request)
    device = services.totp_device_for(user=request.user)
    if device is None:
        return redirect("providers:two_factor_setup")
    if request.GET.get("next"):
        request.session[NEXT] = safe_next(request, request.GET["next"])
    form = forms.ChallengeForm(request.user, data=request.POST or None)
    if request.method == "POST" and form.is_valid():
        otp_login(request, form.device)
        request.session.cycle_key()
        if form.device != device:  # a backup code, not the app
            left = services.backup_codes_left(user=request.user)
            messages.warning(
                request,
                f"You signed in with a backup code. You have {left} left. If your phone is lost, "
                "set up a new one under Your account.",
            )
        return _continue(request)
    return render(request, "providers/challenge_form.html", {"form": form})


def _may_replace_device(request: HttpRequest) -> bool:
    stamp = request.session.get(REAUTH)
    return bool(stamp) and request.user.is_verified() and time.time() - stamp < REAUTH_SECONDS


@access.password_stage
@never_cache
def two_factor_setup(request: HttpRequest) -> HttpResponse:
    """Set up an authenticator: first enrolment, or a replacement after asking password and code."""
    has_device = services.totp_device_for(user=request.user) is not None
    if has_device and not _may_replace_device(request):
        if request.user.is_verified():
            return redirect("providers:two_factor_reset")
        return redirect("providers:challenge")
    device = services.totp_device_pending(user=request.user)
    form = forms.CodeForm(device, data=request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.totp_device_confirm(device=device)
        otp_login(request, device)
        request.session.cycle_key()
        request.session.pop(REAUTH, None)
        # New backup codes with every new authenticator, shown in this response only (never stored
        # in the session or sent by email).
        return _show_backup_codes(request, services.backup_codes_replace(user=request.user), set_up=True)
    key = b32encode(device.bin_key).decode().rstrip("=")
    context = {
        "form": form,
        # Inline SVG with presentation attributes only: the CSP allows no style attributes.
        "qr_svg": qr_svg(device.config_url, title="QR code to scan with your authenticator app"),
        "key_groups": [key[i : i + 4] for i in range(0, len(key), 4)],
        "replacing": has_device,
    }
    return render(request, "providers/two_factor_setup_form.html", context)


def _show_backup_codes(request: HttpRequest, codes: list[str], *, set_up: bool = False) -> HttpResponse:
    context = {
        "codes": [f"{code[:4]} {code[4:]}" for code in codes],
        "next": safe_next(request, request.session.pop(NEXT, None))
        if set_up
        else reverse("providers:account"),
        "set_up": set_up,
    }
    return render(request, "providers/backup_codes.html", context)


@access.signed_in
@never_cache
@sensitive_post_parameters("current_password")
def backup_codes_new(request: HttpRequest) -> HttpResponse:
    """New backup codes after asking password and code again; the old ones stop working."""

    def done(form):
        return _show_backup_codes(request, services.backup_codes_replace(user=request.user))

    return _reauth_view(request, forms.BackupCodesForm, "providers/backup_codes_form.html", done)


@access.public
@require_POST
def sign_out(request: HttpRequest) -> HttpResponse:
    # logout() flushes the session: the row is deleted on the server, not just the cookie.
    logout(request)
    messages.info(request, "You are signed out.")
    return redirect("providers:sign_in")


# Emailed links (invitation, password reset) carry their code after "#", which never reaches the
# server. The code page takes it in a POST (filled in by static/js/link-code.js, or pasted), swaps it
# for a session entry and redirects to a fixed "set-password" address: no request line, and so no
# access log, ever holds a token (docs/decisions/0014-link-codes-in-the-fragment.md).
INVITATION = "portal:invitation"  # the SHA-256 of the invitation's token, never the token
RESET_UID = "portal:reset-uid"


def _link_gone(request: HttpRequest, kind: str) -> HttpResponse:
    """A used, expired, revoked or mistyped code: say so and say how to get a new one."""
    return render(request, "providers/link_gone.html", {"kind": kind}, status=404)


@access.public
@never_cache
@sensitive_post_parameters("code")
def invitation_open(request: HttpRequest) -> HttpResponse:
    form = forms.LinkCodeForm(data=request.POST or None)
    if request.method == "POST" and form.is_valid():
        hashed = services.token_hash(form.cleaned_data["code"])
        try:
            services.invitation_get_pending(hashed=hashed)
        except services.InvitationInvalid:
            return _link_gone(request, "invitation")
        request.session[INVITATION] = hashed
        return redirect("providers:invitation_accept")
    return render(request, "providers/link_code_form.html", {"form": form, "kind": "invitation"})


@access.public
@never_cache
@sensitive_post_parameters("password1", "password2")
def invitation_accept(request: HttpRequest) -> HttpResponse:
    hashed = request.session.get(INVITATION, "")
    try:
        invitation = services.invitation_get_pending(hashed=hashed)
    except services.InvitationInvalid:
        return _link_gone(request, "invitation")
    unsaved = get_user_model()(username=invitation.email, email=invitation.email)
    form = forms.SetPasswordForm(unsaved, data=request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.invitation_accept(hashed=hashed, password=form.cleaned_data["password1"])
        except services.InvitationInvalid:
            return _link_gone(request, "invitation")
        request.session.pop(INVITATION, None)
        _start_session(request, user)
        return redirect("providers:two_factor_setup")
    return render(request, "providers/invitation_form.html", {"form": form, "invitation": invitation})


@access.signed_in
@never_cache
def account(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "providers/account_detail.html",
        {
            "device": services.totp_device_for(user=request.user),
            "backup_codes_left": services.backup_codes_left(user=request.user),
        },
    )


def _reauth_view(request, form_class, template: str, on_valid):
    form = form_class(request.user, data=request.POST or None)
    if request.method == "POST" and form.is_valid():
        return on_valid(form)
    return render(request, template, {"form": form})


@access.signed_in
@never_cache
@sensitive_post_parameters("current_password")
def email_change(request: HttpRequest) -> HttpResponse:
    def done(form):
        try:
            services.user_email_change(user=request.user, email=form.cleaned_data["email"])
        except services.ValidationError as error:
            form.add_error(None, error)
            return render(request, "providers/email_change_form.html", {"form": form})
        messages.success(request, "Your email address is changed.")
        return redirect("providers:account")

    return _reauth_view(request, forms.EmailChangeForm, "providers/email_change_form.html", done)


@access.signed_in
@never_cache
@sensitive_post_parameters("current_password", "password1", "password2")
def password_change(request: HttpRequest) -> HttpResponse:
    def done(form):
        services.user_password_change(user=request.user, password=form.cleaned_data["password1"])
        update_session_auth_hash(request, request.user)
        messages.success(request, "Your password is changed.")
        return redirect("providers:account")

    return _reauth_view(request, forms.PasswordChangeForm, "providers/password_change_form.html", done)


@access.signed_in
@never_cache
@sensitive_post_parameters("current_password")
def two_factor_reset(request: HttpRequest) -> HttpResponse:
    def done(form):
        request.session[REAUTH] = int(time.time())
        return redirect("providers:two_factor_setup")

    return _reauth_view(request, forms.TwoFactorResetForm, "providers/two_factor_reset_form.html", done)


# Password reset: Django's signed, single-use, expiring tokens (PASSWORD_RESET_TIMEOUT), sent as a
# code after "#" like invitations. The new password signs the person in with the password only, so
# they still meet the code challenge.


class PasswordResetView(auth_views.PasswordResetView):
    template_name = "providers/password_reset_form.html"
    email_template_name = "providers/emails/password_reset.txt"
    subject_template_name = "providers/emails/password_reset_subject.txt"
    success_url = reverse_lazy("providers:password_reset_sent")
    extra_email_context = {"site_name": settings.SITE_NAME, "site_url": settings.SITE_URL}


class PasswordResetSentView(auth_views.PasswordResetDoneView):
    template_name = "providers/password_reset_sent.html"


@access.public
@never_cache
@sensitive_post_parameters("code")
def password_reset_code(request: HttpRequest) -> HttpResponse:
    form = forms.LinkCodeForm(data=request.POST or None)
    if request.method == "POST" and form.is_valid():
        found = services.password_reset_code_check(code=form.cleaned_data["code"])
        if found is None:
            return _link_gone(request, "reset")
        request.session[RESET_UID], request.session[INTERNAL_RESET_SESSION_TOKEN] = found
        return redirect("providers:password_reset_confirm")
    return render(request, "providers/link_code_form.html", {"form": form, "kind": "reset"})


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    """Django's view at a fixed address: the user and token come from the session only.

    Django's own first step (a GET with the token in the path, then a redirect) would put the token
    in the access log; here it was POSTed to `password_reset_code` instead.
    """

    template_name = "providers/password_reset_confirm_form.html"
    post_reset_login = True
    post_reset_login_backend = BACKEND
    success_url = reverse_lazy("providers:challenge")

    def dispatch(self, *args, **kwargs):
        uidb64 = self.request.session.get(RESET_UID, "")
        return super().dispatch(*args, uidb64=uidb64, token=self.reset_url_token)

    def form_valid(self, form):
        response = super().form_valid(form)
        self.request.session.pop(RESET_UID, None)
        self.request.session[STARTED] = self.request.session[SEEN] = int(time.time())
        messages.success(self.request, "Your password is changed. Now enter the code from your app.")
        return response


password_reset = access.public(PasswordResetView.as_view())
password_reset_sent = access.public(PasswordResetSentView.as_view())
password_reset_confirm = access.public(PasswordResetConfirmView.as_view())
