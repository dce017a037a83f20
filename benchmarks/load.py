"""`make load` (not in CI): locust, headless, 50 users for 2 minutes against gunicorn in production
mode over PostgreSQL and Redis on 127.0.0.1, with the mix in benchmarks/locustfile.py. Writes the
"Load" section of docs/performance.md: throughput, p50/p95/p99 and errors, overall and per request.

The data set: the 500,000 synthetic listings of `manage.py generate_listings` when that command exists
(generated once into the benchmark database, then reused), otherwise the seed data alone; the report
says which. Goal (issue 9): 0 errors and p95 < 200 ms.

Environment: BENCH_DATABASE_URL / BENCH_REDIS_URL (else DATABASE_URL / REDIS_URL), LOAD_USERS (50),
LOAD_SECONDS (120), LOAD_LISTINGS (500000), BENCH_PORT (8019).
"""

from __future__ import annotations

import csv
import os
import subprocess
import sys

from benchmarks import machine
from benchmarks.report import table, write_section
from benchmarks.server import ROOT, WORK, database_url, production_server


def synthetic_listings(env: dict[str, str]) -> int:
    code = (
        "from services_directory.models import Service;"
        "print(Service.objects.filter(is_synthetic=True).count())"
    )
    out = subprocess.run(
        [sys.executable, "manage.py", "shell", "-v", "0", "-c", code],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    lines = out.stdout.strip().splitlines()
    return int(lines[-1]) if out.returncode == 0 and lines and lines[-1].isdigit() else 0


def prepare_data_set(target: int) -> str:
    """Make sure the benchmark database holds `target` synthetic listings; describe the data set."""
    env = {**os.environ, "DATABASE_URL": database_url(), "PRODUCTION": ""}
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"], cwd=ROOT, env=env, check=True
    )
    subprocess.run([sys.executable, "manage.py", "load_seed_data", "-v", "0"], cwd=ROOT, env=env, check=True)
    listing = subprocess.run(
        [sys.executable, "manage.py", "help", "generate_listings"], cwd=ROOT, env=env, capture_output=True
    )
    if listing.returncode != 0:
        return "the seed data only (`generate_listings` is not available yet)"
    have = synthetic_listings(env)
    if have != target:
        print(f"Generating {target} synthetic listings (have {have}); this takes a few minutes, once.")
        subprocess.run(
            [sys.executable, "manage.py", "generate_listings", "--delete", str(target)],
            cwd=ROOT,
            env=env,
            check=True,
        )
        have = synthetic_listings(env)
    return f"the seed data plus {have:,} synthetic listings from `manage.py generate_listings`"


def main() -> int:
    users = int(os.environ.get("LOAD_USERS", "50"))
    seconds = int(os.environ.get("LOAD_SECONDS", "120"))
    target = int(os.environ.get("LOAD_LISTINGS", "500000"))
    port = int(os.environ.get("BENCH_PORT", "8019"))
    data_set = prepare_data_set(target)
    prefix = WORK / "load"
    with production_server(port, seed=False) as base:
        subprocess.run(
            [sys.executable, "-m", "locust", "-f", str(ROOT / "benchmarks" / "locustfile.py"), "--headless",
             "-u", str(users), "-r", "10", "-t", f"{seconds}s", "--stop-timeout", "10", "--host", base,
             "--csv", str(prefix), "--only-summary", "--loglevel", "WARNING", "--exit-code-on-error", "0"],
            cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)}, check=True, timeout=seconds + 120,
        )  # fmt: skip
    with open(f"{prefix}_stats.csv", newline="") as f:
        stats = list(csv.DictReader(f))
    total = next(row for row in stats if row["Name"] == "Aggregated")

    def row(r: dict) -> list:
        return [f"{r['Type']} `{r['Name']}`" if r["Name"] != "Aggregated" else "**All requests**",
                r["Request Count"], r["Failure Count"], f"{float(r['Requests/s']):.1f}",
                r["50%"], r["95%"], r["99%"], r["Max Response Time"].split(".")[0]]  # fmt: skip

    rows = [row(r) for r in stats if r["Name"] != "Aggregated"] + [row(total)]
    errors = int(total["Failure Count"])
    p95 = float(total["95%"])
    workers = os.environ.get("WEB_CONCURRENCY") or str(2 * (os.cpu_count() or 1) + 1)
    threads = os.environ.get("GUNICORN_THREADS") or "1"  # config/gunicorn.conf.py's default
    body = "\n".join([
        f"Command: `make load` (`python -m benchmarks.load`). Measured {machine.today()} on {machine.describe()}.",
        "",
        f"locust {users} users (spawned 10 a second, each waiting 0.5 to 2 s between actions) for {seconds} s "
        f"against one gunicorn (PRODUCTION=1, {workers} workers x {threads} thread{'s' if threads != '1' else ''}) over PostgreSQL and Redis, all "
        f"on this machine, which locust shares. Data set: {data_set}. Mix (benchmarks/locustfile.py): home 5, "
        "search 4, service page 3, guide 3, self-check walked to its result 2, HSDS API 2 (when present).",
        "",
        f"**Throughput {float(total['Requests/s']):.1f} requests/s; p50 {total['50%']} ms, p95 {total['95%']} ms, "
        f"p99 {total['99%']} ms; {errors} errors** (goal: 0 errors, p95 < 200 ms: "
        f"{'met' if errors == 0 and p95 < 200 else 'NOT met'}).",
        "",
        table(["Request", "Count", "Errors", "Requests/s", "p50 ms", "p95 ms", "p99 ms", "Max ms"], rows),
    ])  # fmt: skip
    write_section("Load", body)
    print(body)
    return 0 if errors == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
