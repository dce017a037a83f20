"""Staff pages of the directory. They live under PROVIDERS_PREFIX, the only part with a session."""

from django.urls import path

from providers.access import staff
from services_directory import views

app_name = "directory_staff"
# providers.access.staff asks for the second factor too (staff_member_required alone does not), and
# stamps the view so the portal's URL walk (providers/tests/test_access_matrix.py) accepts it.
urlpatterns = [path("", staff(views.search_debug), name="search-debug")]
