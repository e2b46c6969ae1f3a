"""The rows of the exports and the API: the API's initiative objects (COLUMNS), the exports'
columns (EXPORT_COLUMNS: French titles and codes, role groups with names and amounts, real
dates) and their records, read in chunks (see portal.opendata.exports)."""

from decimal import Decimal
from itertools import islice
from typing import NamedTuple

from django.contrib.postgres.expressions import ArraySubquery
from django.db.models import F, OuterRef, Value
from django.db.models.functions import Coalesce, Concat, JSONObject
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from actors.models import Funding, Involvement
from initiatives.models import Initiative

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
    # In the language of the request (English with lang=en), read as the rows are written.
    kinds = {key: str(label) for key, label in Initiative.Kind.choices}
    statuses = {key: str(label) for key, label in Initiative.Status.choices}
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
    title: str  # the header, in the request's language (lazy)
    type: str  # Table Schema type: string, date, datetime, number
    description: str
    width: int  # in the XLSX, in characters
    is_list: bool = False


_PRECISION = "Précision de la date : « année », « mois » ou « jour »."
_NAMES = f"noms séparés par « {LIST_SEPARATOR.strip()} »"
EXPORT_COLUMNS = [
    Column("slug", _("Identifiant"), "string", "Identifiant, dans l'adresse de la fiche.", 28),
    Column("title", _("Titre"), "string", "Titre de l'initiative.", 50),
    Column("acronym", _("Sigle"), "string", "Sigle, vide s'il n'y en a pas.", 12),
    Column("kind", _("Type"), "string", "Type, en toutes lettres.", 16),
    Column("status", _("Statut"), "string", "Statut, en toutes lettres.", 12),
    Column(
        "start",
        _("Début"),
        "date",
        "Début : premier jour de la date connue (« 2015 » donne le 1er janvier 2015).",
        12,
    ),
    Column("start_precision", _("Précision du début"), "string", _PRECISION, 10),
    Column(
        "end",
        _("Fin"),
        "date",
        "Fin : dernier jour de la date connue (« 2016-03 » donne le 31 mars 2016).",
        12,
    ),
    Column("end_precision", _("Précision de la fin"), "string", _PRECISION, 10),
    Column("parent", _("Initiative parente"), "string", "Titre de l'initiative parente.", 40),
    Column("themes", _("Thématiques"), "string", f"Thématiques, {_NAMES}.", 40, True),
    Column("territories", _("Territoires"), "string", f"Territoires, {_NAMES}.", 40, True),
    Column(
        "leads",
        _("Porteurs"),
        "string",
        f"Pilotes et co-pilotes publiés, {_NAMES}.",
        40,
        True,
    ),
    Column(
        "partners",
        _("Partenaires"),
        "string",
        "Partenaires, co-animateurs, membres fondateurs, membres, parties prenantes, comité "
        f"scientifique et experts publiés, {_NAMES}.",
        40,
        True,
    ),
    Column(
        "funders",
        _("Financeurs"),
        "string",
        f"Financeurs publiés, {_NAMES}, chacun suivi de son montant entre parenthèses quand "
        "il est connu : « Région (150 000 €) ».",
        40,
        True,
    ),
    Column(
        "funders_amount",
        _("Montant des financeurs (€)"),
        "number",
        "Somme des montants connus des financeurs, en euros ; vide si aucun n'est connu.",
        16,
    ),
    Column(
        "beneficiaries",
        _("Bénéficiaires"),
        "string",
        f"Organisations publiées soutenues dans l'initiative, {_NAMES}, chacune suivie de "
        "l'état du soutien et de son montant quand il est connu : "
        "« Entreprise (financé, 20 000 €) ».",
        40,
        True,
    ),
    Column(
        "beneficiaries_amount",
        _("Montant des bénéficiaires (€)"),
        "number",
        "Somme des montants connus des soutiens aux bénéficiaires, en euros ; vide si aucun "
        "n'est connu.",
        16,
    ),
    Column("summary", _("Résumé"), "string", "Résumé, en texte brut.", 80),
    Column("url", _("Adresse de la fiche"), "string", "Adresse de la fiche publique.", 50),
    Column(
        "updated_at",
        _("Dernière mise à jour"),
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
    # In the language of the request (English with lang=en), read as the rows are written.
    kinds = {key: str(label) for key, label in Initiative.Kind.choices}
    statuses = {key: str(label) for key, label in Initiative.Status.choices}
    funding_statuses = dict(Funding.Status.choices)
    zone = timezone.get_current_timezone()  # looked up once, not per row
    rows = export_values(initiatives).iterator(chunk_size=CHUNK_SIZE)
    records = (
        (export_record(row, url_for, kinds, statuses, funding_statuses, zone), located(row))
        for row in rows
    )
    return batched(records, CHUNK_SIZE)
