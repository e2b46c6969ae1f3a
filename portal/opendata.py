"""The full open-data dump of the published registry, and its re-import into an empty database.

`dump` writes `registre-opendata-YYYY-MM-DD.zip` for a data catalogue: README.txt (the tables
and columns, in French), registre.json (`{"generated": date, "tables": {name: [rows]}}`) and
one CSV per table holding the same rows. `load` writes such an archive into a database whose
registry tables are empty; dumping that database again gives byte-identical files.

What is public comes only from the models' `.published()` querysets and the rules below:
- initiatives, documents, organisations and people: `.published()`; involvements, fundings
  and events: their `.published()`; milestones, key figures and affiliations too; key figures:
  those of public initiatives, or of a territory alone; affiliations: public person and
  organisation; sources: public subject and, if any, public document; links (M2M tables):
  both ends public. Territories, themes, métiers and keywords are reference vocabularies.
- A person's email and phone only with recorded consent.
- A reference to a record that is not public is an error (a public-data rule was missed),
  except the parent of an organisation, which is then left empty, as on its page.

References name their target by its slug where it has one, else by its id; ids are kept so
that the relations can be rebuilt exactly. `lineage`, `sort_key` and `search_vector` are
computed by the database and never dumped; `publication_state` neither, since every record
of a dump is published.

The output is deterministic: rows sorted by slug, id or (for links) their columns, tables in
a fixed order, zip entries dated the day of the dump at 00:00. `registre.json` is what `load`
reads; the CSV files are for people and spreadsheets (texts starting with = + - @ get an
apostrophe, as in `portal.exports`).
"""

import csv
import datetime
import io
import json
import os
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.core.management.color import no_style
from django.db import DataError, IntegrityError, connections, transaction
from django.db.models import Q
from django.utils import timezone

from actors.models import Affiliation, Funding, Involvement, Organisation, Person
from initiatives.models import (
    ActivityType,
    Document,
    Event,
    Initiative,
    KeyFigure,
    Keyword,
    KeywordLabel,
    Milestone,
    PublicationState,
    Publishable,
    SourceCitation,
    Territory,
    Theme,
)
from initiatives.partial_dates import PartialDate
from portal.exports import FORMULA_START
from portal.models import rebuild_derived

JSON_MEMBER = "registre.json"
README_MEMBER = "README.txt"


class OpenDataError(Exception):
    pass


def archive_name(date):
    return f"registre-opendata-{date:%Y-%m-%d}.zip"


# What is dumped ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    """A column of the dump, read from the model field `field` (default: the same name).

    `target` makes it a reference to another table of the dump (by slug, else by id); a
    `subject` column holds the table of a generic relation's subject.
    """

    name: str
    description: str
    field: str = ""
    target: str = ""
    blank_if_hidden: bool = False
    subject: bool = False

    @property
    def model_field(self):
        return self.field or ("content_type" if self.subject else self.name)


@dataclass(frozen=True)
class Table:
    name: str
    model: type
    description: str
    columns: tuple[Column, ...]
    # The public rows, from the model's queryset; None for the reference vocabularies.
    public: Callable | None = None
    # Blanks what must not leave the registry in a public row (a person's contact details).
    redact: Callable | None = None

    @property
    def key(self):
        """What the rows are sorted by: the slug, else the id, else (links) every column."""
        names = tuple(column.name for column in self.columns)
        return ("slug",) if "slug" in names else ("id",) if "id" in names else names

    @property
    def is_link(self):
        """A many-to-many table: its rows have no id, only the two records they link."""
        return all(column.name != "id" for column in self.columns)

    @property
    def reference_key(self):
        """How other tables name a row of this one: "slug" or "id"."""
        return "slug" if self.key == ("slug",) else "id"

    def queryset(self, using=None):
        queryset = self.model._default_manager.using(using)
        return self.public(queryset) if self.public else queryset.all()


def col(name, description, field=""):
    return Column(name, description, field=field)


def ref(name, target, description, field="", blank_if_hidden=False):
    return Column(name, description, field=field, target=target, blank_if_hidden=blank_if_hidden)


ID = col("id", "Identifiant numérique, stable d'un export à l'autre")
SLUG = col("slug", "Identifiant textuel, dans l'adresse de la fiche publique")
PUBLICATION = (
    col("last_verified", "Dernière vérification auprès des sources (AAAA-MM-JJ)"),
    col("created_at", "Création de la fiche (ISO 8601, heure de Paris)"),
    col("updated_at", "Dernière mise à jour de la fiche (ISO 8601, heure de Paris)"),
    col("published_at", "Première publication (ISO 8601, heure de Paris ; vide si inconnue)"),
)
PARTIAL = "date partielle ISO : « 2015 », « 2016-03 » ou « 2016-03-21 »"


def public_initiatives():
    return Initiative.objects.published()


def of_public_initiative(rows):
    return rows.filter(initiative__in=public_initiatives())


def public_sources(citations):
    """Citations of a public subject (any record of the dump) and of no hidden document."""
    subjects = Q(pk__in=[])
    for table in TABLES:
        if not table.is_link and table.model is not SourceCitation:
            subjects |= Q(
                content_type__app_label=table.model._meta.app_label,
                content_type__model=table.model._meta.model_name,
                object_id__in=table.queryset().values("pk"),
            )
    return citations.filter(subjects).filter(
        Q(document__isnull=True) | Q(document__in=Document.objects.published())
    )


def public_contact(row):
    """As `Person.public_contact`: no email, phone or consent date without consent."""
    if not row["contact_consent"]:
        row.update(email="", phone="", consent_recorded_on=None)


def link(name, through, left, right, description, public=None):
    """A many-to-many table: (left column, its table, its field), the same for the right."""
    return Table(
        name,
        through,
        description,
        (
            ref(left[0], left[1], "", field=left[2]),
            ref(right[0], right[1], "", field=right[2]),
        ),
        public=public,
    )


def initiative_link(name, relation, column, target, description, public=of_public_initiative):
    relation = Initiative._meta.get_field(relation)
    return link(
        name,
        relation.remote_field.through,
        ("initiative", "initiatives", relation.m2m_field_name()),
        (column, target, relation.m2m_reverse_field_name()),
        description,
        public=public,
    )


# In loading order: a table comes after those it refers to (trees are loaded parent first).
TABLES = (
    Table(
        "territories",
        Territory,
        "Territoires (régions, départements, intercommunalités, bassins…), en arbre",
        (
            ID,
            SLUG,
            col("name", "Nom"),
            col("kind", "Type, en code"),
            col("code", "Code officiel INSEE ou SIREN"),
            ref("parent", "territories", "Territoire englobant"),
            col("description", "Description"),
            col("latitude", "Latitude (WGS 84)"),
            col("longitude", "Longitude (WGS 84)"),
            col("valid_from", f"Existe depuis : {PARTIAL}"),
            col("valid_until", f"Existe jusqu'à : {PARTIAL}"),
        ),
    ),
    link(
        "territory_successors",
        Territory.successors.through,
        ("territory", "territories", "from_territory"),
        ("successor", "territories", "to_territory"),
        "Territoires issus d'un autre (fusion de régions, de communes…)",
    ),
    Table(
        "themes",
        Theme,
        "Thématiques, en arbre",
        (
            ID,
            SLUG,
            col("name", "Nom"),
            ref("parent", "themes", "Thématique englobante"),
            col("description", "Description"),
        ),
    ),
    Table(
        "activity_types",
        ActivityType,
        "Métiers : la nature du travail mené (ex. « Mise en réseau d'acteurs »)",
        (ID, SLUG, col("name", "Nom")),
    ),
    Table(
        "keywords",
        Keyword,
        "Mots-clés du thésaurus",
        (ID, SLUG, col("label", "Libellé en français")),
    ),
    Table(
        "keyword_labels",
        KeywordLabel,
        "Libellés des mots-clés dans d'autres langues",
        (
            ID,
            ref("keyword", "keywords", "Mot-clé"),
            col("language", "Langue, en code"),
            col("label", "Libellé"),
        ),
    ),
    Table(
        "documents",
        Document,
        "Documents publiés : livres blancs, études, rapports, pages web…",
        (
            ID,
            SLUG,
            col("title", "Titre"),
            col("kind", "Type, en code"),
            col("authors", "Auteurs et éditeurs, tels qu'écrits sur le document"),
            col("publication_date", f"Date de publication : {PARTIAL}"),
            col("link", "Lien vers le document en ligne", field="url"),
            col(
                "file",
                "Fichier déposé, relatif au dossier des fichiers du portail (non inclus ici ; "
                "téléchargeable depuis la fiche publique)",
            ),
            col("language", "Langue, en code"),
            col("bibliographic_note", "Notice bibliographique"),
            col("summary", "Résumé"),
            *PUBLICATION,
        ),
        public=lambda documents: documents.published(),
    ),
    link(
        "document_keywords",
        Document.keywords.through,
        ("document", "documents", "document"),
        ("keyword", "keywords", "keyword"),
        "Mots-clés des documents",
        public=lambda links: links.filter(document__in=Document.objects.published()),
    ),
    Table(
        "initiatives",
        Initiative,
        "Initiatives : programmes, projets, réseaux… ; un programme est le parent de ses actions",
        (
            ID,
            SLUG,
            col("title", "Titre"),
            col("acronym", "Sigle"),
            col("kind", "Type, en code"),
            col("status", "Statut, en code"),
            ref("parent", "initiatives", "Initiative parente, le programme"),
            col("start", f"Début : {PARTIAL}"),
            col("end", f"Fin : {PARTIAL}"),
            col("summary", "Résumé"),
            col("body", "Description (Markdown)"),
            col("objectives", "Objectifs (Markdown)"),
            col("website", "Site web"),
            *PUBLICATION,
        ),
        public=lambda initiatives: initiatives.published(),
    ),
    initiative_link(
        "initiative_activity_types",
        "activity_types",
        "activity_type",
        "activity_types",
        "Métiers des initiatives",
    ),
    initiative_link(
        "initiative_themes", "themes", "theme", "themes", "Thématiques des initiatives"
    ),
    initiative_link(
        "initiative_territories",
        "territories",
        "territory",
        "territories",
        "Territoires des initiatives",
    ),
    initiative_link(
        "initiative_keywords", "keywords", "keyword", "keywords", "Mots-clés des initiatives"
    ),
    initiative_link(
        "initiative_documents",
        "documents",
        "document",
        "documents",
        "Documents liés aux initiatives",
        public=lambda links: of_public_initiative(links).filter(
            document__in=Document.objects.published()
        ),
    ),
    Table(
        "milestones",
        Milestone,
        "Jalons de l'histoire des initiatives",
        (
            ID,
            ref("initiative", "initiatives", "Initiative"),
            col("date", f"Date : {PARTIAL}"),
            col("title", "Titre"),
            col("text", "Texte"),
        ),
        public=lambda milestones: milestones.published(),
    ),
    Table(
        "events",
        Event,
        "Événements des initiatives : réunions, ateliers, séminaires…",
        (
            ID,
            ref("initiative", "initiatives", "Initiative"),
            col("title", "Titre"),
            col("kind", "Type, en code"),
            col("status", "Statut, en code"),
            col("start", f"Date : {PARTIAL}"),
            col("end", f"Fin, pour un événement sur plusieurs jours : {PARTIAL}"),
            col("date_note", "Précision sur la date (ex. « en octobre »)"),
            ref("territory", "territories", "Lieu"),
            col("venue", "Lieu (précision)"),
            col("description", "Description"),
        ),
        public=lambda events: events.published(),
    ),
    Table(
        "key_figures",
        KeyFigure,
        "Chiffres clés, d'une initiative ou d'un territoire",
        (
            ID,
            ref("initiative", "initiatives", "Initiative (vide : chiffre d'un territoire)"),
            ref("territory", "territories", "Territoire"),
            col("value", "Valeur (nombre décimal, point comme séparateur)"),
            col("unit", "Unité (ex. emplois, %, km)"),
            col("label", "Ce que le chiffre mesure"),
            col("is_lower_bound", "« Plus de » : la valeur est un minimum (true/false)"),
            col("date", f"Date : {PARTIAL}"),
            col("period_start", f"Début de la période, pour une évolution : {PARTIAL}"),
            col("last_verified", "Dernière vérification (AAAA-MM-JJ)"),
        ),
        public=lambda figures: figures.published(),
    ),
    Table(
        "organisations",
        Organisation,
        "Organisations : collectivités, agences, associations, entreprises…",
        (
            ID,
            SLUG,
            col("name", "Nom"),
            col("acronym", "Sigle"),
            col("kind", "Type, en code"),
            ref(
                "parent",
                "organisations",
                "Organisation de rattachement (vide si elle n'est pas publiée)",
                blank_if_hidden=True,
            ),
            ref("territory", "territories", "Territoire"),
            col("description", "Présentation"),
            col("website", "Site web"),
            col("founded_on", f"Créée en : {PARTIAL}"),
            col("is_defunct", "N'existe plus (true/false)"),
            col("dissolved_on", f"Disparue en : {PARTIAL}"),
            *PUBLICATION,
        ),
        public=lambda organisations: organisations.published(),
    ),
    link(
        "organisation_documents",
        Organisation.documents.through,
        ("organisation", "organisations", "organisation"),
        ("document", "documents", "document"),
        "Documents dont une organisation est l'auteur ou l'éditeur",
        public=lambda links: links.filter(
            organisation__in=Organisation.objects.published(),
            document__in=Document.objects.published(),
        ),
    ),
    link(
        "organisation_events",
        Organisation.organised_events.through,
        ("organisation", "organisations", "organisation"),
        ("event", "events", "event"),
        "Événements organisés par une organisation (event : identifiant dans events.csv)",
        public=lambda links: links.filter(
            organisation__in=Organisation.objects.published(),
            event__in=Event.objects.published(),
        ),
    ),
    Table(
        "people",
        Person,
        "Personnes ; leurs coordonnées seulement si elles ont consenti à leur publication",
        (
            ID,
            SLUG,
            col("first_name", "Prénom"),
            col("last_name", "Nom"),
            col("biography", "Présentation"),
            col("email", "Courriel (vide sans consentement)"),
            col("phone", "Téléphone (vide sans consentement)"),
            col("contact_consent", "Consent à la publication de ses coordonnées (true/false)"),
            col("consent_recorded_on", "Consentement recueilli le (AAAA-MM-JJ)"),
            *PUBLICATION,
        ),
        public=lambda people: people.published(),
        redact=public_contact,
    ),
    Table(
        "affiliations",
        Affiliation,
        "Fonctions des personnes dans les organisations",
        (
            ID,
            ref("person", "people", "Personne"),
            ref("organisation", "organisations", "Organisation"),
            col("job_title", "Fonction"),
            col("start", f"Début : {PARTIAL}"),
            col("end", f"Fin : {PARTIAL}"),
            col("note", "Précision"),
        ),
        public=lambda affiliations: affiliations.published(),
    ),
    Table(
        "involvements",
        Involvement,
        "Implications d'une organisation ou d'une personne dans une initiative",
        (
            ID,
            ref("initiative", "initiatives", "Initiative"),
            ref("organisation", "organisations", "Organisation (vide pour une personne)"),
            ref("person", "people", "Personne (vide pour une organisation)"),
            col("role", "Rôle, en code"),
            col("start", f"Début : {PARTIAL}"),
            col("end", f"Fin : {PARTIAL}"),
            col("amount", "Montant en euros (nombre décimal)"),
            col("note", "Précision"),
        ),
        public=lambda involvements: involvements.published(),
    ),
    Table(
        "fundings",
        Funding,
        "Financements accordés ou en préparation dans une initiative",
        (
            ID,
            ref("initiative", "initiatives", "Initiative"),
            ref("beneficiary", "organisations", "Organisation bénéficiaire"),
            col("status", "État, en code"),
            col("amount", "Montant en euros (nombre décimal)"),
            col("date", f"Date : {PARTIAL}"),
            col("note", "Précision"),
        ),
        public=lambda fundings: fundings.published(),
    ),
    Table(
        "sources",
        SourceCitation,
        "Sources des informations : un document du registre ou une page web consultée",
        (
            ID,
            Column(
                "subject_table", "Table de l'enregistrement sourcé (ex. initiatives)", subject=True
            ),
            col("subject_id", "Identifiant (id) de l'enregistrement sourcé", field="object_id"),
            ref("document", "documents", "Document du registre"),
            col("url", "Adresse de la page consultée"),
            col("accessed_on", "Consultée le (AAAA-MM-JJ)"),
            col("note", "Précision"),
        ),
        public=public_sources,
    ),
)
TABLES_BY_NAME = {table.name: table for table in TABLES}


# Dump --------------------------------------------------------------------------------------


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
    parts = [README_HEADER.format(date=date.isoformat())]
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


# Load --------------------------------------------------------------------------------------


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
