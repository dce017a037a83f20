"""Refresh the directory from open data feeds (HSDS_SOURCES), and import HSDS files by hand.

Each source is one of: an HSDS 3.0 API base URL (https://example.org/api/hsds), an HSDS JSON file
(a URL ending .json, or a local path), or a CSV data package (a URL ending datapackage.json, or a local
directory). For each source, separately:

1. fetch with short timeouts, at most MAX_REDIRECTS redirects and MAX_SOURCE_BYTES in all (streamed:
   a bigger feed is refused before it is read whole);
2. validate and write in ONE transaction (services_directory.hsds.importing): failing records are
   skipped and reported; a source that is not HSDS at all is refused whole and changes nothing;
   services that disappeared from the source are deactivated, never deleted;
3. store a RefreshReport, shown to staff in the admin.

Network failures (timeouts, refused connections, 5xx) are FetchError: the Celery task retries them.
Everything else is final. Running a refresh twice gives the same directory.
"""

from __future__ import annotations

import http.client
import json
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urljoin, urlsplit

from django.conf import settings
from django.utils import timezone

from services_directory.hsds import importing, tabular
from services_directory.models import RefreshReport

CONNECT_TIMEOUT = 10  # seconds per network operation
SOURCE_DEADLINE = 120  # seconds for all requests of one source
MAX_SOURCE_BYTES = 20 * 1024 * 1024
MAX_REDIRECTS = 3
API_PAGE_SIZE = 100
MAX_API_PAGES = 50
CHUNK = 64 * 1024
USER_AGENT = "PauseDirectoryRefresh/1 (+HSDS 3.0)"


class FetchError(Exception):
    """A network failure worth retrying later."""


class _LimitedRedirects(urllib.request.HTTPRedirectHandler):
    max_redirections = MAX_REDIRECTS
    max_repeats = 1

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        if urlsplit(newurl).scheme not in ("http", "https"):
            raise importing.SourceRejected(f"redirect to a non-web address ({newurl[:100]})")
        return super().redirect_request(req, fp, code, msg, headers, newurl)


_opener = urllib.request.build_opener(_LimitedRedirects)


@dataclass
class Fetcher:
    """Fetches for one source, sharing one byte budget and one deadline."""

    budget: int = MAX_SOURCE_BYTES
    deadline: float = field(default_factory=lambda: time.monotonic() + SOURCE_DEADLINE)

    def get(self, url: str) -> bytes:
        if urlsplit(url).scheme not in ("http", "https"):
            raise importing.SourceRejected(f"not a web address: {url[:100]}")
        headers = {"User-Agent": USER_AGENT, "Accept": "application/json"}
        request = urllib.request.Request(url, headers=headers)  # noqa: S310 - http(s) only, checked above
        try:
            with _opener.open(request, timeout=CONNECT_TIMEOUT) as response:
                length = response.headers.get("Content-Length")
                if length and length.isdigit() and int(length) > self.budget:
                    raise importing.SourceRejected(
                        f"the feed is {int(length) // 1048576} MB; at most {MAX_SOURCE_BYTES // 1048576} MB is read"
                    )
                chunks = []
                while True:
                    if time.monotonic() > self.deadline:
                        raise FetchError("the source took too long to send its data")
                    chunk = response.read(CHUNK)
                    if not chunk:
                        break
                    self.budget -= len(chunk)
                    if self.budget < 0:
                        raise importing.SourceRejected(
                            f"the feed is larger than {MAX_SOURCE_BYTES // 1048576} MB: it was not read"
                        )
                    chunks.append(chunk)
                return b"".join(chunks)
        except urllib.error.HTTPError as error:
            if error.code in (301, 302, 303, 307, 308):
                raise importing.SourceRejected(f"too many redirects (more than {MAX_REDIRECTS})") from None
            if error.code >= 500 or error.code == 429:
                raise FetchError(f"the source answered {error.code}") from None
            raise importing.SourceRejected(f"the source answered {error.code} for {url[:200]}") from None
        except (urllib.error.URLError, http.client.HTTPException, OSError) as error:
            reason = getattr(error, "reason", error)
            raise FetchError(f"could not reach the source: {reason}") from None

    def get_json(self, url: str):
        body = self.get(url)
        try:
            return json.loads(body.decode("utf-8-sig"))
        except (UnicodeDecodeError, ValueError):
            raise importing.SourceRejected(f"{url[:200]} is not JSON") from None


# --- Reading a source -----------------------------------------------------------------------------------


def _api_dataset(base: str, fetcher: Fetcher) -> importing.Dataset:
    """Every service of an HSDS API: page through /services, then fetch each one fully nested."""
    base = base.rstrip("/")
    ids: list[str] = []
    for page in range(1, MAX_API_PAGES + 1):
        listing = fetcher.get_json(f"{base}/services?page={page}&per_page={API_PAGE_SIZE}")
        if not (isinstance(listing, dict) and isinstance(listing.get("contents"), list)):
            raise importing.SourceRejected("the /services answer is not an HSDS page (no contents)")
        ids += [str(item["id"]) for item in listing["contents"] if isinstance(item, dict) and "id" in item]
        if listing.get("last_page") is not False or not listing["contents"]:
            break
        if len(ids) > importing.MAX_RECORDS:
            raise importing.SourceRejected(f"more than {importing.MAX_RECORDS} services")
    if not ids:
        raise importing.SourceRejected("the API lists no services")
    records = [fetcher.get_json(f"{base}/services/{urllib.request.quote(i, safe='')}") for i in ids]
    return importing.Dataset(records)


def _datapackage_dataset(url: str, fetcher: Fetcher) -> importing.Dataset:
    descriptor = fetcher.get_json(url)
    try:
        paths = [str(r["path"]) for r in descriptor["resources"]]
    except (KeyError, TypeError):
        raise importing.SourceRejected("datapackage.json has no resources") from None
    tables = {}
    for path in paths:
        table = tabular.table_for_file(Path(path).name)
        if table is None:
            continue
        text = fetcher.get(urljoin(url, path)).decode("utf-8-sig", errors="replace")
        tables[table] = tabular.read_csv_text(text, table)
    if "service" not in tables:
        raise importing.SourceRejected("the data package has no services table")
    return importing.Dataset(tabular.services_from_tables(tables))


def source_dataset(source: str) -> importing.Dataset:
    """Read one configured source. Raises SourceRejected, tabular.NotTabular or FetchError."""
    if source.startswith(("http://", "https://")):
        fetcher = Fetcher()
        path = urlsplit(source).path
        try:
            if path.endswith("datapackage.json"):
                return _datapackage_dataset(source, fetcher)
            if path.endswith(".json"):
                return importing.dataset_from_payload(fetcher.get_json(source))
            return _api_dataset(source, fetcher)
        except tabular.NotTabular as error:
            raise importing.SourceRejected(str(error)) from None
    return importing.dataset_from_path(Path(source))


# --- Running and reporting ------------------------------------------------------------------------------


def _report(
    source: str, started, outcome: str, result: importing.ImportResult | None = None, message: str = ""
):
    problems = [p.as_dict() for p in result.problems] if result else []
    return RefreshReport.objects.create(
        source=source[:500],
        started_at=started,
        finished_at=timezone.now(),
        outcome=outcome,
        added=len(result.added) if result else 0,
        updated=len(result.updated) if result else 0,
        unchanged=len(result.unchanged) if result else 0,
        deactivated=len(result.deactivated) if result else 0,
        rejected=len({p["id"] for p in problems}),
        problems=problems[:1000],
        flagged=result.flagged if result else [],
        message=message[:2000],
    )


def source_refresh(*, source: str) -> RefreshReport:
    """Refresh from one source (skip failing records, deactivate missing services). FetchError propagates
    after its report is stored, so the task can retry; any other failure leaves the database as it was."""
    started = timezone.now()
    try:
        dataset = source_dataset(source)
        result = importing.dataset_import(
            dataset=dataset, source=source, whole=False, deactivate_missing=True
        )
    except importing.SourceRejected as error:
        return _report(source, started, RefreshReport.Outcome.REJECTED, message=str(error))
    except FetchError as error:
        _report(source, started, RefreshReport.Outcome.FAILED, message=str(error))
        raise
    except Exception as error:
        # Killed midway (a time limit, a crash): the transaction rolled back, so nothing changed.
        _report(source, started, RefreshReport.Outcome.FAILED, message=f"{type(error).__name__}: {error}")
        raise
    if result.problems and not (result.added or result.updated or result.unchanged):
        # Nothing valid at all: treat the source as not HSDS, and do not deactivate anything.
        return _report(
            source,
            started,
            RefreshReport.Outcome.REJECTED,
            result,
            message="No record in the source is valid HSDS.",
        )
    return _report(source, started, RefreshReport.Outcome.DONE, result)


def source_import(*, path: Path, source_url: str = "") -> RefreshReport:
    """import_hsds: all or nothing. A report is stored either way."""
    started = timezone.now()
    source = source_url or str(path.resolve())
    try:
        dataset = importing.dataset_from_path(path)
    except importing.SourceRejected as error:
        return _report(source, started, RefreshReport.Outcome.REJECTED, message=str(error))
    result = importing.dataset_import(dataset=dataset, source=source, whole=True)
    if not result.committed:
        return _report(
            source,
            started,
            RefreshReport.Outcome.REJECTED,
            result,
            message=f"{len(result.problems)} problems found.",
        )
    return _report(source, started, RefreshReport.Outcome.DONE, result)


SKIPPED_SOURCE = "(every source)"


def refresh_skipped_report(*, seconds_left: float, attempt: int) -> RefreshReport:
    """Record that a refresh did nothing because the lock was held, so staff see a gap, not a success."""
    now = timezone.now()
    return RefreshReport.objects.create(
        source=SKIPPED_SOURCE,
        started_at=now,
        finished_at=now,
        outcome=RefreshReport.Outcome.SKIPPED,
        message=(
            f"Another refresh held the lock (free in {seconds_left:.0f} s at most: a run still going, or "
            f"one whose worker died). Nothing was imported. Try {attempt + 1} of this run; it tries again "
            "when the lock is free."
        ),
    )


@dataclass
class RefreshSummary:
    reports: list[RefreshReport] = field(default_factory=list)
    network_failures: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {
            "reports": [r.pk for r in self.reports],
            "network_failures": self.network_failures,
        }


def directory_refresh(*, sources: list[str] | None = None) -> RefreshSummary:
    """Refresh from every configured source; one source failing does not stop the others."""
    summary = RefreshSummary()
    for source in settings.HSDS_SOURCES if sources is None else sources:
        try:
            summary.reports.append(source_refresh(source=source))
        except FetchError:
            summary.network_failures.append(source)
    return summary
