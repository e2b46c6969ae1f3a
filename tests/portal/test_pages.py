import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_home_uses_the_base_template(client):
    response = client.get(reverse("home"))
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="fr">' in html
    assert 'href="#contenu"' in html and 'id="contenu"' in html
    assert "/static/css/site.css" in html
    assert "<header" in html and "<footer" in html
    assert html.count("<h1") == 1


def test_admin_login_page_answers(client):
    assert client.get("/admin/login/").status_code == 200
