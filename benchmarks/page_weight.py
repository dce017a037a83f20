"""`make bench`, part 1: the home page's weight in production mode (issue 3: <= 30 KB, <= 6 requests).

Run: python -m benchmarks.page_weight  (starts its own gunicorn on 127.0.0.1:BENCH_PORT, default 8019)
"""

from __future__ import annotations

import os
import sys

from benchmarks import machine
from benchmarks.report import table, write_section
from benchmarks.server import production_server
from benchmarks.weight import chromium, kb, measure

BUDGET_BYTES = 30 * 1024
BUDGET_REQUESTS = 6


def main() -> int:
    port = int(os.environ.get("BENCH_PORT", "8019"))
    with production_server(port) as base, chromium() as browser:
        weight = measure(browser, base + "/")
    for url, kind, size in weight.requests:
        print(f"  {kind:<11} {kb(size):>9}  {url.removeprefix(base)}")
    ok = (
        weight.total_bytes <= BUDGET_BYTES
        and len(weight.requests) <= BUDGET_REQUESTS
        and not weight.blocking_scripts
        and not weight.fonts
        and not weight.outside
    )
    print(
        f"home page: {kb(weight.total_bytes)} in {len(weight.requests)} requests "
        f"(budget {kb(BUDGET_BYTES)}, {BUDGET_REQUESTS} requests); render-blocking scripts: "
        f"{len(weight.blocking_scripts)}; web fonts: {len(weight.fonts)}; other origins: {len(weight.outside)}"
        f" -> {'OK' if ok else 'OVER BUDGET'}"
    )
    rows = [[kind, f"`{url.removeprefix(base)}`", kb(size)] for url, kind, size in weight.requests]
    rows.append(["**total**", f"{len(weight.requests)} requests", f"**{kb(weight.total_bytes)}**"])
    write_section(
        "Home page weight (make bench)",
        "\n".join([
            f"Command: `make bench` (`python -m benchmarks.page_weight`). Measured {machine.today()} on "
            f"{machine.describe()}.",
            "",
            "Production mode (gunicorn, PRODUCTION=1, collected static files), headless Chromium with an empty "
            "cache asking for gzip. Bytes are headers plus compressed body as received.",
            "",
            table(["Type", "Request", "Transfer"], rows),
            "",
            f"Budget {kb(BUDGET_BYTES)} and {BUDGET_REQUESTS} requests; render-blocking scripts "
            f"{len(weight.blocking_scripts)}; web fonts {len(weight.fonts)}; requests to other origins "
            f"{len(weight.outside)}: **{'within budget' if ok else 'OVER BUDGET'}**.",
        ]),
    )  # fmt: skip
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
