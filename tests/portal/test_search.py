import re
from html import unescape

import pytest
from django.core.management import call_command
from django.db import connection
from django.urls import reverse

from actors.models import Organisation
from initiatives.models import Document, Event, PublicationState
from portal.catalogue import search as search_module
from portal.catalogue.search import highlighted
from portal.models import SearchWord, words_in

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


def test_excerpts_show_the_rendered_text_never_markdown(client, make_initiative):
    make_initiative(
        "Club Noé",
        body="### Rétrospective sur l’action\n\n*Eric Kniaz, manager territorial : "
        "[le site](https://example.org/kniaz).*\n\n> **Un** point.",
    )
    (hit,) = client.get(SEARCH, {"q": "kniaz"}).context["sections"][0].hits
    assert hit.snippet_html == (
        # A dot marks each break between blocks; ts_headline ends an excerpt on a word.
        "Rétrospective sur l’action · Eric <mark>Kniaz</mark>, manager territorial\u202f: "
        "le site. · Un point"
    )


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


def suggestion(client, text):
    return client.get(SEARCH, {"q": text}).context["suggestion"]


def test_shows_the_results_of_the_corrected_query_when_the_query_finds_nothing(
    client, make_initiative
):
    make_initiative("Économie circulaire")
    make_initiative("Économie de la fonctionnalité")
    response = client.get(SEARCH, {"q": "economie circulere"})
    assert response.context["suggestion"] == "économie circulaire"
    assert hits(response) == ["Économie circulaire"]
    html = re.sub(r"[ \n]+", " ", unescape(response.content.decode()))
    assert (
        "Aucun résultat pour «\u202feconomie circulere\u202f»\u202f; "
        "1 résultat pour «\u202féconomie circulaire\u202f»."
    ) in html
    assert 'value="economie circulere"' in html  # the query stays as typed in the box


def test_corrects_each_mistyped_word_and_writes_them_as_the_registry_does(
    client, make_initiative, make_organisation
):
    make_initiative("Économie circulaire")
    make_organisation("Réseau des écoles")
    assert suggestion(client, "econmie circulare") == "économie circulaire"
    assert suggestion(client, "ECONOMIE circulare") == "ÉCONOMIE circulaire"
    assert suggestion(client, "Economie circulere") == "Économie circulaire"
    assert suggestion(client, "ecolles") == "écoles"  # an organisation's name is known too


def test_a_query_that_finds_something_is_not_corrected(client, make_initiative):
    make_initiative("Économie circulaire")
    make_initiative("Econmie, une coquille")
    response = client.get(SEARCH, {"q": "econmie"})
    assert (hits(response), response.context["suggestion"]) == (["Econmie, une coquille"], "")
    # Only accents missing is no typo: the accent-blind search found the records already.
    assert client.get(SEARCH, {"q": "economie"}).context["suggestion"] == ""


def test_unrelated_words_are_not_suggested(client, make_initiative):
    make_initiative("Économie de la fonctionnalité")
    assert suggestion(client, "zzzz") == ""
    assert suggestion(client, "x" * 41) == ""  # long queries are not corrected


def test_a_word_seen_only_in_drafts_is_never_suggested(client, make_initiative, make_organisation):
    make_initiative("Métropolisation secrète", state=PublicationState.DRAFT)
    make_organisation("Zorglub SA", state=PublicationState.REVIEW)
    assert not SearchWord.objects.filter(word__in=["metropolisation", "zorglub"]).exists()
    assert suggestion(client, "metropolisaton") == ""
    assert suggestion(client, "zorglob") == ""


def test_a_word_of_a_record_unpublished_since_is_not_suggested(
    client, make_initiative, make_organisation
):
    initiative = make_initiative("Métropolisation du littoral")
    organisation = make_organisation("Zorglub SA")
    assert suggestion(client, "metropolisaton") == "métropolisation"
    for record in (initiative, organisation):
        record.publication_state = PublicationState.ARCHIVED
        record.save()
    # The vocabulary is insert-only: the words stay, the check on public results hides them.
    assert SearchWord.objects.filter(word__in=["metropolisation", "zorglub"]).count() == 2
    assert suggestion(client, "metropolisaton") == ""
    assert suggestion(client, "zorglob") == ""
    SearchWord.objects.rebuild()
    assert not SearchWord.objects.filter(word__in=["metropolisation", "zorglub"]).exists()


def test_a_word_under_an_unpublished_parent_is_suggested_once_the_parent_is_published(
    client, make_initiative
):
    parent = make_initiative("Programme", state=PublicationState.DRAFT)
    make_initiative("Métropolisation du littoral", parent=parent)
    assert suggestion(client, "metropolisaton") == ""
    parent.publication_state = PublicationState.PUBLISHED
    parent.save()
    assert suggestion(client, "metropolisaton") == "métropolisation"


def test_rebuild_keeps_the_public_words_in_their_most_frequent_spelling(
    make_initiative, make_organisation
):
    make_initiative("Economie sociale")
    make_initiative("Économie circulaire")
    make_organisation("Agence de l'économie")
    make_initiative("Brouillon secret", state=PublicationState.DRAFT)
    hidden_parent = make_initiative("Parent", state=PublicationState.REVIEW)
    make_initiative("Enfant caché", parent=hidden_parent)
    SearchWord.objects.rebuild()
    words = dict(SearchWord.objects.values_list("word", "spelling"))
    assert words == {
        "agence": "agence",
        "circulaire": "circulaire",
        "economie": "économie",
        "sociale": "sociale",
    }


def test_words_are_letters_without_accents_or_case():
    assert list(words_in("Hauts-de-France : l'Œuvre de 2024, Noé")) == [
        ("hauts", "hauts"),
        ("france", "france"),
        ("oeuvre", "œuvre"),
        ("noe", "noé"),
    ]


def test_never_shows_unpublished_records(client, make_initiative, make_organisation):
    make_initiative("Métropolisation secrète", state=PublicationState.DRAFT)
    make_initiative("Sous un brouillon", parent=make_initiative("x", state=PublicationState.REVIEW))
    make_organisation("Métropolisation SA", state=PublicationState.ARCHIVED)
    Event.objects.create(
        initiative=make_initiative("Cachée", state=PublicationState.DRAFT),
        title="Métropolisation : atelier",
        kind="workshop",
    )
    for query in ("metropolisation", "brouillon", "metropolisaton", "brouillom"):
        response = client.get(SEARCH, {"q": query})
        assert response.context["sections"] == []
        assert response.context["suggestion"] == ""
    assert Organisation.objects.count() == 1


# Common words: bounded ranking and counts --------------------------------------------------


@pytest.fixture
def few_candidates(monkeypatch):
    monkeypatch.setattr(search_module, "CANDIDATES", 3)


def test_counts_exactly_up_to_the_bound(client, make_initiative, few_candidates):
    for number in range(3):
        make_initiative(f"Projet {number}", body="Un atelier sur le territoire.")
    response = client.get(SEARCH, {"q": "territoire"})
    [section] = response.context["sections"]
    assert (section.total, section.capped, response.context["capped"]) == (3, False, False)
    assert "3 résultats pour" in response.content.decode()


def test_beyond_the_bound_says_more_than_and_ranks_title_matches_first(
    client, make_initiative, few_candidates
):
    for number in range(4):
        make_initiative(f"Projet {number}", body="Un atelier sur le territoire.")
    make_initiative("Un territoire", body="Rien d'autre.")
    make_initiative("Territoires en transition", summary="Le territoire, encore le territoire.")
    response = client.get(SEARCH, {"q": "territoire"})
    [section] = response.context["sections"]
    assert (section.total, section.capped, response.context["capped"]) == (3, True, True)
    titles = [str(hit) for hit in section.hits]
    assert titles[:2] == ["Territoires en transition", "Un territoire"]
    # Completed by the best of the first matches found, whatever their title.
    assert titles[2:] and set(titles[2:]) <= {f"Projet {number}" for number in range(4)}
    html = response.content.decode()
    assert "Plus de 3 résultats pour" in html
    assert "Initiatives (plus de 3)" in html


def test_beyond_the_bound_every_section_is_ranked_on_its_own_titles(
    client, make_organisation, few_candidates
):
    for number in range(4):
        make_organisation(f"Association {number}", description="Au service du territoire.")
    make_organisation("Territoire et paysages", description="Aménagement.")
    response = client.get(SEARCH, {"q": "territoires"})
    [section] = response.context["sections"]
    assert section.key == "organisations" and section.capped
    assert str(section.hits[0]) == "Territoire et paysages"


def test_bad_input_is_a_clear_400(client):
    response = client.get(SEARCH, {"q": "x" * 500})
    assert response.status_code == 400
    assert "200 caractères" in response.content.decode()
    assert client.get(SEARCH, {"q": "a\x00b"}).status_code == 400


@pytest.mark.parametrize("query", ['"', "&", "!", "a & | b", ":*", "(", "<->", "-", "' OR 1=1 --"])
def test_query_syntax_never_breaks_the_search(client, make_initiative, query):
    make_initiative("Économie")
    assert client.get(SEARCH, {"q": query}).status_code == 200


def test_a_common_word_costs_a_bounded_number_of_queries(
    client, make_initiative, monkeypatch, django_assert_num_queries
):
    monkeypatch.setattr(search_module, "CANDIDATES", 10)
    for number in range(12):
        make_initiative(f"Territoire {number}", body="Un atelier sur le territoire.")
    # The page cache's version, the search's setting (no parallel workers), then for the
    # initiatives: the first matches counted and ranked, the words of the query, the ranking
    # of the title matches; the other sections: one empty reading of their first matches.
    with django_assert_num_queries(1 + 1 + 3 + 4):
        response = client.get(SEARCH, {"q": "territoire"})
    [section] = response.context["sections"]
    assert section.capped and len(section.hits) == 10


def test_load_demo_fills_the_vocabulary_with_public_words_only(client):
    call_command("load_demo", verbosity=0)
    words = set(SearchWord.objects.values_list("word", flat=True))
    assert {"economie", "circulaire", "bassin", "minier"} <= words
    assert "brouillon" not in words  # only the draft initiative and organisation say it
    assert suggestion(client, "econmie circulare") == "économie circulaire"
    assert suggestion(client, "economie circulere") == "économie circulaire"


def test_an_excluded_word_is_not_looked_for_in_titles(
    client, make_initiative, few_candidates, django_assert_num_queries
):
    for number in range(4):
        make_initiative(f"Projet {number}", body="Un atelier.")
    make_initiative("Un territoire", body="Un atelier.")
    # No title lookup: the version, the search's setting, the first matches counted and
    # ranked, the words (none: the only one is excluded), the best of the first matches with
    # their snippets, and the four other sections' empty readings.
    with django_assert_num_queries(1 + 1 + 3 + 4):
        response = client.get(SEARCH, {"q": "-territoire"})
    [section] = response.context["sections"]
    assert section.capped and "Un territoire" not in [str(hit) for hit in section.hits]


def test_an_initiative_keeps_its_search_vectors_in_its_row(make_initiative):
    # A long text goes to the TOAST table; the vectors a search reads for every match stay in
    # the row (initiatives migration 0025), whichever way the row was written.
    body = " ".join(f"Atelier {number} sur le réemploi des matériaux." for number in range(80))
    initiative = make_initiative("Réemploi", body=body)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT attname, attstorage FROM pg_attribute WHERE attrelid ="
            " 'initiatives_initiative'::regclass AND attname LIKE 'search_vector%%'"
        )
        assert dict(cursor.fetchall()) == {"search_vector": "m", "search_vector_en": "m"}
        cursor.execute(
            "UPDATE initiatives_initiative SET summary = %s WHERE id = %s", [body, initiative.pk]
        )
        cursor.execute(
            "SELECT pg_column_toast_chunk_id(search_vector) IS NULL,"
            " pg_column_toast_chunk_id(search_vector_en) IS NULL,"
            " pg_column_toast_chunk_id(plain_text) IS NOT NULL"
            " FROM initiatives_initiative WHERE id = %s",
            [initiative.pk],
        )
        assert cursor.fetchone() == (True, True, True)
