from django.db.models import Prefetch
from django.shortcuts import get_object_or_404, render

from actors.models import Affiliation, Involvement, Organisation, Person
from initiatives.models import Initiative, PublicationState
from initiatives.views import visible


def organisation_detail(request, slug):
    organisation = get_object_or_404(
        visible(request, Organisation).select_related("territory", "parent"), slug=slug
    )
    involvements = (
        Involvement.objects.published()
        .filter(organisation=organisation)
        .select_related("initiative")
        .order_by("initiative__start", "initiative__sort_key")
    )
    return render(
        request,
        "actors/organisation_detail.html",
        {
            "organisation": organisation,
            "involvements": involvements,
            "units": Organisation.objects.published().filter(parent=organisation),
            "people": Affiliation.objects.filter(
                organisation=organisation, person__in=Person.objects.published()
            ).select_related("person"),
            "is_preview": organisation.publication_state != PublicationState.PUBLISHED,
        },
    )


def person_detail(request, slug):
    person = get_object_or_404(
        visible(request, Person).prefetch_related(
            Prefetch(
                "affiliations",
                queryset=Affiliation.objects.filter(
                    organisation__in=Organisation.objects.published()
                ).select_related("organisation"),
            )
        ),
        slug=slug,
    )
    involvements = (
        Involvement.objects.filter(person=person, initiative__in=Initiative.objects.published())
        .select_related("initiative")
        .order_by("initiative__start", "initiative__sort_key")
    )
    return render(
        request,
        "actors/person_detail.html",
        {
            "person": person,
            "involvements": involvements,
            "contact": person.public_contact(),
            "is_preview": person.publication_state != PublicationState.PUBLISHED,
        },
    )
