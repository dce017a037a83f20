"""The HSDS 3.0 open data API at /api/hsds/ (read-only; docs/hsds.md).

Views parse the query, call a selector and serialise. Every answer is JSON: bad parameters give 400
with a message, unknown ids 404, other methods 405. Responses may be read by any web site (CORS `*`
for GET, `Cross-Origin-Resource-Policy: cross-origin`) and set no cookies.
"""

from __future__ import annotations

import datetime
import json
import uuid
from collections.abc import Callable
from functools import cache, wraps

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse, QueryDict
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.views.decorators.csrf import csrf_exempt

from services_directory.hsds import selectors, serialize
from services_directory.hsds.schemas import HSDS_VERSION, OPENAPI_URL, bundled_openapi
from services_directory.models import Taxonomy
from services_directory.places import PlaceError, is_valid_postcode, normalise_postcode
from usage.counter import count

DEFAULT_PER_PAGE = 50
MAX_PER_PAGE = 200
# full_service answers carry whole services (phones, hours, areas, places...): kept to a bounded size.
MAX_FULL_SERVICE_ORGANIZATIONS = 10
MAX_SERVICES_PER_ORGANIZATION = 50
MAX_PAGE = 1_000_000
MAX_SEARCH_CHARS = 200
MAX_PROXIMITY_M = 1_000_000
READ_METHODS = ("GET", "HEAD")
ALLOW = "GET, HEAD, OPTIONS"
TRUE_WORDS = {"true", "1", "yes"}
FALSE_WORDS = {"false", "0", "no"}


class ApiError(Exception):
    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.message = message
        self.status = status


def _error(message: str, status: int) -> JsonResponse:
    return JsonResponse({"error": message, "status": status}, status=status)


def _api_headers(response: HttpResponse, method: str) -> HttpResponse:
    response["Cross-Origin-Resource-Policy"] = "cross-origin"
    if method in (*READ_METHODS, "OPTIONS"):
        response["Access-Control-Allow-Origin"] = "*"
    response.setdefault("Cache-Control", "public, max-age=300")
    return response


def hsds_endpoint(view: Callable[..., dict | HttpResponse]) -> Callable[..., HttpResponse]:
    """Turn a view returning a dict (or a finished response) into a read-only JSON endpoint with the API's headers and errors."""

    @csrf_exempt  # read-only and cookie-free: nothing to forge
    @wraps(view)
    def endpoint(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if request.method == "OPTIONS":
            response = HttpResponse(status=204)
            response["Allow"] = ALLOW
            response["Access-Control-Allow-Methods"] = "GET, HEAD"
            response["Access-Control-Max-Age"] = "86400"
        elif request.method not in READ_METHODS:
            response = _error("This API is read-only: use GET.", 405)
            response["Allow"] = ALLOW
        else:
            try:
                data = view(request, *args, **kwargs)
            except ApiError as error:
                response = _error(error.message, error.status)
            except Http404:
                response = _error("Not found.", 404)
            else:
                if not isinstance(data, HttpResponse):
                    data = JsonResponse(data, json_dumps_params={"ensure_ascii": False})
                response = data
                count("visit", section="api")
        return _api_headers(response, request.method)

    return endpoint


# --- Parameters -----------------------------------------------------------------------------------------


class Params:
    """Typed access to the query string; every bad value raises ApiError (400) naming the parameter."""

    def __init__(self, query: QueryDict):
        self.query = query

    def text(self, name: str, max_chars: int = MAX_SEARCH_CHARS) -> str:
        value = self.query.get(name, "")
        if "\x00" in value:
            raise ApiError(f"{name} must not contain NUL characters.")
        if len(value) > max_chars:
            raise ApiError(f"{name} is too long (at most {max_chars} characters).")
        return value.strip()

    def integer(self, name: str, default: int, low: int, high: int) -> int:
        raw = self.query.get(name)
        if raw is None or raw == "":
            return default
        try:
            value = int(raw.strip())
        except ValueError:
            raise ApiError(f"{name} must be a whole number.") from None
        if not low <= value <= high:
            raise ApiError(f"{name} must be between {low} and {high}.")
        return value

    def boolean(self, name: str) -> bool:
        raw = self.query.get(name, "").strip().lower()
        if raw in ("", *FALSE_WORDS):
            return False
        if raw in TRUE_WORDS:
            return True
        raise ApiError(f"{name} must be true or false.")

    def hsds_id(self, name: str) -> uuid.UUID | None:
        """An id filter. A value that is not a UUID cannot match an HSDS id: it is kept as "no match"."""
        raw = self.text(name, max_chars=100)
        if not raw:
            return None
        try:
            return uuid.UUID(raw)
        except ValueError:
            return NO_MATCH

    def moment(self, name: str) -> datetime.datetime | None:
        raw = self.text(name, max_chars=40)
        if not raw:
            return None
        try:
            value = parse_datetime(raw)
            if value is None:
                day = parse_date(raw)
                if day is None:
                    raise ValueError
                value = datetime.datetime.combine(day, datetime.time())
        except ValueError:
            raise ApiError(f"{name} must be a date or date-time, e.g. 2026-11-28T09:00:00+10:00.") from None
        if timezone.is_naive(value):
            value = timezone.make_aware(value, datetime.UTC)
        return value

    def paging(self) -> tuple[int, int]:
        fmt = self.text("format", max_chars=20).lower()
        if fmt not in ("", "json"):
            raise ApiError("format must be json (ndjson is not offered).")
        return (
            self.integer("page", 1, 1, MAX_PAGE),
            self.integer("per_page", DEFAULT_PER_PAGE, 1, MAX_PER_PAGE),
        )


# A UUID no record has (uuid4 never has version 0): filters by a non-UUID value match nothing.
NO_MATCH = uuid.UUID(int=0)


def _uuid_or_404(value: str) -> uuid.UUID:
    try:
        return uuid.UUID(value)
    except ValueError:
        raise Http404 from None


def _postcode(text: str) -> str:
    try:
        postcode = normalise_postcode(text)
    except PlaceError:
        postcode = ""
    if not is_valid_postcode(postcode):
        raise ApiError("postcode must be an Australian postcode (four digits).")
    return postcode


def _service_filters(params: Params) -> dict:
    return {
        "search": params.text("search"),
        "taxonomy_term_id": params.hsds_id("taxonomy_term_id"),
        "taxonomy_id": params.hsds_id("taxonomy_id"),
        "organization_id": params.hsds_id("organization_id"),
        "modified_after": params.moment("modified_after"),
    }


# --- Endpoints ------------------------------------------------------------------------------------------


@hsds_endpoint
def root(request: HttpRequest) -> dict:
    return {
        "version": HSDS_VERSION,
        "profile": "https://openreferral.org/",
        "openapi_url": request.build_absolute_uri(reverse("hsds_api:openapi")),
        "title": f"{settings.SITE_NAME} services directory (HSDS {HSDS_VERSION})",
        "licence": "Listings may be reused with attribution; see the documentation.",
    }


@cache
def _openapi_document() -> bytes:
    doc = bundled_openapi(corrected=True)
    doc["info"] = {
        "title": f"{settings.SITE_NAME} services directory: HSDS {HSDS_VERSION} API",
        "version": HSDS_VERSION,
        "summary": "Read-only open data about services for men who want to change how they treat family.",
        "description": (
            f"The Open Referral HSDS {HSDS_VERSION} API (official description {OPENAPI_URL}, bundled so "
            "that it needs no network, with one correction: GET /service_at_locations/{id} returns a "
            "service at location). Licence of the description: CC BY-SA 4.0, Open Referral."
        ),
        "license": {"name": "CC BY-SA 4.0", "url": "https://creativecommons.org/licenses/by-sa/4.0/"},
    }
    doc["servers"] = [{"url": "/api/hsds"}]
    return json.dumps(doc, ensure_ascii=False, separators=(",", ":")).encode()


@hsds_endpoint
def openapi_document(request: HttpRequest) -> HttpResponse:
    """The official HSDS 3.0 openapi.json, bundled (about 3 MB: the official compiled schemas)."""
    return HttpResponse(_openapi_document(), content_type="application/json")


@hsds_endpoint
def service_list(request: HttpRequest) -> dict:
    params = Params(request.GET)
    page, per_page = params.paging()
    filters = _service_filters(params)
    minimal, full = params.boolean("minimal"), params.boolean("full")
    qs = selectors.services_filter(selectors.public_services(), **filters).order_by("name", "id")
    postcode_text = params.text("postcode", max_chars=20)
    if postcode_text:
        postcode = _postcode(postcode_text)
        qs = selectors.services_near_postcode(
            qs, place=selectors.place_for_postcode(postcode), postcode=postcode
        )
    qs = selectors.with_full_service(qs) if full else qs.select_related("organization")
    result = selectors.page_of(qs, page=page, per_page=per_page)
    now = timezone.now()
    if minimal:
        contents = [
            {
                "id": str(s.hsds_id),
                "name": s.name,
                "status": serialize.service_status(s),
                "last_modified": serialize.service_list_json(s)["last_modified"],
            }
            for s in result.items
        ]
    elif full:
        contents = [serialize.service_json(s, now=now) for s in result.items]
    else:
        contents = [serialize.service_list_json(s) for s in result.items]
    return result.envelope(contents)


@hsds_endpoint
def service_detail(request: HttpRequest, id: str) -> dict:
    qs = selectors.with_full_service(selectors.public_services())
    service = qs.filter(hsds_id=_uuid_or_404(id)).first()
    if service is None:
        raise Http404
    return serialize.service_json(service, now=timezone.now())


@hsds_endpoint
def organization_list(request: HttpRequest) -> dict:
    params = Params(request.GET)
    page, per_page = params.paging()
    search = params.text("search")
    full, full_service = params.boolean("full"), params.boolean("full_service")
    qs = selectors.organizations_filter(selectors.public_organizations(), search=search).order_by(
        "name", "id"
    )
    if full_service:
        # Bounded: at most MAX_FULL_SERVICE_ORGANIZATIONS organisations a page, each with at most
        # MAX_SERVICES_PER_ORGANIZATION services (the rest: /services?organization_id=...&full=true).
        per_page = min(per_page, MAX_FULL_SERVICE_ORGANIZATIONS)
    result = selectors.page_of(qs, page=page, per_page=per_page)
    if not (full or full_service):
        return result.envelope([serialize.organization_json(o) for o in result.items])
    services = _services_of(result.items, full_service=full_service)
    return result.envelope(
        [serialize.organization_json(o, services=services.get(o.pk, [])) for o in result.items]
    )


def _services_of(organizations: list, *, full_service: bool) -> dict[int, list[dict]]:
    """The public services of some organisations, in one query (plus prefetches when full)."""
    qs = selectors.first_services_of(organizations, limit=MAX_SERVICES_PER_ORGANIZATION)
    qs = selectors.with_full_service(qs) if full_service else qs.select_related("organization")
    now = timezone.now()
    grouped: dict[int, list[dict]] = {}
    for service in qs:
        data = (
            serialize.service_json(service, now=now) if full_service else serialize.service_list_json(service)
        )
        grouped.setdefault(service.organization_id, []).append(data)
    return grouped


@hsds_endpoint
def organization_detail(request: HttpRequest, id: str) -> dict:
    params = Params(request.GET)
    full_service = params.boolean("full_service")
    organization = selectors.public_organizations().filter(hsds_id=_uuid_or_404(id)).first()
    if organization is None:
        raise Http404
    services = _services_of([organization], full_service=full_service)
    return serialize.organization_json(organization, services=services.get(organization.pk, []))


@hsds_endpoint
def service_at_location_list(request: HttpRequest) -> dict:
    params = Params(request.GET)
    page, per_page = params.paging()
    filters = _service_filters(params)
    full = params.boolean("full")
    postcode_text = params.text("postcode", max_chars=20)
    proximity = params.integer("proximity", 0, 1, MAX_PROXIMITY_M) if params.query.get("proximity") else None
    qs = selectors.services_filter(selectors.public_service_at_locations(), prefix="service__", **filters)
    if postcode_text:
        postcode = _postcode(postcode_text)
        place = selectors.place_for_postcode(postcode)
        qs = selectors.near_postcode(qs, place=place, postcode=postcode, proximity_m=proximity)
    elif proximity is not None:
        raise ApiError("proximity needs a postcode.")
    qs = selectors.with_full_service_at_location(qs.order_by("service__name", "id"), nested=full)
    result = selectors.page_of(qs, page=page, per_page=per_page)
    now = timezone.now()
    contents = [
        serialize.service_at_location_json(sal, now=now, nested_service=True if full else None, full=full)
        for sal in result.items
    ]
    return result.envelope(contents)


@hsds_endpoint
def service_at_location_detail(request: HttpRequest, id: str) -> dict:
    qs = selectors.with_full_service_at_location(selectors.public_service_at_locations(), nested=True)
    sal = qs.filter(hsds_id=_uuid_or_404(id)).first()
    if sal is None:
        raise Http404
    return serialize.service_at_location_json(sal, now=timezone.now(), nested_service=True)


@hsds_endpoint
def taxonomy_list(request: HttpRequest) -> dict:
    params = Params(request.GET)
    page, per_page = params.paging()
    qs = selectors.taxonomies_filter(Taxonomy.objects.all(), search=params.text("search")).order_by(
        "slug", "id"
    )
    result = selectors.page_of(qs, page=page, per_page=per_page)
    return result.envelope([serialize.taxonomy_json(t) for t in result.items])


@hsds_endpoint
def taxonomy_detail(request: HttpRequest, id: str) -> dict:
    taxonomy = Taxonomy.objects.filter(hsds_id=_uuid_or_404(id)).first()
    if taxonomy is None:
        raise Http404
    return serialize.taxonomy_json(taxonomy)


@hsds_endpoint
def taxonomy_term_list(request: HttpRequest) -> dict:
    params = Params(request.GET)
    page, per_page = params.paging()
    qs = selectors.taxonomy_terms(
        search=params.text("search"),
        taxonomy_id=params.hsds_id("taxonomy_id"),
        top_only=params.boolean("top_only"),
        parent_id=params.hsds_id("parent_id"),
    )
    result = selectors.page_of(qs, page=page, per_page=per_page)
    return result.envelope([serialize.taxonomy_term_json(t) for t in result.items])


@hsds_endpoint
def taxonomy_term_detail(request: HttpRequest, id: str) -> dict:
    term = selectors.taxonomy_terms().filter(hsds_id=_uuid_or_404(id)).first()
    if term is None:
        raise Http404
    return serialize.taxonomy_term_json(term)


@hsds_endpoint
def not_found(request: HttpRequest, rest: str) -> dict:
    raise ApiError("No such endpoint. See /api/hsds/ and docs/hsds.md.", 404)
