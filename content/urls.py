from django.urls import path

from content import views

urlpatterns = [
    path("", views.home, name="home"),
    path("guides/", views.section_index, {"section": "guides"}, name="guides"),
    path("guides/<slug:slug>/", views.page_detail, {"section": "guides"}, name="guide"),
    path("gp/", views.section_index, {"section": "gp"}, name="gp"),
    path("gp/<slug:slug>/", views.page_detail, {"section": "gp"}, name="gp-page"),
    path("for-services/", views.section_index, {"section": "for-services"}, name="for-services"),
    path(
        "for-services/<slug:slug>/", views.page_detail, {"section": "for-services"}, name="for-services-page"
    ),
]
