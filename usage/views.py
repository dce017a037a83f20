"""Public statistics: the page, the same figures as CSV and JSON, and a data dictionary."""

from __future__ import annotations

import csv
import io

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_safe

from usage.charts import bar_chart
from usage.selectors import MONTHLY_EVENTS, WHEN_EVENTS, Statistics, Table, public_statistics
from usage.suppression import THRESHOLD

# Figures change at most hourly; a short shared cache spares the database.
public_cache = cache_control(public=True, max_age=600)

CSV_FIELDS = ["table", "title", "category", "key", "label", "count", "shown_as", "period_start", "period_end"]


def side_by_side(tables: list[Table]) -> dict:
    """Several one-way tables over the same categories, as one table with a column each."""
    rows = [
        {"label": cells[0].label, "cells": cells}
        for cells in zip(*(table.rows for table in tables), strict=True)
    ]
    return {"measures": [t.measure for t in tables], "rows": rows, "totals": [t.total for t in tables]}


@require_safe
@public_cache
def stats(request: HttpRequest) -> HttpResponse:
    statistics = public_statistics()
    tables = statistics.tables
    context = {
        "statistics": statistics,
        "threshold": THRESHOLD,
        "hour_chart": bar_chart(tables["visit_by_hour"]),
        "hour_table": side_by_side([tables[f"{event}_by_hour"] for event in WHEN_EVENTS]),
        "weekday_chart": bar_chart(tables["visit_by_weekday"]),
        "weekday_table": side_by_side([tables[f"{event}_by_weekday"] for event in WHEN_EVENTS]),
        "month_chart": bar_chart(tables["visit_by_month"]),
        "month_table": side_by_side([tables[f"{event}_by_month"] for event in MONTHLY_EVENTS]),
        "sections": [
            {"table": tables[slug], "chart": bar_chart(tables[slug])}
            for slug in ("check_barrier", "search_by_state", "check_band")
        ],
    }
    return render(request, "usage/stats.html", context)


@require_safe
@public_cache
def stats_about(request: HttpRequest) -> HttpResponse:
    statistics = public_statistics()
    return render(
        request,
        "usage/stats_about.html",
        {"statistics": statistics, "threshold": THRESHOLD, "csv_fields": CSV_FIELDS},
    )


def _as_json(statistics: Statistics) -> dict:
    return {
        "title": "Pause: anonymous counts of how the site is used",
        "period": {"start": statistics.start.isoformat(), "end": statistics.end.isoformat()},
        "generated": timezone.now().isoformat(timespec="seconds"),
        "suppression": {
            "rule": f"Counts from 1 to {THRESHOLD - 1} are shown as '<{THRESHOLD}'. Other counts are "
            "hidden ('n.p.') where they would let a small count be worked out. Hidden counts are null.",
            "dictionary": "/stats/about/",
        },
        "tables": [
            {
                "id": table.slug,
                "title": table.title,
                "category": table.category,
                "measure": table.measure,
                "notes": table.notes,
                "rows": [
                    {"key": row.key, "label": row.label, "count": row.published, "shown_as": row.display}
                    for row in table.rows
                ],
                "total": {"count": table.total.published, "shown_as": table.total.display},
            }
            for table in statistics.tables.values()
        ],
    }


@require_safe
@public_cache
def stats_json(request: HttpRequest) -> JsonResponse:
    return JsonResponse(_as_json(public_statistics()), json_dumps_params={"indent": 1})


@require_safe
@public_cache
def stats_csv(request: HttpRequest) -> HttpResponse:
    statistics = public_statistics()
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(CSV_FIELDS)
    period = [statistics.start.isoformat(), statistics.end.isoformat()]
    for table in statistics.tables.values():
        for row in (*table.rows, table.total):
            count = "" if row.published is None else row.published
            writer.writerow(
                [table.slug, table.title, table.category, row.key, row.label, count, row.display, *period]
            )
    response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="pause-statistics.csv"'
    return response
