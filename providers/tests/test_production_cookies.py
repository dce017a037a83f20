"""The portal's cookies as a browser would get them in production (PRODUCTION=1, in a subprocess)."""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

pytestmark = pytest.mark.slow

SCRIPT = """
import json, django
django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0)
call_command("collectstatic", interactive=False, verbosity=0)
from django.contrib.auth import get_user_model
from django.test import Client
get_user_model().objects.create_user("p@example.org", "p@example.org", "a long test passphrase 1")
client = Client(HTTP_HOST="portal.example")
def cookies(response):
    return {name: {"value": bool(m.value), "secure": m["secure"], "httponly": m["httponly"],
                   "samesite": m["samesite"], "path": m["path"], "domain": m["domain"]}
            for name, m in response.cookies.items()}
page = client.get("/providers/sign-in/", secure=True)
signed = client.post("/providers/sign-in/", {"username": "p@example.org", "password": "a long test passphrase 1"}, secure=True)
public = client.get("/", secure=True)
print(json.dumps({"page": cookies(page), "signed": cookies(signed), "signed_status": signed.status_code,
                  "public": cookies(public), "public_status": public.status_code}))
"""


def test_portal_cookies_are_secure_prefixed_httponly_lax_and_scoped(tmp_path: Path):
    env = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "DEMO"}}
    env.update(
        PRODUCTION="1",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="portal.example",
        DATABASE_URL=f"sqlite:///{tmp_path / 'prod.sqlite3'}",
        REDIS_URL="redis://127.0.0.1:6379/13",
        DJANGO_SETTINGS_MODULE="config.settings",
        STATIC_ROOT=str(tmp_path / "static"),
    )
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    found = json.loads(result.stdout.strip().splitlines()[-1])
    expected = {"secure": True, "httponly": True, "samesite": "Lax", "path": "/providers/", "domain": ""}
    csrf = found["page"]["__Secure-csrftoken"]
    assert {k: csrf[k] for k in expected} == expected
    assert found["signed_status"] == 302
    session = found["signed"]["__Secure-sessionid"]
    assert {k: session[k] for k in expected} == expected
    assert set(found["page"]) == {"__Secure-csrftoken"}
    assert found["public"] == {}
