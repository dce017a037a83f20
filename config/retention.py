"""The retention purge: delete what docs/privacy.md says we keep only for a while.

Each rule names a model, the date that starts its clock, how long it is kept and which rows are
eligible. A model that is not installed is skipped, so the rules can name parts of the site that
are added later. Error and access logs are not in the database: log rotation keeps them 14 days.

Deleting rows older than a cut-off is idempotent: running the purge twice deletes nothing more.
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Callable
from dataclasses import dataclass

from django.apps import apps
from django.db import models, transaction
from django.utils import timezone

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Rule:
    label: str  # "app_label.ModelName"
    keep_days: int
    date_fields: tuple[str, ...]  # the first one the model has starts the clock
    eligible: Callable[[], models.Q] = models.Q
    why: str = ""


def _handled_reports() -> models.Q:
    return models.Q(status__in=["handled", "dismissed"])


RULES: tuple[Rule, ...] = (
    Rule(
        "services_directory.ListingReport",
        365,
        ("handled_at",),
        _handled_reports,
        "Handled listing reports: 12 months after they were handled. Open ones are kept.",
    ),
    Rule(
        "services_directory.RefreshReport",
        365,
        ("started_at",),  # always set, unlike finished_at (a run that crashed has none)
        why="Directory refresh reports: 12 months.",
    ),
    Rule(
        "usage.UsageBatch",
        30,
        ("moved_at",),
        why="Keys of usage batches already moved into the totals: 30 days.",
    ),
    Rule(
        "providers.Invitation",
        30,
        ("expires_at",),
        why="Invitations to the portal, used or not: 30 days after they expire.",
    ),
)
AUDIT_HISTORY_DAYS = 730  # portal audit history (django-simple-history): 24 months


def _model(label: str) -> type[models.Model] | None:
    try:
        return apps.get_model(label)
    except LookupError:
        return None


def _date_field(model: type[models.Model], candidates: tuple[str, ...]) -> str | None:
    names = {field.name for field in model._meta.get_fields()}
    return next((name for name in candidates if name in names), None)


def _history_models() -> list[type[models.Model]]:
    """The Historical* models django-simple-history made for every audited model."""
    from simple_history.models import HistoricalChanges

    return [
        model
        for model in apps.get_models()
        if issubclass(model, HistoricalChanges) and not model._meta.abstract
    ]


@transaction.atomic
def retention_purge(*, now: datetime.datetime | None = None) -> dict[str, int]:
    """Delete every row past its retention period; return how many rows each model lost."""
    now = now or timezone.now()
    deleted: dict[str, int] = {}
    for rule in RULES:
        model = _model(rule.label)
        if model is None:
            continue
        field = _date_field(model, rule.date_fields)
        if field is None:
            logger.error("Retention rule %s names no date field the model has", rule.label)
            continue
        cutoff = now - datetime.timedelta(days=rule.keep_days)
        rows = model._default_manager.filter(rule.eligible(), **{f"{field}__lt": cutoff})
        deleted[rule.label] = rows.delete()[1].get(rule.label, 0)
    history_cutoff = now - datetime.timedelta(days=AUDIT_HISTORY_DAYS)
    for model in _history_models():
        deleted[model._meta.label] = model._default_manager.filter(history_date__lt=history_cutoff).delete()[
            0
        ]
    return deleted
