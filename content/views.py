from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from content import pages

SECTION_TITLES = {
    "guides": "Guides",
    "gp": "For GPs",
    "for-services": "For services",
}


@require_safe
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "content/home.html", {"guides": pages.section_pages("guides")[:6]})


@require_safe
def section_index(request: HttpRequest, section: str) -> HttpResponse:
    return render(
        request,
        f"content/{section.replace('-', '_')}_index.html",
        {"section": section, "section_title": SECTION_TITLES[section], "pages": pages.section_pages(section)},
    )


@require_safe
def page_detail(request: HttpRequest, section: str, slug: str) -> HttpResponse:
    page = pages.get_page(section, slug)
    if page is None:
        raise Http404("No such page")
    return render(
        request,
        "content/page_detail.html",
        {"page": page, "section": section, "section_title": SECTION_TITLES[section]},
    )
