import pytest
from django.urls import reverse

from initiatives.models import Event, Milestone, PublicationState

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


def test_home_counts_only_published_records(client, make_initiative):
    make_initiative("Programme public")
    make_initiative("Programme en brouillon", state=PublicationState.DRAFT)
    response = client.get(reverse("home"))
    assert response.context["initiative_count"] == 1
    assert "Programme en brouillon" not in response.content.decode()


@pytest.mark.parametrize("extra", [0, 30])
def test_home_query_count_does_not_grow(client, make_initiative, django_assert_num_queries, extra):
    for number in range(extra):
        initiative = make_initiative()
        Milestone.objects.create(initiative=initiative, date=str(1990 + number), title="Jalon")
        Event.objects.create(
            initiative=initiative, title="Atelier", kind="workshop", start=str(1990 + number),
            status="held",
        )  # fmt: skip
    with django_assert_num_queries(7):
        client.get(reverse("home"))


def test_admin_login_page_answers(client):
    assert client.get("/admin/login/").status_code == 200
