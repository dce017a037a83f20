from django.urls import path

from selfcheck import views

app_name = "selfcheck"
urlpatterns = [
    path("", views.start, name="start"),
    path("answers/", views.walk, name="walk"),
    path("plan/", views.plan, name="plan"),
    path("helpful/", views.helpful, name="helpful"),
]
