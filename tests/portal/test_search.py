import pytest
from django.urls import reverse

from actors.models import Organisation
from initiatives.models import Document, Event, PublicationState
from portal.search import highlighted

pytestmark = pytest.mark.django_db
SEARCH = reverse("search")


def hits(response, section="initiatives"):
    for found in response.context["sections"]:
        if found.key == section:
            return [str(hit) for hit in found.hits]
    return []


def test_ignores_accents_and_case(client, make_initiative):
    make_initiative("Réseau régional Économie circulaire")
    assert hits(client.get(SEARCH, {"q": "economie circulaire"})) == [
        "Réseau régional Économie circulaire"
    ]
    assert hits(client.get(SEARCH, {"q": "RÉSEAU"})) == ["Réseau régional Économie circulaire"]


def test_stems_french_words(client, make_initiative):
    make_initiative("Co-animation", body="La Région est le financeur principal.")
    assert hits(client.get(SEARCH, {"q": "financeurs"})) == ["Co-animation"]


def test_ranks_title_above_summary_above_body(client, make_initiative):
    make_initiative("Dans le corps", body="Une démarche de métropolisation.")
    make_initiative("Dans le résumé", summary="Une démarche de métropolisation.")
    make_initiative("Métropolisation du Bassin Minier")
    assert hits(client.get(SEARCH, {"q": "metropolisation"})) == [
        "Métropolisation du Bassin Minier",
        "Dans le résumé",
        "Dans le corps",
    ]


def test_snippets_highlight_matches_and_escape_the_rest(client, make_initiative):
    make_initiative("Ateliers", body="<script>alert(1)</script> Cinq ateliers thématiques.")
    html = client.get(SEARCH, {"q": "thematiques"}).content.decode()
    assert "<mark>thématiques</mark>" in html
    assert "<script>alert(1)</script>" not in html


def test_snippet_markup_is_escaped_before_marks_are_added():
    snippet = highlighted('<img src=x onerror="alert(1)"> \x02Bassin\x03 Minier')
    assert snippet == "&lt;img src=x onerror=&quot;alert(1)&quot;&gt; <mark>Bassin</mark> Minier"


def test_finds_actors_documents_and_events(client, make_initiative, make_organisation, make_person):
    initiative = make_initiative("Réseau picard")
    make_organisation("Auxilia Conseil", description="Bureau d'études parisien.")
    make_person("Kniaz", first_name="Eric", biography="Manager territorial.")
    Document.objects.create(
        title="Livre Blanc du Bassin Minier", slug="livre-blanc", kind="white_paper",
        publication_state="published",
    )  # fmt: skip
    Event.objects.create(
        initiative=initiative, title="Journée technique à Beauvais", kind="technical_day"
    )
    assert hits(client.get(SEARCH, {"q": "auxilia"}), "organisations") == ["Auxilia Conseil"]
    assert hits(client.get(SEARCH, {"q": "kniaz"}), "personnes") == ["Eric Kniaz"]
    assert hits(client.get(SEARCH, {"q": "livre blanc"}), "documents") == [
        "Livre Blanc du Bassin Minier"
    ]
    assert hits(client.get(SEARCH, {"q": "beauvais"}), "evenements") == [
        "Journée technique à Beauvais"
    ]


def test_tolerates_a_typo_in_a_short_query(client, make_initiative):
    make_initiative("Économie de la fonctionnalité")
    response = client.get(SEARCH, {"q": "econmie"})
    assert response.context["sections"] == []
    assert [str(hit) for hit in response.context["approximate"]] == [
        "Économie de la fonctionnalité"
    ]
    assert "Vouliez-vous dire" in response.content.decode()


def test_unrelated_words_are_not_suggested(client, make_initiative):
    make_initiative("Économie de la fonctionnalité")
    assert client.get(SEARCH, {"q": "zzzz"}).context["approximate"] == []


def test_never_shows_unpublished_records(client, make_initiative, make_organisation):
    make_initiative("Métropolisation secrète", state=PublicationState.DRAFT)
    make_initiative("Sous un brouillon", parent=make_initiative("x", state=PublicationState.REVIEW))
    make_organisation("Métropolisation SA", state=PublicationState.ARCHIVED)
    Event.objects.create(
        initiative=make_initiative("Cachée", state=PublicationState.DRAFT),
        title="Métropolisation : atelier",
        kind="workshop",
    )
    for query in ("metropolisation", "brouillon", "metropolisaton"):
        response = client.get(SEARCH, {"q": query})
        assert response.context["sections"] == []
        assert response.context["approximate"] == []
    assert Organisation.objects.count() == 1


def test_bad_input_is_a_clear_400(client):
    response = client.get(SEARCH, {"q": "x" * 500})
    assert response.status_code == 400
    assert "200 caractères" in response.content.decode()
    assert client.get(SEARCH, {"q": "a\x00b"}).status_code == 400


@pytest.mark.parametrize("query", ['"', "&", "!", "a & | b", ":*", "(", "<->", "-", "' OR 1=1 --"])
def test_query_syntax_never_breaks_the_search(client, make_initiative, query):
    make_initiative("Économie")
    assert client.get(SEARCH, {"q": query}).status_code == 200
