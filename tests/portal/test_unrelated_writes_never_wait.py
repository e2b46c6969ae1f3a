"""No registry-wide serialisation: with real database connections, a transaction that holds
its writes open never makes an unrelated staff save wait (each save below runs with a short
lock_timeout: waiting would fail it)."""

import threading

import pytest
from django.db import connection, connections, transaction

from actors.models import Involvement
from initiatives.models import Initiative, PublicationState, Theme

pytestmark = pytest.mark.django_db(transaction=True)


def in_open_transaction(write, ready, release, errors):
    """Run `write` in another connection, then keep its transaction open until released."""
    try:
        with transaction.atomic():
            write()
            ready.set()
            release.wait(timeout=30)
    except Exception as error:  # reported to the test
        errors.append(error)
        ready.set()
    finally:
        connections.close_all()


def while_open(write, then):
    ready, release, errors = threading.Event(), threading.Event(), []
    thread = threading.Thread(target=in_open_transaction, args=(write, ready, release, errors))
    thread.start()
    ready.wait(timeout=30)
    try:
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL lock_timeout = '500ms'")
            then()
    finally:
        release.set()
        thread.join()
    assert not errors, errors


def make(title, state=PublicationState.PUBLISHED, **fields):
    return Initiative.objects.create(
        title=title, slug=title.lower().replace(" ", "-"), kind="project",
        publication_state=state, **fields,
    )  # fmt: skip


@pytest.fixture
def registry(make_organisation):
    theme = Theme.objects.create(name="Économie circulaire", slug="economie-circulaire")
    records = {
        "a": make("Fiche A"),
        "b": make("Fiche B"),
        "draft_a": make("Brouillon A", state=PublicationState.DRAFT),
        "draft_b": make("Brouillon B", state=PublicationState.DRAFT),
        "theme": theme,
        "organisation": make_organisation(),
    }
    for key in ("a", "b"):
        records[key].themes.add(theme)
    return records


def edit(record, **fields):
    def write():
        fresh = type(record).objects.get(pk=record.pk)
        for name, value in fields.items():
            setattr(fresh, name, value)
        fresh.save()

    return write


def test_two_draft_saves_do_not_wait(registry):
    while_open(edit(registry["draft_a"], summary="A"), edit(registry["draft_b"], summary="B"))


def test_two_published_edits_do_not_wait(registry):
    while_open(edit(registry["a"], summary="A"), edit(registry["b"], summary="B"))


def test_two_publications_do_not_wait(registry):
    while_open(
        edit(registry["draft_a"], publication_state=PublicationState.PUBLISHED),
        edit(registry["draft_b"], publication_state=PublicationState.PUBLISHED),
    )


def test_linking_themes_and_actors_of_two_records_does_not_wait(registry):
    def link_a():
        Initiative.objects.get(pk=registry["draft_a"].pk).themes.add(registry["theme"])
        Involvement.objects.create(
            initiative=registry["a"], organisation=registry["organisation"], role="pilot"
        )

    def link_b():
        Initiative.objects.get(pk=registry["b"].pk).themes.remove(registry["theme"])
        Involvement.objects.create(
            initiative=registry["b"], organisation=registry["organisation"], role="funder"
        )

    while_open(link_a, link_b)


def test_an_import_in_progress_does_not_block_a_staff_save(registry):
    def bulk_import():
        Initiative.objects.bulk_create(
            Initiative(
                title=f"Importée {n}",
                slug=f"importee-{n}",
                kind="project",
                publication_state=PublicationState.PUBLISHED,
            )  # fmt: skip
            for n in range(5000)
        )

    while_open(bulk_import, edit(registry["a"], summary="Pendant l'import"))
    assert Initiative.objects.published().count() == 5002
