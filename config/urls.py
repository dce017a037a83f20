from django.contrib import admin
from django.urls import include, path

from config import views

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("providers/admin/", admin.site.urls),
    path("providers/", include("providers.urls")),
    path("check/", include("selfcheck.urls")),
    path("services/", include("services_directory.urls")),
    path("stats/", include("usage.urls")),
    path("", include("content.urls")),
]

handler400 = "config.views.bad_request"
handler403 = "config.views.permission_denied"
handler404 = "config.views.page_not_found"
handler500 = "config.views.server_error"
