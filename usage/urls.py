from django.urls import path

from usage import views

app_name = "usage"
urlpatterns = [
    path("", views.stats, name="stats"),
    path("about/", views.stats_about, name="stats-about"),
    path("data.csv", views.stats_csv, name="stats-csv"),
    path("data.json", views.stats_json, name="stats-json"),
]
