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

import csv
import datetime
import io
import json
import tempfile
from decimal import Decimal
from itertools import islice
from typing import NamedTuple

from django.conf import settings
from django.contrib.postgres.expressions import ArraySubquery
from django.db.models import F, OuterRef, Value
from django.db.models.functions import Coalesce, Concat, JSONObject
from django.http import FileResponse, HttpResponse, JsonResponse, StreamingHttpResponse
from django.urls import reverse
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ERROR_CODES, ILLEGAL_CHARACTERS_RE
from openpyxl.packaging.custom import StringProperty
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from actors.models import Funding, Involvement
from initiatives.models import Initiative
from portal.catalogue.filters import InitiativeFilter
from portal.opendata import licence_text

CHUNK_SIZE = 2000

# The keys of the API's initiative objects (portal.opendata.api.schemas.Initiative).
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
                name="territory__name",
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


# Export columns ----------------------------------------------------------------------------

LIST_SEPARATOR = "; "
PRECISIONS = {"year": "année", "month": "mois", "day": "jour"}


class Column(NamedTuple):
    code: str
    title: str  # the French header
    type: str  # Table Schema type: string, date, datetime, number
    description: str
    width: int  # in the XLSX, in characters
    is_list: bool = False


_PRECISION = "Précision de la date : « année », « mois » ou « jour »."
_NAMES = f"noms séparés par « {LIST_SEPARATOR.strip()} »"
EXPORT_COLUMNS = [
    Column("slug", "Identifiant", "string", "Identifiant, dans l'adresse de la fiche.", 28),
    Column("title", "Titre", "string", "Titre de l'initiative.", 50),
    Column("acronym", "Sigle", "string", "Sigle, vide s'il n'y en a pas.", 12),
    Column("kind", "Type", "string", "Type, en toutes lettres.", 16),
    Column("status", "Statut", "string", "Statut, en toutes lettres.", 12),
    Column(
        "start",
        "Début",
        "date",
        "Début : premier jour de la date connue (« 2015 » donne le 1er janvier 2015).",
        12,
    ),
    Column("start_precision", "Précision du début", "string", _PRECISION, 10),
    Column(
        "end",
        "Fin",
        "date",
        "Fin : dernier jour de la date connue (« 2016-03 » donne le 31 mars 2016).",
        12,
    ),
    Column("end_precision", "Précision de la fin", "string", _PRECISION, 10),
    Column("parent", "Initiative parente", "string", "Titre de l'initiative parente.", 40),
    Column("themes", "Thématiques", "string", f"Thématiques, {_NAMES}.", 40, True),
    Column("territories", "Territoires", "string", f"Territoires, {_NAMES}.", 40, True),
    Column(
        "leads",
        "Porteurs",
        "string",
        f"Pilotes et co-pilotes publiés, {_NAMES}.",
        40,
        True,
    ),
    Column(
        "partners",
        "Partenaires",
        "string",
        "Partenaires, co-animateurs, membres fondateurs, membres, parties prenantes, comité "
        f"scientifique et experts publiés, {_NAMES}.",
        40,
        True,
    ),
    Column(
        "funders",
        "Financeurs",
        "string",
        f"Financeurs publiés, {_NAMES}, chacun suivi de son montant entre parenthèses quand "
        "il est connu : « Région (150 000 €) ».",
        40,
        True,
    ),
    Column(
        "funders_amount",
        "Montant des financeurs (€)",
        "number",
        "Somme des montants connus des financeurs, en euros ; vide si aucun n'est connu.",
        16,
    ),
    Column(
        "beneficiaries",
        "Bénéficiaires",
        "string",
        f"Organisations publiées soutenues dans l'initiative, {_NAMES}, chacune suivie de "
        "l'état du soutien et de son montant quand il est connu : "
        "« Entreprise (financé, 20 000 €) ».",
        40,
        True,
    ),
    Column(
        "beneficiaries_amount",
        "Montant des bénéficiaires (€)",
        "number",
        "Somme des montants connus des soutiens aux bénéficiaires, en euros ; vide si aucun "
        "n'est connu.",
        16,
    ),
    Column("summary", "Résumé", "string", "Résumé, en texte brut.", 80),
    Column("url", "Adresse de la fiche", "string", "Adresse de la fiche publique.", 50),
    Column(
        "updated_at",
        "Dernière mise à jour",
        "datetime",
        "Dernière mise à jour, heure de Paris (avec son décalage en CSV et JSON).",
        20,
    ),
]
EXPORT_CODES = [column.code for column in EXPORT_COLUMNS]
EXPORT_TITLES = [column.title for column in EXPORT_COLUMNS]
HEADER = EXPORT_TITLES

Role = Involvement.Role
ROLE_GROUPS = {
    Role.PILOT: "leads",
    Role.CO_PILOT: "leads",
    Role.PARTNER: "partners",
    Role.CO_FACILITATOR: "partners",
    Role.FOUNDER: "partners",
    Role.MEMBER: "partners",
    Role.STAKEHOLDER: "partners",
    Role.SCIENTIFIC_COMMITTEE: "partners",
    Role.EXPERT: "partners",
    Role.FUNDER: "funders",
}  # the fiche's author and contact are no role in the initiative: not exported


def _actors():
    """Per initiative, its involvements of public actors in a role group, in creation order."""
    name = Coalesce(
        "organisation__name", Concat("person__first_name", Value(" "), "person__last_name")
    )
    involvements = (
        Involvement.objects.filter(initiative_id=OuterRef("pk"), role__in=list(ROLE_GROUPS))
        .with_public_actor()
        .order_by("id")
    )
    return ArraySubquery(
        involvements.values(value=JSONObject(role="role", name=name, amount="amount"))
    )


def _beneficiaries():
    fundings = (
        Funding.objects.filter(initiative_id=OuterRef("pk"))
        .with_public_beneficiary()
        .order_by("id")
    )
    return ArraySubquery(
        fundings.values(
            value=JSONObject(name="beneficiary__name", status="status", amount="amount")
        )
    )


def export_values(initiatives):
    """`initiative_values` with what only the exports carry, still in one query."""
    return initiative_values(initiatives).annotate(
        parent_title=F("parent__title"),
        theme_names=_linked("themes", "theme", F("theme__name")),
        actors=_actors(),
        beneficiaries=_beneficiaries(),
    )


def euros(amount):
    """150000.0 → "150 000 €" (narrow no-break spaces, decimal comma when there are cents)."""
    text = f"{amount:,.2f}".replace(",", "\u202f").replace(".", ",").removesuffix(",00")
    return f"{text}\u202f€"


CENT = Decimal("0.01")


def total(amounts):
    known = [Decimal(str(amount)) for amount in amounts if amount is not None]
    return sum(known).quantize(CENT) if known else None


def export_record(row, url_for, kinds, statuses, funding_statuses, zone):
    """One export row, by column code: lists as lists, dates as dates, amounts as Decimal."""
    groups = {"leads": [], "partners": [], "funders": []}
    funder_amounts = []
    for actor in row["actors"]:
        group = ROLE_GROUPS[actor["role"]]
        name = actor["name"]
        if group == "funders":
            funder_amounts.append(actor["amount"])
            if actor["amount"] is not None:
                name = f"{name} ({euros(actor['amount'])})"
        if name not in groups[group]:  # a pilot who is also co-pilot is named once
            groups[group].append(name)
    beneficiaries = []
    for funding in row["beneficiaries"]:
        details = funding_statuses[funding["status"]].lower()
        if funding["amount"] is not None:
            details += f", {euros(funding['amount'])}"
        beneficiaries.append(f"{funding['name']} ({details})")
    start, end = row["start"], row["end"]
    return {
        "slug": row["slug"],
        "title": row["title"],
        "acronym": row["acronym"],
        "kind": kinds.get(row["kind"], row["kind"]),
        "status": statuses.get(row["status"], row["status"]),
        "start": start.first_day if start else None,
        "start_precision": PRECISIONS[start.precision] if start else None,
        "end": end.last_day if end else None,
        "end_precision": PRECISIONS[end.precision] if end else None,
        "parent": row["parent_title"],
        "themes": row["theme_names"],
        "territories": [place["name"] for place in row["places"]],
        **groups,
        "funders_amount": total(funder_amounts),
        "beneficiaries": beneficiaries,
        "beneficiaries_amount": total(funding["amount"] for funding in row["beneficiaries"]),
        "summary": row["summary"],
        "url": url_for(row["slug"]),
        "updated_at": row["updated_at"].astimezone(zone),
    }


def located(row):
    return [
        (float(place["longitude"]), float(place["latitude"]))
        for place in row["places"]
        if place["longitude"] is not None and place["latitude"] is not None
    ]


def export_records(request, initiatives):
    """Every (record, points) of the queryset, in lists of CHUNK_SIZE from a server-side cursor."""
    url_for = absolute_url_maker(request, "initiatives:detail")
    kinds, statuses = dict(Initiative.Kind.choices), dict(Initiative.Status.choices)
    funding_statuses = dict(Funding.Status.choices)
    zone = timezone.get_current_timezone()  # looked up once, not per row
    rows = export_values(initiatives).iterator(chunk_size=CHUNK_SIZE)
    records = (
        (export_record(row, url_for, kinds, statuses, funding_statuses, zone), located(row))
        for row in rows
    )
    return batched(records, CHUNK_SIZE)


# Table Schema ------------------------------------------------------------------------------


def table_schema(codes=False, decimal_comma=False):
    """The Table Schema (frictionless) of the CSV and XLSX exports' columns."""
    fields = []
    for column in EXPORT_COLUMNS:
        field = {
            "name": column.code if codes else column.title,
            "title": column.title,
            "description": column.description,
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


# Formats -----------------------------------------------------------------------------------

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value, decimal_comma):
    if value is None:
        return ""
    if isinstance(value, list):
        value = LIST_SEPARATOR.join(value)
    elif isinstance(value, Decimal):
        return f"{value:f}".replace(".", ",") if decimal_comma else f"{value:f}"
    elif isinstance(value, datetime.date):  # datetimes too
        return value.isoformat()
    if value.startswith(FORMULA_START):
        return "'" + value
    return value


def csv_chunks(chunks, delimiter, header):
    decimal_comma = delimiter == ";"
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(header)
    yield ("\ufeff" + buffer.getvalue()).encode()
    for chunk in chunks:
        buffer.seek(0)
        buffer.truncate()
        writer.writerows(
            [csv_cell(record[code], decimal_comma) for code in EXPORT_CODES] for record, _ in chunk
        )
        yield buffer.getvalue().encode()


def json_value(value):
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, datetime.date):
        return value.isoformat()
    return value


def json_record(record):
    return {code: json_value(record[code]) for code in EXPORT_CODES}


def json_chunks(chunks):
    yield b"["
    separator = "\n"
    for chunk in chunks:
        parts = []
        for record, _ in chunk:
            parts.append(separator + json.dumps(json_record(record), ensure_ascii=False))
            separator = ",\n"
        yield "".join(parts).encode()
    yield b"\n]\n"


def geojson_chunks(chunks):
    yield b'{"type": "FeatureCollection", "features": ['
    separator = "\n"
    for chunk in chunks:
        parts = []
        for record, points in chunk:
            if not points:
                continue
            feature = {
                "type": "Feature",
                "id": record["slug"],
                "geometry": {"type": "MultiPoint", "coordinates": [list(p) for p in points]},
                "properties": json_record(record),
            }
            parts.append(separator + json.dumps(feature, ensure_ascii=False))
            separator = ",\n"
        yield "".join(parts).encode()
    yield b"\n]}\n"


DATE_FORMAT = "dd/mm/yyyy"
DATETIME_FORMAT = "dd/mm/yyyy hh:mm"
AMOUNT_FORMAT = '#,##0.00\\ "€"'


XLSX_LINKED_ROWS = 10_000  # about 12 MiB of hyperlinks held until the file is written


def xlsx_cell(sheet, code, value):
    if value is None:
        return None
    if code == "url":
        cell = WriteOnlyCell(sheet, value)
        # openpyxl keeps every hyperlink in memory until the file is saved (121 MiB for 100,000
        # rows): past XLSX_LINKED_ROWS the address stays a plain text, so memory stays bounded.
        # (A HYPERLINK() formula would stream, but has no value for programs reading the file.)
        if len(sheet._hyperlinks) < XLSX_LINKED_ROWS:
            cell.hyperlink = value
            cell.style = "Hyperlink"
        return cell
    if isinstance(value, datetime.datetime):
        cell = WriteOnlyCell(sheet, value.replace(tzinfo=None))  # Excel knows no time zone
        cell.number_format = DATETIME_FORMAT
        return cell
    if isinstance(value, datetime.date):
        cell = WriteOnlyCell(sheet, value)
        cell.number_format = DATE_FORMAT
        return cell
    if isinstance(value, Decimal):
        cell = WriteOnlyCell(sheet, value)
        cell.number_format = AMOUNT_FORMAT
        return cell
    if isinstance(value, list):
        value = LIST_SEPARATOR.join(value)
    value = ILLEGAL_CHARACTERS_RE.sub("", value)
    if value.startswith("=") or value in ERROR_CODES:
        cell = WriteOnlyCell(sheet, value)
        cell.data_type = "s"  # a text, never a formula
        return cell
    return value


def xlsx_file(chunks, header):
    """The workbook in a temporary file, rewound; rows go to disk as they come."""
    workbook = Workbook(write_only=True)
    # The licence travels with the file, in its properties (File > Properties in a spreadsheet).
    workbook.properties.title = "Registre des initiatives : initiatives"
    workbook.properties.creator = settings.DATA_PUBLISHER
    workbook.properties.description = f"Licence : {licence_text()}"
    workbook.custom_doc_props.append(StringProperty(name="Licence", value=licence_text()))
    sheet = workbook.create_sheet("Initiatives")
    sheet.freeze_panes = "A2"
    for index, column in enumerate(EXPORT_COLUMNS, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = column.width
    bold = Font(bold=True)
    cells = []
    for title in header:
        cell = WriteOnlyCell(sheet, title)
        cell.font = bold
        cells.append(cell)
    sheet.append(cells)
    count = 0
    for chunk in chunks:
        for record, _ in chunk:
            sheet.append([xlsx_cell(sheet, code, record[code]) for code in EXPORT_CODES])
        count += len(chunk)
    # The filter row covers the rows written; the write-only sheet writes it when saved.
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(EXPORT_COLUMNS))}{count + 1}"
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
    columns = request.GET.get("colonnes", "titres")
    if columns not in ("titres", "codes"):
        return text_error("Le paramètre colonnes accepte « titres » ou « codes ».")
    header = EXPORT_CODES if columns == "codes" else EXPORT_TITLES
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
