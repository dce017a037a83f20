from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from content import languages as language_data
from content import pages
from content.qr import qr_svg

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
        "content/section_index.html",
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


@require_safe
def gp_handout(request: HttpRequest) -> HttpResponse:
    """The one-page A4 patient handout: crisis numbers, what the site offers, a QR code to it."""
    return render(
        request,
        "content/handout_detail.html",
        {
            "page": pages.get_fragment("gp", "handout"),
            "qr_code": qr_svg(settings.SITE_URL + "/", title=f"QR code: {settings.SITE_URL}"),
            "site_address": settings.SITE_URL.split("://", 1)[-1],
        },
    )


@require_safe
def languages(request: HttpRequest) -> HttpResponse:
    """One short message in each community language: private site, 000, TIS 131 450 to reach a men's line."""
    data = language_data.language_help()
    return render(
        request,
        "content/languages.html",
        {
            "sections": language_data.rendered_sections(),
            "sources": data.sources,
            "ranking_source": data.ranking_source,
            "checked": data.checked,
        },
    )


@require_safe
def robots_txt(request: HttpRequest) -> HttpResponse:
    if settings.DISCREET_TITLES:
        lines = ["User-agent: *", "Disallow: /"]
    else:
        lines = ["User-agent: *", "Disallow: /providers/", f"Sitemap: {settings.SITE_URL}/sitemap.xml"]
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain; charset=utf-8")
