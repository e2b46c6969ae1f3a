"""A tree of the index's filters stays readable at scale: a territory offers its most frequent
sub-territories (and the chosen ones), says how many others have results, and where to see
them all (the map of a département)."""

import re

import pytest

from initiatives.models import Initiative, PublicationState, Territory
from portal.catalogue.facets import TREE_CHILDREN

pytestmark = pytest.mark.django_db


@pytest.fixture
def crowded_department():
    department = Territory.objects.create(
        name="Nord", slug="nord-essai", code="59", kind=Territory.Kind.DEPARTMENT
    )
    communes = [
        Territory.objects.create(
            name=f"Commune {number:02}", slug=f"commune-{number:02}",
            kind=Territory.Kind.COMMUNE, parent=department,
        )
        for number in range(TREE_CHILDREN + 8)
    ]  # fmt: skip
    # Commune n has n + 1 initiatives: the last ones are the most frequent. Written in a few
    # statements (the listing follows them, kept by the database).
    filed = [
        (commune, copy) for number, commune in enumerate(communes) for copy in range(number + 1)
    ]
    initiatives = Initiative.objects.bulk_create(
        Initiative(
            title=f"Initiative {commune.slug}-{copy}", slug=f"initiative-{commune.slug}-{copy}",
            publication_state=PublicationState.PUBLISHED, kind=Initiative.Kind.PROJECT,
        )
        for commune, copy in filed
    )  # fmt: skip
    Link = Initiative.territories.through
    Link.objects.bulk_create(
        Link(initiative=initiative, territory=commune)
        for initiative, (commune, _copy) in zip(initiatives, filed, strict=True)
    )
    return department, communes


def test_a_crowded_territory_offers_its_most_frequent_children(client, crowded_department):
    department, communes = crowded_department
    html = client.get("/initiatives/?statut=&de=").content.decode()
    offered = set(re.findall(r'name="territoire" value="(commune-\d\d)"', html))
    assert offered == {commune.slug for commune in communes[-TREE_CHILDREN:]}
    assert "Et 8 autres, avec moins de résultats." in html
    assert 'href="/carte/?' in html and "zone=59" in html
    assert f"({TREE_CHILDREN + 8})" in html  # the disclosure counts them all


def test_a_chosen_child_is_offered_even_when_rare(client, crowded_department):
    _department, communes = crowded_department
    rare = communes[0]
    html = client.get(f"/initiatives/?territoire={rare.slug}").content.decode()
    assert f'value="{rare.slug}" id="f-territoire-{rare.slug}" checked' in html
    assert "Et 8 autres" in html  # the chosen one takes the place of the twelfth


def test_below_the_departements_only_the_chosen_are_offered(client):
    parent = None
    for depth, kind in enumerate(["country", "region", "former_region", "department"]):
        parent = Territory.objects.create(
            name=f"Niveau {depth}", slug=f"niveau-{depth}", kind=kind, parent=parent,
            code="59" if kind == "department" else "",
        )  # fmt: skip
    epci = Territory.objects.create(
        name="Métropole", slug="metropole", kind="intercommunality", parent=parent, code="200093201"
    )
    for slug in ("lille-essai", "roubaix-essai"):
        town = Territory.objects.create(name=slug, slug=slug, kind="commune", parent=epci)
        initiative = Initiative.objects.create(
            title=slug, slug=f"i-{slug}", publication_state=PublicationState.PUBLISHED
        )
        initiative.territories.add(town)
    html = client.get("/initiatives/").content.decode()
    assert 'value="metropole"' in html and 'value="lille-essai"' not in html
    assert "Et 2 autres" in html and "zone=200093201" in html
    html = client.get("/initiatives/?territoire=lille-essai").content.decode()
    assert 'value="lille-essai" id="f-territoire-lille-essai" checked' in html
    assert 'value="roubaix-essai"' not in html


def test_no_link_to_a_map_the_registry_has_no_outline_for(client):
    """A département coded as no outline of ours (a typo, a territory outside the region)
    keeps its count of others but links to no map that would refuse it."""
    department = Territory.objects.create(
        name="Ailleurs", slug="ailleurs", code="99", kind=Territory.Kind.DEPARTMENT
    )
    for number in range(TREE_CHILDREN + 1):
        town = Territory.objects.create(
            name=f"Ville {number:02}", slug=f"ville-{number:02}", kind="commune", parent=department
        )
        initiative = Initiative.objects.create(
            title=f"Ville {number}",
            slug=f"v-{number}",
            publication_state=PublicationState.PUBLISHED,
        )
        initiative.territories.add(town)
    html = client.get("/initiatives/").content.decode()
    assert "Et 1 autre, avec moins de résultats." in html
    assert "zone=99" not in html
