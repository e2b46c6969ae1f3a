"""The locators on the seed data: each initiative, organisation and territory page shows where
it is (or says it is not located), in French and under /en/, small and without a query more."""

import re

import pytest

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("demo_data")]

PICARDIE = "/initiatives/co-animation-reseau-regional-economie-circulaire-picardie/"
BASSIN_MINIER = "/initiatives/conference-permanente-du-bassin-minier/"
EURALENS = "/initiatives/euralens-et-la-cite-du-louvre/"
IAE = "/acteurs/organisations/iae-de-lille/"
ATEMIS = "/acteurs/organisations/atemis/"
ADEME = "/acteurs/organisations/ademe/"
AMIENS = "/territoires/amiens/"
BAIE = "/territoires/baie-de-somme/"
FRANCE = "/territoires/france/"


def page(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode()


def figure(html):
    match = re.search(r'<figure class="locator">.*?</figure>', html, re.S)
    return match and match.group(0)


def label(html):
    return re.search(r'<svg class="map-locator"[^>]* aria-label="([^"]*)"', html).group(1)


def test_an_initiative_shows_its_territories_in_the_facts(client):
    html = page(client, PICARDIE)
    facts = html.split('aria-labelledby="facts-title"')[1].split("</aside>")[0]
    locator = figure(facts)
    assert label(locator) == (
        "Carte des Hauts-de-France, en couleur\u202f: Amiens, Beauvais, Corbeny, "
        "Hauts-de-France, Picardie"
    )
    assert locator.count("<circle") == 3  # the three communes as dots
    assert locator.count("map-locator--on") == 5 + 1  # every département, and the dots' group
    assert "<figcaption" not in locator  # nothing to add to the facts' list of territories
    assert "style=" not in locator and len(locator.encode()) < 8_000


def test_a_commune_is_a_dot_on_the_initiative_page(client):
    locator = figure(page(client, EURALENS))
    assert label(locator).endswith("\u202f: Lens") and locator.count("<circle") == 1


def test_a_basin_is_shown_through_the_former_region_that_holds_it(client):
    locator = figure(page(client, BASSIN_MINIER))
    assert label(locator).endswith("\u202f: Nord-Pas-de-Calais")
    assert locator.count("map-locator--near") == 2  # Nord and Pas-de-Calais, lighter
    assert (
        "Bassin Minier\u202f: pas de contour dans nos données\u202f; la carte montre en clair "
        "Nord-Pas-de-Calais, qui l'englobe." in locator
    )
    english = figure(page(client, "/en" + BASSIN_MINIER))
    assert "Map of Hauts-de-France, in colour: Nord-Pas-de-Calais" in english
    assert "Bassin Minier: no outline in our data; the map shows Nord-Pas-de-Calais" in english


def test_an_organisation_shows_its_territory_or_says_it_is_not_located(client):
    assert label(figure(page(client, IAE))).endswith("\u202f: Lille")
    html = page(client, ATEMIS)
    assert (
        figure(html) is None and '<p class="locator locator--none">Lieu non renseigné.</p>' in html
    )
    assert "Location not given." in page(client, "/en" + ATEMIS)
    ademe = figure(page(client, ADEME))  # France: beyond the boundaries, and nothing above it
    assert "<svg" not in ademe and "France\u202f: pas de contour dans nos données." in ademe


def test_a_territory_page_shows_the_territory_itself(client):
    amiens = figure(page(client, AMIENS))
    assert label(amiens).endswith("\u202f: Amiens") and amiens.count("<circle") == 1
    bay = figure(page(client, BAIE))
    assert label(bay).endswith("\u202f: Somme") and "Baie de Somme\u202f: pas de contour" in bay
    english = figure(page(client, "/en" + AMIENS))
    assert "Map of Hauts-de-France, in colour: Amiens" in english
    assert "France\u202f: pas de contour dans nos données." in page(client, FRANCE)


def test_an_initiative_without_territory_says_so(client, make_initiative):
    initiative = make_initiative("Sans lieu")
    html = page(client, initiative.get_absolute_url())
    assert "Lieu non renseigné." in html.split("</aside>")[0]


@pytest.mark.parametrize(
    ("url", "queries"),
    # The pins of tests/portal/test_record_pages.py: the ancestor shown for a place without
    # outline is a subquery of the territories' own query.
    [(BASSIN_MINIER, 15), (PICARDIE, 15), (IAE, 8), (BAIE, 9)],
)
def test_the_locator_costs_no_query(client, url, queries, django_assert_num_queries):
    with django_assert_num_queries(queries):
        page(client, url)
