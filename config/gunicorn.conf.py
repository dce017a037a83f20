"""gunicorn settings for production (`make serve`). Environment variables override the defaults."""

import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", "3"))
# One thread per worker: the pages are CPU-bound Python, so a second thread in a process mostly
# waits for the GIL. Measured with `make load` on 2 cores: p95 200-230 ms with 2 threads, 110 ms with 1
# (docs/performance.md). With one thread gunicorn runs its sync worker, which expects a load balancer
# or proxy in front that buffers slow clients (docs/operations.md).
threads = int(os.environ.get("GUNICORN_THREADS", "1"))
timeout = 30
graceful_timeout = 30
keepalive = 5
max_requests = 2000
max_requests_jitter = 200
# Refuse oversized request lines and headers with 400 before Django sees them.
limit_request_line = 4094
limit_request_fields = 60
limit_request_field_size = 8190
accesslog = "-"
errorlog = "-"
# Privacy: no client address (%(h)s), no user agent (%(a)s), no referrer (%(f)s) and no query string
# (it can hold what someone searched for). Time, method, path, status, size and duration only.
access_log_format = '%(t)s "%(m)s %(U)s %(H)s" %(s)s %(B)s %(M)sms'
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")


def post_worker_init(worker):
    """Once the worker has loaded Django: fewer, cheaper garbage collections (config/runtime.py)."""
    from config.runtime import tune_garbage_collector

    tune_garbage_collector()
