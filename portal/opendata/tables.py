"""What the open-data dump holds: its tables and columns, and which rows are public.

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
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import Q

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
    SourceCitation,
    Territory,
    Theme,
)

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
            col("gender", "Genre grammatical du nom, en code (m, f, mp, fp), pour l'accord"),
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
