"""Staff pages of the directory. They live under PROVIDERS_PREFIX, the only part with a session."""

from django.urls import path

from services_directory import views

app_name = "directory_staff"
urlpatterns = [path("", views.search_debug, name="search-debug")]
