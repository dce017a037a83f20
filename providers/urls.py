from django.urls import path

from providers.views import accounts, dashboard, listings, moderation, staff

app_name = "providers"

urlpatterns = [
    path("", dashboard.dashboard, name="dashboard"),
    path("sign-in/", accounts.sign_in, name="sign_in"),
    path("sign-in/code/", accounts.challenge, name="challenge"),
    path("sign-out/", accounts.sign_out, name="sign_out"),
    path("two-factor/set-up/", accounts.two_factor_setup, name="two_factor_setup"),
    path("invitation/", accounts.invitation_open, name="invitation_open"),
    path("invitation/set-password/", accounts.invitation_accept, name="invitation_accept"),
    path("password-reset/", accounts.password_reset, name="password_reset"),
    path("password-reset/sent/", accounts.password_reset_sent, name="password_reset_sent"),
    path("password-reset/code/", accounts.password_reset_code, name="password_reset_code"),
    path("password-reset/set-password/", accounts.password_reset_confirm, name="password_reset_confirm"),
    path("account/", accounts.account, name="account"),
    path("account/email/", accounts.email_change, name="email_change"),
    path("account/password/", accounts.password_change, name="password_change"),
    path("account/two-factor/", accounts.two_factor_reset, name="two_factor_reset"),
    path("account/backup-codes/", accounts.backup_codes_new, name="backup_codes_new"),
    path("services/<int:pk>/", listings.service_detail, name="service_detail"),
    path("services/<int:pk>/edit/", listings.service_edit, name="service_edit"),
    path("services/<int:pk>/copy/", listings.service_copy, name="service_copy"),
    path("services/<int:pk>/still-correct/", listings.service_confirm, name="service_confirm"),
    path("confirm/<str:token>/", listings.service_confirm_link, name="service_confirm_link"),
    path("locations/<int:pk>/edit/", listings.location_edit, name="location_edit"),
    path("changes/", listings.change_list, name="change_list"),
    path("changes/<int:pk>/", listings.change_detail, name="change_detail"),
    path("changes/<int:pk>/withdraw/", listings.change_withdraw, name="change_withdraw"),
    path("staff/changes/", moderation.moderation_list, name="moderation_list"),
    path("staff/changes/<int:pk>/", moderation.moderation_detail, name="moderation_detail"),
    path("staff/invitations/", staff.invitation_list, name="invitation_list"),
    path("staff/invitations/<int:pk>/revoke/", staff.invitation_revoke, name="invitation_revoke"),
]
