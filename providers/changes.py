"""Writes for change requests: drafts, submission, review, and applying an approved change.

Nothing a provider submits touches the published listing until staff approve it. Approval locks the
listing, checks it against the snapshot the provider edited (`base`), lays the provider's changes
over the listing as it is now, stamps `last_verified` and records who, when and why in the history.
"""

from __future__ import annotations

import datetime
import itertools
import uuid

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from providers.listing import (
    Difference,
    conflicts,
    location_snapshot,
    merged,
    service_snapshot,
)
from providers.models import ChangeRequest
from services_directory.models import Closure, Location, Phone, Schedule, Service, ServiceAtLocation
from services_directory.services import directory_changed, search_points_refresh, search_vector_refresh

Status = ChangeRequest.Status
Kind = ChangeRequest.Kind


class Conflict(Exception):
    """The listing changed since the provider opened it, in a field they also changed."""

    def __init__(self, differences: list[Difference]):
        super().__init__("The listing changed since this edit was started.")
        self.differences = differences


class NotAllowed(Exception):
    """The change request is not in a state that allows this."""


def _today() -> datetime.date:
    return timezone.localdate()


def snapshot_of(change: ChangeRequest) -> dict:
    if change.kind == Kind.LOCATION:
        return location_snapshot(change.location)
    return service_snapshot(change.service)


@transaction.atomic
def change_request_save(
    *,
    change: ChangeRequest | None,
    organisation,
    kind: str,
    user: AbstractBaseUser,
    service: Service | None = None,
    location: Location | None = None,
    base: dict,
    proposed: dict | None,
    form_data: dict,
    note: str,
    submit: bool,
) -> ChangeRequest:
    """Save a draft (`submit=False`, input kept as typed) or submit a checked proposal for review."""
    if change is None:
        change = ChangeRequest(organisation=organisation, kind=kind, service=service, location=location)
        change.created_by = user
    elif change.status != Status.DRAFT:
        raise NotAllowed("Only a draft can be changed.")
    change.base = base
    change.note = note
    change.form_data = form_data
    if submit:
        change.proposed = proposed or {}
        change.status = Status.SUBMITTED
        change.submitted_at = timezone.now()
        change.form_data = {}
    change.full_clean()
    change.save()
    return change


@transaction.atomic
def change_request_withdraw(*, change: ChangeRequest) -> ChangeRequest:
    change = ChangeRequest.objects.select_for_update().get(pk=change.pk)
    if change.status not in (Status.DRAFT, Status.SUBMITTED):
        raise NotAllowed("This change was already reviewed.")
    change.status = Status.WITHDRAWN
    change.save(update_fields=["status", "updated_at"])
    return change


@transaction.atomic
def change_request_reject(*, change: ChangeRequest, reviewer: AbstractBaseUser, reason: str) -> ChangeRequest:
    change = ChangeRequest.objects.select_for_update().get(pk=change.pk)
    if change.status != Status.SUBMITTED:
        raise NotAllowed("Only a change waiting for review can be rejected.")
    if not reason.strip():
        raise ValidationError({"reason": "Say why, so the service can fix it."})
    change.status = Status.REJECTED
    change.reviewed_by = reviewer
    change.reviewed_at = timezone.now()
    change.review_reason = reason
    change.save()
    return change


def _history(instance, user, reason: str):
    instance._history_user = user
    instance._change_reason = reason[:100]
    return instance


def _sync_rows(*, existing, rows: list[dict], make, update, user, reason: str) -> None:
    """Update rows in place by position, add new ones and delete surplus ones (each with history)."""
    for index, (row_obj, row) in enumerate(itertools.zip_longest(list(existing), rows)):
        if row is None:
            _history(row_obj, user, reason).delete()
            continue
        obj = row_obj or make()
        update(obj, row, index)
        obj.full_clean()
        _history(obj, user, reason).save()


def _apply_service(*, service: Service, snapshot: dict, user, reason: str) -> Service:
    for name, value in snapshot["fields"].items():
        setattr(service, name, value)
    service.last_verified = _today()
    if snapshot["schedules"]:
        service.hours_known = True
    service.full_clean(exclude=["search_vector"])
    _history(service, user, reason).save()

    def phone_update(obj, row, index):
        obj.number, obj.type, obj.description, obj.position = (
            row["number"],
            row["type"],
            row["description"],
            index,
        )

    _sync_rows(
        existing=service.phones.all(),
        rows=snapshot["phones"],
        make=lambda: Phone(service=service),
        update=phone_update,
        user=user,
        reason=reason,
    )

    def schedule_update(obj, row, index):
        obj.byday = row["byday"]
        obj.opens_at = datetime.time.fromisoformat(row["opens_at"])
        obj.closes_at = datetime.time.fromisoformat(row["closes_at"])
        obj.description = row["description"]

    _sync_rows(
        existing=service.schedules.order_by("id"),
        rows=snapshot["schedules"],
        make=lambda: Schedule(service=service),
        update=schedule_update,
        user=user,
        reason=reason,
    )

    def closure_update(obj, row, index):
        obj.starts_on = datetime.date.fromisoformat(row["starts_on"])
        obj.ends_on = datetime.date.fromisoformat(row["ends_on"])
        obj.description = row["description"]

    _sync_rows(
        existing=service.closures.all(),
        rows=snapshot["closures"],
        make=lambda: Closure(service=service),
        update=closure_update,
        user=user,
        reason=reason,
    )
    return service


def _apply_location(*, location: Location, snapshot: dict, user, reason: str) -> Location:
    for name, value in snapshot["fields"].items():
        setattr(location, name, value)
    location.full_clean()
    _history(location, user, reason).save()
    search_points_refresh(location_ids=[location.pk])
    directory_changed()
    return location


def _unique_slug(base: str) -> str:
    base = base[:150]
    slug, n = base, 2
    while Service.objects.filter(slug=slug).exists():
        slug, n = f"{base}-{n}", n + 1
    return slug


def _copy_service(*, service: Service, location: Location, user, reason: str) -> Service:
    """A new listing for the same service at another of the organisation's locations."""
    snapshot = service_snapshot(service)
    terms = list(service.attributes.values_list("term_id", flat=True))
    areas = list(service.service_areas.all())
    copy = Service.objects.get(pk=service.pk)
    copy.pk = copy.id = None
    copy.hsds_id = uuid.uuid4()
    copy._state.adding = True
    copy.slug = _unique_slug(slugify(f"{service.slug}-{location.city or location.name}"))
    copy.search_vector = None
    copy.last_verified = _today()
    copy.full_clean(exclude=["search_vector"])
    _history(copy, user, reason).save()
    _apply_service(service=copy, snapshot=snapshot, user=user, reason=reason)
    for term_id in terms:
        copy.attributes.create(term_id=term_id)
    for area in areas:
        area.pk = area.id = None
        area.hsds_id = uuid.uuid4()
        area._state.adding = True
        area.service = copy
        area.save()
    ServiceAtLocation.objects.create(service=copy, location=location)
    return copy


@transaction.atomic
def change_request_approve(
    *, change: ChangeRequest, reviewer: AbstractBaseUser, reason: str = ""
) -> ChangeRequest:
    """Publish an approved change atomically; raise Conflict if the listing moved underneath it."""
    change = ChangeRequest.objects.select_for_update().get(pk=change.pk)
    if change.status != Status.SUBMITTED:
        raise NotAllowed("Only a change waiting for review can be approved.")
    who = change.created_by.email if change.created_by else "a provider"
    history_reason = f"Change {change.pk} by {who}" + (f": {change.note}" if change.note else "")
    if change.kind == Kind.COPY:
        service = Service.objects.select_for_update().get(pk=change.service_id)
        location = Location.objects.get(pk=change.proposed["location"], organization=change.organisation)
        change.result_service = _copy_service(
            service=service, location=location, user=reviewer, reason=history_reason
        )
    elif change.kind == Kind.SERVICE:
        service = Service.objects.select_for_update().get(pk=change.service_id)
        current = service_snapshot(service)
        clashes = conflicts(base=change.base, proposed=change.proposed, current=current)
        if clashes:
            raise Conflict(clashes)
        snapshot = merged(base=change.base, proposed=change.proposed, current=current)
        change.result_service = _apply_service(
            service=service, snapshot=snapshot, user=reviewer, reason=history_reason
        )
    else:
        location = Location.objects.select_for_update().get(pk=change.location_id)
        current = location_snapshot(location)
        clashes = conflicts(base=change.base, proposed=change.proposed, current=current)
        if clashes:
            raise Conflict(clashes)
        snapshot = merged(base=change.base, proposed=change.proposed, current=current)
        _apply_location(location=location, snapshot=snapshot, user=reviewer, reason=history_reason)
    if change.result_service is not None:
        search_vector_refresh(service_ids=[change.result_service.pk])
    change.status = Status.APPROVED
    change.reviewed_by = reviewer
    change.reviewed_at = timezone.now()
    change.review_reason = reason
    change.save()
    return change


@transaction.atomic
def service_confirm_current(*, service: Service, user: AbstractBaseUser) -> Service:
    """The provider says the listing is still correct: stamp last_verified, with a history record."""
    service = Service.objects.select_for_update().get(pk=service.pk)
    service.last_verified = _today()
    _history(service, user, f"Confirmed still correct by {user.email}").save(
        update_fields=["last_verified", "updated_at"]
    )
    return service
