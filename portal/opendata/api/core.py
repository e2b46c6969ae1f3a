"""How every API route answers: the django-ninja API and its generated document, the
errors in French, pagination. The routes themselves are in `portal.opendata.api.endpoints`."""

import functools
import json

from django.conf import settings
from django.http import JsonResponse
from ninja import NinjaAPI
from ninja.errors import ValidationError
from ninja.openapi.schema import REF_TEMPLATE
from ninja.renderers import JSONRenderer

from portal.opendata import access, exports
from portal.opendata.api import cursors, schemas

# The API ------------------------------------------------------------------------------------


class Renderer(JSONRenderer):
    json_dumps_params = {"ensure_ascii": False}


def is_parameters(model):
    return isinstance(model, type) and issubclass(model, schemas.Parameters)


class RegistryAPI(NinjaAPI):
    def get_content_type(self):
        return "application/json"  # JSON is UTF-8 by definition: no charset parameter

    def get_openapi_schema(self, *, path_prefix=None, path_params=None):
        schema = super().get_openapi_schema(path_prefix="", path_params=path_params)
        licence = settings.DATA_LICENCE
        schema["info"]["license"] = {"name": licence["name"], "url": licence["url"]}
        document_exports(schema)
        document_common_errors(schema)
        components = schema["components"]["schemas"]
        for name in [name for name in components if is_parameters(getattr(schemas, name, None))]:
            del components[name]  # documented as parameters, not as answers
        return schema


registry_api = RegistryAPI(
    title="API du Registre des initiatives",
    version="1.0",
    description="Lecture seule, sans authentification, données publiées seulement. "
    "CORS ouvert à toute origine (GET, HEAD, OPTIONS) ; les autres méthodes "
    f"répondent 405. Au plus {access.RATE_LIMIT} requêtes par {access.RATE_WINDOW} "
    "secondes et par adresse (429 et Retry-After au-delà). Chaque réponse nomme la licence "
    'des données dans un en-tête Link (rel="license").',
    renderer=Renderer(),
    docs_url=None,  # no Swagger UI: /api/ is our own page, under our CSP
    openapi_url=None,  # a route of its own in portal.opendata.api.endpoints, with open_data
)

TOO_MANY = "Trop de requêtes ; en-tête Retry-After."
NO_PARAMETERS = "Paramètre inconnu : cette adresse n'en accepte aucun."
REFUSED_METHOD = "Méthode autre que GET, HEAD ou OPTIONS : lecture seule."
UNAVAILABLE = "Base de données momentanément indisponible ; en-tête Retry-After."


def described(**descriptions):
    return {
        "responses": {
            int(status[1:]): {"description": text} for status, text in descriptions.items()
        }
    }


def listing(route, name, summary, model):
    return registry_api.get(
        route,
        url_name=name,
        operation_id=name,
        summary=summary,
        response={
            200: schemas.page_of(model),
            400: schemas.Errors,
            404: schemas.Errors,
            429: schemas.Errors,
        },
        openapi_extra=described(
            s200="Succès.",
            s400="Paramètre invalide ou inconnu ; curseur invalide ou fait pour d'autres "
            "paramètres ; numéro de page au-delà des 10 000 premiers résultats.",
            s404="Page au-delà de la dernière.",
            s429=TOO_MANY,
        ),
    )


def detail(route, name, summary, model):
    return registry_api.get(
        route,
        url_name=name,
        operation_id=name,
        summary=summary,
        response={200: model, 400: schemas.Errors, 404: schemas.Errors, 429: schemas.Errors},
        openapi_extra=described(
            s200="Succès.",
            s400=NO_PARAMETERS,
            s404="Introuvable ou non publié.",
            s429=TOO_MANY,
        ),
    )


# Responses ---------------------------------------------------------------------------------


def error_response(status, errors):
    return JsonResponse(
        {"errors": errors}, status=status, json_dumps_params={"ensure_ascii": False}
    )


def not_found():
    return error_response(404, {"detail": ["Aucun enregistrement publié à cette adresse."]})


def refuses_parameters(view):
    """For the addresses that take no query parameter (a record, the document): any parameter
    is a 400, as a misspelt filter is on the lists, never silently ignored."""

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        if request.GET:
            return error_response(400, {name[:60]: [NO_PARAMETERS] for name in sorted(request.GET)})
        return view(request, *args, **kwargs)

    return wrapper


def is_export(request):
    return request.resolver_match.url_name == "initiative_export"


@registry_api.exception_handler(ValidationError)
def refused(request, exc):
    """Parameters the schema refuses: a 400 in French, or a 404 for a path that names nothing."""
    if any(error["loc"][0] == "path" for error in exc.errors):
        return not_found()
    errors = {}
    for error in exc.errors:
        # A repeated parameter's error is at (query, name, index): named by the parameter.
        names = [part for part in error["loc"][1:] if isinstance(part, str)]
        name = names[-1][:60] if names else "detail"
        message = error["msg"] if error["type"] == "invalid" else "Valeur invalide."
        errors.setdefault(name, []).append(message)
    if is_export(request):  # exports answer in text
        lines = [f"{name} : {message}" for name, messages in errors.items() for message in messages]
        return exports.text_error("Filtres invalides. " + " ".join(lines))
    return error_response(400, errors)


def page_link(request, cursor):
    query = request.GET.copy()
    query.pop("page", None)
    query["cursor"] = cursor
    return request.build_absolute_uri(f"{request.path}?{query.urlencode()}")


def paginated(request, pages, queryset, describe, keyset, parameters=(), count=None, rows=None):
    """The page asked for: `describe` turns the page's objects into dicts.

    The page is cut on `keyset` (the list's order, ending with the primary key): after or
    before the cursor's row, or, for the first pages, at an offset of at most MAX_OFFSET
    results. `count` says how many results there are (a query; queryset.count() unless said),
    `rows` turns the page's query into its rows (the query itself unless said).
    """
    unknown = sorted(set(request.GET) - {*schemas.Pagination.model_fields, *parameters})
    if unknown:
        return error_response(400, {name[:60]: ["Paramètre inconnu."] for name in unknown})
    size, forward, offset = pages.page_size, True, 0
    page = queryset
    try:
        if pages.cursor is not None:
            if "page" in request.GET and request.GET["page"] != "":
                raise cursors.CursorError("cursor", cursors.WITH_PAGE)
            values, forward = cursors.read(request, pages.cursor, keyset)
            page = queryset.filter(keyset.beyond(values, forward))
        else:
            offset = (pages.page - 1) * size
            if offset + size > cursors.MAX_OFFSET:
                raise cursors.CursorError("page", cursors.TOO_DEEP)
    except cursors.CursorError as error:
        return error_response(400, {error.name: [error.message]})
    total = count() if count is not None else queryset.count()
    ordering = keyset.ordering(forward)
    page = page.order_by(*ordering)[offset : offset + size + 1]
    found = list(rows(page, ordering) if rows is not None else page)
    more = len(found) > size
    found = found[:size]
    if not forward:
        found.reverse()
    if pages.cursor is None and pages.page > 1 and not found:
        pages_count = max(1, -(-total // size))
        return error_response(
            404, {"page": [f"Cette page n'existe pas : il y en a {pages_count}."]}
        )
    earlier = (pages.cursor is not None and (more or forward)) or pages.page > 1
    later = more if forward else pages.cursor is not None
    if not found:
        earlier = later = False
    return {
        "count": total,
        "next": page_link(request, cursors.make(request, keyset.read(found[-1]), True))
        if later
        else None,
        "previous": page_link(request, cursors.make(request, keyset.read(found[0]), False))
        if earlier
        else None,
        "results": describe(found),
    }


def absolute(request, record):
    return request.build_absolute_uri(record.get_absolute_url())


def slug_of(record):
    return record.slug if record is not None else None


def component(openapi, model):
    """A reference to the model's schema, added to the document's components."""
    schema = model.model_json_schema(ref_template=REF_TEMPLATE, mode="serialization")
    openapi.add_schema_definitions({**schema.pop("$defs", {}), model.__name__: schema})
    return {"$ref": REF_TEMPLATE.format(model=model.__name__)}


def document_exports(openapi):
    """Each export format with its media type: ninja describes JSON answers only."""
    responses = openapi["paths"]["/initiatives/export.{format}"]["get"]["responses"]
    content = responses[200]["content"]
    content.update(
        {
            "text/csv": {"schema": {"type": "string"}},
            exports.FORMATS["xlsx"]: {"schema": {"type": "string", "format": "binary"}},
            exports.FORMATS["geojson"]: {"schema": component(openapi, schemas.FeatureCollection)},
        }
    )
    responses[400]["content"] = {"text/plain": responses[400]["content"]["application/json"]}


def document_common_errors(openapi):
    """Every address answers 405 in JSON to a method other than GET, HEAD and OPTIONS
    (`portal.opendata.access.open_data`), and 503 in JSON while the database is unreachable
    (`portal.views.server_error`): said on each operation, where clients look."""
    errors = {"application/json": {"schema": {"$ref": REF_TEMPLATE.format(model="Errors")}}}
    for item in openapi["paths"].values():
        for operation in item.values():
            responses = operation["responses"]
            responses.setdefault(405, {"description": REFUSED_METHOD, "content": errors})
            responses.setdefault(503, {"description": UNAVAILABLE, "content": errors})


# The document --------------------------------------------------------------------------------


@functools.cache
def openapi_document():
    """The OpenAPI document, as plain JSON data (built once per process)."""
    return json.loads(json.dumps(registry_api.get_openapi_schema(), ensure_ascii=False))
