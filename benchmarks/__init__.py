"""Measurements of the running site: page weight, Lighthouse, throughput and load (docs/performance.md).

Everything here talks to 127.0.0.1 only: a gunicorn started in production mode (PRODUCTION=1,
collected and compressed static files) over PostgreSQL and Redis, exactly as `make serve` runs it.
"""
