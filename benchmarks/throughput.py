"""`make bench`, part 2: requests per second for the home page through gunicorn, as a ratio to a
static file (the stylesheet, served by whitenoise) from the same gunicorn, measured in one run with
wrk on 127.0.0.1 (issue 3). Writes "Throughput (make bench)" in docs/performance.md.

Run: python -m benchmarks.throughput   (needs wrk: apt-get install -y wrk)
Environment: BENCH_PORT (8019), BENCH_SECONDS (20 per URL), BENCH_CONNECTIONS (16), BENCH_THREADS (2).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import urllib.request

from benchmarks import machine
from benchmarks.report import table, write_section
from benchmarks.server import production_server

UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def wrk(url: str, *, seconds: int, connections: int, threads: int) -> dict[str, float]:
    out = subprocess.run(
        ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--latency", url],
        capture_output=True, text=True, check=True, timeout=seconds + 60,
    ).stdout  # fmt: skip
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    latency = {}
    for pct in ("50", "90", "99"):
        value, unit = re.search(rf"\s{pct}%\s+([\d.]+)(us|ms|s)\b", out).groups()
        latency[pct] = float(value) * UNITS[unit]
    errors = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    socket_errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    requests = int(re.search(r"(\d+) requests in", out).group(1))
    return {"rps": rps, "p50": latency["50"], "p90": latency["90"], "p99": latency["99"], "requests": requests,
            "errors": int(errors.group(1)) if errors else 0,
            "socket": "connect {}, read {}, write {}, timeout {}".format(*socket_errors.groups()) if socket_errors else "none"}  # fmt: skip


def main() -> int:
    if not shutil.which("wrk"):
        print("wrk is not installed: apt-get install -y wrk")
        return 2
    port = int(os.environ.get("BENCH_PORT", "8019"))
    seconds = int(os.environ.get("BENCH_SECONDS", "20"))
    connections = int(os.environ.get("BENCH_CONNECTIONS", "16"))
    threads = int(os.environ.get("BENCH_THREADS", "2"))
    with production_server(port) as base:
        html = urllib.request.urlopen(base + "/", timeout=10).read().decode()
        stylesheet = re.search(r'href="(/static/[^"]+\.css)"', html).group(1)
        for url in (base + "/", base + stylesheet):  # warm up: imports, connections, caches
            wrk(url, seconds=2, connections=4, threads=1)
        home = wrk(base + "/", seconds=seconds, connections=connections, threads=threads)
        static = wrk(base + stylesheet, seconds=seconds, connections=connections, threads=threads)
        workers = os.environ.get("WEB_CONCURRENCY") or str(2 * (os.cpu_count() or 1) + 1)
    ratio = home["rps"] / static["rps"]
    rows = [
        [
            name,
            f"{r['rps']:.0f}",
            f"{r['p50']:.1f}",
            f"{r['p90']:.1f}",
            f"{r['p99']:.1f}",
            r["requests"],
            r["errors"],
            r["socket"],
        ]
        for name, r in (
            ("Home page `/` (Django)", home),
            (f"Static file `{stylesheet}` (whitenoise)", static),
        )
    ]
    gunicorn_threads = os.environ.get("GUNICORN_THREADS") or "1"  # config/gunicorn.conf.py's default
    body = "\n".join([
        f"Command: `make bench` (`python -m benchmarks.throughput`). Measured {machine.today()} on "
        f"{machine.describe()}.",
        "",
        f"One gunicorn (PRODUCTION=1, {workers} workers x {gunicorn_threads} thread(s), access log off) over "
        "PostgreSQL and "
        f"Redis; wrk with {threads} threads and {connections} connections, {seconds} s per URL, one after "
        "the other in the same run, on the same machine (wrk competes with gunicorn for the 2 cores).",
        "",
        table(["URL", "Requests/s", "p50 ms", "p90 ms", "p99 ms", "Requests", "Non-2xx", "Socket errors"], rows),
        "",
        "Socket errors, if any, are connections gunicorn closed while wrk held them open: each worker restarts "
        "after `max_requests` (2000, with jitter) and drops its keep-alive connections.",
        "",
        f"**Home page throughput is {ratio:.2f} x (i.e. {ratio:.0%}) that of a static file** served by the same "
        "gunicorn.",
    ])  # fmt: skip
    write_section("Throughput (make bench)", body)
    print(f"home {home['rps']:.0f} req/s, static {static['rps']:.0f} req/s, ratio {ratio:.2f}")
    return 0 if home["errors"] == 0 and static["errors"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
