"""Facet counts on the seed data (the module loads it once; every test here uses it)."""

import pytest

from initiatives.models import Initiative
from portal.facets import build_facets
from portal.filters import InitiativeFilter

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("demo_data")]


def test_every_facet_count_is_the_number_of_results_it_gives(client, demo_data):
    """With the seed data: choose each option of each facet, on top of another filter."""
    base = {"de": "2000"}
    facets = build_facets(InitiativeFilter(base, queryset=Initiative.objects.published()))
    checked = 0
    for facet in facets:
        for option in facet.options:
            params = {**base, facet.name: option.value}
            filterset = InitiativeFilter(params, queryset=Initiative.objects.published())
            assert filterset.is_valid(), filterset.errors
            assert filterset.results.count() == option.count, (facet.name, option.label)
            checked += 1
    assert checked > 40
