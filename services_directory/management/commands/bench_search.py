"""Time the directory search on the current database: five query shapes, server side.

Run after `generate_listings N` (see docs/performance.md). Each shape runs over random postcodes
(fixed seed), after a warm-up; the command prints p50/p95/max in ms, the number of SQL queries, how
much of the time was spent in them and how much was this process's own CPU time (steadier than wall
time on a shared machine), and with --explain the EXPLAIN ANALYZE of the heaviest query of the search
that spent longest in SQL. Times are taken without capturing queries (a second pass counts them).
Read-only.
"""

from __future__ import annotations

import random
import statistics
import time

from django.core.management.base import BaseCommand
from django.db import connection
from django.test.utils import CaptureQueriesContext

from config.runtime import tune_garbage_collector
from services_directory.models import Place
from services_directory.places import resolve_place
from services_directory.search import Filters, search_services

SHAPES = {
    "postcode only": {"query": "", "filters": Filters(), "place": True},
    "postcode + type": {"query": "", "filters": Filters(types=("mbcp",)), "place": True},
    "free text + postcode": {"query": "anger management", "filters": Filters(), "place": True},
    "free text nationwide": {"query": "counselling for blokes", "filters": Filters(), "place": False},
    "open now + filters": {
        "query": "",
        "filters": Filters(open_now=True, delivery=("in-person",), cost="free"),
        "place": True,
    },
}


class Command(BaseCommand):
    help = "Benchmark five search shapes (p50/p95 ms, queries)."

    def add_arguments(self, parser):
        parser.add_argument("--runs", type=int, default=40)
        parser.add_argument("--seed", type=int, default=7)
        parser.add_argument("--explain", action="store_true")
        parser.add_argument("--shape", action="append", choices=sorted(SHAPES), help="only these shapes")

    def handle(self, *args, runs: int, seed: int, explain: bool, shape: list[str] | None, **options):
        rng = random.Random(seed)  # noqa: S311 - reproducible sample, not security
        postcodes = sorted(set(Place.objects.values_list("postcode", flat=True)))
        sample = [rng.choice(postcodes) for _ in range(runs)]
        places = [p for p in (resolve_place(pc) for pc in sample) if isinstance(p, Place)]
        tune_garbage_collector()  # as gunicorn's workers do (config/gunicorn.conf.py)
        slowest = (0.0, None, None)
        only = set(shape or ())
        for name, shape in SHAPES.items():
            if only and name not in only:
                continue

            def run(place, shape=shape):
                search_services(
                    query=shape["query"],
                    place=place if shape["place"] else None,
                    filters=shape["filters"],
                    page=1,
                    demo=True,
                )

            run(places[0])  # warms caches
            # Timed without capturing queries: Django's query log formats every statement with its
            # parameters, which is not part of serving a search.
            timings, cpu_timings = [], []
            for place in places:
                started, cpu_started = time.perf_counter(), time.process_time()
                run(place)
                timings.append((time.perf_counter() - started) * 1000)
                cpu_timings.append((time.process_time() - cpu_started) * 1000)
            # Then again, capturing the queries: how many, and how long the database took.
            sql_timings, queries = [], 0
            for place in places:
                with CaptureQueriesContext(connection) as ctx:
                    run(place)
                sql_ms = sum(float(q["time"]) for q in ctx.captured_queries) * 1000
                sql_timings.append(sql_ms)
                queries = max(queries, len(ctx.captured_queries))
                if sql_ms > slowest[0]:
                    heaviest = max(ctx.captured_queries, key=lambda q: float(q["time"]))
                    slowest = (sql_ms, name, heaviest["sql"])
            timings.sort()
            p95 = timings[max(0, round(len(timings) * 0.95) - 1)]
            self.stdout.write(
                f"{name:24} p50 {statistics.median(timings):6.1f} ms  p95 {p95:6.1f} ms  "
                f"max {timings[-1]:6.1f} ms  queries {queries}  "
                f"(in SQL: p50 {statistics.median(sql_timings):5.1f} ms; Python CPU p50 "
                f"{statistics.median(cpu_timings):5.1f} ms)"
            )
        if explain and slowest[2] and connection.vendor == "postgresql":
            self.stdout.write(
                f"\nMost time in SQL: {slowest[1]} ({slowest[0]:.1f} ms in one search); its heaviest query:"
            )
            with connection.cursor() as cursor:
                cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + slowest[2])
                for (line,) in cursor.fetchall():
                    self.stdout.write(line)
