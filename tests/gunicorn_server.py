"""Run the site as production does (gunicorn with config/gunicorn.conf.py, PRODUCTION=1) for one test."""

from __future__ import annotations

import contextlib
import http.client
import os
import secrets
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(settings.BASE_DIR)


def production_env(tmp_path: Path) -> dict[str, str]:
    # DJANGO_ALLOW_ASYNC_UNSAFE is set for the browser tests' live server; production never has it.
    env = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "DEMO", "DJANGO_ALLOW_ASYNC_UNSAFE"}}
    env.update(
        PRODUCTION="1",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="127.0.0.1,localhost",
        DATABASE_URL=os.environ.get("DATABASE_URL") or f"sqlite:///{tmp_path / 'prod.sqlite3'}",
        REDIS_URL=os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/15",
        STATIC_ROOT=str(tmp_path / "static"),
    )
    return env


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def database_url_of_tests() -> str:
    db = settings.DATABASES["default"]
    return f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"


@contextlib.contextmanager
def gunicorn(tmp_path: Path, *, port: int, **env_overrides: str) -> Iterator[dict]:
    """gunicorn on 127.0.0.1:`port`, one worker; yields {"port", "log"} (its access and error log)."""
    env = production_env(tmp_path)
    env.update(GUNICORN_BIND=f"127.0.0.1:{port}", WEB_CONCURRENCY="1", **env_overrides)
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"], cwd=ROOT, env=env, check=True
    )
    log_path = tmp_path / "gunicorn.log"
    with log_path.open("w") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", "config/gunicorn.conf.py", "config.wsgi"],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        try:
            deadline = time.monotonic() + 30
            while True:
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                    break
                except OSError:
                    if process.poll() is not None or time.monotonic() > deadline:
                        pytest.fail(f"gunicorn did not start:\n{log_path.read_text()}")
                    time.sleep(0.1)
            yield {"port": port, "log": log_path}
        finally:
            process.terminate()
            process.wait(timeout=10)


def get(port: int, path: str, *, timeout: float = 40) -> tuple[int, dict, str, float]:
    """GET over HTTPS-as-seen-behind-the-proxy; returns status, headers, body and seconds taken."""
    started = time.monotonic()
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    connection.request("GET", path, headers={"Host": "127.0.0.1", "X-Forwarded-Proto": "https"})
    response = connection.getresponse()
    body = response.read().decode()
    connection.close()
    return response.status, dict(response.headers), body, time.monotonic() - started
