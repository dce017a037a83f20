"""Pages for staff: invitations (the moderation queue lives in views/moderation.py)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from providers import access, forms, selectors, services
from providers.models import Invitation


@access.staff
def invitation_list(request: HttpRequest) -> HttpResponse:
    form = forms.InvitationForm(data=request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            invitation, _ = services.invitation_create(
                email=form.cleaned_data["email"],
                organisation=form.cleaned_data["organisation"],
                invited_by=request.user,
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, f"Invitation sent to {invitation.email}.")
            return redirect("providers:invitation_list")
    return render(
        request,
        "providers/invitation_list.html",
        {"form": form, "invitations": selectors.invitation_list()},
    )


@access.staff
@require_POST
def invitation_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    invitation = get_object_or_404(Invitation, pk=pk)
    services.invitation_revoke(invitation=invitation)
    messages.success(request, f"The invitation for {invitation.email} can no longer be used.")
    return redirect("providers:invitation_list")
