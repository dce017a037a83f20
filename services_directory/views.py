"""Directory pages: search, a service, reporting a problem with a listing, and the staff search check.

Public pages set no cookies and store nothing of the search; the query lives in the URL.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.admin.views.decorators import staff_member_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_safe

from services_directory import selectors
from services_directory.forms import COST_LABELS, ListingReportForm, parse_search, term_choices
from services_directory.models import LANGUAGE_NAMES, Place, Service
from services_directory.places import Ambiguous, NotFound, resolve_place
from services_directory.search import RADIUS_CHOICES, Filters, clean_query, search_services
from services_directory.services import ReportRateLimited, listing_report_create
from usage.counter import count


def _search_context(request: HttpRequest, *, explain: bool = False) -> dict:
    choices = term_choices()
    params = parse_search(request.GET, choices)
    place = None
    place_problem = None
    if params.near:
        resolved = resolve_place(params.near)
        if isinstance(resolved, Place):
            place = resolved
        else:
            place_problem = resolved
    result = None
    if params.is_search and not isinstance(place_problem, Ambiguous):
        result = search_services(
            query=params.q,
            place=place,
            filters=params.filters,
            page=params.page,
            radius_km=params.radius_km,
            explain=explain,
        )
    elif not params.is_search or place_problem:
        # The bare page (or a place to choose) still shows the lines open now, nationwide.
        result = search_services(query="", place=None, filters=params.filters, page=1)
    query_without_page = request.GET.copy()
    query_without_page.pop("page", None)
    return {
        "params": params,
        "choices": choices,
        "cost_labels": COST_LABELS,
        "languages": sorted(LANGUAGE_NAMES.items(), key=lambda kv: kv[1]),
        "radius_choices": RADIUS_CHOICES,
        "place": place,
        "ambiguous": place_problem if isinstance(place_problem, Ambiguous) else None,
        "not_found": place_problem if isinstance(place_problem, NotFound) else None,
        "result": result,
        "query_without_page": query_without_page.urlencode(),
        "while_you_wait": _while_you_wait(result),
        # A search ran and its place (if any) was understood: the form folds to one line.
        "result_shown": params.is_search and not place_problem,
        "place_short": _short_label(place),
    }


# Postal names that are not where anyone lives ("City Delivery Centre, Perth, Perth GPO").
POSTAL_ONLY = ("delivery centre", "mail centre", "gpo", "po box", "business centre")


def _short_label(place: Place | None) -> str:
    """ "Liverpool NSW 2170" for a postcode's place ("Liverpool, Casula and nearby"): one line on a
    phone, named after a locality people live in when there is one."""
    if place is None:
        return ""
    parts = [p.strip() for p in place.locality.split(",") if p.strip()] or [place.locality]
    lived = [
        p
        for p in parts
        if not any(word in p.lower() for word in POSTAL_ONLY) and not p.lower().endswith(" po")
    ]
    name = (lived or parts)[0].removesuffix(" and nearby")
    return f"{name} {place.state} {place.postcode}"


def _while_you_wait(result) -> list[Service]:
    if result is None or not any(h.service.intake_status == "waitlist" for h in result.local):
        return []
    return selectors.while_you_wait(demo=settings.DEMO)


@require_safe
def search(request: HttpRequest) -> HttpResponse:
    context = _search_context(request)
    params, place = context["params"], context["place"]
    if params.is_search and params.page == 1:
        count("search")
        if place is not None:
            count("search", state=place.state)
        for code in params.filters.types[:3]:
            count("search", type=code)
    return render(request, "services_directory/search.html", context)


@require_safe
def detail(request: HttpRequest, slug: str) -> HttpResponse:
    service = selectors.service_detail(slug=slug, demo=settings.DEMO)
    now = timezone.now()
    locations = [sal.location for sal in service.service_at_locations.all()]
    location = locations[0] if locations else None
    # The visitor's place, carried in the link from the results (?near=6000 WA), so that a line kept
    # in each state's local time is judged in his. Anything else in `near` is ignored, never an error.
    near = clean_query(request.GET.get("near") or "")[:100]
    resolved = resolve_place(near) if near else None
    place = resolved if isinstance(resolved, Place) else None
    hours = selectors.service_hours(service, now=now, place=place, location=location)
    count("listing_view", service=service.slug[:60])
    return render(
        request,
        "services_directory/service_detail.html",
        {
            "service": service,
            "hours": hours,
            "place": place,
            "locations": locations,
            "types": selectors.terms_of(service, "service-type"),
            "audiences": selectors.terms_of(service, "audience"),
            "delivery": selectors.terms_of(service, "delivery"),
            "referral": selectors.terms_of(service, "referral"),
            "while_you_wait": selectors.while_you_wait(demo=settings.DEMO)
            if service.intake_status == "waitlist"
            else [],
        },
    )


@require_http_methods(["GET", "HEAD", "POST"])
def report(request: HttpRequest, slug: str) -> HttpResponse:
    service = get_object_or_404(Service.objects.visible(demo=settings.DEMO), slug=slug)
    status = 200
    if request.method == "POST":
        form = ListingReportForm(request.POST)
        if form.is_valid():
            try:
                listing_report_create(
                    service=service,
                    problem=form.cleaned_data["problem"],
                    details=form.cleaned_data["details"],
                )
            except ReportRateLimited:
                return render(
                    request, "services_directory/report_busy.html", {"service": service}, status=429
                )
            count("listing_report")
            return render(request, "services_directory/report_done.html", {"service": service})
        status = 400
    else:
        form = ListingReportForm()
    return render(
        request,
        "services_directory/report_form.html",
        {"service": service, "form": form, "action": reverse("services_directory:report", args=[slug])},
        status=status,
    )


@staff_member_required
@require_safe
def search_debug(request: HttpRequest) -> HttpResponse:
    """Staff only: what a search matched and why (words, synonyms, tsquery, ranks, distances)."""
    context = _search_context(request, explain=True)
    return render(request, "services_directory/search_debug.html", context)


@require_safe
def gp_printable_list(request: HttpRequest) -> HttpResponse:
    """A printable list of the lines open to everyone and the services near a postcode, for GPs."""
    near = (request.GET.get("near") or "").strip()[:100]
    place = resolved = result = None
    if near:
        resolved = resolve_place(near)
        if isinstance(resolved, Place):
            place = resolved
            result = search_services(
                query="", place=place, filters=Filters(), page=1, radius_km=50, pin_crisis=True
            )
    if result is None:
        result = search_services(query="", place=None, filters=Filters(), page=1, pin_crisis=True)
    return render(
        request,
        "services_directory/gp_list.html",
        {
            "near": near,
            "place": place,
            "ambiguous": resolved if isinstance(resolved, Ambiguous) else None,
            "not_found": resolved if isinstance(resolved, NotFound) else None,
            "result": result,
            "printed_on": timezone.localdate(),
        },
    )
