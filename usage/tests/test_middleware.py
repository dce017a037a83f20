import pytest
from django.test import Client

from usage.aggregation import aggregate_usage
from usage.middleware import section_for
from usage.models import UsageCount


@pytest.mark.parametrize(
    ("path", "section"),
    [
        ("/", "home"),
        ("/check/", "check"),
        ("/services/", "services"),
        ("/services/some-service/", "services"),
        ("/guides/privacy/", "guides"),
        ("/gp/handout/", "gp"),
        ("/for-services/", "for-services"),
        ("/stats/", "stats"),
        ("/stats/data.csv", "stats"),
        ("/providers/", None),
        ("/providers/admin/", None),
        ("/static/css/site.css", None),
        ("/robots.txt", None),
        ("/healthz", None),
        ("/no-such-section/", None),
    ],
)
def test_sections(path, section):
    assert section_for(path) == section


@pytest.mark.django_db
def test_public_page_views_are_counted_by_section(clean_redis):
    client = Client()
    client.get("/")
    client.get("/stats/")
    client.get("/stats/about/")
    client.get("/no-such-page/")  # 404: not counted
    client.get("/providers/admin/login/")  # the portal: never counted
    aggregate_usage()
    counts = {
        (row.dimension, row.hour is not None): row.count for row in UsageCount.objects.filter(event="visit")
    }
    assert counts == {("section=home", False): 1, ("section=stats", False): 2, ("", True): 3}


@pytest.mark.django_db
def test_without_redis_views_are_counted_in_the_database(settings):
    settings.REDIS_URL = ""
    Client().get("/guides/")
    assert UsageCount.objects.get(event="visit", dimension="section=guides").count == 1
