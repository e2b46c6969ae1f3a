"""The exports' formats, each written chunk by chunk: CSV, JSON, GeoJSON, XLSX (see
portal.opendata.exports)."""

import csv
import datetime
import io
import json
import tempfile
from decimal import Decimal

from django.conf import settings
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ERROR_CODES, ILLEGAL_CHARACTERS_RE
from openpyxl.packaging.custom import StringProperty
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from portal.opendata import licence_text
from portal.opendata.records import EXPORT_CODES, EXPORT_COLUMNS, LIST_SEPARATOR

FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "json": "application/json",
    "geojson": "application/geo+json",
}


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
    workbook.properties.title = "Registre des initiatives\u202f: initiatives"
    workbook.properties.creator = settings.DATA_PUBLISHER
    workbook.properties.description = f"Licence\u202f: {licence_text()}"
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
