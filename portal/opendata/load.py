"""Load an open-data archive (`portal.opendata.dump`) into a database whose registry tables are
empty; dumping that database again gives byte-identical files."""

import json
import zipfile
from decimal import Decimal

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.management.color import no_style
from django.db import DataError, IntegrityError, connections, transaction

from initiatives.models import (
    PublicationState,
    Publishable,
)
from portal.models import rebuild_derived
from portal.opendata import JSON_MEMBER, OpenDataError
from portal.opendata.tables import TABLES, TABLES_BY_NAME


def read_archive(path):
    try:
        with zipfile.ZipFile(path) as archive:
            content = archive.read(JSON_MEMBER)
    except (OSError, zipfile.BadZipFile) as error:
        raise OpenDataError(f"Archive illisible : {path} ({error}).") from None
    except KeyError:
        raise OpenDataError(f"{JSON_MEMBER} manque dans l'archive {path}.") from None
    try:
        document = json.loads(content, parse_float=Decimal)
    except ValueError as error:
        raise OpenDataError(f"{JSON_MEMBER} n'est pas un JSON valide : {error}.") from None
    tables = document.get("tables") if isinstance(document, dict) else None
    if not isinstance(tables, dict):
        raise OpenDataError(f"{JSON_MEMBER} ne contient pas d'objet « tables ».")
    if unknown := sorted(set(tables) - set(TABLES_BY_NAME)):
        raise OpenDataError(f"Tables inconnues dans l'archive : {', '.join(unknown)}.")
    if missing := [name for name in TABLES_BY_NAME if name not in tables]:
        raise OpenDataError(f"Tables absentes de l'archive : {', '.join(missing)}.")
    for name, rows in tables.items():
        if not isinstance(rows, list) or not all(isinstance(row, dict) for row in rows):
            raise OpenDataError(f"La table {name} n'est pas une liste de lignes.")
    return tables


def non_empty_tables(using):
    return [table.name for table in TABLES if table.model._default_manager.using(using).exists()]


class Resolver:
    """Turns the references of the rows into ids, from the ids and slugs of the archive."""

    def __init__(self, tables, using):
        self.keys, self.ids = {}, {}
        manager = ContentType.objects.db_manager(using)
        self.content_types = {}
        for table in TABLES:
            if not table.is_link:
                rows = tables[table.name]
                self.keys[table.name] = {
                    row.get(table.reference_key): row.get("id") for row in rows
                }
                self.ids[table.name] = {row.get("id") for row in rows}
                self.content_types[table.name] = manager.get_for_model(table.model).pk

    def reference(self, target, key):
        if key is None:
            return None
        try:
            return self.keys[target][key]
        except (KeyError, TypeError):
            raise OpenDataError(f"« {key} » n'existe pas dans {target}.") from None

    def subject(self, target, key):
        """The content type of a generic relation's subject, checked to exist."""
        if target not in self.content_types or key not in self.ids[target]:
            raise OpenDataError(f"l'enregistrement sourcé {target} {key} n'existe pas.")
        return self.content_types[target]


def build_objects(table, rows, resolver):
    model = table.model
    publishable = issubclass(model, Publishable)
    objects = []
    for number, row in enumerate(rows, start=1):
        try:
            values = {}
            for column in table.columns:
                model_field = model._meta.get_field(column.model_field)
                data = row[column.name]
                if column.subject:
                    values[model_field.attname] = resolver.subject(data, row["subject_id"])
                elif column.target:
                    values[model_field.attname] = resolver.reference(column.target, data)
                else:
                    values[model_field.attname] = model_field.to_python(data)
            if publishable:
                values["publication_state"] = PublicationState.PUBLISHED
        except KeyError as error:
            raise OpenDataError(
                f"{table.name}, ligne {number} : colonne {error} absente."
            ) from None
        except (OpenDataError, ValidationError) as error:
            message = "; ".join(error.messages) if isinstance(error, ValidationError) else error
            raise OpenDataError(f"{table.name}, ligne {number} : {message}") from None
        objects.append(model(**values))
    return objects


def parent_first(table, objects):
    """The rows in levels, roots first, so that the lineage trigger finds every parent."""
    parent = next((column for column in table.columns if column.target == table.name), None)
    if parent is None:
        return [objects]
    attname = table.model._meta.get_field(parent.model_field).attname
    levels, placed, remaining = [], set(), objects
    while remaining:
        known = placed | {None}
        level = [obj for obj in remaining if getattr(obj, attname) in known]
        if not level:
            raise OpenDataError(f"{table.name} : parents en boucle.")
        placed.update(obj.pk for obj in level)
        remaining = [obj for obj in remaining if obj.pk not in placed]
        levels.append(level)
    return levels


def insert(table, objects, using):
    """bulk_create, then the exact timestamps (bulk_create stamps auto_now fields with now)."""
    stamps = [
        model_field.attname
        for model_field in table.model._meta.concrete_fields
        if getattr(model_field, "auto_now", False) or getattr(model_field, "auto_now_add", False)
    ]
    saved = [{name: getattr(obj, name) for name in stamps} for obj in objects]
    for level in parent_first(table, objects):
        table.model._default_manager.using(using).bulk_create(level)
    if stamps:
        for obj, values in zip(objects, saved, strict=True):
            for name, stamp in values.items():
                setattr(obj, name, stamp)
        table.model._default_manager.using(using).bulk_update(objects, stamps, batch_size=500)


def load(path, using="default"):
    """Load a dump into a database whose registry tables are empty; return the row counts."""
    tables = read_archive(path)
    connection = connections[using]
    try:
        with transaction.atomic(using=using):
            if non_empty := non_empty_tables(using):
                raise OpenDataError(
                    f"La base « {connection.settings_dict['NAME']} » contient déjà des données du "
                    f"registre ({', '.join(non_empty)}) : chargez dans une base migrée et vide."
                )
            # The derived tables are built once at the end, not after each bulk insert.
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL registre.bulk_load = 'on'")
            resolver = Resolver(tables, using)
            for table in TABLES:
                insert(table, build_objects(table, tables[table.name], resolver), using)
            models = [table.model for table in TABLES if not table.is_link]
            with connection.cursor() as cursor:
                for sql in connection.ops.sequence_reset_sql(no_style(), models):
                    cursor.execute(sql)
            rebuild_derived(using)
    except (IntegrityError, DataError) as error:
        raise OpenDataError(f"L'archive ne se charge pas : {error}") from None
    return {table.name: len(tables[table.name]) for table in TABLES}
