"""URLs used only by tests: a public form that reads its body, and a view that fails."""

from django.http import HttpResponse
from django.urls import include, path
from django.views.decorators.http import require_POST


@require_POST
def echo_form(request):
    return HttpResponse(f"fields={len(request.POST)}")


def broken(request):
    raise RuntimeError("a bug")


urlpatterns = [
    path("test-only/echo/", echo_form),
    path("test-only/broken/", broken),
    path("", include("config.urls")),
]
handler400 = "config.views.bad_request"
handler403 = "config.views.permission_denied"
handler404 = "config.views.page_not_found"
handler500 = "config.views.server_error"
