"""Exports of the initiative list: every format read back with a real parser, exactly the
index's results (same filters, same order), never an unpublished record."""

import csv
import datetime
import io
import json
from contextlib import contextmanager
from decimal import Decimal
from urllib.parse import urlencode

import pytest
from django.core.cache import cache
from django.db import connection
from django.http import QueryDict, StreamingHttpResponse
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from frictionless import Dialect, Resource, Schema, formats
from openpyxl import load_workbook

from actors.models import Funding, Involvement
from initiatives.models import Initiative, PublicationState, Territory, Theme
from portal.catalogue.filters import InitiativeFilter
from portal.opendata import exports, records

pytestmark = pytest.mark.django_db
FORMATS = ["csv", "xlsx", "json", "geojson"]


@pytest.fixture(autouse=True)
def _fresh_rate_limit():
    cache.clear()  # the rate-limit counters live in the process's cache


@contextmanager
def export_queries(expected):
    """Exactly `expected` queries made by the export (exports bypass the page cache)."""
    with CaptureQueriesContext(connection) as context:
        yield
    queries = [query["sql"] for query in context.captured_queries]
    assert len(queries) == expected, queries


def export(client, format, **params):
    response = client.get(reverse("initiative_export", args=[format]), params)
    assert response.status_code == 200, response.content
    return response


def body(response):
    return b"".join(response.streaming_content)


def csv_rows(response, delimiter=","):
    content = body(response)
    assert content.startswith(b"\xef\xbb\xbf")
    return list(csv.DictReader(io.StringIO(content.decode("utf-8-sig")), delimiter=delimiter))


def xlsx_rows(response):
    sheet = load_workbook(io.BytesIO(body(response)), read_only=True)["Initiatives"]
    header, *rows = sheet.iter_rows(values_only=True)
    return [dict(zip(header, row, strict=True)) for row in rows]


def json_rows(response):
    return json.loads(body(response))


def slugs_of(format, response):
    if format == "csv":
        return [row["Identifiant"] for row in csv_rows(response)]
    if format == "xlsx":
        return [row["Identifiant"] for row in xlsx_rows(response)]
    if format == "json":
        return [row["slug"] for row in json_rows(response)]
    return [feature["id"] for feature in json_rows(response)["features"]]


@pytest.fixture
def programme(make_initiative, make_territory):
    """A programme with two located territories and two themes, an operation without them."""
    lille = make_territory("Lille", latitude=Decimal("50.63194"), longitude=Decimal("3.05750"))
    amiens = make_territory("Amiens", latitude=Decimal("49.89407"), longitude=Decimal("2.29575"))
    somme = make_territory("Somme", kind=Territory.Kind.DEPARTMENT)  # no coordinates
    water = Theme.objects.create(name="Eau", slug="eau")
    energy = Theme.objects.create(name="Énergie", slug="energie")
    parent = make_initiative(
        "Économie de la fonctionnalité",
        slug="efc",
        acronym="EFC",
        kind=Initiative.Kind.PROGRAMME,
        status=Initiative.Status.DONE,
        start="2015",
        end="2016-03",
        summary="Un résumé « accentué », avec une virgule ; et un point-virgule.",
    )
    parent.themes.add(energy, water)
    parent.territories.add(lille, amiens, somme)
    child = make_initiative("Opération sans lieu", slug="operation", parent=parent)
    return parent, child, (lille, amiens, somme)


# Formats ---------------------------------------------------------------------------------


@pytest.fixture
def actors(programme, make_organisation, make_person):
    """Public and unpublished actors of the programme in each role group, and fundings."""
    parent = programme[0]
    region = make_organisation("Région Hauts-de-France")
    ademe = make_organisation("ADEME")
    club = make_organisation("Club Noé")
    hidden = make_organisation("Financeur caché", state=PublicationState.DRAFT)
    hidden_person = make_person("Cachée", state=PublicationState.REVIEW)
    pilot = make_person("Durand", first_name="Alix")
    for actor, role, amount in [
        (pilot, "pilot", None),
        (hidden_person, "co_pilot", None),
        (club, "partner", None),
        (club, "member", None),
        (pilot, "contact", None),
        (region, "funder", Decimal("150000")),
        (ademe, "funder", None),
        (hidden, "funder", Decimal("99")),
    ]:
        field = "person" if actor in (pilot, hidden_person) else "organisation"
        Involvement.objects.create(initiative=parent, role=role, amount=amount, **{field: actor})
    Funding.objects.create(
        initiative=parent, beneficiary=club, status="funded", amount=Decimal("20000.5")
    )
    Funding.objects.create(initiative=parent, beneficiary=hidden, status="announced")
    return parent


EFC_ROW = {
    "Identifiant": "efc",
    "Titre": "Économie de la fonctionnalité",
    "Sigle": "EFC",
    "Type": "Programme",
    "Statut": "Terminé",
    "Début": "2015-01-01",
    "Précision du début": "année",
    "Fin": "2016-03-31",
    "Précision de la fin": "mois",
    "Initiative parente": "",
    "Thématiques": "Eau; Énergie",  # French order
    "Territoires": "Amiens; Lille; Somme",
    "Porteurs": "Alix Durand",
    "Partenaires": "Club Noé",
    "Financeurs": "Région Hauts-de-France (150\u202f000\u202f€); ADEME",
    "Montant des financeurs (€)": "150000.00",
    "Bénéficiaires": "Club Noé (financé, 20\u202f000,50\u202f€)",
    "Montant des bénéficiaires (€)": "20000.50",
    "Résumé": "Un résumé « accentué », avec une virgule ; et un point-virgule.",
    "Adresse de la fiche": "http://testserver/initiatives/efc/",
}


def test_csv_has_a_bom_french_headers_names_and_public_actors(client, actors):
    rows = csv_rows(export(client, "csv"))
    assert list(rows[0]) == exports.EXPORT_TITLES
    by_slug = {row["Identifiant"]: row for row in rows}
    efc = by_slug.pop("efc")
    assert efc.pop("Dernière mise à jour") == timezone.localtime(actors.updated_at).isoformat()
    assert efc == EFC_ROW
    operation = by_slug["operation"]
    assert operation["Initiative parente"] == "Économie de la fonctionnalité"
    assert operation["Thématiques"] == operation["Début"] == operation["Financeurs"] == ""
    assert operation["Montant des financeurs (€)"] == ""


def test_no_unpublished_actor_in_any_export(client, actors):
    for format in FORMATS:
        content = body(export(client, format)).decode("utf-8", errors="replace")
        if format == "xlsx":
            content = str(xlsx_rows(export(client, format)))
        assert "Club Noé" in content, format
        assert "caché" not in content.lower() and "Cachée" not in content, format
    funders = json_rows(export(client, "json"))[0]["funders"]
    assert funders == ["Région Hauts-de-France (150\u202f000\u202f€)", "ADEME"]


def test_csv_columns_can_be_codes(client, programme):
    rows = csv_rows(export(client, "csv", colonnes="codes"))
    assert list(rows[0]) == exports.EXPORT_CODES
    assert rows[0]["slug"] == "efc"


def test_csv_takes_a_semicolon_separator_with_decimal_commas(client, actors):
    response = export(client, "csv", sep=";")
    content = body(response).decode("utf-8-sig")
    assert content.splitlines()[0] == ";".join(map(str, exports.EXPORT_TITLES))
    rows = list(csv.DictReader(io.StringIO(content), delimiter=";"))
    assert [row["Identifiant"] for row in rows] == ["efc", "operation"]
    assert rows[0]["Résumé"].endswith("avec une virgule ; et un point-virgule.")
    assert rows[0]["Montant des financeurs (€)"] == "150000,00"


@pytest.mark.parametrize("params", [{"sep": "|"}, {"colonnes": "anglais"}])
def test_csv_refuses_other_separators_and_columns(client, programme, params):
    response = client.get(reverse("initiative_export", args=["csv"]), params)
    assert response.status_code == 400
    assert next(iter(params)) in response.content.decode()


def test_csv_cells_never_start_a_formula(client, make_initiative):
    make_initiative('=HYPERLINK("http://example.com","clic")', slug="formule", summary="-2+3")
    row = csv_rows(export(client, "csv"))[0]
    assert row["Titre"] == '\'=HYPERLINK("http://example.com","clic")'
    assert row["Résumé"] == "'-2+3"


def test_xlsx_has_a_frozen_filtered_header_dates_links_and_widths(client, actors):
    response = export(client, "xlsx")
    assert response["Content-Type"] == exports.FORMATS["xlsx"]
    sheet = load_workbook(io.BytesIO(body(response)))["Initiatives"]
    assert [cell.value for cell in sheet[1]] == exports.EXPORT_TITLES
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == "A1:U3"
    row = dict(zip(exports.EXPORT_TITLES, sheet[2], strict=True))
    assert row["Identifiant"].value == "efc"
    assert row["Début"].value == datetime.datetime(2015, 1, 1)
    assert row["Début"].number_format == "dd/mm/yyyy"
    assert row["Fin"].value == datetime.datetime(2016, 3, 31)
    assert row["Montant des financeurs (€)"].value == 150000
    assert row["Adresse de la fiche"].hyperlink.target == "http://testserver/initiatives/efc/"
    assert row["Dernière mise à jour"].is_date
    assert row["Thématiques"].value == "Eau; Énergie"
    assert sheet.column_dimensions["B"].width == 50
    other = [cell.value for cell in sheet[3]]
    assert other[0] == "operation" and other[2] is None and other[9] == row["Titre"].value


def test_xlsx_stores_formulas_as_text(client, make_initiative):
    make_initiative("=1+1", slug="formule", summary="texte\x0bavec un caractère interdit")
    sheet = load_workbook(io.BytesIO(body(export(client, "xlsx"))))["Initiatives"]
    title = sheet["B2"]
    summary = sheet.cell(2, exports.EXPORT_CODES.index("summary") + 1)
    assert (title.value, title.data_type) == ("=1+1", "s")
    assert summary.value == "texteavec un caractère interdit"


def test_json_is_an_array_of_records_by_code_with_lists(client, actors):
    response = export(client, "json")
    assert response["Content-Type"] == "application/json"
    records = json_rows(response)
    assert [record["slug"] for record in records] == ["efc", "operation"]
    assert list(records[0]) == exports.EXPORT_CODES
    assert records[0]["themes"] == ["Eau", "Énergie"]
    assert records[0]["funders"][0] == "Région Hauts-de-France (150\u202f000\u202f€)"
    assert records[0]["funders_amount"] == 150000
    assert records[0]["start"] == "2015-01-01"
    assert records[1]["start"] is None and records[1]["territories"] == []


def test_json_of_no_result_is_an_empty_array(client):
    assert json_rows(export(client, "json")) == []


def test_geojson_has_a_multipoint_per_located_initiative(client, programme):
    response = export(client, "geojson")
    assert response["Content-Type"] == "application/geo+json"
    collection = json_rows(response)
    assert collection["type"] == "FeatureCollection"
    # Somme has no coordinates; the operation has no territory, so no feature.
    [feature] = collection["features"]
    assert feature["type"] == "Feature" and feature["id"] == "efc"
    assert feature["geometry"] == {
        "type": "MultiPoint",
        "coordinates": [[2.29575, 49.89407], [3.0575, 50.63194]],  # Amiens, Lille
    }
    assert list(feature["properties"]) == exports.EXPORT_CODES
    assert feature["properties"]["territories"] == ["Amiens", "Lille", "Somme"]


# Table Schema, checked with frictionless on real exports ---------------------------------


def published_schema(client, **params):
    response = client.get(reverse("initiative_export_schema"), params)
    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == "*"
    return Schema.from_descriptor(response.json())


def assert_valid(resource):
    report = resource.validate()
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])


@pytest.mark.parametrize(
    ("params", "delimiter"),
    [({}, ","), ({"sep": ";"}, ";"), ({"colonnes": "codes"}, ","), ({"lang": "en"}, ",")],
)
def test_csv_exports_match_their_table_schema(client, actors, params, delimiter):
    schema = published_schema(client, **params)
    content = body(export(client, "csv", **params))
    control = formats.CsvControl(delimiter=delimiter)
    resource = Resource(
        data=content,
        format="csv",
        encoding="utf-8-sig",
        schema=schema,
        dialect=Dialect(controls=[control]),
    )
    assert_valid(resource)
    with Resource(
        data=content, format="csv", encoding="utf-8-sig", schema=schema, control=control
    ) as table:
        rows = table.read_rows()
    assert rows[0][schema.fields[15].name] == Decimal("150000")
    assert rows[0][schema.fields[5].name] == datetime.date(2015, 1, 1)
    expected = {"colonnes": "slug", "lang": "Identifier"}.get(next(iter(params), ""), "Identifiant")
    assert schema.fields[0].name == expected


def test_xlsx_export_matches_its_table_schema(client, actors, tmp_path):
    path = tmp_path / "export.xlsx"
    path.write_bytes(body(export(client, "xlsx")))
    resource = Resource(
        path=path.name,
        basepath=str(tmp_path),
        schema=published_schema(client),
        control=formats.ExcelControl(),
    )
    assert_valid(resource)


def test_the_schema_refuses_unknown_parameters(client):
    for params in ({"colonnes": "toutes"}, {"format": "csv"}):
        response = client.get(reverse("initiative_export_schema"), params)
        assert response.status_code == 400
        assert list(response.json()["errors"]) == list(params)


def test_the_schema_names_every_column_and_is_linked_from_the_open_data_page(client):
    schema = client.get(reverse("initiative_export_schema")).json()
    assert [field["name"] for field in schema["fields"]] == exports.EXPORT_TITLES
    codes = client.get(reverse("initiative_export_schema"), {"colonnes": "codes"}).json()
    assert [field["name"] for field in codes["fields"]] == exports.EXPORT_CODES
    assert reverse("initiative_export_schema") in client.get(reverse("api")).content.decode()


@pytest.mark.parametrize(
    ("format", "content_type"),
    [
        ("csv", "text/csv; charset=utf-8"),
        ("xlsx", exports.FORMATS["xlsx"]),
        ("json", "application/json"),
        ("geojson", "application/geo+json"),
    ],
)
def test_exports_are_attachments_with_a_dated_name(client, programme, format, content_type):
    before = timezone.localdate()
    response = export(client, format)
    names = {
        f'attachment; filename="registre-initiatives-{day:%Y%m%d}.{format}"'
        for day in (before, timezone.localdate())
    }
    assert response["Content-Disposition"] in names
    assert response["Content-Type"] == content_type
    assert response["Access-Control-Allow-Origin"] == "*"


@pytest.mark.parametrize("format", ["csv", "json", "geojson"])
def test_text_exports_are_streamed(client, programme, format):
    response = export(client, format)
    assert isinstance(response, StreamingHttpResponse)
    assert not hasattr(response, "content")


def test_head_answers_without_reading_the_rows(client, programme):
    with export_queries(0):
        response = client.head(reverse("initiative_export", args=["csv"]))
        assert body(response) == b""
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"


# Queries: one, whatever the number of rows -----------------------------------------------


def grow(make_initiative, make_territory, count):
    theme = Theme.objects.create(name=f"Thème {count}", slug=f"theme-{count}")
    for _ in range(count):
        initiative = make_initiative()
        initiative.themes.add(theme)
        initiative.territories.add(make_territory(latitude=50, longitude=3))


@pytest.mark.parametrize("count", [3, 9])
@pytest.mark.parametrize("format", ["csv", "json", "geojson", "xlsx"])
def test_an_export_is_one_query_whatever_its_size(
    client, make_initiative, make_territory, count, format
):
    grow(make_initiative, make_territory, count)
    with export_queries(1):  # the rows, with their themes, territories, actors and fundings
        assert len(slugs_of(format, export(client, format))) == count


def test_rows_cross_chunk_boundaries_intact(client, make_initiative, make_territory, monkeypatch):
    monkeypatch.setattr(records, "CHUNK_SIZE", 4)
    grow(make_initiative, make_territory, 10)
    expected = list(Initiative.objects.order_by("sort_key", "pk").values_list("slug", flat=True))
    with export_queries(1):
        response = export(client, "csv")
        chunks = list(response.streaming_content)
    assert len(chunks) == 1 + 3  # the header, then 10 rows by 4
    rows = list(csv.DictReader(io.StringIO(b"".join(chunks).decode("utf-8-sig"))))
    assert [row["Identifiant"] for row in rows] == expected
    assert all(row["Thématiques"] == "Thème 10" and row["Territoires"] for row in rows)


# Filters and publication -----------------------------------------------------------------


@pytest.mark.parametrize(
    "params",
    [
        {"territoire": "inconnu"},
        {"de": "deux mille"},
        {"de": "2020", "a": "2010"},
        {"statut": "perdu"},
        {"tri": "hasard"},
    ],
)
@pytest.mark.parametrize("format", FORMATS)
def test_invalid_filters_answer_400_in_french(client, format, params):
    response = client.get(reverse("initiative_export", args=[format]), params)
    assert response.status_code == 400
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert response.content.decode().startswith("Filtres invalides.")


def test_an_unpublished_actor_is_not_a_filter(client, make_initiative, make_organisation):
    draft = make_organisation("Brouillon", state=PublicationState.DRAFT)
    Involvement.objects.create(initiative=make_initiative(), organisation=draft, role="funder")
    response = client.get(reverse("initiative_export", args=["csv"]), {"acteur": draft.slug})
    assert response.status_code == 400
    assert "ne correspond à aucun choix connu" in response.content.decode()


@pytest.fixture
def unpublished(make_initiative, make_territory):
    """Located drafts, reviews, archives and a published child of a draft, all matching
    what a published initiative matches."""
    place = make_territory("Lieu", latitude=50, longitude=3)
    public = make_initiative("Visible", slug="visible")
    hidden = [
        make_initiative("En brouillon", state=PublicationState.DRAFT),
        make_initiative("En relecture", state=PublicationState.REVIEW),
        make_initiative("Archivée", state=PublicationState.ARCHIVED),
    ]
    hidden.append(make_initiative("Enfant d'un brouillon", parent=hidden[0]))
    hidden.append(make_initiative("Petit-enfant d'un brouillon", parent=hidden[-1]))
    for initiative in [public, *hidden]:
        initiative.territories.add(place)
    return public, hidden


@pytest.mark.parametrize("format", FORMATS)
def test_exports_hold_no_unpublished_initiative(client, unpublished, format):
    public, hidden = unpublished
    response = export(client, format)
    assert slugs_of(format, response) == [public.slug]


def test_the_page_parameter_is_ignored(client, programme):
    assert slugs_of("csv", export(client, "csv", page=2)) == ["efc", "operation"]


def test_an_unknown_format_is_not_found(client):
    assert client.get("/initiatives/export.pdf").status_code == 404


def test_the_index_links_to_the_exports_of_its_results(client, programme):
    response = client.get(reverse("initiative_index"), {"statut": "done", "tri": "titre"})
    html = response.content.decode()
    for format in FORMATS:
        assert f'href="/initiatives/export.{format}?statut=done&amp;tri=titre"' in html
    assert 'href="/initiatives/export.csv?statut=done&amp;tri=titre&amp;sep=%3B"' in html


# On the seed data, last in this module: the demo_data fixture stays loaded until its end ---

SEED_FILTERS = [
    {},
    {"statut": "ongoing"},
    {"type": "operation"},
    {"territoire": "hauts-de-france"},
    {"territoire": "picardie", "tri": "debut"},
    {"thematique": "economie-circulaire"},
    {"thematique": "developpement-territorial", "statut": "ongoing", "tri": "maj"},
    {"q": "économie"},
    {"q": "économie circulaire", "tri": "titre"},
    {"de": "2010", "a": "2015"},
    {"acteur": "conseil-regional-nord-pas-de-calais"},
    {"acteur": "conseil-regional-nord-pas-de-calais", "role": "pilot", "tri": "debut"},
    {"role": "scientific_committee"},
]


@pytest.mark.usefixtures("demo_data")
class TestOnTheSeedData:
    @pytest.mark.parametrize("params", SEED_FILTERS, ids=lambda params: urlencode(params) or "-")
    def test_every_format_lists_the_index_results_in_order(self, client, params):
        expected = [
            initiative.slug for initiative in InitiativeFilter(QueryDict(urlencode(params))).results
        ]
        index = client.get(reverse("initiative_index"), params)
        assert index.status_code == 200
        assert [initiative.slug for initiative in index.context["page"].object_list] == expected
        for format in ("csv", "xlsx", "json"):
            assert slugs_of(format, export(client, format, **params)) == expected, format
        located = slugs_of("geojson", export(client, "geojson", **params))
        assert located == [slug for slug in expected if slug in located]

    def test_the_seed_draft_is_in_no_export(self, client):
        draft = Initiative.objects.exclude(publication_state=PublicationState.PUBLISHED).get()
        for format in FORMATS:
            content = body(export(client, format))
            assert draft.slug.encode() not in content, format
        assert len(json_rows(export(client, "json"))) == Initiative.objects.published().count()

    def test_the_seed_geojson_points_are_lon_lat(self, client):
        features = json_rows(export(client, "geojson"))["features"]
        assert features
        points = [point for feature in features for point in feature["geometry"]["coordinates"]]
        assert [2.82778, 50.4325] in points  # Lens
        assert len({feature["id"] for feature in features}) == len(features)


@pytest.mark.parametrize("format", sorted(exports.FORMATS))
def test_an_unknown_parameter_is_refused_never_ignored(client, format):
    response = client.get(f"/initiatives/export.{format}?thematique=x&inconnu=1&sep=%3B")
    assert response.status_code == 400
    assert "inconnu" in response.content.decode()
