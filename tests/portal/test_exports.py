"""Exports of the initiative list: every format read back with a real parser, exactly the
index's results (same filters, same order), never an unpublished record."""

import csv
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
from openpyxl import load_workbook

from actors.models import Involvement
from initiatives.models import Initiative, PublicationState, Territory, Theme
from portal.catalogue.filters import InitiativeFilter
from portal.opendata import exports

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
        return [row["slug"] for row in csv_rows(response)]
    if format == "xlsx":
        return [row["slug"] for row in xlsx_rows(response)]
    if format == "json":
        return [row["slug"] for row in json_rows(response)]
    features = json_rows(response)["features"]
    return list(dict.fromkeys(feature["properties"]["slug"] for feature in features))


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


def test_csv_has_a_bom_and_the_documented_columns(client, programme):
    lille, amiens, somme = programme[2]
    rows = csv_rows(export(client, "csv"))
    assert list(rows[0]) == exports.HEADER
    by_slug = {row["slug"]: row for row in rows}
    assert by_slug["efc"] == {
        "slug": "efc",
        "title": "Économie de la fonctionnalité",
        "acronym": "EFC",
        "kind": "programme",
        "kind_label": "Programme",
        "status": "done",
        "status_label": "Terminé",
        "start": "2015",
        "end": "2016-03",
        "parent": "",
        "themes": "eau|energie",  # French order: Eau, Énergie
        "territories": "|".join(place.slug for place in (amiens, lille, somme)),
        "summary": "Un résumé « accentué », avec une virgule ; et un point-virgule.",
        "url": "http://testserver/initiatives/efc/",
        "updated_at": by_slug["efc"]["updated_at"],
    }
    assert by_slug["operation"]["parent"] == "efc"
    assert by_slug["operation"]["themes"] == by_slug["operation"]["start"] == ""
    updated = Initiative.objects.get(slug="efc").updated_at
    assert by_slug["efc"]["updated_at"] == timezone.localtime(updated).isoformat()


def test_csv_takes_a_semicolon_separator(client, programme):
    response = export(client, "csv", sep=";")
    content = body(response).decode("utf-8-sig")
    assert content.splitlines()[0] == ";".join(exports.HEADER)
    rows = list(csv.DictReader(io.StringIO(content), delimiter=";"))
    assert [row["slug"] for row in rows] == ["efc", "operation"]
    assert rows[0]["summary"].endswith("avec une virgule ; et un point-virgule.")


def test_csv_refuses_another_separator(client, programme):
    response = client.get(reverse("initiative_export", args=["csv"]), {"sep": "|"})
    assert response.status_code == 400
    assert "sep" in response.content.decode()


def test_csv_cells_never_start_a_formula(client, make_initiative):
    make_initiative('=HYPERLINK("http://example.com","clic")', slug="formule", summary="-2+3")
    row = csv_rows(export(client, "csv"))[0]
    assert row["title"] == '\'=HYPERLINK("http://example.com","clic")'
    assert row["summary"] == "'-2+3"


def test_xlsx_opens_with_openpyxl(client, programme):
    response = export(client, "xlsx")
    assert response["Content-Type"] == exports.FORMATS["xlsx"]
    rows = xlsx_rows(response)
    assert [row["slug"] for row in rows] == ["efc", "operation"]
    assert rows[0]["title"] == "Économie de la fonctionnalité"
    assert rows[0]["themes"] == "eau|energie"
    assert rows[0]["start"] == "2015"
    assert rows[1]["acronym"] is None and rows[1]["parent"] == "efc"


def test_xlsx_stores_formulas_as_text(client, make_initiative):
    make_initiative("=1+1", slug="formule", summary="texte\x0bavec un caractère interdit")
    sheet = load_workbook(io.BytesIO(body(export(client, "xlsx"))))["Initiatives"]
    title, summary = sheet["B2"], sheet["M2"]
    assert (title.value, title.data_type) == ("=1+1", "s")
    assert summary.value == "texteavec un caractère interdit"


def test_json_is_an_array_of_records_with_lists(client, programme):
    response = export(client, "json")
    assert response["Content-Type"] == "application/json"
    records = json_rows(response)
    assert [record["slug"] for record in records] == ["efc", "operation"]
    assert list(records[0]) == exports.HEADER
    assert records[0]["themes"] == ["eau", "energie"]
    assert records[1]["start"] is None and records[1]["territories"] == []


def test_json_of_no_result_is_an_empty_array(client):
    assert json_rows(export(client, "json")) == []


def test_geojson_has_a_point_per_located_territory(client, programme):
    response = export(client, "geojson")
    assert response["Content-Type"] == "application/geo+json"
    collection = json_rows(response)
    assert collection["type"] == "FeatureCollection"
    features = collection["features"]
    # Somme has no coordinates, the operation no territory: neither gives a point.
    assert [feature["properties"]["territory"] for feature in features] == [
        programme[2][1].slug,
        programme[2][0].slug,
    ]
    amiens = features[0]
    assert amiens["type"] == "Feature"
    assert amiens["geometry"] == {"type": "Point", "coordinates": [2.29575, 49.89407]}
    assert amiens["properties"]["slug"] == "efc"
    assert amiens["properties"]["themes"] == ["eau", "energie"]


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
    with export_queries(1):  # the rows, with their themes and territories
        assert len(slugs_of(format, export(client, format))) == count


def test_rows_cross_chunk_boundaries_intact(client, make_initiative, make_territory, monkeypatch):
    monkeypatch.setattr(exports, "CHUNK_SIZE", 4)
    grow(make_initiative, make_territory, 10)
    expected = list(Initiative.objects.order_by("sort_key", "pk").values_list("slug", flat=True))
    with export_queries(1):
        response = export(client, "csv")
        chunks = list(response.streaming_content)
    assert len(chunks) == 1 + 3  # the header, then 10 rows by 4
    rows = list(csv.DictReader(io.StringIO(b"".join(chunks).decode("utf-8-sig"))))
    assert [row["slug"] for row in rows] == expected
    assert all(row["themes"] == "theme-10" and row["territories"] for row in rows)


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
        coordinates = {
            feature["properties"]["territory"]: feature["geometry"]["coordinates"]
            for feature in features
        }
        assert coordinates["lens"] == [2.82778, 50.4325]
