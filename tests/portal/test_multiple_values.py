"""Several values per facet, repeated in the URL (`?thematique=a&thematique=b`): any of them
within a facet (OR), every facet together (AND); the same in the page, the exports and the API,
since all three read InitiativeFilter."""

import re
from urllib.parse import urlencode

import pytest
from django.http import QueryDict
from django.urls import reverse

from actors.models import Involvement, Organisation
from initiatives.models import Initiative, PublicationState, Territory, Theme
from portal.catalogue.filters import InitiativeFilter
from tests.support.factories import (
    kept_until_the_end,
    new_initiative,
    new_organisation,
    new_territory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="class")
def world(django_db_setup, django_db_blocker):
    """Built once for the class of tests that only read it."""
    with kept_until_the_end(django_db_blocker):
        yield build_world()


def build_world():
    """Two themes and two former regions; one initiative per (theme, region), one outside."""
    circular = Theme.objects.create(name="Économie circulaire", slug="economie-circulaire")
    models = Theme.objects.create(name="Nouveaux modèles", slug="nouveaux-modeles")
    water = Theme.objects.create(name="Eau", slug="eau")
    hdf = new_territory("Hauts-de-France", kind=Territory.Kind.REGION)
    picardie = new_territory("Picardie", kind=Territory.Kind.FORMER_REGION, parent=hdf)
    npdc = new_territory("Nord-Pas-de-Calais", kind=Territory.Kind.FORMER_REGION, parent=hdf)
    ademe, region = new_organisation("ADEME"), new_organisation("Région")
    made = {}
    for theme in (circular, models, water):
        for place in (picardie, npdc):
            initiative = new_initiative(f"Zz {theme.slug} en {place.name}")
            initiative.themes.add(theme)
            initiative.territories.add(place)
            made[theme.slug, place.name] = initiative
    Involvement.objects.create(
        initiative=made["eau", "Picardie"], organisation=ademe, role="funder"
    )
    Involvement.objects.create(
        initiative=made["eau", "Nord-Pas-de-Calais"], organisation=region, role="pilot"
    )
    Involvement.objects.create(
        initiative=made["eau", "Nord-Pas-de-Calais"], organisation=ademe, role="partner"
    )
    return made, picardie, npdc


THEMES_IN_PICARDIE = [("thematique", "economie-circulaire"), ("thematique", "nouveaux-modeles")]


def expected_titles(made, keys):
    return sorted(made[key].title for key in keys)


def page_titles(client, pairs):
    response = client.get(f"{reverse('initiative_index')}?{urlencode(pairs)}")
    assert response.status_code == 200
    return sorted(initiative.title for initiative in response.context["page"].object_list)


class TestTwoThemesInTwoRegions:
    def test_the_page_combines_values_by_or_within_a_facet_and_by_and_across(self, client, world):
        made, picardie, npdc = world
        both_themes = expected_titles(
            made, [(theme, place) for theme in ("economie-circulaire", "nouveaux-modeles")
                   for place in ("Picardie", "Nord-Pas-de-Calais")]
        )  # fmt: skip
        assert page_titles(client, THEMES_IN_PICARDIE) == both_themes
        assert page_titles(client, [*THEMES_IN_PICARDIE, ("territoire", picardie.slug)]) == (
            expected_titles(
                made, [("economie-circulaire", "Picardie"), ("nouveaux-modeles", "Picardie")]
            )
        )
        two_places = [("territoire", picardie.slug), ("territoire", npdc.slug)]
        assert len(page_titles(client, [*two_places, ("thematique", "eau")])) == 2

    def test_actors_and_roles_combine_the_same_way(self, client, world):
        made, _picardie, _npdc = world
        ademe = Organisation.objects.get(name="ADEME").slug
        region = Organisation.objects.get(name="Région").slug
        assert page_titles(client, [("acteur", ademe), ("acteur", region)]) == expected_titles(
            made, [("eau", "Picardie"), ("eau", "Nord-Pas-de-Calais")]
        )
        # A role is one of the chosen actors' roles.
        assert page_titles(client, [("acteur", ademe), ("role", "funder"), ("role", "pilot")]) == (
            expected_titles(made, [("eau", "Picardie")])
        )
        assert page_titles(client, [("role", "funder"), ("role", "pilot")]) == expected_titles(
            made, [("eau", "Picardie"), ("eau", "Nord-Pas-de-Calais")]
        )

    def test_a_facet_counts_its_values_without_its_own_filter(self, client, world):
        made, picardie, _npdc = world
        query = urlencode([*THEMES_IN_PICARDIE, ("territoire", picardie.slug)])
        response = client.get(f"{reverse('initiative_index')}?{query}")
        facets = {facet.name: facet for facet in response.context["facets"]}
        themes = {option.value: option for option in facets["thematique"].options}
        # Within Picardie: one initiative per theme, whichever themes are ticked.
        assert {slug: option.count for slug, option in themes.items()} == {
            "economie-circulaire": 1, "nouveaux-modeles": 1, "eau": 1,
        }  # fmt: skip
        assert themes["economie-circulaire"].selected and not themes["eau"].selected
        territories = facets["territoire"].options[0]  # Hauts-de-France, with both former regions
        counts = {option.value: option.count for option in territories.children}
        assert counts == {picardie.slug: 2, _npdc.slug: 2}
        html = response.content.decode()
        ticked = re.findall(r'<input type="checkbox"[^>]* checked>', html)  # not the alert's radios
        assert len(ticked) == 3
        # The summary of active filters: one link each, removing that value only.
        removals = [item.removal for item in response.context["active"]]
        assert len(removals) == 3
        assert removals[0] == f"?thematique=nouveaux-modeles&territoire={picardie.slug}#resultats"

    @pytest.mark.parametrize("pairs", [[], THEMES_IN_PICARDIE, [("territoire", "picardie")]])
    def test_counting_one_facet_alone_gives_the_counts_of_the_index(self, world, pairs):
        """The map counts its territories alone (`only`): the same numbers as the index's."""
        _made, picardie, npdc = world
        pairs = [(name, picardie.slug if value == "picardie" else value) for name, value in pairs]
        params = QueryDict(mutable=True)
        for name, value in pairs:
            params.appendlist(name, value)
        keys = {"territoire": [picardie.pk, npdc.pk]}
        whole = InitiativeFilter(params).facet_counts(keys)
        alone = InitiativeFilter(params).facet_counts(keys, only=["territoire"])
        assert alone == {"territoire": whole["territoire"]}
        assert sum(alone["territoire"].values()) > 0

    @pytest.mark.parametrize("format", ["csv", "json"])
    def test_the_exports_take_the_same_repeated_values(self, client, world, format):
        made, picardie, _npdc = world
        url = reverse("initiative_export", args=[format])
        response = client.get(
            f"{url}?{urlencode([*THEMES_IN_PICARDIE, ('territoire', picardie.slug)])}"
        )
        assert response.status_code == 200
        text = b"".join(response.streaming_content).decode("utf-8-sig")
        shown = sorted(initiative.title for initiative in made.values() if initiative.title in text)
        assert shown == expected_titles(
            made, [("economie-circulaire", "Picardie"), ("nouveaux-modeles", "Picardie")]
        )

    def test_the_api_takes_the_same_repeated_values(self, client, world):
        made, picardie, npdc = world
        url = reverse("api_initiatives")
        response = client.get(
            f"{url}?{urlencode([*THEMES_IN_PICARDIE, ('territoire', picardie.slug)])}"
        )
        assert response.status_code == 200, response.content
        assert sorted(item["title"] for item in response.json()["results"]) == expected_titles(
            made, [("economie-circulaire", "Picardie"), ("nouveaux-modeles", "Picardie")]
        )
        # The first value is no longer dropped for the last one.
        response = client.get(f"{url}?{urlencode([*THEMES_IN_PICARDIE, ('thematique', 'eau')])}")
        assert response.json()["count"] == 6
        following = response.json()
        assert following["next"] is None

    @pytest.mark.parametrize(
        "pairs, field",
        [
            ([("thematique", "economie-circulaire"), ("thematique", "inconnue")], "thematique"),
            ([("type", "project"), ("type", "roman")], "type"),
            ([("territoire", f"t-{number}") for number in range(21)], "territoire"),
        ],
    )
    def test_an_invalid_value_among_several_is_a_400_in_french(self, client, world, pairs, field):
        query = urlencode(pairs)
        page = client.get(f"{reverse('initiative_index')}?{query}")
        assert page.status_code == 400
        assert field in page.context["filter"].form.errors
        api = client.get(f"{reverse('api_initiatives')}?{query}")
        assert api.status_code == 400
        messages = " ".join(api.json()["errors"][field])
        assert any(word in messages for word in ("connu", "Valeur inconnue", "Au plus")), messages
        exported = client.get(f"{reverse('initiative_export', args=['csv'])}?{query}")
        assert exported.status_code == 400
        assert (
            "Filtres invalides" in exported.content.decode() or field in exported.content.decode()
        )


def test_pagination_is_numbered_with_the_current_page_marked(client):
    Initiative.objects.bulk_create(  # in one statement: the database keeps the listing
        Initiative(
            title=f"Initiative {number:03d}",
            slug=f"initiative-{number:03d}",
            kind=Initiative.Kind.PROJECT,
            publication_state=PublicationState.PUBLISHED,
        )  # fmt: skip
        for number in range(200)
    )
    response = client.get(reverse("initiative_index"), {"page": "5"})
    html = response.content.decode()
    nav = html.split('aria-label="Pages des résultats"')[1].split("</nav>")[0]
    numbers = [
        chunk.split("<")[0] for chunk in nav.split('<span class="visually-hidden">Page </span>')[1:]
    ]
    assert numbers == ["1", "4", "5", "6", "10"]
    assert nav.count('aria-current="page"') == 1
    assert 'aria-current="page"><span class="visually-hidden">Page </span>5' in nav
    assert "…" in nav and 'rel="prev"' in nav and 'rel="next"' in nav
    assert "page=10#resultats" in nav
