"""Facet counts on the seed data (the module loads it once; every test here uses it)."""

import pytest

from initiatives.models import Territory
from portal.catalogue.facets import build_facets
from portal.catalogue.filters import InitiativeFilter

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("demo_data")]


def test_every_facet_count_is_the_number_of_results_it_gives(client, demo_data):
    """With the seed data: choose each option of each facet, on top of another filter."""
    base = {"de": "2000"}
    facets, total = build_facets(InitiativeFilter(base))
    assert total == InitiativeFilter(base).results.count() > 0
    checked = 0
    for facet in facets:
        for option in flattened(facet.options):
            params = {**base, facet.name: option.value}
            filterset = InitiativeFilter(params)
            assert filterset.is_valid(), filterset.errors
            assert filterset.results.count() == option.count, (facet.name, option.label)
            checked += 1
    assert checked > 40


def flattened(options):
    for option in options:
        yield option
        yield from flattened(option.children)


def test_a_tree_facet_is_whole_with_former_regions_from_the_start(demo_data):
    def territories(params):
        facets, _total = build_facets(InitiativeFilter(params))
        return facets[1], {option.value: option for option in flattened(facets[1].options)}

    facet, unfiltered = territories({})
    deep = Territory.objects.filter(lineage__len=4, slug__in=list(unfiltered)).first()
    assert deep is not None, "the tree goes four levels down"
    assert {"picardie", "nord-pas-de-calais"} <= set(unfiltered)
    assert unfiltered["picardie"].depth == 2 < facet.open_depth + 1  # unfolded from the start
    assert unfiltered["picardie"] in unfiltered["hauts-de-france"].children
    facet, chosen = territories({"territoire": [deep.slug, "picardie"]})
    assert chosen[deep.slug].selected and chosen["picardie"].selected
    assert all(chosen[Territory.objects.get(pk=pk).slug].open for pk in deep.lineage[:-1])


def test_the_unfiltered_counts_kept_with_the_listing_are_the_counted_ones(demo_data):
    """No filter: the totals answer; a filter every initiative passes: the rows are counted."""

    def options(params):
        facets, total = build_facets(InitiativeFilter(params))
        return total, {facet.name: [(o.value, o.count) for o in facet.options] for facet in facets}

    assert options({}) == options({"de": "1900"})
    assert options({"acteur": "conseil-regional-nord-pas-de-calais"}) == options(
        {"acteur": "conseil-regional-nord-pas-de-calais", "de": "1900"}
    )
