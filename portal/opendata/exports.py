"""Open-data exports of the initiative index: CSV, XLSX, JSON and GeoJSON.

An export is exactly the index's current list: `InitiativeFilter(request.GET)` over the
listing of public initiatives, in the order of `filterset.results`, all pages at once. The
link under the results carries the index's query string; `page` is ignored, invalid filters
answer 400 with a short French text.

Columns, in this order (the API's initiative objects carry the same keys):

    slug          identifier, in the address of the public page
    title         title
    acronym       acronym ("" when none)
    kind          type code (Initiative.Kind), kind_label its French label
    status        status code (Initiative.Status), status_label its French label
    start, end    ISO partial dates: "2015", "2016-03", "2016-03-21"; empty when unknown
    parent        slug of the parent initiative (programme), empty when none
    themes        slugs of the themes, in French order
    territories   slugs of the territories, in French order
    summary       summary (plain text)
    url           absolute address of the public page
    updated_at    last update, ISO 8601 with the offset of Paris time

CSV and XLSX join `themes` and `territories` with "|"; JSON and GeoJSON give arrays. The CSV
starts with a UTF-8 byte order mark so that spreadsheet software shows accents, separates with
"," (`sep=;` for ";", what French spreadsheet software expects), and puts an apostrophe before a
text starting with = + - @ so that a spreadsheet never runs it as a formula (the XLSX stores
texts as texts and needs no such escape). GeoJSON has one Point feature per initiative and per
territory with coordinates, `territory` naming that territory; initiatives without located
territory are left out of the GeoJSON only.

Memory stays bounded whatever the number of rows: one query reads the rows, with their themes
and territories as arrays, from a server-side cursor in chunks of CHUNK_SIZE, and CSV, JSON and
GeoJSON are streamed chunk by chunk. The XLSX is built by openpyxl's write-only workbook,
which spills the rows to a temporary file; the finished file is then sent from disk.

The exports and the API are open data: `portal.opendata.access.open_data` gives them CORS
for any origin (read-only, no credentials), the rate limit and the licence's Link header; the
XLSX also names the licence in its document properties.
"""

import csv
import io
import json
import tempfile
from itertools import islice

from django.conf import settings
from django.contrib.postgres.expressions import ArraySubquery
from django.db.models import F, OuterRef
from django.db.models.functions import JSONObject
from django.http import FileResponse, HttpResponse, StreamingHttpResponse
from django.urls import reverse
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ERROR_CODES, ILLEGAL_CHARACTERS_RE
from openpyxl.packaging.custom import StringProperty
from openpyxl.styles import Font

from initiatives.models import Initiative
from portal.catalogue.filters import InitiativeFilter
from portal.opendata import licence_text

CHUNK_SIZE = 2000

COLUMNS = [
    ("slug", "Identifiant, dans l'adresse de la fiche"),
    ("title", "Titre"),
    ("acronym", "Sigle (vide s'il n'y en a pas)"),
    ("kind", "Type, en code"),
    ("kind_label", "Type, en toutes lettres"),
    ("status", "Statut, en code"),
    ("status_label", "Statut, en toutes lettres"),
    ("start", "Début : date partielle ISO (« 2015 », « 2016-03 », « 2016-03-21 »)"),
    ("end", "Fin : date partielle ISO"),
    ("parent", "Identifiant de l'initiative parente (programme)"),
    ("themes", "Identifiants des thématiques"),
    ("territories", "Identifiants des territoires"),
    ("summary", "Résumé"),
    ("url", "Adresse de la fiche publique"),
    ("updated_at", "Dernière mise à jour, ISO 8601"),
]
HEADER = [key for key, _ in COLUMNS]
LISTS = ("themes", "territories")

# What the rows are read from: only the exported columns, never the body or the search vector.
VALUES = ("pk", "slug", "title", "acronym", "kind", "status", "start", "end", "summary")

FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "json": "application/json",
    "geojson": "application/geo+json",
}


# Rows --------------------------------------------------------------------------------------


def batched(iterable, size):
    iterator = iter(iterable)
    while batch := list(islice(iterator, size)):
        yield batch


def absolute_url_maker(request, viewname):
    """slug → absolute URL of the page, with one reverse() for all the rows."""
    marker = "__slug__"
    template = request.build_absolute_uri(reverse(viewname, args=[marker]))
    head, tail = template.split(marker)
    return lambda slug: f"{head}{slug}{tail}"


def iso(value):
    """A partial date as ISO text, None when unknown."""
    return value.iso if value is not None else None


def timestamp(value):
    """A datetime as ISO 8601 text, in Paris time with its offset."""
    return timezone.localtime(value).isoformat()


def _linked(relation, target, value):
    """Per initiative, the array of a value of its themes or territories, in French order."""
    through = Initiative._meta.get_field(relation).remote_field.through
    return ArraySubquery(
        through.objects.filter(initiative_id=OuterRef("pk"))
        .order_by(f"{target}__sort_key", f"{target}_id")
        .values(value=value)
    )


def initiative_values(initiatives, *extra):
    """The initiatives' exported fields (and `extra` ones) as dicts, for `initiative_records`.

    Themes and territories come in the same query, as arrays (correlated ARRAY subqueries on
    the link tables' indexes): one query whatever the number of rows, no query per chunk.
    """
    return initiatives.values(
        *VALUES,
        *extra,
        "updated_at",
        parent_slug=F("parent__slug"),
        theme_slugs=_linked("themes", "theme", F("theme__slug")),
        places=_linked(
            "territories",
            "territory",
            JSONObject(
                slug="territory__slug",
                longitude="territory__longitude",
                latitude="territory__latitude",
            ),
        ),
    )


def initiative_records(rows, url_for):
    """Export records of rows from `initiative_values`, one by one.

    Yields (record, places): the record in COLUMNS order, themes and territories as lists, and
    places the (territory slug, longitude, latitude) of its located territories.
    """
    kinds, statuses = dict(Initiative.Kind.choices), dict(Initiative.Status.choices)
    zone = timezone.get_current_timezone()  # looked up once, not per row
    for row in rows:
        record = {
            "slug": row["slug"],
            "title": row["title"],
            "acronym": row["acronym"],
            "kind": row["kind"],
            "kind_label": kinds.get(row["kind"], row["kind"]),
            "status": row["status"],
            "status_label": statuses.get(row["status"], row["status"]),
            "start": iso(row["start"]),
            "end": iso(row["end"]),
            "parent": row["parent_slug"],
            "themes": row["theme_slugs"],
            "territories": [place["slug"] for place in row["places"]],
            "summary": row["summary"],
            "url": url_for(row["slug"]),
            "updated_at": row["updated_at"].astimezone(zone).isoformat(),
        }
        places = [
            (place["slug"], float(place["longitude"]), float(place["latitude"]))
            for place in row["places"]
            if place["longitude"] is not None and place["latitude"] is not None
        ]
        yield record, places


def export_records(request, initiatives):
    """Every record of the queryset, in lists of CHUNK_SIZE read from a server-side cursor."""
    url_for = absolute_url_maker(request, "initiatives:detail")
    rows = initiative_values(initiatives).iterator(chunk_size=CHUNK_SIZE)
    return batched(initiative_records(rows, url_for), CHUNK_SIZE)


# Formats -----------------------------------------------------------------------------------

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value):
    if value is None:
        return ""
    if isinstance(value, list):
        value = "|".join(value)
    if value.startswith(FORMULA_START):
        return "'" + value
    return value


def csv_chunks(chunks, delimiter):
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(HEADER)
    yield ("\ufeff" + buffer.getvalue()).encode()
    for chunk in chunks:
        buffer.seek(0)
        buffer.truncate()
        writer.writerows([csv_cell(record[key]) for key in HEADER] for record, _ in chunk)
        yield buffer.getvalue().encode()


def json_chunks(chunks):
    yield b"["
    separator = "\n"
    for chunk in chunks:
        parts = []
        for record, _ in chunk:
            parts.append(separator + json.dumps(record, ensure_ascii=False))
            separator = ",\n"
        yield "".join(parts).encode()
    yield b"\n]\n"


def geojson_chunks(chunks):
    yield b'{"type": "FeatureCollection", "features": ['
    separator = "\n"
    for chunk in chunks:
        parts = []
        for record, places in chunk:
            for territory, longitude, latitude in places:
                feature = {
                    "type": "Feature",
                    "id": f"{record['slug']}/{territory}",
                    "geometry": {"type": "Point", "coordinates": [longitude, latitude]},
                    "properties": {**record, "territory": territory},
                }
                parts.append(separator + json.dumps(feature, ensure_ascii=False))
                separator = ",\n"
        yield "".join(parts).encode()
    yield b"\n]}\n"


def xlsx_cell(sheet, value):
    if value is None:
        return None
    if isinstance(value, list):
        value = "|".join(value)
    value = ILLEGAL_CHARACTERS_RE.sub("", value)
    if value.startswith("=") or value in ERROR_CODES:
        cell = WriteOnlyCell(sheet, value)
        cell.data_type = "s"  # a text, never a formula
        return cell
    return value


XLSX_WIDTHS = (30, 50, 12, 14, 24, 12, 14, 10, 10, 30, 40, 40, 80, 50, 26)


def xlsx_file(chunks):
    """The workbook in a temporary file, rewound; rows go to disk as they come."""
    workbook = Workbook(write_only=True)
    # The licence travels with the file, in its properties (File > Properties in a spreadsheet).
    workbook.properties.title = "Registre des initiatives : initiatives"
    workbook.properties.creator = settings.DATA_PUBLISHER
    workbook.properties.description = f"Licence : {licence_text()}"
    workbook.custom_doc_props.append(StringProperty(name="Licence", value=licence_text()))
    sheet = workbook.create_sheet("Initiatives")
    for letter, width in zip("ABCDEFGHIJKLMNO", XLSX_WIDTHS, strict=True):
        sheet.column_dimensions[letter].width = width
    bold = Font(bold=True)
    header = []
    for key in HEADER:
        cell = WriteOnlyCell(sheet, key)
        cell.font = bold
        header.append(cell)
    sheet.append(header)
    for chunk in chunks:
        for record, _ in chunk:
            sheet.append([xlsx_cell(sheet, record[key]) for key in HEADER])
    file = tempfile.TemporaryFile(suffix=".xlsx")  # noqa: SIM115 - the FileResponse closes it
    workbook.save(file)
    file.seek(0)
    return file


# The view ----------------------------------------------------------------------------------


def filter_errors_text(form):
    lines = [
        f"{name} : {error}" if name != "__all__" else str(error)
        for name, errors in form.errors.items()
        for error in errors
    ]
    return "Filtres invalides. " + " ".join(lines)


def text_error(message, status=400):
    return HttpResponse(message + "\n", status=status, content_type="text/plain; charset=utf-8")


def export_file(request, format):
    """The index's current list of initiatives as a file: CSV, XLSX, JSON or GeoJSON.

    The view is `portal.opendata.api.endpoints.initiative_export`: the API's schema documents
    it, and `open_data` wraps it like every API route.
    """
    delimiter = request.GET.get("sep", ",")
    if delimiter not in (",", ";"):
        return text_error("Le paramètre sep accepte « , » ou « ; ».")
    filterset = InitiativeFilter(request.GET)
    if not filterset.is_valid():
        return text_error(filter_errors_text(filterset.form))
    filename = f"registre-initiatives-{timezone.localdate():%Y%m%d}.{format}"
    # HEAD: the headers only, without reading every row.
    head = request.META.get("REQUEST_METHOD") == "HEAD"  # the API answers HEAD as GET
    chunks = iter(()) if head else export_records(request, filterset.results)
    if format == "xlsx":
        return FileResponse(
            xlsx_file(chunks), as_attachment=True, filename=filename, content_type=FORMATS[format]
        )
    if format == "csv":
        content = csv_chunks(chunks, delimiter)
    elif format == "json":
        content = json_chunks(chunks)
    else:
        content = geojson_chunks(chunks)
    response = StreamingHttpResponse(content, content_type=FORMATS[format])
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
