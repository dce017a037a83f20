from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from providers import access, selectors


@access.signed_in
def dashboard(request: HttpRequest) -> HttpResponse:
    return render(request, "providers/dashboard.html", selectors.dashboard_for(user=request.user))
