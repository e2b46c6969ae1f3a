"""The in-memory facet counts (portal.catalogue.facet_index) follow every write of the listing,
whatever wrote it (the ORM, QuerySet.update(), bulk_create, loaddata, raw SQL, a deletion, a
rebuild of the whole listing), in the order writes became visible, and never learn an
uncommitted or rolled-back one. Transactional tests: the bitmaps are never brought up to date
inside a transaction."""

import psycopg
import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.utils.text import slugify

from actors.models import Involvement
from initiatives.models import Initiative, PublicationState, Theme
from portal.catalogue import facet_index


@pytest.fixture
def make_theme():
    def make(name):
        return Theme.objects.create(name=name, slug=slugify(name))

    return make


def _same_as_a_new_build(bitmaps):
    fresh = facet_index.FacetIndex().build()

    def listed(found):
        values = {
            column: {key: list(pks) for key, pks in keys.items() if pks}
            for column, keys in found.values.items()
        }
        years = [
            {key: list(pks) for key, pks in d.items() if pks} for d in (found.starts, found.ends)
        ]
        return list(found.every), values, years, found.organisations.listed()

    assert listed(bitmaps) == listed(fresh)


def _ready():
    bitmaps = facet_index.index.ready(connection)
    if bitmaps is None:  # a build in the background
        facet_index.index.wait()
        bitmaps = facet_index.index.ready(connection)
    assert bitmaps is not None
    return bitmaps


@pytest.mark.django_db(transaction=True)
def test_the_bitmaps_follow_every_write_path_and_only_committed_ones(
    make_initiative, make_theme, make_organisation
):
    theme = make_theme(name="Sobriété")
    other_theme = make_theme(name="Mobilité")
    first, second, third = (make_initiative(title=f"Initiative {n}") for n in "ABC")
    draft = make_initiative(title="Brouillon", state=PublicationState.DRAFT)
    first.themes.add(theme)
    facet_index.index.forget()
    bitmaps = _ready()
    assert set(bitmaps.every) == {first.pk, second.pk, third.pk}

    # The ORM: a publication, a theme added, an actor involved.
    draft.publication_state = PublicationState.PUBLISHED
    draft.save()
    second.themes.add(theme)
    organisation = make_organisation()
    Involvement.objects.create(initiative=third, organisation=organisation, role="pilot")
    _same_as_a_new_build(_ready())
    assert draft.pk in _ready().every

    # QuerySet.update(), which sends no signal: an unpublication and a new status.
    Initiative.objects.filter(pk=second.pk).update(publication_state=PublicationState.DRAFT)
    Initiative.objects.filter(pk=third.pk).update(status=Initiative.Status.DONE)
    _same_as_a_new_build(_ready())
    assert second.pk not in _ready().every

    # Raw SQL, and a deletion.
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO initiatives_initiative_themes (initiative_id, theme_id) VALUES (%s, %s)",
            [third.pk, other_theme.pk],
        )
    Initiative.objects.filter(pk=first.pk).delete()
    _same_as_a_new_build(_ready())

    # A write in progress elsewhere is not learnt; a later one that commits first is, and
    # the first once it commits (the notes go by visibility, not by order of start).
    settings_dict = connection.settings_dict
    with psycopg.connect(
        host=settings_dict["HOST"], port=settings_dict["PORT"] or None,
        user=settings_dict["USER"], password=settings_dict["PASSWORD"] or None,
        dbname=settings_dict["NAME"],
    ) as elsewhere:  # fmt: skip
        elsewhere.execute(
            "UPDATE initiatives_initiative SET status = 'abandoned' WHERE id = %s", [draft.pk]
        )
        Initiative.objects.filter(pk=third.pk).update(kind=Initiative.Kind.PROGRAMME)
        bitmaps = _ready()
        assert draft.pk in bitmaps.values["status"].get("ongoing", [])
        assert third.pk in bitmaps.values["kind"]["programme"]
        elsewhere.commit()
    bitmaps = _ready()
    assert draft.pk in bitmaps.values["status"]["abandoned"]
    _same_as_a_new_build(bitmaps)

    # A rolled-back write leaves nothing behind.
    with pytest.raises(RuntimeError), transaction.atomic():
        Initiative.objects.filter(pk=draft.pk).update(publication_state=PublicationState.DRAFT)
        raise RuntimeError
    assert draft.pk in _ready().every

    # A rebuild of the whole listing notes one change for all: the bitmaps are built again
    # (in the background, the SQL counting meanwhile).
    call_command("refresh_listing", verbosity=0)
    assert facet_index.index.ready(connection) is None
    facet_index.index.wait()
    _same_as_a_new_build(_ready())


@pytest.mark.django_db(transaction=True)
def test_the_index_page_counts_from_the_bitmaps_once_built(client, make_initiative, make_theme):
    theme = make_theme(name="Économie circulaire")
    for number in range(3):
        make_initiative(title=f"Ressourcerie {number}", start="2015").themes.add(theme)
    make_initiative(title="Ancienne", start="1990", end="1995").themes.add(theme)
    facet_index.index.forget()
    url = f"/initiatives/?thematique={theme.slug}&de=2010&a=2020"
    first = client.get(url)  # counted in SQL while the bitmaps are built
    facet_index.index.wait()
    assert facet_index.index.ready(connection) is not None
    second = client.get(url + "&x=1")
    assert (first["X-Registre-Facets"], second["X-Registre-Facets"]) == ("sql", "bitmaps")
    assert first.context["page"].paginator.count == second.context["page"].paginator.count == 3
    assert [
        (option.value, option.count)
        for facet in first.context["facets"]
        for option in facet.options
    ] == [
        (option.value, option.count)
        for facet in second.context["facets"]
        for option in facet.options
    ]


@pytest.mark.django_db(transaction=True)
def test_the_bitmaps_follow_bulk_create_and_loaddata(make_theme):
    facet_index.index.forget()
    assert _ready().every == facet_index.FacetIndex().build().every
    # bulk_create: one statement for all the rows and their links (no save(), no signal).
    theme = make_theme(name="Alimentation durable")
    created = Initiative.objects.bulk_create(
        Initiative(
            title=f"Épicerie {number}", slug=f"epicerie-{number}", kind=Initiative.Kind.PROJECT,
            publication_state=PublicationState.PUBLISHED,
        )
        for number in range(3)
    )  # fmt: skip
    Link = Initiative.themes.through
    Link.objects.bulk_create(Link(initiative=initiative, theme=theme) for initiative in created)
    _same_as_a_new_build(_ready())
    assert {initiative.pk for initiative in created} <= set(_ready().values["themes"][theme.pk])
    # loaddata (the seed fixtures), as `make run` and a restore load them.
    call_command("load_demo", verbosity=0)
    _same_as_a_new_build(_ready())
    assert len(_ready().every) > len(created)
