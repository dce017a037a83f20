"""Pieces that keep visitors' network details out of everything we store or log."""

from __future__ import annotations

import logging
import re

_QUERY = re.compile(r"\?[^\s\"]*")


class StripRequestFilter(logging.Filter):
    """Drop the request object from log records and query strings from request lines.

    Django attaches the request to error records (its repr carries headers, among them the visitor's
    address and user agent), and runserver logs the full request line, whose query string can hold
    what someone searched for. Neither belongs in a log.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        if hasattr(record, "request"):
            record.request = None
        if record.name == "django.server" and record.args:
            record.args = tuple(_QUERY.sub("", a) if isinstance(a, str) else a for a in record.args)
        return True


def no_client_ip(request) -> None:
    """django-axes hook: lock-outs work by account, so no address is ever recorded."""
    return None


def no_client_str(username, ip_address, user_agent, path_info, request) -> str:
    """django-axes hook: the text it logs for an attempt names the account only."""
    return f"username={username!r}"
