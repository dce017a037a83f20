"""pytest plugin, loaded before pytest-django reads the settings (see `addopts` in pyproject.toml).

With DATABASE_URL / REDIS_URL unset, the suite uses PostgreSQL and Redis on 127.0.0.1 when they
answer, and the embedded default (SQLite, no Redis) otherwise. With REQUIRE_SERVICES=1 (CI) a
missing service stops the run with an error instead.
"""

from __future__ import annotations

import os
import socket
from urllib.parse import urlsplit

import pytest

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/pause"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/{db}"


def services_required() -> bool:
    return os.environ.get("REQUIRE_SERVICES", "") == "1"


def answers(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


def _url_answers(url: str, default_port: int) -> bool:
    parts = urlsplit(url)
    return answers(parts.hostname or "127.0.0.1", parts.port or default_port)


def configure_services() -> list[str]:
    missing = []
    if not os.environ.get("DATABASE_URL"):
        if answers("127.0.0.1", 5432):
            os.environ["DATABASE_URL"] = DEFAULT_DATABASE_URL
        else:
            missing.append("PostgreSQL on 127.0.0.1:5432")
    elif os.environ["DATABASE_URL"].startswith("postgres") and not _url_answers(
        os.environ["DATABASE_URL"], 5432
    ):
        missing.append("PostgreSQL at DATABASE_URL")
    if not os.environ.get("REDIS_URL"):
        if answers("127.0.0.1", 6379):
            # A database of its own, so the suite may flush it without touching development data.
            os.environ["REDIS_URL"] = DEFAULT_REDIS_URL.format(db=os.environ.get("TEST_REDIS_DB", "15"))
        else:
            missing.append("Redis on 127.0.0.1:6379")
    elif not _url_answers(os.environ["REDIS_URL"], 6379):
        missing.append("Redis at REDIS_URL")
    return missing


MISSING = configure_services()


def pytest_configure(config: pytest.Config) -> None:
    if MISSING and services_required():
        raise pytest.UsageError("REQUIRE_SERVICES=1 but these do not answer: " + ", ".join(MISSING))


def pytest_report_header(config: pytest.Config) -> str:
    database = os.environ.get("DATABASE_URL", "sqlite (embedded default)")
    redis = os.environ.get("REDIS_URL") or "none (embedded default)"
    return f"pause services: database={database.split('@')[-1]} redis={redis}"
