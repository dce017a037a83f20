import pytest
from django.test import Client


@pytest.mark.django_db
def test_result_pages_point_search_engines_to_the_search_page_itself(gazetteer):
    html = Client().get("/services/", {"near": "3121", "q": "anger"}).content.decode()
    assert '<link rel="canonical" href="http://127.0.0.1:8000/services/">' in html
    assert "noindex" not in html
