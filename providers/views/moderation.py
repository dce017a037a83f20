"""The moderation queue: staff approve or reject providers' change requests."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from providers import access, changes, selectors
from providers.listing import conflicts, differences, location_snapshot, service_snapshot
from providers.models import ChangeRequest


class ReviewForm(forms.Form):
    reason = forms.CharField(
        label="Reason (the service sees this)",
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Needed when you reject a change.",
    )


def _current(change: ChangeRequest) -> dict | None:
    if change.kind == ChangeRequest.Kind.LOCATION:
        return location_snapshot(change.location)
    if change.kind == ChangeRequest.Kind.SERVICE:
        return service_snapshot(change.service)
    return None


@access.staff
def moderation_list(request: HttpRequest) -> HttpResponse:
    return render(request, "providers/moderation_list.html", {"changes": selectors.moderation_queue()})


@access.staff
def moderation_detail(request: HttpRequest, pk: int) -> HttpResponse:
    change = get_object_or_404(ChangeRequest.objects.exclude(status=ChangeRequest.Status.DRAFT), pk=pk)
    current = _current(change)
    clashes = conflicts(base=change.base, proposed=change.proposed, current=current) if current else []
    form = ReviewForm(data=request.POST or None)
    if request.method == "POST" and form.is_valid():
        reason = form.cleaned_data["reason"]
        try:
            if request.POST.get("action") == "approve":
                changes.change_request_approve(change=change, reviewer=request.user, reason=reason)
                messages.success(request, "Approved and published.")
            else:
                changes.change_request_reject(change=change, reviewer=request.user, reason=reason)
                messages.success(request, "Rejected. The service can see your reason.")
            return redirect("providers:moderation_list")
        except changes.Conflict as conflict:
            clashes = conflict.differences
            form.add_error(
                None,
                "The listing changed since this edit was made. Reject it with a reason, so the service can redo it on the current listing.",
            )
        except changes.NotAllowed as error:
            form.add_error(None, str(error))
        except ValidationError as error:
            form.add_error("reason", error.message_dict.get("reason", error.messages))
    context = {
        "change": change,
        "differences": differences(change.base, change.proposed) if current else [],
        "conflicts": clashes,
        "form": form,
    }
    return render(request, "providers/moderation_detail.html", context)
