"""Records for tests, made one at a time; and data kept for a whole module or class."""

import itertools
from contextlib import contextmanager

from django.db import transaction

from actors.models import Organisation, Person
from initiatives.models import Initiative, PublicationState, Territory

serial = itertools.count(1)


@contextmanager
def kept_until_the_end(django_db_blocker):
    """Data built once for the tests of a module or a class that only read it, rolled back
    after the last of them (each test still runs in a transaction of its own inside)."""
    with django_db_blocker.unblock(), transaction.atomic():
        yield
        transaction.set_rollback(True)


def new_initiative(title=None, state=PublicationState.PUBLISHED, **fields):
    number = next(serial)
    title = title or f"Initiative {number}"
    return Initiative.objects.create(
        title=title,
        slug=fields.pop("slug", f"initiative-{number}"),
        kind=fields.pop("kind", Initiative.Kind.PROJECT),
        publication_state=state,
        **fields,
    )


def new_territory(name=None, kind=Territory.Kind.COMMUNE, **fields):
    number = next(serial)
    return Territory.objects.create(
        name=name or f"Territoire {number}", slug=f"territoire-{number}", kind=kind, **fields
    )


def new_organisation(name=None, state=PublicationState.PUBLISHED, **fields):
    number = next(serial)
    return Organisation.objects.create(
        name=name or f"Organisation {number}",
        slug=f"organisation-{number}",
        kind=fields.pop("kind", Organisation.Kind.ASSOCIATION),
        publication_state=state,
        **fields,
    )


def new_person(last_name=None, state=PublicationState.PUBLISHED, **fields):
    number = next(serial)
    return Person.objects.create(
        first_name=fields.pop("first_name", "Camille"),
        last_name=last_name or f"Martin{number}",
        slug=f"personne-{number}",
        publication_state=state,
        **fields,
    )
