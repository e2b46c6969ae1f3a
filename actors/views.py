import django_filters
from django.core.paginator import Paginator
from django.db.models import Count, F, OuterRef, Prefetch, Subquery, Window
from django.db.models.functions import Coalesce, RowNumber
from django.http import Http404, HttpResponsePermanentRedirect
from django.shortcuts import get_object_or_404, render
from django.template.loader import render_to_string
from django.utils.translation import gettext_lazy as _

from actors.models import (
    Affiliation,
    Funding,
    Involvement,
    Organisation,
    OrganisationRedirect,
    Person,
)
from actors.network import organisation_network
from initiatives.locator import locator
from initiatives.models import Initiative, PublicationState, Territory
from initiatives.network import SORT_ORDERS
from initiatives.views import kept_page_data, network_table, render_with_network, visible

# An organisation page shows this many initiatives a role; the index filtered on the
# organisation (and the role) has them all.
ROLE_PREVIEW = 10
# Never shown beside an initiative's title in a list.
LONG_INITIATIVE_FIELDS = ("body", "objectives", "search_vector", "search_vector_en", "plain_text")


def roles_of(organisation):
    """The organisation's roles in the order of Involvement.Role, each with the number of its
    initiatives and the most recent of them (latest start first, undated last); in a staff
    preview of a hidden organisation, as they will be once it is published.

    Two queries whatever the organisation's size: a count a role, and the first rows of each
    role ranked by a window function.
    """
    # The actor is the organisation itself: published on its public page, shown as once
    # published in a preview. Checking it again row by row (Involvement.published()) makes
    # the planner read every published organisation into a hash for an organisation with
    # hundreds of involvements.
    involvements = Involvement.objects.filter(organisation=organisation, initiative__is_public=True)
    counts = dict(
        involvements.order_by()
        .values("role")
        .annotate(n=Count("initiative", distinct=True))
        .values_list("role", "n")
    )
    latest_first = [F("initiative__start").desc(nulls_last=True), "initiative__sort_key", "pk"]
    rank = Window(RowNumber(), partition_by=F("role"), order_by=latest_first)
    recent = (
        involvements.annotate(rank=rank)
        .filter(rank__lte=ROLE_PREVIEW)
        .select_related("initiative")
        # Every involvement is ranked before the first ones are kept: without the long texts
        # and search vectors, an organisation in thousands of initiatives sorts a tenth of it.
        .defer(*(f"initiative__{name}" for name in LONG_INITIATIVE_FIELDS))
        .order_by(*latest_first)
    )
    shown = {}
    for involvement in recent:
        shown.setdefault(involvement.role, []).append(involvement)
    return [
        {"role": role, "label": label, "count": counts[role], "involvements": shown[role]}
        for role, label in Involvement.Role.choices
        if role in counts and role in shown
    ]


def organisation_detail(request, slug):
    data = kept_page_data(request, "organisation", slug, organisation_page_data)
    if "redirect" in data:
        return HttpResponsePermanentRedirect(data["redirect"])
    return render_with_network(request, "actors/organisation_detail.html", data, "content_html")


def organisation_page_data(request, slug):
    """What an organisation's page shows, its content rendered in each order of its network's
    table (an unknown order is rendered for its request); or where a merged one now is."""
    organisation = (
        visible(request, Organisation)
        .select_related("territory", "parent")
        .annotate(territory_outlined_ancestor=Territory.outlined_ancestor("territory__"))
        .filter(slug=slug)
        .first()
    )
    if organisation is None:
        # The address of an organisation merged into another answers with the kept one.
        former = OrganisationRedirect.objects.filter(old_slug=slug).select_related("organisation")
        former = former.first()
        if former is None:
            raise Http404("Aucune organisation à cette adresse.")
        return {"redirect": former.organisation.get_absolute_url()}
    parent = organisation.parent
    if territory := organisation.territory:
        territory.outlined_ancestor = organisation.territory_outlined_ancestor
    data = {
        "organisation": organisation,
        "locator": locator([territory] if territory else []),
        "network": organisation_network(organisation),
        "parent": parent if parent and parent.is_published else None,
        "roles": roles_of(organisation),
        # Support received within an initiative is not a role, but the page must say it.
        "fundings": list(
            Funding.objects.filter(
                beneficiary=organisation, initiative__in=Initiative.objects.published()
            )
            .select_related("initiative")
            .order_by("initiative__sort_key")
        ),
        "units": list(Organisation.objects.published().filter(parent=organisation)),
        "people": list(
            Affiliation.objects.filter(
                organisation=organisation, person__in=Person.objects.published()
            ).select_related("person")
        ),
        "is_preview": organisation.publication_state != PublicationState.PUBLISHED,
    }

    def content(order):
        context = {**data, **network_table(data["network"], order)}
        return render_to_string("actors/organisation_content.html", context, request)

    # Without a network there is no table to sort: the same content for every order.
    if data["network"]:
        data["content_html"] = {order: content(order) for order in SORT_ORDERS}
    else:
        data["content_html"] = dict.fromkeys(SORT_ORDERS, content(""))
    return data


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


class OrganisationFilter(django_filters.FilterSet):
    type = django_filters.ChoiceFilter(
        label=_("Type"), field_name="kind", choices=Organisation.Kind.choices, empty_label=_("Tous")
    )

    class Meta:
        model = Organisation
        fields = []


def _count(queryset):
    return lambda request, key: queryset.count()


def actor_index(request):
    # Initiatives counted through published involvements only: drafts never weigh on a count.
    published_roles = (
        Involvement.objects.published()
        .filter(organisation=OuterRef("pk"))
        .values("organisation")
        .annotate(n=Count("initiative", distinct=True))
        .values("n")
    )
    filterset = OrganisationFilter(
        request.GET,
        queryset=Organisation.objects.published()
        .annotate(initiative_count=Coalesce(Subquery(published_roles), 0))
        .order_by("sort_key", "pk"),
    )
    organisations = Paginator(filterset.qs, 50)
    # People have their own pages (`personnes`): every published person can be reached.
    people = Paginator(Person.objects.published().order_by("sort_key", "first_name", "pk"), 200)
    if filterset.is_valid():
        # Counted once a version: 200,000 organisations took 20 ms to count at a million
        # initiatives, for every page of the list.
        kind = filterset.form.cleaned_data["type"] or ""
        organisations.count = kept_page_data(
            request, "organisation-count", kind, _count(filterset.qs)
        )
        people.count = kept_page_data(request, "person-count", "", _count(people.object_list))
    return render(
        request,
        "actors/actor_index.html",
        {
            "filter": filterset,
            "page": organisations.get_page(request.GET.get("page")),
            "people": people.get_page(request.GET.get("personnes")),
        },
        status=200 if filterset.is_valid() else 400,
    )
