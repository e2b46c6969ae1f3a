"""The read-only JSON API of the registry, in plain Django views.

No API framework (Django REST framework, django-ninja) and no new dependency: the API is a few
read-only list and detail endpoints; the initiatives list filters with the InitiativeFilter of
the pages, so the same URL parameters mean the same thing everywhere; each object is a dict
built by one small function, so a serializer layer would not earn its keep; and the OpenAPI
document is written here by hand (OPENAPI), checked against the real responses by the tests.

Rules shared by every endpoint:
- only `.published()` records, and only published records in their links; anything else is
  a 404 like a missing record;
- lists: `page` (from 1) and `page_size` (1 to 100, default 20; beyond 100 is a 400, not
  silently clamped, so a client never believes it got everything), `{"count", "next",
  "previous", "results"}`, ordered by sort key then id (initiatives: in the index's `tri`
  order, then id), a constant number of queries whatever the page size; any other query
  parameter is a 400, so a misspelt filter never passes for "no filter";
- errors are `{"errors": {parameter: [French messages]}}`;
- CORS for any origin and a rate limit per client address (`portal.exports.open_data`).
"""

from django.core.paginator import EmptyPage, Paginator
from django.db.models import OuterRef, Subquery
from django.http import JsonResponse
from django.shortcuts import render
from django.urls import path, re_path, reverse

from actors.models import Affiliation, Involvement, Organisation, Person
from initiatives.models import Document, Event, Initiative, Language, Territory, Theme
from portal import exports
from portal.exports import (
    COLUMNS,
    absolute_url_maker,
    initiative_records,
    initiative_values,
    iso,
    open_data,
    timestamp,
)
from portal.filters import FIRST_YEAR, LAST_YEAR, SORTS, InitiativeFilter

PAGE_SIZE = 20
MAX_PAGE_SIZE = 100


# Responses ---------------------------------------------------------------------------------


def json_response(data, status=200):
    return JsonResponse(data, status=status, safe=False, json_dumps_params={"ensure_ascii": False})


def error_response(status, errors):
    return json_response({"errors": errors}, status=status)


def not_found():
    return error_response(404, {"detail": ["Aucun enregistrement publié à cette adresse."]})


def page_link(request, number):
    query = request.GET.copy()
    query["page"] = number
    return request.build_absolute_uri(f"{request.path}?{query.urlencode()}")


def positive_int(request, name, default, maximum=None):
    """(value, None) or (None, errors) for an integer query parameter."""
    raw = request.GET.get(name, "")
    if raw == "":
        return default, None
    try:
        value = int(raw)
    except ValueError:
        value = 0
    if value < 1 or (maximum is not None and value > maximum):
        limits = f"de 1 à {maximum}" if maximum else "supérieur ou égal à 1"
        return None, {name: [f"Un nombre entier {limits} est attendu."]}
    return value, None


def paginated(request, queryset, describe, parameters=()):
    """The page asked for, as a response: `describe` turns the page's objects into dicts."""
    unknown = sorted(set(request.GET) - {"page", "page_size", *parameters})
    if unknown:
        return error_response(400, {name[:60]: ["Paramètre inconnu."] for name in unknown})
    page_size, errors = positive_int(request, "page_size", PAGE_SIZE, MAX_PAGE_SIZE)
    number, page_errors = positive_int(request, "page", 1)
    if errors or page_errors:
        return error_response(400, {**(errors or {}), **(page_errors or {})})
    paginator = Paginator(queryset, page_size)
    try:
        page = paginator.page(number)
    except EmptyPage:
        return error_response(
            404, {"page": [f"Cette page n'existe pas : il y en a {paginator.num_pages}."]}
        )
    return json_response(
        {
            "count": paginator.count,
            "next": page_link(request, number + 1) if page.has_next() else None,
            "previous": page_link(request, number - 1) if page.has_previous() else None,
            "results": describe(list(page.object_list)),
        }
    )


def absolute(request, record):
    return request.build_absolute_uri(record.get_absolute_url())


def slug_of(record):
    return record.slug if record is not None else None


# Initiatives -------------------------------------------------------------------------------


def initiative_items(request, rows):
    url_for = absolute_url_maker(request, "initiatives:detail")
    return [item for item, _ in initiative_records(rows, url_for)]


@open_data
def initiative_list(request):
    filterset = InitiativeFilter(request.GET)
    if not filterset.is_valid():
        return error_response(
            400, {name: list(errors) for name, errors in filterset.errors.items()}
        )
    return paginated(
        request,
        initiative_values(filterset.results),
        lambda rows: initiative_items(request, rows),
        parameters=InitiativeFilter.base_filters,
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


@open_data
def initiative_detail(request, slug):
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
    return json_response(
        {
            **item,
            "body": row["body"],
            "objectives": row["objectives"],
            "website": row["website"],
            "children": list(children.values_list("slug", flat=True)),
            "involvements": [involvement_item(involvement) for involvement in involvements],
            "documents": list(documents.values_list("slug", flat=True)),
            "events": [event_item(event) for event in events],
        }
    )


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


@open_data
def organisation_list(request):
    return paginated(
        request,
        organisations().order_by("sort_key", "pk"),
        lambda page: [organisation_item(request, organisation) for organisation in page],
    )


@open_data
def organisation_detail(request, slug):
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
    return json_response(
        {
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
    )


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


@open_data
def person_list(request):
    return paginated(
        request,
        Person.objects.published().order_by("sort_key", "first_name", "pk"),
        lambda page: [person_item(request, person) for person in page],
    )


@open_data
def person_detail(request, slug):
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
    return json_response(
        {
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
    )


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


@open_data
def territory_list(request):
    return paginated(
        request,
        Territory.objects.select_related("parent").order_by("sort_key", "pk"),
        lambda page: [territory_item(request, territory) for territory in page],
    )


@open_data
def territory_detail(request, slug):
    territory = Territory.objects.select_related("parent").filter(slug=slug).first()
    if territory is None:
        return not_found()
    return json_response(
        {
            **territory_item(request, territory),
            "description": territory.description,
            "children": slugs(territory.children),
            "successors": slugs(territory.successors),
            "predecessors": slugs(territory.predecessors),
        }
    )


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


@open_data
def theme_list(request):
    return paginated(
        request,
        Theme.objects.select_related("parent").order_by("sort_key", "pk"),
        lambda page: [theme_item(request, theme) for theme in page],
    )


@open_data
def theme_detail(request, slug):
    theme = Theme.objects.select_related("parent").filter(slug=slug).first()
    if theme is None:
        return not_found()
    return json_response({**theme_item(request, theme), "children": slugs(theme.children)})


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


@open_data
def event_list(request):
    return paginated(
        request,
        Event.objects.published()
        .select_related("initiative", "territory")
        .order_by("sort_key", "pk"),
        lambda page: [event_item(event) for event in page],
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


@open_data
def document_list(request):
    return paginated(
        request,
        Document.objects.published().prefetch_related("keywords").order_by("sort_key", "pk"),
        lambda page: [document_item(request, document) for document in page],
    )


@open_data
def document_detail(request, slug):
    document = Document.objects.published().prefetch_related("keywords").filter(slug=slug).first()
    if document is None:
        return not_found()
    initiatives = Initiative.objects.published().filter(documents=document).order_by("sort_key")
    return json_response(
        {
            **document_item(request, document),
            "bibliographic_note": document.bibliographic_note,
            "initiatives": list(initiatives.values_list("slug", flat=True)),
        }
    )


# The OpenAPI document ----------------------------------------------------------------------

STRING = {"type": "string"}
TEXT_OR_NULL = {"type": ["string", "null"]}
URL = {"type": "string", "format": "uri"}
DATETIME = {"type": "string", "format": "date-time"}
SLUG = {"type": "string", "pattern": r"^[-a-zA-Z0-9_]+$"}
SLUG_OR_NULL = {"type": ["string", "null"], "pattern": r"^[-a-zA-Z0-9_]+$"}
SLUGS = {"type": "array", "items": SLUG}
PARTIAL_DATE = {
    "type": ["string", "null"],
    "pattern": r"^\d{4}(-\d{2}(-\d{2})?)?$",
    "description": "Date partielle ISO : « 2015 », « 2016-03 » ou « 2016-03-21 ».",
}
COORDINATE = {"type": ["number", "null"]}


def ref(name):
    return {"$ref": f"#/components/schemas/{name}"}


def record(properties, optional=()):
    """An object schema: every property present (null when unknown), no other key."""
    return {
        "type": "object",
        "required": [name for name in properties if name not in optional],
        "properties": properties,
        "additionalProperties": False,
    }


def choice(values):
    return {"type": "string", "enum": list(values)}


def page_of(name):
    return {
        "type": "object",
        "required": ["count", "next", "previous", "results"],
        "properties": {
            "count": {"type": "integer", "minimum": 0},
            "next": {"type": ["string", "null"], "format": "uri"},
            "previous": {"type": ["string", "null"], "format": "uri"},
            "results": {"type": "array", "items": ref(name)},
        },
        "additionalProperties": False,
    }


INITIATIVE = {
    "slug": SLUG,
    "title": STRING,
    "acronym": STRING,
    "kind": choice(Initiative.Kind.values),
    "kind_label": STRING,
    "status": choice(Initiative.Status.values),
    "status_label": STRING,
    "start": PARTIAL_DATE,
    "end": PARTIAL_DATE,
    "parent": SLUG_OR_NULL,
    "themes": SLUGS,
    "territories": SLUGS,
    "summary": STRING,
    "url": URL,
    "updated_at": DATETIME,
}
INVOLVEMENT = record(
    {
        "initiative": SLUG,
        "organisation": SLUG_OR_NULL,
        "person": SLUG_OR_NULL,
        "role": choice(Involvement.Role.values),
        "role_label": STRING,
        "start": PARTIAL_DATE,
        "end": PARTIAL_DATE,
    }
)
EVENT = {
    "id": {"type": "integer"},
    "title": STRING,
    "kind": choice(Event.Kind.values),
    "kind_label": STRING,
    "status": choice(Event.Status.values),
    "status_label": STRING,
    "start": PARTIAL_DATE,
    "end": PARTIAL_DATE,
    "date_note": STRING,
    "initiative": SLUG,
    "territory": SLUG_OR_NULL,
    "venue": STRING,
    "description": STRING,
}
ORGANISATION = {
    "slug": SLUG,
    "name": STRING,
    "acronym": STRING,
    "kind": choice(Organisation.Kind.values),
    "kind_label": STRING,
    "description": STRING,
    "website": STRING,
    "territory": SLUG_OR_NULL,
    "parent": SLUG_OR_NULL,
    "founded_on": PARTIAL_DATE,
    "is_defunct": {"type": "boolean"},
    "dissolved_on": PARTIAL_DATE,
    "url": URL,
    "updated_at": DATETIME,
}
PERSON = {
    "slug": SLUG,
    "first_name": STRING,
    "last_name": STRING,
    "biography": STRING,
    "contact": {
        **record({"email": STRING, "phone": STRING}, optional=("email", "phone")),
        "description": "Courriel et téléphone, seulement si la personne a consenti à leur "
        "publication ; un objet vide sinon.",
    },
    "url": URL,
    "updated_at": DATETIME,
}
AFFILIATION = {"job_title": STRING, "start": PARTIAL_DATE, "end": PARTIAL_DATE}
TERRITORY = {
    "slug": SLUG,
    "name": STRING,
    "kind": choice(Territory.Kind.values),
    "kind_label": STRING,
    "code": STRING,
    "parent": SLUG_OR_NULL,
    "latitude": COORDINATE,
    "longitude": COORDINATE,
    "valid_from": PARTIAL_DATE,
    "valid_until": PARTIAL_DATE,
    "url": URL,
}
THEME = {"slug": SLUG, "name": STRING, "description": STRING, "parent": SLUG_OR_NULL, "url": URL}
DOCUMENT = {
    "slug": SLUG,
    "title": STRING,
    "kind": choice(Document.Kind.values),
    "kind_label": STRING,
    "authors": STRING,
    "publication_date": PARTIAL_DATE,
    "language": choice(Language.values),
    "summary": STRING,
    "link": STRING,
    "file": {"type": ["string", "null"], "format": "uri"},
    "keywords": {"type": "array", "items": STRING},
    "url": URL,
    "updated_at": DATETIME,
}

SCHEMAS = {
    "Initiative": record(INITIATIVE),
    "InitiativeDetail": record(
        {
            **INITIATIVE,
            "body": {**STRING, "description": "Description, en Markdown."},
            "objectives": {**STRING, "description": "Objectifs, en Markdown."},
            "website": STRING,
            "children": SLUGS,
            "involvements": {"type": "array", "items": ref("Involvement")},
            "documents": SLUGS,
            "events": {"type": "array", "items": ref("Event")},
        }
    ),
    "Involvement": INVOLVEMENT,
    "Organisation": record(ORGANISATION),
    "OrganisationDetail": record(
        {
            **ORGANISATION,
            "units": SLUGS,
            "people": {"type": "array", "items": record({"person": SLUG, **AFFILIATION})},
            "involvements": {"type": "array", "items": ref("Involvement")},
        }
    ),
    "Person": record(PERSON),
    "PersonDetail": record(
        {
            **PERSON,
            "affiliations": {
                "type": "array",
                "items": record({"organisation": SLUG, **AFFILIATION}),
            },
            "involvements": {"type": "array", "items": ref("Involvement")},
        }
    ),
    "Territory": record(TERRITORY),
    "TerritoryDetail": record(
        {
            **TERRITORY,
            "description": STRING,
            "children": SLUGS,
            "successors": SLUGS,
            "predecessors": SLUGS,
        }
    ),
    "Theme": record(THEME),
    "ThemeDetail": record({**THEME, "children": SLUGS}),
    "Event": record(EVENT),
    "Document": record(DOCUMENT),
    "DocumentDetail": record({**DOCUMENT, "bibliographic_note": STRING, "initiatives": SLUGS}),
    "Feature": record(
        {
            "type": choice(["Feature"]),
            "id": STRING,
            "geometry": record(
                {
                    "type": choice(["Point"]),
                    "coordinates": {
                        "type": "array",
                        "items": {"type": "number"},
                        "minItems": 2,
                        "maxItems": 2,
                        "description": "[longitude, latitude]",
                    },
                }
            ),
            "properties": record({**INITIATIVE, "territory": SLUG}),
        }
    ),
    "FeatureCollection": record(
        {
            "type": choice(["FeatureCollection"]),
            "features": {"type": "array", "items": ref("Feature")},
        }
    ),
    "Errors": record(
        {
            "errors": {
                "type": "object",
                "additionalProperties": {"type": "array", "items": STRING},
                "description": "Messages en français, par paramètre (« detail » sinon).",
            }
        }
    ),
}
SCHEMAS.update(
    {
        f"{name}Page": page_of(name)
        for name in (
            "Initiative",
            "Organisation",
            "Person",
            "Territory",
            "Theme",
            "Event",
            "Document",
        )
    }
)


def query(name, description, schema):
    return {
        "name": name,
        "in": "query",
        "required": False,
        "description": description,
        "schema": schema,
    }


SLUG_PARAMETER = {"name": "slug", "in": "path", "required": True, "schema": SLUG}
PAGINATION = [
    query(
        "page", "Numéro de page, à partir de 1.", {"type": "integer", "minimum": 1, "default": 1}
    ),
    query(
        "page_size",
        f"Nombre de résultats par page, de 1 à {MAX_PAGE_SIZE} (au-delà : erreur 400).",
        {"type": "integer", "minimum": 1, "maximum": MAX_PAGE_SIZE, "default": PAGE_SIZE},
    ),
]
YEAR = {"type": "integer", "minimum": FIRST_YEAR, "maximum": LAST_YEAR}
# The parameters of InitiativeFilter, the same on the index page, in the exports and here.
INITIATIVE_FILTERS = [
    query(
        "q", "Mots-clés (recherche plein texte en français).", {"type": "string", "maxLength": 200}
    ),
    query("thematique", "Identifiant d'une thématique ; ses sous-thématiques comprises.", SLUG),
    query(
        "territoire",
        "Identifiant d'un territoire ; ses sous-territoires, prédécesseurs et successeurs compris.",
        SLUG,
    ),
    query("type", "Type d'initiative.", choice(Initiative.Kind.values)),
    query("statut", "Statut.", choice(Initiative.Status.values)),
    query("acteur", "Identifiant d'une organisation impliquée.", SLUG),
    query(
        "role",
        "Rôle d'un acteur (celui de « acteur » s'il est donné).",
        choice(Involvement.Role.values),
    ),
    query("de", "Active entre l'année « de »…", YEAR),
    query("a", "… et l'année « a » (pas avant « de »).", YEAR),
    query(
        "tri",
        "Ordre : pertinence (par défaut avec « q »), titre (par défaut sinon), maj, debut.",
        choice(SORTS),
    ),
]
ERRORS = {"application/json": {"schema": ref("Errors")}}
RESPONSES = {
    "429": {"description": "Trop de requêtes ; en-tête Retry-After.", "content": ERRORS},
}


def json_ok(schema_name, description="Succès."):
    return {
        "description": description,
        "content": {"application/json": {"schema": ref(schema_name)}},
    }


def list_operation(summary, schema_name, filters=()):
    return {
        "get": {
            "summary": summary,
            "parameters": [*filters, *PAGINATION],
            "responses": {
                "200": json_ok(schema_name),
                "400": {"description": "Paramètre invalide ou inconnu.", "content": ERRORS},
                "404": {"description": "Page au-delà de la dernière.", "content": ERRORS},
                **RESPONSES,
            },
        }
    }


def detail_operation(summary, schema_name):
    return {
        "get": {
            "summary": summary,
            "parameters": [SLUG_PARAMETER],
            "responses": {
                "200": json_ok(schema_name),
                "404": {"description": "Introuvable ou non publié.", "content": ERRORS},
                **RESPONSES,
            },
        }
    }


EXPORT_FORMATS = {
    "csv": ("text/csv", {"type": "string"}),
    "xlsx": (exports.FORMATS["xlsx"], {"type": "string", "format": "binary"}),
    "json": ("application/json", {"type": "array", "items": ref("Initiative")}),
    "geojson": ("application/geo+json", ref("FeatureCollection")),
}

OPENAPI = {
    "openapi": "3.1.0",
    "info": {
        "title": "API du Registre des initiatives",
        "version": "1.0",
        "description": "Lecture seule, sans authentification, données publiées seulement. "
        "CORS ouvert à toute origine (GET, HEAD, OPTIONS) ; les autres méthodes "
        f"répondent 405. Au plus {exports.RATE_LIMIT} requêtes par {exports.RATE_WINDOW} "
        "secondes et par adresse (429 et Retry-After au-delà).",
    },
    "paths": {
        "/api/initiatives/": list_operation(
            "Initiatives, avec les filtres de la liste des initiatives",
            "InitiativePage",
            INITIATIVE_FILTERS,
        ),
        "/api/initiatives/{slug}/": detail_operation("Une initiative", "InitiativeDetail"),
        "/api/organisations/": list_operation("Organisations", "OrganisationPage"),
        "/api/organisations/{slug}/": detail_operation("Une organisation", "OrganisationDetail"),
        "/api/personnes/": list_operation("Personnes", "PersonPage"),
        "/api/personnes/{slug}/": detail_operation("Une personne", "PersonDetail"),
        "/api/territoires/": list_operation("Territoires", "TerritoryPage"),
        "/api/territoires/{slug}/": detail_operation("Un territoire", "TerritoryDetail"),
        "/api/thematiques/": list_operation("Thématiques", "ThemePage"),
        "/api/thematiques/{slug}/": detail_operation("Une thématique", "ThemeDetail"),
        "/api/evenements/": list_operation("Événements", "EventPage"),
        "/api/documents/": list_operation("Documents", "DocumentPage"),
        "/api/documents/{slug}/": detail_operation("Un document", "DocumentDetail"),
        "/api/openapi.json": {
            "get": {
                "summary": "Ce document OpenAPI",
                "responses": {
                    "200": {
                        "description": "Le document.",
                        "content": {"application/json": {"schema": {"type": "object"}}},
                    },
                    **RESPONSES,
                },
            }
        },
        "/initiatives/export.{format}": {
            "get": {
                "summary": "Export de la liste filtrée des initiatives (toutes les pages)",
                "parameters": [
                    {
                        "name": "format",
                        "in": "path",
                        "required": True,
                        "schema": choice(EXPORT_FORMATS),
                    },
                    *INITIATIVE_FILTERS,
                    query(
                        "sep",
                        "Séparateur du CSV.",
                        {"type": "string", "enum": [",", ";"], "default": ","},
                    ),
                ],
                "responses": {
                    "200": {
                        "description": "Un fichier registre-initiatives-AAAAMMJJ.<format>.",
                        "content": {
                            media: {"schema": schema} for media, schema in EXPORT_FORMATS.values()
                        },
                    },
                    "400": {
                        "description": "Filtre invalide (message en texte).",
                        "content": {"text/plain": {"schema": STRING}},
                    },
                    **RESPONSES,
                },
            }
        },
    },
    "components": {"schemas": SCHEMAS},
}


@open_data
def openapi(request):
    return json_response(OPENAPI)


# The human page ----------------------------------------------------------------------------


def api_page(request):
    endpoints = [
        {
            "path": route,
            "summary": item["get"]["summary"],
            "parameters": [
                parameter
                for parameter in item["get"].get("parameters", [])
                if parameter["in"] == "query"
            ],
        }
        for route, item in OPENAPI["paths"].items()
    ]
    return render(
        request,
        "portal/api.html",
        {
            "endpoints": endpoints,
            "filters": INITIATIVE_FILTERS,
            "columns": COLUMNS,
            "formats": list(EXPORT_FORMATS),
            "page_size": PAGE_SIZE,
            "max_page_size": MAX_PAGE_SIZE,
            "rate_limit": exports.RATE_LIMIT,
            "rate_window": exports.RATE_WINDOW,
            "openapi_url": reverse("api_openapi"),
        },
    )


# The open-data routes, included at the root by portal/urls.py: the API and the exports.
urlpatterns = [
    path("api/", api_page, name="api"),
    path("api/openapi.json", openapi, name="api_openapi"),
    path("api/initiatives/", initiative_list, name="api_initiatives"),
    path("api/initiatives/<slug:slug>/", initiative_detail, name="api_initiative"),
    path("api/organisations/", organisation_list, name="api_organisations"),
    path("api/organisations/<slug:slug>/", organisation_detail, name="api_organisation"),
    path("api/personnes/", person_list, name="api_persons"),
    path("api/personnes/<slug:slug>/", person_detail, name="api_person"),
    path("api/territoires/", territory_list, name="api_territories"),
    path("api/territoires/<slug:slug>/", territory_detail, name="api_territory"),
    path("api/thematiques/", theme_list, name="api_themes"),
    path("api/thematiques/<slug:slug>/", theme_detail, name="api_theme"),
    path("api/evenements/", event_list, name="api_events"),
    path("api/documents/", document_list, name="api_documents"),
    path("api/documents/<slug:slug>/", document_detail, name="api_document"),
    re_path(
        r"^initiatives/export\.(?P<format>{})$".format("|".join(exports.FORMATS)),
        exports.initiative_export,
        name="initiative_export",
    ),
]
