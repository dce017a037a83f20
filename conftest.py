"""Fixtures shared by every test: the real services, and skip-or-fail when one is missing."""

from __future__ import annotations

import os
import shutil

import pytest
from django.conf import settings

from tests.service_detection import services_required

pytest_plugins = ["tests.fixtures.services"]


def require(condition: bool, what: str) -> None:
    """Skip when a real service is missing, or fail when REQUIRE_SERVICES=1 (CI never skips)."""
    if condition:
        return
    if services_required():
        pytest.fail(f"{what} is required (REQUIRE_SERVICES=1) but not available")
    pytest.skip(f"{what} not available")


@pytest.fixture
def postgres(db):
    require(settings.DATABASES["default"]["ENGINE"].endswith("postgresql"), "PostgreSQL")


@pytest.fixture
def redis_url() -> str:
    require(bool(settings.REDIS_URL), "Redis")
    return settings.REDIS_URL


@pytest.fixture(scope="session")  # session-wide: the browser tests share one Chromium
def chromium_path() -> str:
    path = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
    require(bool(shutil.which(path)), "Chromium (apt-get install chromium)")
    return path


@pytest.fixture(autouse=True)
def _fresh_process_caches():
    """Each test starts without what an earlier one left in this process's caches (talk-now lines,
    taxonomy terms): a test's rolled-back listings must not show in the next one."""
    from services_directory import search, selectors

    clears = (search.clear_process_caches, selectors.clear_process_caches)
    for clear in clears:
        clear()
    yield
    for clear in clears:
        clear()
