from django.contrib import admin
from django.urls import include, path

from config import views
from services_directory.views import gp_printable_list

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("providers/admin/", admin.site.urls),
    # --- services directory: staff "try a search" (needs the session, so under /providers/) ---
    path("providers/search-debug/", include("services_directory.staff_urls")),
    path("providers/", include("providers.urls")),
    path("check/", include("selfcheck.urls")),
    path("services/", include("services_directory.urls")),
    path("stats/", include("usage.urls")),
    # --- HSDS open data API (services_directory/api.py, docs/hsds.md) ---
    path("api/hsds/", include("services_directory.api_urls")),
    # Before content's gp/<slug>/ pages: the GP corner's printable list is built from the directory.
    path("gp/services/", gp_printable_list, name="gp-services"),
    path("", include("content.urls")),
]

handler400 = "config.views.bad_request"
handler403 = "config.views.permission_denied"
handler404 = "config.views.page_not_found"
handler500 = "config.views.server_error"
