from django.urls import path

from services_directory import views

app_name = "services_directory"
urlpatterns = [path("", views.search, name="search")]
