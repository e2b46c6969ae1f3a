"""Spreadsheet files as staff save them, read into a table for the imports.

Excel in French saves CSV with `;` and in Windows-1252 ("CSV (séparateur : point-virgule)"),
or in UTF-8 with a BOM ("CSV UTF-8"); LibreOffice asks; other tools write `,` in UTF-8. Every
one of them is read here without asking the person which it was, and XLSX as well. A file that
cannot be read raises `UnreadableFile`, whose message is the one French sentence shown.
"""

import codecs
import csv
import datetime
import difflib
import io

import tablib
from django.utils.text import slugify
from import_export.formats.base_formats import Format

ZIP_MAGIC = b"PK\x03\x04"  # XLSX (and ODS) are zip archives
OLE_MAGIC = b"\xd0\xcf\x11\xe0"  # Excel 97-2003 (.xls)
SEPARATORS = (";", ",", "\t")


class UnreadableFile(ValueError):
    """The file is not a table we can read; the message says why, in one French sentence."""


def normalise_text(value):
    """Text as compared and stored: line endings as "\\n" (the admin's text areas send "\\r\\n",
    spreadsheets give "\\n"), no surrounding spaces."""
    if isinstance(value, str):
        return value.replace("\r\n", "\n").replace("\r", "\n").strip()
    return value


def match_key(value):
    """The form under which a header, a label, a slug or a name is matched: unaccented,
    lowercase, words joined by hyphens ("Thématiques" = "thematiques", "site_web" = "site web")."""
    return slugify(str(value).replace("_", " "))


def closest(value, candidates, limit=3):
    """The candidates that look like value (a typo, an extra "s"), best first."""
    by_key = {}
    for candidate in candidates:
        by_key.setdefault(match_key(candidate), candidate)
    keys = difflib.get_close_matches(match_key(value), list(by_key), n=limit, cutoff=0.6)
    return [by_key[key] for key in keys]


def quoted_list(values, last="ou"):
    """« a », « b » ou « c »"""
    quoted = [f"« {value} »" for value in values]
    if len(quoted) < 2:
        return "".join(quoted)
    return f"{', '.join(quoted[:-1])} {last} {quoted[-1]}"


def cell_text(value):
    """A cell as text: XLSX gives numbers, dates and booleans; CSV gives text already."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # a year typed in Excel: 2015.0
    if isinstance(value, datetime.datetime) and value.time() == datetime.time():
        return value.date().strftime("%d/%m/%Y")
    if isinstance(value, datetime.date):
        return value.strftime("%d/%m/%Y")
    return normalise_text(str(value))


def decode(data):
    """UTF-8 (with or without BOM) when the bytes are valid UTF-8, else Windows-1252; UTF-16
    when a BOM says so (Excel's "Texte Unicode")."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError:
        raise UnreadableFile(
            "Ce fichier n'est ni en UTF-8 ni en Windows-1252 : enregistrez-le depuis le tableur "
            "au format « CSV UTF-8 » ou « Classeur Excel (.xlsx) »."
        ) from None


def separator_of(text):
    """The separator that splits the header line most: `;`, `,` or tab (quotes respected)."""
    first_line = text.lstrip("\n").split("\n", 1)[0]
    counts = {}
    for separator in SEPARATORS:
        try:
            counts[separator] = len(next(csv.reader([first_line], delimiter=separator)))
        except (csv.Error, StopIteration):
            counts[separator] = 0
    best = max(SEPARATORS, key=lambda separator: counts[separator])
    return best if counts[best] > 1 else ","


def read_csv(data):
    text = decode(data)
    if "\x00" in text:
        raise UnreadableFile(
            "Ce fichier n'est pas un tableau CSV ou Excel (.xlsx) : vérifiez le fichier choisi."
        )
    try:
        return list(csv.reader(io.StringIO(text, newline=""), delimiter=separator_of(text)))
    except csv.Error:
        raise UnreadableFile(
            "Ce fichier CSV est mal formé (guillemets non refermés ?) : enregistrez-le de "
            "nouveau depuis le tableur."
        ) from None


def read_xlsx(data):
    import openpyxl  # only when an XLSX file comes

    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        rows = [list(row) for row in workbook.worksheets[0].iter_rows(values_only=True)]
        workbook.close()
    except Exception:
        raise UnreadableFile(
            "Ce classeur Excel ne peut pas être lu (fichier abîmé ou protégé par un mot de "
            "passe ?) : enregistrez-le de nouveau au format .xlsx ou CSV."
        ) from None
    return rows


def table(rows):
    """A tablib Dataset of the rows, the first being the headers."""
    rows = [[cell_text(value) for value in row] for row in rows]
    while rows and not any(rows[-1]):
        rows.pop()  # spreadsheets often keep empty lines at the end
    if not rows:
        raise UnreadableFile("Le fichier est vide : il n'y a rien à importer.")
    headers = rows[0]

    def column_is_empty(index):
        return not any(index < len(row) and row[index] for row in rows[1:])

    while headers and not headers[-1] and column_is_empty(len(headers) - 1):
        headers = headers[:-1]  # empty trailing columns (";;;" at the end of each line)
    if not any(headers):
        raise UnreadableFile(
            "La première ligne doit porter les noms des colonnes (identifiant, titre…) : "
            "elle est vide."
        )
    width = len(headers)
    body = []
    for number, row in enumerate(rows[1:], start=2):
        if len(row) > width and any(row[width:]):
            raise UnreadableFile(
                f"La ligne {number} a {len(row)} valeurs pour {width} colonnes : vérifiez le "
                "séparateur et les guillemets de cette ligne."
            )
        body.append((row + [""] * width)[:width])
    if not body:
        raise UnreadableFile(
            "Le fichier ne contient que la ligne des en-têtes : il n'y a aucune ligne à importer."
        )
    headers = [header or f"colonne {index}" for index, header in enumerate(headers, start=1)]
    return tablib.Dataset(*body, headers=headers)


def read_table(data):
    """The table in a CSV or XLSX file's bytes, whatever the separator and the encoding."""
    if isinstance(data, str):
        data = data.encode("utf-8")
    if not data.strip():
        raise UnreadableFile("Le fichier est vide : il n'y a rien à importer.")
    if data.startswith(OLE_MAGIC):
        raise UnreadableFile(
            "Ce classeur est à l'ancien format Excel (.xls) : enregistrez-le au format .xlsx "
            "ou CSV, puis importez-le de nouveau."
        )
    return table(read_xlsx(data) if data.startswith(ZIP_MAGIC) else read_csv(data))


class SpreadsheetFormat(Format):
    """The one import format: CSV or XLSX, recognised from the file's content."""

    def __init__(self, encoding=None):
        self.encoding = encoding  # the admin passes one; the content decides

    def get_title(self):
        return "CSV ou Excel (.xlsx)"

    def create_dataset(self, in_stream):
        return read_table(in_stream)

    def get_extension(self):
        return "csv"

    def can_import(self):
        return True
