"""What the API answers and accepts, as pydantic models: the OpenAPI document is generated
from them, and every answer is validated by them on its way out (an undocumented key or a
wrong type is an error in the tests, never a silent difference from the document).

Query parameters carry their French error messages: a value the schema refuses gets the same
kind of message as a value the InitiativeFilter refuses.
"""

import re
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    create_model,
    model_validator,
)
from pydantic_core import PydanticCustomError
from typing_extensions import TypedDict

from actors import models as actors
from initiatives import models as registry
from portal.catalogue.filters import FIRST_YEAR, LAST_YEAR, MAX_VALUES, SORTS
from portal.opendata import exports
from portal.opendata.api.cursors import MAX_OFFSET

PAGE_SIZE = 20
MAX_PAGE_SIZE = 100
SLUG_PATTERN = r"^[-a-zA-Z0-9_]+$"
SLUG_PATTERN_RE = re.compile(SLUG_PATTERN)


def choice(values):
    return Literal[tuple(values)]


Slug = Annotated[str, Field(pattern=SLUG_PATTERN)]
Url = Annotated[str, Field(json_schema_extra={"format": "uri"})]
DateTime = Annotated[str, Field(json_schema_extra={"format": "date-time"})]
PartialDate = Annotated[
    str | None,
    Field(
        pattern=r"^\d{4}(-\d{2}(-\d{2})?)?$",
        description="Date partielle ISO : « 2015 », « 2016-03 » ou « 2016-03-21 ».",
    ),
]


class Record(BaseModel):
    """Every property present (null when unknown), no other key."""

    model_config = ConfigDict(extra="forbid")


# Answers -----------------------------------------------------------------------------------


class Initiative(Record):
    # In the order of the export columns (portal.opendata.exports.COLUMNS).
    slug: Slug
    title: str
    acronym: str
    kind: choice(registry.Initiative.Kind.values)
    kind_label: str
    status: choice(registry.Initiative.Status.values)
    status_label: str
    start: PartialDate
    end: PartialDate
    parent: Slug | None
    themes: list[Slug]
    territories: list[Slug]
    summary: str
    url: Url
    updated_at: DateTime


class Involvement(Record):
    initiative: Slug
    organisation: Slug | None
    person: Slug | None
    role: choice(actors.Involvement.Role.values)
    role_label: str
    start: PartialDate
    end: PartialDate


class Event(Record):
    id: int
    title: str
    kind: choice(registry.Event.Kind.values)
    kind_label: str
    status: choice(registry.Event.Status.values)
    status_label: str
    start: PartialDate
    end: PartialDate
    date_note: str
    initiative: Slug
    territory: Slug | None
    venue: str
    description: str


class InitiativeDetail(Initiative):
    body: str = Field(description="Description, en Markdown.")
    objectives: str = Field(description="Objectifs, en Markdown.")
    website: str
    children: list[Slug]
    involvements: list[Involvement]
    documents: list[Slug]
    events: list[Event]


class Organisation(Record):
    slug: Slug
    name: str
    acronym: str
    kind: choice(actors.Organisation.Kind.values)
    kind_label: str
    description: str
    website: str
    territory: Slug | None
    parent: Slug | None
    founded_on: PartialDate
    is_defunct: bool
    dissolved_on: PartialDate
    url: Url
    updated_at: DateTime


class Member(Record):
    person: Slug
    job_title: str
    start: PartialDate
    end: PartialDate


class OrganisationDetail(Organisation):
    units: list[Slug]
    people: list[Member]
    involvements: list[Involvement]


class Contact(TypedDict, total=False):
    """Courriel et téléphone, seulement si la personne a consenti à leur publication ; un
    objet vide sinon."""

    __pydantic_config__ = ConfigDict(extra="forbid")  # type: ignore[misc]
    email: str
    phone: str


class Person(Record):
    slug: Slug
    first_name: str
    last_name: str
    biography: str
    contact: Contact
    url: Url
    updated_at: DateTime


class Affiliation(Record):
    organisation: Slug
    job_title: str
    start: PartialDate
    end: PartialDate


class PersonDetail(Person):
    affiliations: list[Affiliation]
    involvements: list[Involvement]


class Territory(Record):
    slug: Slug
    name: str
    kind: choice(registry.Territory.Kind.values)
    kind_label: str
    code: str
    parent: Slug | None
    latitude: float | None
    longitude: float | None
    valid_from: PartialDate
    valid_until: PartialDate
    url: Url


class TerritoryDetail(Territory):
    description: str
    children: list[Slug]
    successors: list[Slug]
    predecessors: list[Slug]


class Theme(Record):
    slug: Slug
    name: str
    description: str
    parent: Slug | None
    url: Url


class ThemeDetail(Theme):
    children: list[Slug]


class Document(Record):
    slug: Slug
    title: str
    kind: choice(registry.Document.Kind.values)
    kind_label: str
    authors: str
    publication_date: PartialDate
    language: choice(registry.Language.values)
    summary: str
    link: str
    file: Url | None
    keywords: list[str]
    url: Url
    updated_at: DateTime


class DocumentDetail(Document):
    bibliographic_note: str
    initiatives: list[Slug]


Date = Annotated[str | None, Field(json_schema_extra={"format": "date"})]
Precision = Literal[tuple(exports.PRECISIONS.values())] | None
Amount = Annotated[float | None, Field(description="En euros.")]


class ExportRecord(Record):
    """A row of the exports, by column code (portal.opendata.exports.EXPORT_COLUMNS)."""

    slug: Slug
    title: str
    acronym: str
    kind: str
    status: str
    start: Date
    start_precision: Precision
    end: Date
    end_precision: Precision
    parent: str | None
    themes: list[str]
    territories: list[str]
    leads: list[str]
    partners: list[str]
    funders: list[str]
    funders_amount: Amount
    beneficiaries: list[str]
    beneficiaries_amount: Amount
    summary: str
    url: Url
    updated_at: DateTime


class MultiPoint(Record):
    type: Literal["MultiPoint"]
    coordinates: list[list[float]] = Field(
        min_length=1, description="Un [longitude, latitude] par territoire localisé."
    )


class Feature(Record):
    type: Literal["Feature"]
    id: Slug
    geometry: MultiPoint
    properties: ExportRecord


class FeatureCollection(Record):
    type: Literal["FeatureCollection"]
    features: list[Feature]


class Errors(Record):
    errors: dict[str, list[str]] = Field(
        description="Messages en français, par paramètre (« detail » sinon)."
    )


def page_of(model):
    """The list answer: {count, next, previous, results}."""
    return create_model(
        f"{model.__name__}Page",
        __base__=Record,
        count=(int, Field(ge=0)),
        next=(Url | None, ...),
        previous=(Url | None, ...),
        results=(list[model], ...),
    )


# Query parameters --------------------------------------------------------------------------


def refused(message):
    return PydanticCustomError("invalid", message)


def integer(minimum, maximum=None):
    limits = f"de {minimum} à {maximum}" if maximum else f"supérieur ou égal à {minimum}"
    message = f"Un nombre entier {limits} est attendu."

    def check(value):
        try:
            number = int(value)
        except (TypeError, ValueError):
            raise refused(message) from None
        if number < minimum or (maximum is not None and number > maximum):
            raise refused(message)
        return number

    return [Field(ge=minimum, le=maximum), BeforeValidator(check)]


def one_of(values):
    values = list(values)
    message = "Valeur inconnue : {} attendu.".format(", ".join(f"« {v} »" for v in values))

    def check(value):
        if value not in values:
            raise refused(message)
        return value

    return [BeforeValidator(check)]


def slug():
    def check(value):
        if not isinstance(value, str) or len(value) > 200 or not SLUG_PATTERN_RE.fullmatch(value):
            raise refused("Un identifiant (lettres, chiffres, tirets) est attendu.")
        return value

    return [Field(pattern=SLUG_PATTERN, max_length=200), BeforeValidator(check)]


def text(max_length):
    def check(value):
        if not isinstance(value, str) or len(value) > max_length:
            raise refused(f"Un texte d'au plus {max_length} caractères est attendu.")
        if "\x00" in value:
            raise refused("Le caractère nul n'est pas permis.")
        return value

    return [Field(max_length=max_length), BeforeValidator(check)]


def no_default(schema):
    schema.pop("default", None)  # absent means "no filter", not null


def optional(kind, description, *rules):
    return Annotated[kind, *rules, Field(description=description, json_schema_extra=no_default)]


def several(item, description):
    """A facet of the index: one value, or several repeated (`?thematique=a&thematique=b`),
    any of which an initiative may match."""

    def check(values):
        if len(values) > MAX_VALUES:
            raise refused(f"Au plus {MAX_VALUES} valeurs par filtre sont permises.")
        return values

    return Annotated[
        list[item],
        AfterValidator(check),
        Field(
            description=f"{description} Répétable (au plus {MAX_VALUES} fois) : "
            "les valeurs d'un même filtre se combinent par « ou », les filtres entre eux "
            "par « et ».",
            json_schema_extra=no_default,
        ),
    ]


class Parameters(BaseModel):
    @model_validator(mode="before")
    @classmethod
    def empty_means_absent(cls, data):
        # The index's form sends its empty fields, and the export link carries its query.
        kept = {}
        for name, value in data.items():
            if isinstance(value, list):
                value = [item for item in value if item != ""]
            if value not in ("", []):
                kept[name] = value
        return kept


DEEPEST = f"{MAX_OFFSET:,}".replace(",", " ")


class Pagination(Parameters):
    page: Annotated[
        int,
        *integer(1),
        Field(
            description=f"Numéro de page, à partir de 1, pour les {DEEPEST} premiers résultats "
            "(au-delà : erreur 400 ; suivre les liens next et previous)."
        ),
    ] = 1
    cursor: optional(
        str,
        "Curseur opaque d'un lien next ou previous : la page qui suit (ou précède) une ligne "
        "donnée, à toute profondeur, sans décalage si des enregistrements sont publiés ou "
        "retirés entre-temps. Valable avec les filtres et le tri qui l'ont donné ; sans page.",
        *text(500),
    ) = None
    page_size: Annotated[
        int,
        *integer(1, MAX_PAGE_SIZE),
        Field(
            description=f"Nombre de résultats par page, de 1 à {MAX_PAGE_SIZE} "
            "(au-delà : erreur 400)."
        ),
    ] = PAGE_SIZE


class InitiativeFilters(Parameters):
    """The parameters of InitiativeFilter, the same on the index page, in the exports and here
    (the FilterSet then checks what needs the database: a known theme, a public actor...)."""

    q: optional(str, "Mots-clés (recherche plein texte en français).", *text(200)) = None
    thematique: several(
        Annotated[str, *slug()],
        "Identifiant d'une thématique ; ses sous-thématiques comprises.",
    ) = None
    territoire: several(
        Annotated[str, *slug()],
        "Identifiant d'un territoire ; ses sous-territoires, prédécesseurs et successeurs compris.",
    ) = None
    type: several(
        Annotated[
            choice(registry.Initiative.Kind.values), *one_of(registry.Initiative.Kind.values)
        ],
        "Type d'initiative.",
    ) = None
    statut: several(
        Annotated[
            choice(registry.Initiative.Status.values),
            *one_of(registry.Initiative.Status.values),
        ],
        "Statut.",
    ) = None
    acteur: several(Annotated[str, *slug()], "Identifiant d'une organisation impliquée.") = None
    role: several(
        Annotated[choice(actors.Involvement.Role.values), *one_of(actors.Involvement.Role.values)],
        "Rôle d'un acteur (l'un de ceux de « acteur » s'il est donné).",
    ) = None
    de: optional(int, "Active entre l'année « de »…", *integer(FIRST_YEAR, LAST_YEAR)) = None
    a: optional(int, "… et l'année « a » (pas avant « de »).", *integer(FIRST_YEAR, LAST_YEAR)) = (
        None
    )
    tri: optional(
        choice(SORTS),
        "Ordre : pertinence (par défaut avec « q »), titre (par défaut sinon), maj, debut.",
        *one_of(SORTS),
    ) = None


class Separator(Parameters):
    sep: Annotated[
        Literal[",", ";"],
        *one_of([",", ";"]),
        Field(description="Séparateur du CSV (« ; » : avec des virgules décimales)."),
    ] = ","
    colonnes: Annotated[
        Literal["titres", "codes"],
        *one_of(["titres", "codes"]),
        Field(description="En-têtes du CSV et du XLSX : titres en français ou codes."),
    ] = "titres"


class SchemaParameters(Parameters):
    sep: Annotated[
        Literal[",", ";"],
        *one_of([",", ";"]),
        Field(description="« ; » : les nombres du CSV à « ; » ont une virgule décimale."),
    ] = ","
    colonnes: Annotated[
        Literal["titres", "codes"],
        *one_of(["titres", "codes"]),
        Field(description="Noms des champs : titres en français ou codes."),
    ] = "titres"


ExportFormat = choice(exports.FORMATS)
