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
        for option in facet.options:
            params = {**base, facet.name: option.value}
            filterset = InitiativeFilter(params)
            assert filterset.is_valid(), filterset.errors
            assert filterset.results.count() == option.count, (facet.name, option.label)
            checked += 1
    assert checked > 40


def test_a_tree_facet_offers_two_levels_and_the_way_down_to_the_chosen_node(demo_data):
    deep = Territory.objects.filter(lineage__len=3).order_by("sort_key").first()
    assert deep is not None, "the seed data has territories three levels down"

    def territories(params):
        facets, _total = build_facets(InitiativeFilter(params))
        return {option.value: option for option in facets[1].options}

    unfiltered = territories({})
    assert unfiltered and all(option.depth <= 1 for option in unfiltered.values())
    chosen = territories({"territoire": deep.parent.slug})
    assert chosen[deep.parent.slug].selected
    assert any(option.depth == 2 for option in chosen.values())  # its children, with results


def test_the_unfiltered_counts_kept_with_the_listing_are_the_counted_ones(demo_data):
    """No filter: the totals answer; a filter every initiative passes: the rows are counted."""

    def options(params):
        facets, total = build_facets(InitiativeFilter(params))
        return total, {facet.name: [(o.value, o.count) for o in facet.options] for facet in facets}

    assert options({}) == options({"de": "1900"})
    assert options({"acteur": "conseil-regional-nord-pas-de-calais"}) == options(
        {"acteur": "conseil-regional-nord-pas-de-calais", "de": "1900"}
    )
