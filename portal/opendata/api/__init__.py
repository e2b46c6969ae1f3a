"""Open data: the read-only JSON API and the exports' route, and the page that documents them.

`endpoints` answers (django-ninja), `schemas` declares what is answered and accepted (pydantic),
and the OpenAPI document is generated from both. Every route here goes through
`portal.opendata.access.open_data`: CORS for any origin, read-only methods, the rate limit.
"""

from functools import wraps

from django.conf import settings
from django.http import JsonResponse
from django.shortcuts import render
from django.urls import URLPattern, path, re_path, reverse
from django.views import defaults

import portal.opendata.api.endpoints  # noqa: F401 - registers the routes
import portal.opendata.api.files  # noqa: F401 - registers the routes of the files, after them
from portal.opendata import access, exports
from portal.opendata.access import is_open_data_address, open_data
from portal.opendata.api.core import openapi_document, refuses_parameters, registry_api
from portal.opendata.api.cursors import MAX_OFFSET
from portal.opendata.api.schemas import MAX_PAGE_SIZE, PAGE_SIZE, Pagination


def head_as_get(view):
    """ninja routes by method and knows GET only: HEAD is GET without the body."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if request.method != "HEAD":
            return view(request, *args, **kwargs)
        request.method = "GET"
        try:
            return view(request, *args, **kwargs)
        finally:
            request.method = "HEAD"  # what the server and the test client look at

    return wrapper


@open_data
def unknown_address(request):
    message = "Aucun enregistrement publié à cette adresse."
    if request.path_info.startswith("/initiatives/export."):
        message = "Format inconnu : {} attendu.".format(", ".join(exports.FORMATS))
    return JsonResponse(
        {"errors": {"detail": [message]}}, status=404, json_dumps_params={"ensure_ascii": False}
    )


def page_not_found(request, exception):
    """Django's 404 page, but the documented JSON 404 with CORS at an open-data address: a slug
    outside the slug pattern, an unknown export format, any other address under /api/."""
    if is_open_data_address(request.path_info):
        return unknown_address(request)
    return defaults.page_not_found(request, exception)


def api_page(request):
    document = openapi_document()
    endpoints = [
        {
            "path": route,
            "summary": item["get"]["summary"],
            "parameters": [
                parameter for parameter in item["get"]["parameters"] if parameter["in"] == "query"
            ],
        }
        for route, item in document["paths"].items()
    ]
    filters = [
        parameter
        for parameter in document["paths"]["/api/initiatives/"]["get"]["parameters"]
        if parameter["name"] not in Pagination.model_fields
    ]
    return render(
        request,
        "portal/api.html",
        {
            "endpoints": endpoints,
            "filters": filters,
            "columns": exports.EXPORT_COLUMNS,
            "list_separator": exports.LIST_SEPARATOR.strip(),
            "formats": list(exports.FORMATS),
            "page_size": PAGE_SIZE,
            "max_page_size": MAX_PAGE_SIZE,
            "max_offset": f"{MAX_OFFSET:,}".replace(",", "\u202f"),
            "deepest_page": MAX_OFFSET // PAGE_SIZE,
            "rate_limit": access.RATE_LIMIT,
            "rate_window": access.RATE_WINDOW,
            "openapi_url": reverse("api_openapi"),
            "licence": settings.DATA_LICENCE,
            "publisher": settings.DATA_PUBLISHER,
        },
    )


def routes():
    """The API's routes, with open_data around each; the exports keep their list of formats
    in their pattern."""
    found = [path("api/", api_page, name="api")]
    document = openapi_document()
    takes_none = {
        item["get"]["operationId"]
        for item in document["paths"].values()
        if not any(parameter["in"] == "query" for parameter in item["get"]["parameters"])
    }
    for pattern in registry_api.urls[0]:
        if pattern.name == "api-root":
            continue
        view = head_as_get(pattern.callback)
        if pattern.name in takes_none:
            view = refuses_parameters(view)
        view = open_data(view)
        if pattern.name == "initiative_export":
            formats = "|".join(exports.FORMATS)
            route = rf"^initiatives/export\.(?P<format>{formats})$"
            found.append(re_path(route, view, name=pattern.name))
        else:
            found.append(URLPattern(pattern.pattern, view, pattern.default_args, pattern.name))
    return found


urlpatterns = routes()
OPENAPI = openapi_document()
