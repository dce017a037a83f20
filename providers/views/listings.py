"""Providers' own listings: view, propose changes, copy, confirm, and follow their change requests."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from providers import access, changes, selectors
from providers.listing import (
    differences,
    location_snapshot,
    merged,
    service_snapshot,
    snapshot_version,
)
from providers.listing_forms import (
    ChangeNoteForm,
    ClosureFormSet,
    LocationForm,
    PhoneFormSet,
    ScheduleFormSet,
    ServiceDetailsForm,
    closure_rows,
    formset_rows,
    initial_from_snapshot,
    schedule_rows,
)
from providers.models import ChangeRequest

Kind, Status = ChangeRequest.Kind, ChangeRequest.Status


def _int_or_404(value) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise Http404 from None


def _form_data(request: HttpRequest) -> dict:
    return {k: request.POST.getlist(k) for k in request.POST if k not in {"csrfmiddlewaretoken", "action"}}


def _query_dict(data: dict) -> QueryDict:
    query = QueryDict(mutable=True)
    for key, values in data.items():
        query.setlist(key, values)
    return query


class ServiceEdit:
    """The service form and its three row lists, bound or unbound together."""

    def __init__(self, *, data=None, initial: dict | None = None, version: str = "", note: str = ""):
        initial = initial or {"fields": {}, "phones": [], "schedules": [], "closures": []}
        self.details = ServiceDetailsForm(data=data, initial=initial["fields"], prefix="service")
        self.phones = PhoneFormSet(data=data, initial=initial["phones"], prefix="phones")
        self.schedules = ScheduleFormSet(data=data, initial=initial["schedules"], prefix="hours")
        self.closures = ClosureFormSet(data=data, initial=initial["closures"], prefix="closures")
        self.note = ChangeNoteForm(data=data, initial={"version": version, "note": note}, prefix="note")

    @property
    def parts(self):
        return [self.details, self.phones, self.schedules, self.closures, self.note]

    def is_valid(self) -> bool:
        results = [part.is_valid() for part in self.parts]  # every part, so every error shows
        return all(results)

    def error_count(self) -> int:
        count = len(self.details.errors) + len(self.note.errors)
        for formset in (self.phones, self.schedules, self.closures):
            count += len(formset.non_form_errors()) + sum(len(e) for e in formset.errors)
        return count

    def snapshot(self) -> dict:
        return {
            "fields": {k: v or "" for k, v in self.details.cleaned_data.items()},
            "phones": formset_rows(self.phones, ["number", "type", "description"]),
            "schedules": schedule_rows(self.schedules),
            "closures": closure_rows(self.closures),
        }


def _draft(request, pk_value, **filters) -> ChangeRequest | None:
    if not pk_value:
        return None
    return get_object_or_404(
        selectors.changes_for(user=request.user).filter(status=Status.DRAFT, **filters),
        pk=_int_or_404(pk_value),
    )


@access.provider
def service_detail(request: HttpRequest, pk: int) -> HttpResponse:
    service = get_object_or_404(selectors.services_for(user=request.user), pk=pk)
    return render(request, "providers/service_detail.html", selectors.service_page(service=service))


@access.provider
def service_edit(request: HttpRequest, pk: int) -> HttpResponse:
    service = get_object_or_404(selectors.services_for(user=request.user), pk=pk)
    draft = _draft(
        request, request.POST.get("draft") or request.GET.get("draft"), service=service, kind=Kind.SERVICE
    )
    current = service_snapshot(service)
    version = snapshot_version(current)
    conflict = None
    if request.method == "POST":
        edit = ServiceEdit(data=request.POST)
        note = request.POST.get("note-note", "")[:1000]
        if request.POST.get("action") == "draft":
            draft = changes.change_request_save(
                change=draft, organisation=service.organization, kind=Kind.SERVICE, user=request.user,
                service=service, base=current, proposed=None, form_data=_form_data(request), note=note, submit=False,
            )  # fmt: skip
            messages.success(
                request, "Draft saved. Nothing is published until you send it and our team checks it."
            )
            return redirect("providers:service_detail", pk=service.pk)
        if edit.is_valid():
            proposed = edit.snapshot()
            if edit.note.cleaned_data["version"] != version:
                # Someone changed the listing since this form was opened: keep both, show the difference.
                conflict = differences(current, proposed)
                data = request.POST.copy()
                data["note-version"] = version
                edit = ServiceEdit(data=data)
                edit.is_valid()
            elif proposed == current:
                edit.note.add_error(
                    None,
                    "You have not changed anything. If it is all still right, use \u201cStill correct\u201d.",
                )
            else:
                change = changes.change_request_save(
                    change=draft, organisation=service.organization, kind=Kind.SERVICE, user=request.user,
                    service=service, base=current, proposed=proposed, form_data={},
                    note=edit.note.cleaned_data["note"], submit=True,
                )  # fmt: skip
                messages.success(
                    request, "Sent for review. Our team will check it, usually within two working days."
                )
                return redirect("providers:change_detail", pk=change.pk)
    elif draft is not None:
        edit = ServiceEdit(data=_query_dict(draft.form_data))
    else:
        start = current
        source = request.GET.get("from")
        if source:
            earlier = get_object_or_404(
                selectors.changes_for(user=request.user).filter(service=service, kind=Kind.SERVICE),
                pk=_int_or_404(source),
            )
            if earlier.proposed:
                start = merged(base=earlier.base, proposed=earlier.proposed, current=current)
        edit = ServiceEdit(initial=initial_from_snapshot(start), version=version)
    context = {"service": service, "edit": edit, "draft": draft, "conflict": conflict}
    return render(request, "providers/service_form.html", context)


class CopyForm(forms.Form):
    location = forms.TypedChoiceField(label="Copy to", coerce=int)
    note = forms.CharField(
        label="Anything our team should know?",
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


@access.provider
def service_copy(request: HttpRequest, pk: int) -> HttpResponse:
    service = get_object_or_404(selectors.services_for(user=request.user), pk=pk)
    targets = service.organization.locations.exclude(service_at_locations__service=service).order_by(
        "name", "city"
    )
    form = CopyForm(data=request.POST or None)
    form.fields["location"].choices = [(loc.pk, f"{loc} \u2013 {loc.one_line_address}") for loc in targets]
    if request.method == "POST":
        if (
            "location" in request.POST
            and not targets.filter(pk=_int_or_404(request.POST["location"])).exists()
        ):
            raise Http404
        if form.is_valid():
            location = targets.get(pk=form.cleaned_data["location"])
            change = changes.change_request_save(
                change=None, organisation=service.organization, kind=Kind.COPY, user=request.user,
                service=service, base=service_snapshot(service),
                proposed={"location": location.pk, "location_name": str(location)},
                form_data={}, note=form.cleaned_data["note"], submit=True,
            )  # fmt: skip
            messages.success(request, "Sent for review. The copy is published once our team checks it.")
            return redirect("providers:change_detail", pk=change.pk)
    return render(
        request, "providers/service_copy_form.html", {"service": service, "form": form, "targets": targets}
    )


@access.provider
@require_POST
def service_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    service = get_object_or_404(selectors.services_for(user=request.user), pk=pk)
    changes.service_confirm_current(service=service, user=request.user)
    messages.success(request, "Thank you. The listing now shows it was checked today.")
    return redirect("providers:service_detail", pk=service.pk)


@access.provider
def location_edit(request: HttpRequest, pk: int) -> HttpResponse:
    location = get_object_or_404(selectors.locations_for(user=request.user), pk=pk)
    draft = _draft(
        request, request.POST.get("draft") or request.GET.get("draft"), location=location, kind=Kind.LOCATION
    )
    current = location_snapshot(location)
    version = snapshot_version(current)
    conflict = None
    data = request.POST if request.method == "POST" else (_query_dict(draft.form_data) if draft else None)
    form = LocationForm(data=data, initial=current["fields"], prefix="location")
    note = ChangeNoteForm(data=data, initial={"version": version}, prefix="note")
    if request.method == "POST":
        if request.POST.get("action") == "draft":
            changes.change_request_save(
                change=draft, organisation=location.organization, kind=Kind.LOCATION, user=request.user,
                location=location, base=current, proposed=None, form_data=_form_data(request),
                note=request.POST.get("note-note", "")[:1000], submit=False,
            )  # fmt: skip
            messages.success(
                request, "Draft saved. Nothing is published until you send it and our team checks it."
            )
            return redirect("providers:dashboard")
        if form.is_valid() and note.is_valid():
            proposed = {"fields": {k: v or "" for k, v in form.cleaned_data.items()}}
            if note.cleaned_data["version"] != version:
                conflict = differences(current, proposed)
                fresh = request.POST.copy()
                fresh["note-version"] = version
                note = ChangeNoteForm(data=fresh, prefix="note")
                note.is_valid()
            elif proposed == current:
                note.add_error(None, "You have not changed anything.")
            else:
                change = changes.change_request_save(
                    change=draft, organisation=location.organization, kind=Kind.LOCATION, user=request.user,
                    location=location, base=current, proposed=proposed, form_data={},
                    note=note.cleaned_data["note"], submit=True,
                )  # fmt: skip
                messages.success(
                    request, "Sent for review. Our team will check it, usually within two working days."
                )
                return redirect("providers:change_detail", pk=change.pk)
    context = {"location": location, "form": form, "note": note, "draft": draft, "conflict": conflict}
    return render(request, "providers/location_form.html", context)


@access.provider
def change_list(request: HttpRequest) -> HttpResponse:
    return render(
        request, "providers/change_list.html", {"changes": selectors.changes_for(user=request.user)[:100]}
    )


@access.provider
def change_detail(request: HttpRequest, pk: int) -> HttpResponse:
    change = get_object_or_404(selectors.changes_for(user=request.user), pk=pk)
    return render(
        request, "providers/change_detail.html", {"change": change, "differences": _differences(change)}
    )


def _differences(change: ChangeRequest):
    if change.kind == Kind.COPY or not change.proposed:
        return []
    return differences(change.base, change.proposed)


@access.provider
@require_POST
def change_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    change = get_object_or_404(selectors.changes_for(user=request.user), pk=pk)
    try:
        changes.change_request_withdraw(change=change)
    except changes.NotAllowed as error:
        messages.error(request, str(error))
    else:
        messages.success(request, "Withdrawn. Nothing was published.")
    return redirect("providers:change_list")
