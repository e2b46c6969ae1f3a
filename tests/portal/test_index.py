import pytest
from django.urls import reverse

from actors.models import Involvement
from initiatives.models import PublicationState, Territory, Theme

pytestmark = pytest.mark.django_db
INDEX = reverse("initiative_index")


def titles(response):
    return [initiative.title for initiative in response.context["page"].object_list]


@pytest.fixture
def region(make_territory):
    """Hauts-de-France › Picardie (merged in 2016) › Somme › Amiens."""
    hdf = make_territory("Hauts-de-France", kind=Territory.Kind.REGION)
    picardie = make_territory("Picardie", kind=Territory.Kind.FORMER_REGION, parent=hdf)
    picardie.successors.add(hdf)
    somme = make_territory("Somme", kind=Territory.Kind.DEPARTMENT, parent=picardie)
    amiens = make_territory("Amiens", parent=somme)
    return hdf, picardie, amiens


def test_territory_filter_includes_sub_territories(client, region, make_initiative):
    hdf, picardie, amiens = region
    make_initiative("Formation à Amiens").territories.add(amiens)
    make_initiative("Ailleurs")
    assert titles(client.get(INDEX, {"territoire": hdf.slug})) == ["Formation à Amiens"]


def test_a_former_region_finds_what_is_filed_under_its_successor(client, region, make_initiative):
    hdf, picardie, amiens = region
    make_initiative("Réseau régional").territories.add(hdf)
    assert titles(client.get(INDEX, {"territoire": picardie.slug})) == ["Réseau régional"]


def test_theme_filter_includes_sub_themes(client, make_initiative):
    circular = Theme.objects.create(name="Économie circulaire", slug="economie-circulaire")
    waste = Theme.objects.create(name="Prévention des déchets", slug="dechets", parent=circular)
    make_initiative("Couches lavables").themes.add(waste)
    make_initiative("Sans thème")
    assert titles(client.get(INDEX, {"thematique": circular.slug})) == ["Couches lavables"]


def test_kind_and_status_filters(client, make_initiative):
    make_initiative("Réseau", kind="network", status="done")
    make_initiative("Programme", kind="programme", status="ongoing")
    assert titles(client.get(INDEX, {"type": "network"})) == ["Réseau"]
    assert titles(client.get(INDEX, {"statut": "ongoing"})) == ["Programme"]


def test_actor_and_role_filters(client, make_initiative, make_organisation):
    ademe = make_organisation("ADEME")
    other = make_organisation("Autre")
    funded = make_initiative("Financé par l'ADEME")
    partnered = make_initiative("ADEME partenaire")
    mixed = make_initiative("ADEME partenaire, un autre financeur")
    Involvement.objects.create(initiative=funded, organisation=ademe, role="funder")
    Involvement.objects.create(initiative=partnered, organisation=ademe, role="partner")
    Involvement.objects.create(initiative=mixed, organisation=ademe, role="partner")
    Involvement.objects.create(initiative=mixed, organisation=other, role="funder")
    assert len(titles(client.get(INDEX, {"acteur": ademe.slug}))) == 3
    assert titles(client.get(INDEX, {"acteur": ademe.slug, "role": "funder"})) == [funded.title]
    assert sorted(titles(client.get(INDEX, {"role": "funder"}))) == sorted(
        [funded.title, mixed.title]
    )


def test_an_unpublished_actor_is_not_a_filter(client, make_initiative, make_organisation):
    draft = make_organisation("Brouillon", state=PublicationState.DRAFT)
    Involvement.objects.create(initiative=make_initiative(), organisation=draft, role="funder")
    response = client.get(INDEX, {"acteur": draft.slug})
    assert response.status_code == 400
    assert "ne correspond à aucun choix connu" in response.content.decode()


@pytest.mark.parametrize(
    ("first", "last", "expected"),
    [
        (2016, 2016, {"2015–2017", "depuis 2013", "jusqu'en 2016", "sans dates"}),
        (2018, None, {"depuis 2013", "sans dates"}),
        (None, 2014, {"depuis 2013", "jusqu'en 2016", "sans dates"}),
        (2017, 2017, {"2015–2017", "depuis 2013", "sans dates"}),
    ],
)
def test_period_keeps_initiatives_active_in_the_range_open_ends_included(
    client, make_initiative, first, last, expected
):
    make_initiative("2015–2017", start="2015", end="2017")
    make_initiative("depuis 2013", start="2013")
    make_initiative("jusqu'en 2016", end="2016-06")
    make_initiative("sans dates")
    params = {key: value for key, value in (("de", first), ("a", last)) if value}
    assert set(titles(client.get(INDEX, params))) == expected


def test_text_query_with_relevance_order(client, make_initiative):
    make_initiative("Un projet", body="On y parle aussi d'économie circulaire.")
    make_initiative("Économie circulaire en Picardie")
    response = client.get(INDEX, {"q": "economie circulaire"})
    assert titles(response) == ["Économie circulaire en Picardie", "Un projet"]
    assert response.context["sort"] == "pertinence"


def test_sorts_titles_the_french_way(client, make_initiative):
    for title in ["Emploi", "zèbre", "Économie", "Eau"]:
        make_initiative(title)
    assert titles(client.get(INDEX, {"tri": "titre"})) == ["Eau", "Économie", "Emploi", "zèbre"]


def test_sorts_by_start_date_with_undated_last(client, make_initiative):
    make_initiative("B", start="2016-03")
    make_initiative("A")
    make_initiative("C", start="2002")
    assert titles(client.get(INDEX, {"tri": "debut"})) == ["C", "B", "A"]


def test_invalid_values_are_form_errors_not_crashes(client, make_initiative):
    make_initiative("Visible")
    response = client.get(
        INDEX, {"territoire": "atlantide", "type": "licorne", "de": "2020", "a": "2010"}
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "atlantide" in html and "La fin de la période précède son début" in html
    assert "Visible" in html  # the valid part of the request still answers


def test_drafts_are_absent_from_results_counts_and_facets(client, make_initiative, make_territory):
    place = make_territory("Corbeny")
    make_initiative("Publiée").territories.add(place)
    make_initiative("Secrète", state=PublicationState.DRAFT, kind="network").territories.add(place)
    response = client.get(INDEX)
    assert titles(response) == ["Publiée"]
    assert response.context["page"].paginator.count == 1
    facets = {facet.name: facet for facet in response.context["facets"]}
    assert [(o.label, o.count) for o in facets["territoire"].options] == [("Corbeny", 1)]
    assert "network" not in [option.value for option in facets["type"].options]


def test_pagination_keeps_the_filters_and_clamps_the_page(client, make_initiative):
    for number in range(25):
        make_initiative(f"Réseau {number:02d}", kind="network")
    response = client.get(INDEX, {"type": "network", "page": "2"})
    assert len(titles(response)) == 5
    assert "type=network" in response.content.decode().split('rel="prev"')[0].rsplit("href=", 1)[1]
    assert client.get(INDEX, {"type": "network", "page": "999999"}).context["page"].number == 2
    assert client.get(INDEX, {"page": "abc"}).context["page"].number == 1


def test_the_index_filters_on_an_explicit_action_and_lands_on_the_results(client, make_initiative):
    """No script updates the list while moving through a control (WCAG 3.2.2): the form is
    sent by its "Filtrer" button, and the new page opens at the results' heading."""
    make_initiative("Visible")
    html = client.get(INDEX).content.decode()
    assert "<script src" not in html
    assert f'action="{INDEX}#resultats"' in html
    assert '<h2 id="resultats" tabindex="-1">' in html
    assert '<button type="submit" class="button">Filtrer</button>' in html


def test_an_initiative_page_shows_related_initiatives(client, make_initiative, make_territory):
    theme = Theme.objects.create(name="Eau", slug="eau")
    place = make_territory("Audomarois")
    initiative = make_initiative("L'eau dans l'Audomarois")
    initiative.themes.add(theme)
    initiative.territories.add(place)
    both = make_initiative("Même thème, même lieu")
    both.themes.add(theme)
    both.territories.add(place)
    make_initiative("Même lieu").territories.add(place)
    make_initiative("Sans rapport")
    make_initiative("Brouillon proche", state=PublicationState.DRAFT).themes.add(theme)
    related = client.get(initiative.get_absolute_url()).context["related"]
    assert [other.title for other in related] == ["Même thème, même lieu", "Même lieu"]


def test_related_initiatives_are_siblings_then_shared_actors_then_shared_themes(
    client, make_initiative, make_organisation
):
    theme = Theme.objects.create(name="Santé", slug="sante")
    programme = make_initiative("TESR", kind="programme")
    initiative = make_initiative("Lutte contre le diabète", parent=programme)
    initiative.themes.add(theme)
    make_initiative("Un enfant", parent=initiative).themes.add(theme)  # listed elsewhere
    make_initiative("Lycée du 3e millénaire", parent=programme)
    make_initiative("Brouillon du programme", parent=programme, state=PublicationState.DRAFT)
    pilot, hidden = make_organisation("Pilote"), make_organisation(state=PublicationState.DRAFT)
    region = make_organisation("Région")  # involved in most initiatives: sharing it says nothing
    initiative.involvements.create(organisation=pilot, role="pilot")
    initiative.involvements.create(organisation=hidden, role="partner")
    initiative.involvements.create(organisation=region, role="funder")
    make_initiative("Club Noé").involvements.create(organisation=pilot, role="partner")
    make_initiative("Par un brouillon").involvements.create(organisation=hidden, role="pilot")
    make_initiative("Même thème").themes.add(theme)
    funded = [make_initiative() for _ in range(10)]
    Involvement.objects.bulk_create(
        Involvement(initiative=other, organisation=region, role="funder") for other in funded
    )
    response = client.get(initiative.get_absolute_url())
    related = [(other.title, other.related_because) for other in response.context["related"]]
    assert related == [
        ("Lycée du 3e millénaire", "Même programme"),
        ("Club Noé", "Même acteur"),
        ("Même thème", "Même thématique"),
    ]
    assert "Même programme</span>" in response.content.decode()


def test_an_empty_registry_has_an_index_with_no_result(client):
    response = client.get(reverse("initiative_index"))
    assert response.status_code == 200
    assert response.context["page"].paginator.count == 0
    assert "0 initiative" in response.content.decode()
