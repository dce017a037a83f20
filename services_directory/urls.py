from django.urls import path

from services_directory import views

app_name = "services_directory"
urlpatterns = [
    path("", views.search, name="search"),
    path("<slug:slug>/", views.detail, name="detail"),
    path("<slug:slug>/report/", views.report, name="report"),
]
