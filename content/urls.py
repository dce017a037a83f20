from django.contrib.sitemaps.views import sitemap
from django.urls import path

from content import views
from content.sitemaps import SITEMAPS

urlpatterns = [
    path("", views.home, name="home"),
    path("guides/", views.section_index, {"section": "guides"}, name="guides"),
    path("guides/<slug:slug>/", views.page_detail, {"section": "guides"}, name="guide"),
    path("languages/", views.languages, name="languages"),
    path("robots.txt", views.robots_txt, name="robots"),
    path("sitemap.xml", sitemap, {"sitemaps": SITEMAPS}, name="sitemap"),
    path("gp/handout/", views.gp_handout, name="gp-handout"),
    path("gp/", views.section_index, {"section": "gp"}, name="gp"),
    path("gp/<slug:slug>/", views.page_detail, {"section": "gp"}, name="gp-page"),
    path("for-services/", views.section_index, {"section": "for-services"}, name="for-services"),
    path(
        "for-services/<slug:slug>/", views.page_detail, {"section": "for-services"}, name="for-services-page"
    ),
]
