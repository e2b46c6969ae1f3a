"""Write the open-data archive of the published registry, with the tables of
`portal.opendata.tables`.

`dump` writes `registre-opendata-YYYY-MM-DD.zip` for a data catalogue: README.txt (the licence,
the tables and columns, in French), registre.json (`{"generated": date, "tables": {name:
[rows]}}`) and one CSV per table holding the same rows.

The output is deterministic: rows sorted by slug, id or (for links) their columns, tables in
a fixed order, zip entries dated the day of the dump at 00:00. `registre.json` is what `load`
reads; the CSV files are for people and spreadsheets (texts starting with = + - @ get an
apostrophe, as in `portal.opendata.exports`).
"""

import csv
import datetime
import io
import json
import os
import zipfile
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import FieldDoesNotExist
from django.db import connections, transaction
from django.utils import timezone

from initiatives.partial_dates import PartialDate
from portal.opendata import (
    JSON_MEMBER,
    README_MEMBER,
    OpenDataError,
    archive_name,
    licence_text,
)
from portal.opendata.exports import FORMULA_START
from portal.opendata.tables import TABLES, TABLES_BY_NAME


def plain(value):
    """A field's value as JSON-ready data; Decimals stay exact until written."""
    if isinstance(value, PartialDate):
        return value.iso
    if isinstance(value, datetime.datetime):
        return timezone.localtime(value).isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    return value


def lookup(column):
    if column.subject:
        return "content_type_id"
    if column.target:
        return f"{column.model_field}__{TABLES_BY_NAME[column.target].reference_key}"
    return column.model_field


def subject_tables(using):
    """content type id → name of its table in the dump."""
    manager = ContentType.objects.db_manager(using)
    return {
        manager.get_for_model(table.model).pk: table.name for table in TABLES if not table.is_link
    }


def read_table(table, using, content_types):
    names = [column.name for column in table.columns]
    rows = []
    for values in table.queryset(using).order_by().values_list(*map(lookup, table.columns)):
        row = dict(zip(names, map(plain, values), strict=True))
        for column in table.columns:
            if column.subject:
                row[column.name] = content_types[row[column.name]]
        if table.redact:
            table.redact(row)
        rows.append(row)
    rows.sort(key=lambda row: tuple(row[name] for name in table.key))
    return rows


def check_references(tables):
    """Blank or refuse a reference to a record that is not in the dump."""
    keys = {}
    for table in TABLES:
        if not table.is_link:
            for key in {"id", table.reference_key}:
                keys[table.name, key] = {row[key] for row in tables[table.name]}
    for table in TABLES:
        for column in table.columns:
            for row in tables[table.name] if column.target or column.subject else ():
                if column.subject:
                    target, key = (row[column.name], "id"), row["subject_id"]
                else:
                    target = (column.target, TABLES_BY_NAME[column.target].reference_key)
                    key = row[column.name]
                if key is None or key in keys[target]:
                    continue
                if not column.blank_if_hidden:
                    raise OpenDataError(
                        f"{table.name}.{column.name} désigne « {key} », absent de {target[0]} : "
                        "une règle de publication manque."
                    )
                row[column.name] = None


def read_registry(using):
    """Every public table's rows, read from one snapshot of the database."""
    connection = connections[using]
    outermost = not connection.in_atomic_block
    with transaction.atomic(using=using):
        if outermost:  # else the enclosing transaction's snapshot is the one we get
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        content_types = subject_tables(using)
        tables = {table.name: read_table(table, using, content_types) for table in TABLES}
    check_references(tables)
    return tables


def csv_text(value):
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return "'" + value if value.startswith(FORMULA_START) else value
    return str(value)


def csv_file(table, rows):
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([column.name for column in table.columns])
    writer.writerows([csv_text(row[column.name]) for column in table.columns] for row in rows)
    return ("\ufeff" + buffer.getvalue()).encode()


def json_number(value):
    # Decimals of at most 14 digits: a float keeps them exactly, and JSON readers want numbers.
    if isinstance(value, Decimal):
        return float(value)
    raise TypeError(f"{type(value).__name__} n'a pas de forme JSON")


def json_file(tables, date):
    document = {"generated": date.isoformat(), "tables": tables}
    text = json.dumps(document, ensure_ascii=False, indent=1, default=json_number)
    return (text + "\n").encode()


def choices_text(table, column):
    try:
        model_field = table.model._meta.get_field(column.model_field)
    except FieldDoesNotExist:
        return ""
    if not model_field.choices or column.target:
        return ""
    return "".join(f"\n        {code} : {label}" for code, label in model_field.choices)


README_HEADER = """\
Registre des initiatives de développement régional — données ouvertes
======================================================================

Export complet des fiches publiées le {date}. Seules les données publiques y figurent :
fiches publiées, liens entre fiches publiées, vocabulaires de référence (territoires,
thématiques, métiers, mots-clés). Les coordonnées d'une personne n'y sont que si elle a
consenti à leur publication.

Licence
-------
{licence}
Réutilisation libre, y compris commerciale, en citant la source (« {publisher} —
Registre des initiatives ») et la date de la dernière mise à jour.

Fichiers
--------
registre.json   toutes les tables en un document : {{"generated": "AAAA-MM-JJ",
                "tables": {{nom de la table: [lignes]}}}} ; les nombres sont des nombres, les
                valeurs inconnues null.
<table>.csv     une table par fichier : UTF-8 avec BOM, séparateur « , », une ligne d'en-tête ;
                une valeur inconnue est une cellule vide ; un texte commençant par = + - @
                est précédé d'une apostrophe pour qu'un tableur ne l'exécute pas (registre.json
                donne le texte exact).

Conventions
-----------
- id : identifiant numérique, stable d'un export à l'autre ; slug : identifiant textuel.
- Une référence à une autre table donne son slug, ou son id si elle n'en a pas.
- Les tables de liens (initiative_themes…) associent deux enregistrements.
- Dates partielles : « 2015 », « 2016-03 » ou « 2016-03-21 », selon ce que l'on sait.
- Dates : AAAA-MM-JJ ; horodatages : ISO 8601 avec le décalage horaire de Paris.
- Booléens : true ou false. Nombres décimaux : point comme séparateur.
- Lignes triées par slug, par id, ou par colonnes pour les tables de liens.

Tables et colonnes
------------------
"""


def readme_file(date):
    parts = [
        README_HEADER.format(
            date=date.isoformat(), licence=licence_text(), publisher=settings.DATA_PUBLISHER
        )
    ]
    for table in TABLES:
        parts.append(f"\n{table.name}.csv — {table.description}\n")
        for column in table.columns:
            parts.append(f"    {column.name} : {column.description}")
            if column.target:
                key = TABLES_BY_NAME[column.target].reference_key
                parts.append(f"{' ; ' if column.description else ''}{key} dans {column.target}.csv")
            parts.append(choices_text(table, column) + "\n")
    return "".join(parts).encode()


def dump(directory, date, using="default"):
    """Write the dated archive of the published registry in `directory`; return its path."""
    tables = read_registry(using)
    members = {
        README_MEMBER: readme_file(date),
        JSON_MEMBER: json_file(tables, date),
        **{f"{table.name}.csv": csv_file(table, tables[table.name]) for table in TABLES},
    }
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / archive_name(date)
    partial = path.with_name(path.name + ".part")
    # A fixed date and mode on every entry: the same registry gives the same bytes.
    stamp = (date.year, date.month, date.day, 0, 0, 0)
    try:
        with zipfile.ZipFile(partial, "w") as archive:
            for name, content in members.items():
                info = zipfile.ZipInfo(name, date_time=stamp)
                info.compress_type = zipfile.ZIP_DEFLATED
                info.external_attr = 0o644 << 16
                archive.writestr(info, content)
        os.replace(partial, path)  # a catalogue never picks up half an archive
    finally:
        partial.unlink(missing_ok=True)
    return path
