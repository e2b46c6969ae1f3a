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
    # The registry's versions (page cache), the page's own queries and the three counts, kept
    # as a fragment in the shared cache (whose round trips go through a connection of their
    # own); once cached, the counts cost nothing.
    with django_assert_num_queries(8):
        client.get(reverse("home"))
    with django_assert_num_queries(5):
        client.get(reverse("home") + "?again")


def test_admin_login_page_answers(client):
    assert client.get("/admin/login/").status_code == 200


@pytest.mark.parametrize(
    ("page", "heading"),
    [
        ("mentions-legales", "Mentions légales"),
        ("donnees-personnelles", "Données personnelles"),
        ("accessibilite", "Déclaration d'accessibilité"),
        ("plan-du-site", "Plan du site"),
    ],
)
def test_pages_required_of_a_french_public_site(
    client, page, heading, django_assert_max_num_queries
):
    with django_assert_max_num_queries(2):
        response = client.get(reverse("legal", args=[page]))
    assert response.status_code == 200
    assert f"<h1>{heading}</h1>" in response.content.decode().replace("&#x27;", "'")
    assert reverse("legal", args=[page]) in client.get(reverse("home")).content.decode()


def test_sections_are_not_shadowed_by_the_legal_pages(client):
    for url in ("/acteurs/", "/agenda/", "/documents/", "/territoires/", "/thematiques/"):
        assert client.get(url).status_code == 200


def test_site_plan_lists_at_most_thirty_top_level_initiatives(client, make_initiative):
    for number in range(31):
        make_initiative(f"Programme {number:02d}")
    make_initiative("Aaa brouillon", state=PublicationState.DRAFT)
    html = client.get(reverse("legal", args=["plan-du-site"])).content.decode()
    assert "Programme 29" in html and "Programme 30" not in html  # the first 30, A to Z
    assert "brouillon" not in html.lower()
    assert '<li><a href="/initiatives/">Toutes les initiatives</a></li>' in html
