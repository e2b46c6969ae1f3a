"""The facet counts from in-memory bitmaps (portal.catalogue.facet_index) are the SQL's and a
plain COUNT's, for any combination of filters (test_facet_index_writes: and they follow every
write)."""

import random

import pytest
from django.db import connection
from django.http import QueryDict
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pyroaring import BitMap

from actors.models import Involvement, Organisation
from initiatives.models import Initiative, Listing, PublicationState, Territory, Theme
from portal.catalogue import facet_index
from portal.catalogue.facets import ACTOR_OPTIONS
from portal.catalogue.filters import InitiativeFilter

FACETS = ("thematique", "territoire", "type", "statut", "acteur", "role")
YEARS = st.one_of(st.none(), st.integers(1995, 2030))


@pytest.fixture(scope="module")
def world(demo_data, django_db_blocker):
    """The seed data and sixty more initiatives, filed at random (seeded) under its themes
    and territories, with dates, kinds, statuses and actors in roles."""
    with django_db_blocker.unblock():
        rng = random.Random(18)
        themes = list(Theme.objects.all())
        territories = list(Territory.objects.all())
        organisations = list(Organisation.objects.published())
        for number in range(60):
            start = rng.choice(
                [None, str(rng.randint(1998, 2025)), f"{rng.randint(1998, 2025)}-03"]
            )
            end = rng.choice([None, str(rng.randint(2020, 2030))])
            if start and end and end < start[:4]:
                end = None
            state = rng.choice([PublicationState.PUBLISHED] * 5 + [PublicationState.DRAFT])
            initiative = Initiative.objects.create(
                title=f"Essai {number}", slug=f"essai-{number}", start=start, end=end,
                kind=rng.choice(Initiative.Kind.values),
                status=rng.choice(Initiative.Status.values), publication_state=state,
            )  # fmt: skip
            initiative.themes.set(rng.sample(themes, rng.randint(0, 2)))
            initiative.territories.set(rng.sample(territories, rng.randint(0, 2)))
            for organisation in rng.sample(organisations, rng.randint(0, 3)):
                Involvement.objects.create(
                    initiative=initiative, organisation=organisation,
                    role=rng.choice(Involvement.Role.values),
                )  # fmt: skip
        yield {
            "thematique": [theme.slug for theme in themes],
            "territoire": [territory.slug for territory in territories],
            "type": Initiative.Kind.values,
            "statut": Initiative.Status.values,
        }


def _choices(world):
    facets = {
        name: st.lists(st.sampled_from(values), max_size=2, unique=True)
        for name, values in world.items()
    }
    return st.fixed_dictionaries({**facets, "de": YEARS, "a": YEARS})


def _filterset(query):
    data = QueryDict(mutable=True)
    for name, values in query.items():
        if values is None:
            continue
        data.setlist(name, values if isinstance(values, list) else [str(values)])
    return InitiativeFilter(data, queryset=Listing.objects.all())


def _from_bitmaps(bitmaps, filterset):
    assert filterset.is_valid()
    return facet_index.count(
        bitmaps, *filterset._bitmap_filters(), FACETS, {}, True, ACTOR_OPTIONS + 1
    )  # fmt: skip


def _from_sql(filterset):
    filterset._bitmaps = lambda unfiltered=False: None
    return filterset.facet_counts()


def _plain_count(query):
    """The rule itself, written plainly: any value of a facet, every facet, and the period."""
    rows = Listing.objects.all()
    for name, column in (("thematique", "themes"), ("territoire", "territories")):
        if query.get(name):
            model = Theme if name == "thematique" else Territory
            pks = list(model.objects.filter(slug__in=query[name]).values_list("pk", flat=True))
            rows = rows.filter(**{f"{column}__overlap": pks})
    if query.get("type"):
        rows = rows.filter(kind__in=query["type"])
    if query.get("statut"):
        rows = rows.filter(status__in=query["statut"])
    if query.get("a") is not None:
        rows = rows.exclude(start__gte=str(query["a"] + 1))
    if query.get("de") is not None:
        rows = rows.exclude(end__lt=str(query["de"]))
    return rows.count()


@pytest.mark.django_db
@settings(
    max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_counts_from_bitmaps_are_the_sqls_and_a_plain_counts(world, data):
    query = data.draw(_choices(world))
    if query["de"] is not None and query["a"] is not None and query["de"] > query["a"]:
        query["de"], query["a"] = query["a"], query["de"]
    bitmaps = facet_index.FacetIndex().build()
    filterset = _filterset(query)
    counted = _from_bitmaps(bitmaps, filterset)
    assert counted == _from_sql(_filterset(query))
    assert counted["total"] == _plain_count(query)
    slugs = {
        "thematique": dict(Theme.objects.values_list("pk", "slug")),
        "territoire": dict(Territory.objects.values_list("pk", "slug")),
    }
    # The map's groups of territories (an intercommunalité: its communes), counted once each.
    territories = sorted(slugs["territoire"])
    groups = {"a": territories[: len(territories) // 2], "b": territories[len(territories) // 3 :]}
    sql_filterset = _filterset(query)
    sql_filterset._bitmaps = lambda unfiltered=False: None
    from_sql = sql_filterset.territory_group_counts(groups)
    assert facet_index.count_groups(bitmaps, *filterset._bitmap_filters(), groups) == from_sql
    # Values whose number is not needed (the index's deep territories): only whether they
    # give results, and the others counted as before.
    only = set(sorted(slugs["territoire"])[::2])
    partly = facet_index.count(
        bitmaps, *filterset._bitmap_filters(), FACETS, {}, True, ACTOR_OPTIONS + 1,
        present_only={"territoire": only},
    )  # fmt: skip
    assert partly["territoire"] == {
        pk: number for pk, number in counted["territoire"].items() if pk not in only
    }
    assert partly["present"] == {"territoire": {pk for pk in counted["territoire"] if pk in only}}
    for facet in ("thematique", "territoire", "type", "statut"):
        for value in world[facet]:
            key = {slug: pk for pk, slug in slugs.get(facet, {}).items()}.get(value, value)
            expected = _plain_count({**query, facet: [value]})
            assert counted[facet].get(key, 0) == expected, (facet, value)


@pytest.mark.django_db
def test_nothing_is_counted_from_bitmaps_inside_a_transaction(world):
    # A test's transaction, as any request's that wrote: its writes are not committed.
    assert connection.in_atomic_block
    assert facet_index.index.ready(connection) is None


PAIR_WRITES = st.lists(
    st.tuples(
        st.sampled_from(["add", "remove"]),
        st.lists(st.tuples(st.integers(1, 40), st.integers(100, 110)), max_size=6),
    ),
    max_size=25,
)


@given(
    first=st.lists(st.tuples(st.integers(1, 30), st.integers(100, 110)), max_size=40),
    writes=PAIR_WRITES,
    chosen=st.sets(st.integers(1, 40)),
)
@settings(max_examples=200, deadline=None)
def test_the_actor_pairs_count_as_a_plain_list_of_pairs_after_any_writes(
    first, writes, chosen, monkeypatch_compaction
):
    """The pairs read at the build, those written since (and merged in once they are many)
    are counted as the plain list of the pairs as they are."""
    first = sorted(set(first))
    pairs = facet_index.Pairs([pk for pk, _key in first], [key for _pk, key in first])
    plain = set(first)
    for write, written in writes:
        initiatives = {pk for pk, _key in written}
        pairs.remove(BitMap(initiatives))
        plain = {pair for pair in plain if pair[0] not in initiatives}
        if write == "add":
            added = sorted(set(written))
            pairs.add(added)
            plain |= set(added)
    assert pairs.listed() == sorted(plain)
    counted = {}
    for pk, key in plain:
        if pk in chosen:
            counted[key] = counted.get(key, 0) + 1
    ranked = sorted(counted.items(), key=lambda pair: (-pair[1], str(pair[0])))
    assert pairs.top(BitMap(chosen), 5) == ranked[:5]


@pytest.fixture(scope="module")
def monkeypatch_compaction():
    """Merged in after a few pairs, so that examples go through it."""
    original = facet_index.Pairs.COMPACT_AFTER
    facet_index.Pairs.COMPACT_AFTER = 8
    yield
    facet_index.Pairs.COMPACT_AFTER = original
