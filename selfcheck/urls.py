from django.urls import path

from selfcheck import views

app_name = "selfcheck"
urlpatterns = [
    path("", views.start, name="start"),
    path("answers/", views.walk, name="walk"),
    path("back/", views.went_back, name="back"),
    path("helpful/", views.helpful, name="helpful"),
    path("notes/", views.notes, name="notes"),
    path("notes.txt", views.notes_download, name="notes-download"),
]
