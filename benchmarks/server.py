"""Start the site as production runs it: gunicorn, PRODUCTION=1, collected static files (whitenoise
serves them hashed and gzip-compressed), PostgreSQL and Redis, on 127.0.0.1 only.

The database named by BENCH_DATABASE_URL (else DATABASE_URL, else the local `pause` database) is
migrated and given the seed data first; both steps are idempotent.
"""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / ".bench"
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/pause"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/15"


def database_url() -> str:
    return os.environ.get("BENCH_DATABASE_URL") or os.environ.get("DATABASE_URL") or DEFAULT_DATABASE_URL


def redis_url() -> str:
    return os.environ.get("BENCH_REDIS_URL") or os.environ.get("REDIS_URL") or DEFAULT_REDIS_URL


def production_env(port: int) -> dict[str, str]:
    return {
        **os.environ,
        "PRODUCTION": "1",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "DATABASE_URL": database_url(),
        "REDIS_URL": redis_url(),
        "ALLOWED_HOSTS": "127.0.0.1",
        "SITE_URL": f"http://127.0.0.1:{port}",
        # No TLS on the loopback: the proxy that terminates TLS in production is not here.
        "SECURE_SSL_REDIRECT": "0",
        "STATIC_ROOT": str(WORK / "static"),
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "WEB_CONCURRENCY": os.environ.get("WEB_CONCURRENCY", str(2 * (os.cpu_count() or 1) + 1)),
        "LOG_LEVEL": "WARNING",
        "PYTHONUNBUFFERED": "1",
    }


def manage(env: dict[str, str], *args: str) -> None:
    subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True)


def prepare(env: dict[str, str], *, seed: bool = True) -> None:
    """Migrate, load the seed data and collect the static files (each idempotent)."""
    manage(env, "migrate", "--noinput", "-v", "0")
    if seed:
        manage(env, "load_seed_data", "-v", "0")
    manage(env, "collectstatic", "--noinput", "-v", "0")


@contextmanager
def production_server(port: int, *, seed: bool = True, quiet_log: bool = True) -> Iterator[str]:
    """Yield the base URL of a production-mode gunicorn on 127.0.0.1:`port`; stop it afterwards."""
    WORK.mkdir(exist_ok=True)
    env = production_env(port)
    prepare(env, seed=seed)
    log_path = WORK / f"gunicorn-{port}.log"
    args = [sys.executable, "-m", "gunicorn", "-c", "config/gunicorn.conf.py", "config.wsgi"]
    if quiet_log:
        args += ["--access-logfile", "/dev/null"]  # the access log would cost CPU under load
    with log_path.open("w") as log:
        server = subprocess.Popen(args, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        base = f"http://127.0.0.1:{port}"
        try:
            wait_until_up(base, server, log_path)
            yield base
        finally:
            server.terminate()
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()


def wait_until_up(base: str, server: subprocess.Popen, log_path: Path, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"gunicorn exited:\n{log_path.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(base + "/healthz", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"gunicorn did not answer on {base} within {timeout} s")
