"""Open-data exports of the initiative index: CSV (",", or ";" with decimal commas), XLSX, JSON
and GeoJSON, with the index's filters.

An export is exactly the index's current list: `InitiativeFilter(request.GET)` over the
listing of public initiatives, in the order of `filterset.results`, all pages at once. The
link under the results carries the index's query string; `page` is ignored, invalid filters
answer 400 with a short French text.

The columns are EXPORT_COLUMNS, in that order, in every format. CSV and XLSX headers are the
French titles; `colonnes=codes` gives the codes instead (JSON and GeoJSON always use the
codes). Each column is published as a Table Schema (`table_schema`, served by `schema_view`),
which the tests check real exports against with frictionless.

- Lists (themes, territories, actors) are names joined by LIST_SEPARATOR ("; ") in CSV and
  XLSX, arrays in JSON and GeoJSON. Actors are public organisations and persons only, grouped
  by role (ROLE_GROUPS); funders and beneficiaries carry their amount when it is known.
- Dates are real dates: a partial date becomes its first day (start) or last day (end), with
  a precision column ("année", "mois", "jour"): "2015" as start is 2015-01-01 + "année".
- The CSV starts with a UTF-8 byte order mark, separates with "," and writes "." decimals;
  `sep=;` gives ";" and "," decimals, what spreadsheet software set to French expects. A text
  starting with = + - @ gets an apostrophe so that a spreadsheet never runs it as a formula.
- The XLSX has a frozen, filterable header, dates and amounts as numbers with French formats,
  clickable addresses and fixed column widths.
- GeoJSON has one feature per initiative: a MultiPoint of its located territories;
  initiatives without located territory are left out of the GeoJSON only.

Memory stays bounded whatever the number of rows: one query reads the rows, with their themes,
territories, actors and fundings as arrays (correlated subqueries, never a query per row),
from a server-side cursor in chunks of CHUNK_SIZE, and CSV, JSON and GeoJSON are streamed
chunk by chunk. The XLSX is built by openpyxl's write-only workbook, which spills the rows to a
temporary file; the finished file is then sent from disk.

The exports and the API are open data: `portal.opendata.access.open_data` gives them CORS
for any origin (read-only, no credentials), the rate limit and the licence's Link header; the
XLSX also names the licence in its document properties. `initiative_values` and
`initiative_records` also give the API's initiative objects.
"""

from django.http import FileResponse, HttpResponse, JsonResponse, StreamingHttpResponse
from django.utils import timezone

from initiatives.typography import french_spacing
from portal.catalogue.filters import InitiativeFilter
from portal.opendata.records import (
    COLUMNS,
    EXPORT_CODES,
    EXPORT_COLUMNS,
    EXPORT_TITLES,
    LIST_SEPARATOR,
    PRECISIONS,
    absolute_url_maker,
    export_records,
    initiative_records,
    initiative_values,
    iso,
    timestamp,
)
from portal.opendata.writers import (
    FORMATS,
    FORMULA_START,
    csv_chunks,
    geojson_chunks,
    json_chunks,
    xlsx_file,
)

# What the API, the open-data page, the dump and the catalogue read from here.
__all__ = [
    "COLUMNS",
    "EXPORT_CODES",
    "EXPORT_COLUMNS",
    "EXPORT_TITLES",
    "FORMATS",
    "FORMULA_START",
    "LIST_SEPARATOR",
    "PRECISIONS",
    "absolute_url_maker",
    "export_file",
    "initiative_records",
    "initiative_values",
    "iso",
    "schema_view",
    "table_schema",
    "text_error",
    "timestamp",
]

# Table Schema ------------------------------------------------------------------------------


def table_schema(codes=False, decimal_comma=False):
    """The Table Schema (frictionless) of the CSV and XLSX exports' columns."""
    fields = []
    for column in EXPORT_COLUMNS:
        field = {
            "name": column.code if codes else str(column.title),
            "title": str(column.title),
            "description": french_spacing(column.description),
            "type": column.type,
        }
        if column.code in ("slug", "title", "url", "updated_at"):
            field["constraints"] = {"required": True}
        if column.code.endswith("precision"):
            field["constraints"] = {"enum": list(PRECISIONS.values())}
        if column.code == "slug":
            field["constraints"]["unique"] = True
        if column.code == "url":
            field["format"] = "uri"
        if column.type == "number" and decimal_comma:
            field["decimalChar"] = ","
        fields.append(field)
    return {
        "fields": fields,
        "primaryKey": [fields[0]["name"]],
        "missingValues": [""],
    }


def schema_view(request):
    """The Table Schema of the CSV and XLSX exports: French names, or codes (`colonnes=codes`),
    decimal commas for the ";" CSV (`sep=;`). Served by the API's `initiative_export_schema`."""
    errors = {name[:60]: ["Paramètre inconnu."] for name in set(request.GET) - {"colonnes", "sep"}}
    columns, delimiter = request.GET.get("colonnes", "titres"), request.GET.get("sep", ",")
    if columns not in ("titres", "codes"):
        errors["colonnes"] = ["Valeurs acceptées\u202f: « titres » ou « codes »."]
    if delimiter not in (",", ";"):
        errors["sep"] = ["Valeurs acceptées\u202f: « , » ou « ; »."]
    if errors:
        return JsonResponse(
            {"errors": errors}, status=400, json_dumps_params={"ensure_ascii": False}
        )
    schema = table_schema(codes=columns == "codes", decimal_comma=delimiter == ";")
    return JsonResponse(schema, json_dumps_params={"ensure_ascii": False, "indent": 1})


def filter_errors_text(form):
    lines = [
        f"{name}\u202f: {error}" if name != "__all__" else str(error)
        for name, errors in form.errors.items()
        for error in errors
    ]
    return "Filtres invalides. " + " ".join(lines)


def text_error(message, status=400):
    return HttpResponse(message + "\n", status=status, content_type="text/plain; charset=utf-8")


# Beside the index's filters; `page` comes with the index's link and is ignored (all rows).
EXPORT_PARAMETERS = {"sep", "colonnes", "page"}


def export_file(request, format):
    """The index's current list of initiatives as a file: CSV, XLSX, JSON or GeoJSON.

    The view is `portal.opendata.api.endpoints.initiative_export`: the API's schema documents
    it, and `open_data` wraps it like every API route.
    """
    unknown = sorted(set(request.GET) - set(InitiativeFilter.base_filters) - EXPORT_PARAMETERS)
    if unknown:
        names = ", ".join(name[:60] for name in unknown)
        return text_error(f"Paramètres inconnus\u202f: {names}. Rien n'est ignoré en silence.")
    delimiter = request.GET.get("sep", ",")
    if delimiter not in (",", ";"):
        return text_error("Le paramètre sep accepte « , » ou « ; ».")
    columns = request.GET.get("colonnes", "titres")
    if columns not in ("titres", "codes"):
        return text_error("Le paramètre colonnes accepte « titres » ou « codes ».")
    header = EXPORT_CODES if columns == "codes" else [str(title) for title in EXPORT_TITLES]
    filterset = InitiativeFilter(request.GET)
    if not filterset.is_valid():
        return text_error(filter_errors_text(filterset.form))
    filename = f"registre-initiatives-{timezone.localdate():%Y%m%d}.{format}"
    # HEAD: the headers only, without reading every row.
    head = request.META.get("REQUEST_METHOD") == "HEAD"  # the API answers HEAD as GET
    chunks = iter(()) if head else export_records(request, filterset.results)
    if format == "xlsx":
        return FileResponse(
            xlsx_file(chunks, header),
            as_attachment=True,
            filename=filename,
            content_type=FORMATS[format],
        )
    if format == "csv":
        content = csv_chunks(chunks, delimiter, header)
    elif format == "json":
        content = json_chunks(chunks)
    else:
        content = geojson_chunks(chunks)
    response = StreamingHttpResponse(content, content_type=FORMATS[format])
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
