"""The actors' links checked before publishing (see initiatives.workflow.unpublished_links):
actors sits above initiatives, so it registers the links it knows."""

from django.db.models import Q

from actors.models import Organisation, Person
from initiatives.models import Document, Initiative
from initiatives.workflow import NOT_SHOWN, LinkGroup, links, non_published


@links(Initiative)
def organisations_of(initiative):
    return LinkGroup(
        "Organisations (rôles et financements)",
        NOT_SHOWN,
        non_published(
            Organisation.objects.filter(
                Q(involvements__initiative=initiative) | Q(fundings__initiative=initiative)
            ).distinct()
        ),
    )


@links(Initiative)
def people_of(initiative):
    return LinkGroup(
        "Personnes",
        NOT_SHOWN,
        non_published(Person.objects.filter(involvements__initiative=initiative).distinct()),
    )


@links(Organisation)
def parents_of(organisation):
    ancestors, seen, parent_id = [], {organisation.pk}, organisation.parent_id
    while parent_id is not None and parent_id not in seen:  # a loop is refused, but be safe
        seen.add(parent_id)
        parent = Organisation.objects.get(pk=parent_id)
        if not parent.is_published:
            ancestors.append(parent)
        parent_id = parent.parent_id
    return LinkGroup("Organisations de rattachement", NOT_SHOWN, ancestors)


@links(Organisation)
def documents_of_organisation(organisation):
    return LinkGroup("Documents", NOT_SHOWN, non_published(organisation.documents.all()))


@links(Person)
def organisations_of_person(person):
    return LinkGroup(
        "Organisations (affiliations)",
        NOT_SHOWN,
        non_published(Organisation.objects.filter(affiliations__person=person).distinct()),
    )


@links(Document)
def authors_of(document):
    return LinkGroup(
        "Organisations auteurs ou éditrices",
        NOT_SHOWN,
        non_published(document.authors_organisations.all()),
    )
