"""The API's files: the exports of the filtered list of initiatives (all pages), their Table
Schema, and the OpenAPI document itself. Registered after `endpoints`, on the same router."""

from ninja import Query

from portal.opendata import exports
from portal.opendata.api import schemas
from portal.opendata.api.core import (
    NO_PARAMETERS,
    TOO_MANY,
    described,
    openapi_document,
    registry_api,
)


@registry_api.get(
    "/initiatives/export.{format}",
    url_name="initiative_export",
    operation_id="initiative_export",
    summary="Export de la liste filtrée des initiatives (toutes les pages)",
    response={200: list[schemas.ExportRecord], 400: str, 404: schemas.Errors, 429: schemas.Errors},
    openapi_extra=described(
        s200="Un fichier registre-initiatives-AAAAMMJJ.<format>.",
        s400="Filtre invalide (message en texte).",
        s404="Format inconnu.",
        s429=TOO_MANY,
    ),
)
def initiative_export(
    request,
    format: schemas.ExportFormat,
    filters: Query[schemas.InitiativeFilters],
    separator: Query[schemas.Separator],
):
    return exports.export_file(request, format)


@registry_api.get(
    "/api/openapi.json",
    url_name="api_openapi",
    operation_id="api_openapi",
    summary="Ce document OpenAPI",
    response={200: dict, 400: schemas.Errors, 429: schemas.Errors},
    openapi_extra=described(s200="Le document.", s400=NO_PARAMETERS, s429=TOO_MANY),
)
def openapi(request):
    return openapi_document()


@registry_api.get(
    "/initiatives/export.schema.json",
    url_name="initiative_export_schema",
    operation_id="initiative_export_schema",
    summary="Table Schema (Frictionless Data) des colonnes des exports CSV et XLSX",
    response={200: dict, 400: schemas.Errors, 429: schemas.Errors},
    openapi_extra=described(
        s200="Le schéma : un champ par colonne, dans l'ordre des colonnes.",
        s400="Paramètre inconnu ou invalide.",
        s429=TOO_MANY,
    ),
)
def initiative_export_schema(request, parameters: Query[schemas.SchemaParameters]):
    return exports.schema_view(request)
