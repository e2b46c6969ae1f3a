"""The read-only JSON API of the registry and the exports' route, with django-ninja.

Each answer is a dict built by one small function below; django-ninja validates it against
the pydantic models of `portal.opendata.api.schemas` on its way out and generates the OpenAPI
document from those same models, so the document cannot drift from what is answered.

Rules shared by every endpoint:
- only `.published()` records, and only published records in their links; anything else is
  a 404 like a missing record;
- lists: `page_size` (1 to 100, default 20; beyond 100 is a 400, not silently clamped, so a
  client never believes it got everything), `{"count", "next", "previous", "results"}`,
  ordered by sort key then id (initiatives: in the index's `tri` order, then id), a constant
  number of queries whatever the page size or depth; `next` and `previous` carry a signed
  keyset cursor (`portal.opendata.api.cursors`), and `page` (from 1) still serves the first
  10,000 results; any other query parameter is a 400, so a misspelt filter never passes for
  "no filter";
- errors are `{"errors": {parameter: [French messages]}}`;
- CORS for any origin and a rate limit per client address (`portal.opendata.access.open_data`, put
  around every route by `portal.opendata.api.urlpatterns`).
"""

from django.contrib.postgres.search import SearchRank
from django.db.models import F, OuterRef, Subquery
from ninja import Query

from actors.models import Affiliation, Involvement, Organisation, Person
from initiatives.models import Document, Event, Initiative, ListingTotal, Territory, Theme
from initiatives.models.listing import START_ORDER
from initiatives.translations import search_vector_name
from portal.cache import remembered
from portal.catalogue.filters import InitiativeFilter
from portal.catalogue.search import search_query
from portal.opendata.api import schemas
from portal.opendata.api.core import (
    absolute,
    detail,
    error_response,
    listing,
    not_found,
    paginated,
    slug_of,
)
from portal.opendata.api.cursors import Key, Keyset
from portal.opendata.exports import (
    absolute_url_maker,
    initiative_records,
    initiative_values,
    iso,
    timestamp,
)

# Initiatives -------------------------------------------------------------------------------


def initiative_items(request, rows):
    url_for = absolute_url_maker(request, "initiatives:detail")
    return [item for item, _ in initiative_records(rows, url_for)]


BY_SORT_KEY = Keyset(Key("sort_key"), Key("pk", kind="int"))
BY_NAME = Keyset(Key("sort_key"), Key("first_name"), Key("pk", kind="int"))
# The index's orders (portal.catalogue.results.ORDERINGS), as keys.
INITIATIVE_ORDERS = {
    "titre": BY_SORT_KEY,
    "maj": Keyset(
        Key("updated_at", descending=True, kind="datetime"), Key("sort_key"), Key("pk", kind="int")
    ),
    "debut": Keyset(Key("debut"), Key("sort_key"), Key("pk", kind="int")),
    "pertinence": Keyset(
        Key("rank", descending=True, kind="real"), Key("sort_key"), Key("pk", kind="int")
    ),
}


@listing(
    "/api/initiatives/",
    "api_initiatives",
    "Initiatives, avec les filtres de la liste des initiatives",
    schemas.Initiative,
)
def initiative_list(
    request, filters: Query[schemas.InitiativeFilters], pages: Query[schemas.Pagination]
):
    filterset = InitiativeFilter(request.GET)
    if not filterset.is_valid():
        return error_response(
            400, {name: list(errors) for name, errors in filterset.errors.items()}
        )
    # The page is cut on the listing's narrow rows and their indexes, then its initiatives
    # read in the same query (a subquery), in the same order.
    rows, initiatives, extra = filterset.qs, Initiative.objects.all(), ["sort_key"]
    if filterset.sort == "debut":  # start, unknown last, as its index reads it
        rows = rows.annotate(debut=START_ORDER)
        initiatives = initiatives.annotate(debut=START_ORDER)
        extra.append("debut")
    if filterset.sort == "pertinence":
        query = search_query(filterset.text)
        vector = search_vector_name(prefix="initiative__")
        rows = rows.annotate(rank=SearchRank(F(vector), query))
        initiatives = initiatives.annotate(rank=SearchRank(F(search_vector_name()), query))
        extra.append("rank")

    def count():
        if not filterset.qs.query.where:  # every public initiative: the kept total
            return ListingTotal.objects.count_of("total", "")
        # Counted once per version of the counts, not once per page: every page of a
        # filtered list shares its count, as the index's pages share their facet counts.
        query = filterset.qs.query.sql_with_params()
        return remembered("api-count", query, filterset.qs.count, request)

    def page_rows(page, ordering):
        chosen = initiatives.filter(pk__in=page.values("pk"))
        return initiative_values(chosen, *extra).order_by(*ordering)

    return paginated(
        request,
        pages,
        rows,
        lambda rows: initiative_items(request, rows),
        INITIATIVE_ORDERS[filterset.sort],
        parameters=schemas.InitiativeFilters.model_fields,
        count=count,
        rows=page_rows,
    )


def involvement_item(involvement):
    return {
        "initiative": involvement.initiative.slug,
        "organisation": slug_of(involvement.organisation),
        "person": slug_of(involvement.person),
        "role": involvement.role,
        "role_label": involvement.get_role_display(),
        "start": iso(involvement.start),
        "end": iso(involvement.end),
    }


@detail(
    "/api/initiatives/{slug:slug}/", "api_initiative", "Une initiative", schemas.InitiativeDetail
)
def initiative_detail(request, slug: schemas.Slug):
    rows = list(
        initiative_values(
            Initiative.objects.published().filter(slug=slug), "body", "objectives", "website"
        )
    )
    if not rows:
        return not_found()
    row = rows[0]
    item = initiative_items(request, rows)[0]
    involvements = (
        Involvement.objects.published()
        .filter(initiative_id=row["pk"])
        .select_related("initiative", "organisation", "person")
        .order_by("role", "pk")
    )
    events = (
        Event.objects.published()
        .filter(initiative_id=row["pk"])
        .select_related("initiative", "territory")
        .order_by("sort_key", "pk")
    )
    children = Initiative.objects.published().filter(parent_id=row["pk"]).order_by("sort_key")
    documents = Document.objects.published().filter(initiatives=row["pk"]).order_by("sort_key")
    return {
        **item,
        "body": row["body"],
        "objectives": row["objectives"],
        "website": row["website"],
        "children": list(children.values_list("slug", flat=True)),
        "involvements": [involvement_item(involvement) for involvement in involvements],
        "documents": list(documents.values_list("slug", flat=True)),
        "events": [event_item(event) for event in events],
    }


# Organisations and people ------------------------------------------------------------------


def organisations():
    public = Organisation.objects.published()
    # The parent only when it is public itself.
    parents = public.filter(pk=OuterRef("parent_id")).values("slug")
    return public.select_related("territory").annotate(parent_slug=Subquery(parents))


def organisation_item(request, organisation):
    return {
        "slug": organisation.slug,
        "name": organisation.name,
        "acronym": organisation.acronym,
        "kind": organisation.kind,
        "kind_label": organisation.get_kind_display(),
        "description": organisation.description,
        "website": organisation.website,
        "territory": slug_of(organisation.territory),
        "parent": organisation.parent_slug,
        "founded_on": iso(organisation.founded_on),
        "is_defunct": organisation.is_defunct,
        "dissolved_on": iso(organisation.dissolved_on),
        "url": absolute(request, organisation),
        "updated_at": timestamp(organisation.updated_at),
    }


@listing("/api/organisations/", "api_organisations", "Organisations", schemas.Organisation)
def organisation_list(request, pages: Query[schemas.Pagination]):
    return paginated(
        request,
        pages,
        organisations(),
        lambda page: [organisation_item(request, organisation) for organisation in page],
        BY_SORT_KEY,
    )


@detail(
    "/api/organisations/{slug:slug}/",
    "api_organisation",
    "Une organisation",
    schemas.OrganisationDetail,
)
def organisation_detail(request, slug: schemas.Slug):
    organisation = organisations().filter(slug=slug).first()
    if organisation is None:
        return not_found()
    involvements = (
        Involvement.objects.published()
        .filter(organisation=organisation)
        .select_related("initiative", "organisation", "person")
        .order_by("initiative__sort_key", "role", "pk")
    )
    units = Organisation.objects.published().filter(parent=organisation).order_by("sort_key")
    people = (
        Affiliation.objects.filter(organisation=organisation, person__in=Person.objects.published())
        .select_related("person")
        .order_by("person__sort_key", "pk")
    )
    return {
        **organisation_item(request, organisation),
        "units": list(units.values_list("slug", flat=True)),
        "people": [
            {
                "person": affiliation.person.slug,
                "job_title": affiliation.job_title,
                "start": iso(affiliation.start),
                "end": iso(affiliation.end),
            }
            for affiliation in people
        ],
        "involvements": [involvement_item(involvement) for involvement in involvements],
    }


def person_item(request, person):
    return {
        "slug": person.slug,
        "first_name": person.first_name,
        "last_name": person.last_name,
        "biography": person.biography,
        # Email and phone only with recorded consent: the model decides.
        "contact": person.public_contact(),
        "url": absolute(request, person),
        "updated_at": timestamp(person.updated_at),
    }


@listing("/api/personnes/", "api_persons", "Personnes", schemas.Person)
def person_list(request, pages: Query[schemas.Pagination]):
    return paginated(
        request,
        pages,
        Person.objects.published(),
        lambda page: [person_item(request, person) for person in page],
        BY_NAME,
    )


@detail("/api/personnes/{slug:slug}/", "api_person", "Une personne", schemas.PersonDetail)
def person_detail(request, slug: schemas.Slug):
    person = Person.objects.published().filter(slug=slug).first()
    if person is None:
        return not_found()
    affiliations = (
        Affiliation.objects.filter(person=person, organisation__in=Organisation.objects.published())
        .select_related("organisation")
        .order_by("start", "pk")
    )
    involvements = (
        Involvement.objects.published()
        .filter(person=person)
        .select_related("initiative", "organisation", "person")
        .order_by("initiative__sort_key", "role", "pk")
    )
    return {
        **person_item(request, person),
        "affiliations": [
            {
                "organisation": affiliation.organisation.slug,
                "job_title": affiliation.job_title,
                "start": iso(affiliation.start),
                "end": iso(affiliation.end),
            }
            for affiliation in affiliations
        ],
        "involvements": [involvement_item(involvement) for involvement in involvements],
    }


# Vocabularies ------------------------------------------------------------------------------


def coordinate(value):
    return float(value) if value is not None else None


def territory_item(request, territory):
    return {
        "slug": territory.slug,
        "name": territory.name,
        "kind": territory.kind,
        "kind_label": territory.get_kind_display(),
        "code": territory.code,
        "parent": slug_of(territory.parent),
        "latitude": coordinate(territory.latitude),
        "longitude": coordinate(territory.longitude),
        "valid_from": iso(territory.valid_from),
        "valid_until": iso(territory.valid_until),
        "url": absolute(request, territory),
    }


@listing("/api/territoires/", "api_territories", "Territoires", schemas.Territory)
def territory_list(request, pages: Query[schemas.Pagination]):
    return paginated(
        request,
        pages,
        Territory.objects.select_related("parent"),
        lambda page: [territory_item(request, territory) for territory in page],
        BY_SORT_KEY,
    )


@detail("/api/territoires/{slug:slug}/", "api_territory", "Un territoire", schemas.TerritoryDetail)
def territory_detail(request, slug: schemas.Slug):
    territory = Territory.objects.select_related("parent").filter(slug=slug).first()
    if territory is None:
        return not_found()
    return {
        **territory_item(request, territory),
        "description": territory.description,
        "children": slugs(territory.children),
        "successors": slugs(territory.successors),
        "predecessors": slugs(territory.predecessors),
    }


def slugs(related):
    return list(related.order_by("sort_key", "pk").values_list("slug", flat=True))


def theme_item(request, theme):
    return {
        "slug": theme.slug,
        "name": theme.name,
        "description": theme.description,
        "parent": slug_of(theme.parent),
        "url": absolute(request, theme),
    }


@listing("/api/thematiques/", "api_themes", "Thématiques", schemas.Theme)
def theme_list(request, pages: Query[schemas.Pagination]):
    return paginated(
        request,
        pages,
        Theme.objects.select_related("parent"),
        lambda page: [theme_item(request, theme) for theme in page],
        BY_SORT_KEY,
    )


@detail("/api/thematiques/{slug:slug}/", "api_theme", "Une thématique", schemas.ThemeDetail)
def theme_detail(request, slug: schemas.Slug):
    theme = Theme.objects.select_related("parent").filter(slug=slug).first()
    if theme is None:
        return not_found()
    return {**theme_item(request, theme), "children": slugs(theme.children)}


# Events and documents ----------------------------------------------------------------------


def event_item(event):
    return {
        "id": event.pk,
        "title": event.title,
        "kind": event.kind,
        "kind_label": event.get_kind_display(),
        "status": event.status,
        "status_label": event.get_status_display(),
        "start": iso(event.start),
        "end": iso(event.end),
        "date_note": event.date_note,
        "initiative": event.initiative.slug,
        "territory": slug_of(event.territory),
        "venue": event.venue,
        "description": event.description,
    }


@listing("/api/evenements/", "api_events", "Événements", schemas.Event)
def event_list(request, pages: Query[schemas.Pagination]):
    return paginated(
        request,
        pages,
        Event.objects.published().select_related("initiative", "territory"),
        lambda page: [event_item(event) for event in page],
        BY_SORT_KEY,
    )


def document_item(request, document):
    download = document.get_download_url()
    return {
        "slug": document.slug,
        "title": document.title,
        "kind": document.kind,
        "kind_label": document.get_kind_display(),
        "authors": document.authors,
        "publication_date": iso(document.publication_date),
        "language": document.language,
        "summary": document.summary,
        "link": document.url,
        "file": request.build_absolute_uri(download) if download else None,
        "keywords": [keyword.label for keyword in document.keywords.all()],
        "url": absolute(request, document),
        "updated_at": timestamp(document.updated_at),
    }


@listing("/api/documents/", "api_documents", "Documents", schemas.Document)
def document_list(request, pages: Query[schemas.Pagination]):
    return paginated(
        request,
        pages,
        Document.objects.published().prefetch_related("keywords"),
        lambda page: [document_item(request, document) for document in page],
        BY_SORT_KEY,
    )


@detail("/api/documents/{slug:slug}/", "api_document", "Un document", schemas.DocumentDetail)
def document_detail(request, slug: schemas.Slug):
    document = Document.objects.published().prefetch_related("keywords").filter(slug=slug).first()
    if document is None:
        return not_found()
    initiatives = Initiative.objects.published().filter(documents=document).order_by("sort_key")
    return {
        **document_item(request, document),
        "bibliographic_note": document.bibliographic_note,
        "initiatives": list(initiatives.values_list("slug", flat=True)),
    }
