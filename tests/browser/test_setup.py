"""The browser tests share a live server over the test database (tests/browser/conftest.py)."""

import pytest
from django.db import connection


@pytest.mark.django_db
def test_database_is_the_test_one():
    """Asking for `db` here makes pytest-django create the test database even when only the browser
    tests run; the live server then uses it rather than the development database."""
    assert connection.settings_dict["NAME"].startswith("test_") or connection.vendor == "sqlite"
