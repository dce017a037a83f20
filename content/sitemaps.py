from django.contrib.sitemaps import Sitemap
from django.urls import reverse

from content import pages


class StaticViewSitemap(Sitemap):
    changefreq = "monthly"

    def items(self) -> list[str]:
        return [
            "home",
            "guides",
            "gp",
            "for-services",
            "languages",
            "selfcheck:start",
            "services_directory:search",
            "usage:stats",
        ]

    def location(self, item: str) -> str:
        return reverse(item)


class ContentPageSitemap(Sitemap):
    changefreq = "monthly"

    def items(self) -> list[pages.Page]:
        return pages.all_pages()

    def location(self, item: pages.Page) -> str:
        return item.url

    def lastmod(self, item: pages.Page):
        return item.reviewed


SITEMAPS = {"static": StaticViewSitemap, "pages": ContentPageSitemap}
