"""Django's PostgreSQL backend, with a short memory of a database that did not answer.

With a hung database (it accepts connections and never answers) every new connection costs the full
`connect_timeout`, and a page that makes several tries (or several workers, one each) piles them up.
After one failed connection this process fails the next ones at once for a few seconds
(config/breaker.py), so the page answers quickly with the 503 page that keeps the crisis line
(config.middleware.DatabaseUnavailableMiddleware).
"""

from __future__ import annotations

from django.db.backends.postgresql import base

from config import breaker


class DatabaseWrapper(base.DatabaseWrapper):
    def get_new_connection(self, conn_params):
        address = f"{conn_params.get('host')}:{conn_params.get('port')}/{conn_params.get('dbname')}"
        if breaker.is_down("database", address):
            raise self.Database.OperationalError("database skipped: a connection failed moments ago")
        try:
            connection = super().get_new_connection(conn_params)
        except Exception:
            breaker.mark_down("database", address)
            raise
        breaker.mark_up("database", address)
        return connection
