"""The read-only JSON API: its answers match its own OpenAPI document, lists paginate with a
constant number of queries, nothing unpublished leaks, CORS and the rate limit hold."""

import datetime
import json
import re
import threading
from decimal import Decimal
from urllib.parse import urlencode

import pytest
from django.core.cache import cache
from django.db import connections
from django.http import QueryDict
from django.urls import reverse

from actors.models import Affiliation, Involvement, Organisation, Person
from initiatives.models import (
    Document,
    Event,
    Initiative,
    Keyword,
    PublicationState,
    Territory,
    Theme,
)
from portal.catalogue.filters import InitiativeFilter
from portal.opendata import access, api, exports
from tests.support.factories import (
    kept_until_the_end,
    new_initiative,
    new_organisation,
    new_person,
    new_territory,
)

pytestmark = pytest.mark.django_db

DRAFT, REVIEW, ARCHIVED = (
    PublicationState.DRAFT,
    PublicationState.REVIEW,
    PublicationState.ARCHIVED,
)


@pytest.fixture(autouse=True)
def _fresh_rate_limit():
    cache.clear()  # the rate-limit counters live in the process's cache


# A minimal checker of the OpenAPI schemas (JSON Schema subset) -----------------------------

TYPES = {
    "object": lambda value: isinstance(value, dict),
    "array": lambda value: isinstance(value, list),
    "string": lambda value: isinstance(value, str),
    "integer": lambda value: isinstance(value, int) and not isinstance(value, bool),
    "number": lambda value: isinstance(value, int | float) and not isinstance(value, bool),
    "boolean": lambda value: isinstance(value, bool),
    "null": lambda value: value is None,
}


def resolve(schema):
    while "$ref" in schema:
        *_, name = schema["$ref"].split("/")
        schema = api.OPENAPI["components"]["schemas"][name]
    return schema


def problems(value, schema, where="$"):
    """What is wrong with value under the schema: a list of messages, empty when it conforms.

    Knows type (one or a list), nullable, anyOf, enum, pattern, required, properties,
    additionalProperties (false or a schema), items, minItems, maxItems and $ref.
    """
    schema = resolve(schema)
    options = schema.get("anyOf", [])
    if options and all(problems(value, option, where) for option in options):
        return [f"{where}: {value!r} matches none of {options}"]
    types = schema.get("type", [])
    types = [types] if isinstance(types, str) else list(types)
    if schema.get("nullable"):
        types.append("null")
    if types and not any(TYPES[name](value) for name in types):
        return [f"{where}: {value!r} is not of type {types}"]
    if value is None:
        return []
    found = []
    if "enum" in schema and value not in schema["enum"]:
        found.append(f"{where}: {value!r} is not one of {schema['enum']}")
    if "pattern" in schema and isinstance(value, str) and not re.search(schema["pattern"], value):
        found.append(f"{where}: {value!r} does not match {schema['pattern']}")
    if isinstance(value, dict):
        properties = schema.get("properties", {})
        found += [
            f"{where}: missing {key!r}" for key in schema.get("required", ()) if key not in value
        ]
        extra = schema.get("additionalProperties", True)
        for key, item in value.items():
            if key in properties:
                found += problems(item, properties[key], f"{where}.{key}")
            elif extra is False:
                found.append(f"{where}: undocumented {key!r}")
            elif isinstance(extra, dict):
                found += problems(item, extra, f"{where}.{key}")
    if isinstance(value, list):
        if len(value) < schema.get("minItems", 0) or len(value) > schema.get("maxItems", 1e9):
            found.append(f"{where}: {len(value)} items")
        for index, item in enumerate(value):
            found += problems(item, schema.get("items", {}), f"{where}[{index}]")
    return found


def documented_schema(route, status, media="application/json"):
    operation = api.OPENAPI["paths"][route]["get"]
    return operation["responses"][str(status)]["content"][media]["schema"]


def route_of(url):
    """The OpenAPI path of a concrete URL: /api/initiatives/x/ → /api/initiatives/{slug}/."""
    for route in api.OPENAPI["paths"]:
        pattern = re.sub(r"\\\{(\w+)\\\}", r"[^/]+", re.escape(route))
        if re.fullmatch(pattern, url):
            return route
    raise AssertionError(f"{url} is not documented")


def follow(client, link, status=200):
    """The answer at a `next` or `previous` link."""
    path, _, query = link.removeprefix("http://testserver").partition("?")
    return get_json(client, path, status, **dict(QueryDict(query).lists()))


def get_json(client, url, status=200, **params):
    response = client.get(url, params)
    assert response.status_code == status, (url, response.content[:500])
    assert response["Content-Type"] == "application/json"
    data = response.json()
    assert problems(data, documented_schema(route_of(url), status)) == []
    return data


def test_the_checker_finds_what_does_not_conform():
    schema = {"$ref": "#/components/schemas/Theme"}
    good = {"slug": "eau", "name": "Eau", "description": "", "parent": None, "url": "http://x/"}
    assert problems(good, schema) == []
    assert problems({**good, "email": "a@b.c"}, schema) == ["$: undocumented 'email'"]
    assert problems({**good, "slug": None}, schema) == ["$.slug: None is not of type ['string']"]
    assert problems({**good, "slug": "é t"}, schema)
    assert problems({key: good[key] for key in good if key != "url"}, schema) == [
        "$: missing 'url'"
    ]
    assert problems([1, "2"], {"type": "array", "items": {"type": "integer"}}) == [
        "$[1]: '2' is not of type ['integer']"
    ]
    assert problems(None, {"type": "string", "nullable": True}) == []
    either = {"anyOf": [{"type": "string", "pattern": "^a"}, {"type": "null"}]}
    assert problems(None, either) == problems("ab", either) == []
    assert problems("ba", either) and problems(1, either)
    assert problems(True, {"type": "integer"})


# The document and the page ---------------------------------------------------------------


def test_every_route_is_documented_and_every_documented_path_exists():
    routes = set()
    for pattern in api.urlpatterns:
        if pattern.name == "api":
            continue
        route = "/" + str(pattern.pattern).replace("<slug:slug>", "{slug}")
        if pattern.name == "initiative_export":
            route = "/initiatives/export.{format}"
        routes.add(route)
    assert routes == set(api.OPENAPI["paths"])


def test_the_initiative_parameters_are_exactly_those_of_the_index():
    for route in ("/api/initiatives/", "/initiatives/export.{format}"):
        parameters = {
            parameter["name"]: parameter["schema"]
            for parameter in api.OPENAPI["paths"][route]["get"]["parameters"]
            if parameter["in"] == "query"
        }
        extra = {"page", "page_size", "cursor"} if route.startswith("/api") else {"sep", "colonnes"}
        assert set(parameters) == set(InitiativeFilter.base_filters) | extra
    for name in ("type", "statut", "role", "tri"):
        choices = [value for value, _ in InitiativeFilter.base_filters[name].extra["choices"]]
        assert parameters[name].get("items", parameters[name])["enum"] == choices


def test_every_reference_of_the_document_resolves():
    text = str(api.OPENAPI)
    for name in re.findall(r"#/components/schemas/(\w+)", text):
        assert name in api.OPENAPI["components"]["schemas"]


def test_openapi_document_is_served_as_json(client):
    response = client.get(reverse("api_openapi"))
    assert response.status_code == 200
    assert response.json() == api.OPENAPI
    assert response.json()["openapi"].startswith("3.1")
    assert response["Access-Control-Allow-Origin"] == "*"


def test_the_api_page_describes_endpoints_formats_and_columns(client):
    response = client.get(reverse("api"))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'href="/api/openapi.json"' in html
    for route in api.OPENAPI["paths"]:
        assert route in html
    for column in exports.EXPORT_COLUMNS:  # the API's objects are in the OpenAPI document
        assert f"<code>{column.code}</code>" in html and str(column.title) in html
    for name in ("CSV", "XLSX", "JSON", "GeoJSON", "sep=;", "page_size"):
        assert name in html
    assert "<style" not in html and "<script>" not in html
    assert "Access-Control-Allow-Origin" not in response.headers  # a page, not open data


# A small world ------------------------------------------------------------------------------


class World:
    def __init__(self, make_initiative, make_organisation, make_person, make_territory):
        self.region = make_territory("Région", kind=Territory.Kind.REGION, latitude=50, longitude=3)
        self.town = make_territory("Ville", parent=self.region)
        self.region.successors.add(self.town)  # not true to life; shows both links
        self.theme = Theme.objects.create(name="Énergie", slug="energie")
        self.sub_theme = Theme.objects.create(name="Solaire", slug="solaire", parent=self.theme)
        self.programme = make_initiative("Programme", kind=Initiative.Kind.PROGRAMME, start="2015")
        self.programme.themes.add(self.theme, self.sub_theme)
        self.programme.territories.add(self.region, self.town)
        self.operation = make_initiative("Opération", parent=self.programme, end="2016-03")
        self.draft = make_initiative("Brouillon", state=DRAFT)
        self.review = make_initiative("En relecture", state=REVIEW)
        self.archived = make_initiative("Archivée", state=ARCHIVED)
        self.draft_child = make_initiative("Enfant du brouillon", parent=self.draft)
        self.draft_programme_child = make_initiative(
            "Opération en brouillon", parent=self.programme, state=DRAFT
        )
        self.agency = make_organisation("Agence", kind=Organisation.Kind.AGENCY)
        self.draft_agency = make_organisation("Agence en brouillon", state=DRAFT)
        self.unit = make_organisation("Service", parent=self.agency, territory=self.town)
        self.orphan = make_organisation("Service d'un brouillon", parent=self.draft_agency)
        self.consenting = make_person(
            "Consentante",
            email="camille@example.org",
            phone="03 00 00 00 00",
            contact_consent=True,
            consent_recorded_on=datetime.date(2024, 1, 1),
        )
        self.private = make_person("Discret", email="secret@example.org", phone="06 00")
        self.draft_person = make_person("Brouillon", state=DRAFT)
        for initiative in (self.programme, self.draft):
            Involvement.objects.create(
                initiative=initiative, organisation=self.agency, role="pilot"
            )
            Involvement.objects.create(
                initiative=initiative, organisation=self.draft_agency, role="funder"
            )
            Involvement.objects.create(initiative=initiative, person=self.private, role="expert")
            Involvement.objects.create(
                initiative=initiative, person=self.draft_person, role="contact"
            )
        Affiliation.objects.create(person=self.private, organisation=self.agency, job_title="Chef")
        Affiliation.objects.create(
            person=self.private, organisation=self.draft_agency, job_title="Secret"
        )
        Affiliation.objects.create(
            person=self.draft_person, organisation=self.agency, job_title="Caché"
        )
        keyword = Keyword.objects.create(label="Soleil", slug="soleil")
        self.document = Document.objects.create(
            title="Étude", slug="etude", kind="study", publication_state="published"
        )
        self.document.keywords.add(keyword)
        self.draft_document = Document.objects.create(title="Note", slug="note", kind="internal")
        for initiative in (self.programme, self.draft):
            initiative.documents.add(self.document, self.draft_document)
        self.event = Event.objects.create(
            initiative=self.programme, title="Atelier", kind="workshop", territory=self.town
        )
        self.hidden_event = Event.objects.create(
            initiative=self.draft, title="Atelier caché", kind="workshop"
        )
        self.unpublished = [
            self.draft,
            self.review,
            self.archived,
            self.draft_child,
            self.draft_programme_child,
            self.draft_agency,
            self.draft_person,
            self.draft_document,
        ]


@pytest.fixture(scope="class")
def world(django_db_setup, django_db_blocker):
    """Built once for the class of tests that only read it."""
    with kept_until_the_end(django_db_blocker):
        yield World(new_initiative, new_organisation, new_person, new_territory)


def every_url(world):
    """Every list, and the detail of every published record of the world."""
    details = [
        reverse("api_initiative", args=[world.programme.slug]),
        reverse("api_initiative", args=[world.operation.slug]),
        reverse("api_organisation", args=[world.agency.slug]),
        reverse("api_organisation", args=[world.unit.slug]),
        reverse("api_organisation", args=[world.orphan.slug]),
        reverse("api_person", args=[world.consenting.slug]),
        reverse("api_person", args=[world.private.slug]),
        reverse("api_territory", args=[world.region.slug]),
        reverse("api_territory", args=[world.town.slug]),
        reverse("api_theme", args=[world.theme.slug]),
        reverse("api_theme", args=[world.sub_theme.slug]),
        reverse("api_document", args=[world.document.slug]),
    ]
    return [reverse(name) for name in LISTS] + details


LISTS = [
    "api_initiatives",
    "api_organisations",
    "api_persons",
    "api_territories",
    "api_themes",
    "api_events",
    "api_documents",
]


# Responses and their schemas --------------------------------------------------------------


def exports_json(response):
    return json.loads(b"".join(response.streaming_content))


class TestAWorld:
    def test_every_answer_matches_the_openapi_document(self, client, world):
        for url in every_url(world):
            get_json(client, url)

    def test_the_json_export_matches_the_documented_initiative(self, client, world):
        response = client.get(reverse("initiative_export", args=["json"]))
        data = exports_json(response)
        schema = documented_schema("/initiatives/export.{format}", 200)
        assert problems(data, schema) == []
        geojson = exports_json(client.get(reverse("initiative_export", args=["geojson"])))
        schema = documented_schema("/initiatives/export.{format}", 200, "application/geo+json")
        assert problems(geojson, schema) == []
        assert geojson["features"]

    def test_the_initiative_list_carries_the_export_columns(self, client, world):
        results = get_json(client, reverse("api_initiatives"))["results"]
        assert [item["slug"] for item in results] == [world.operation.slug, world.programme.slug]
        programme = results[1]
        assert list(programme) == [column for column, _ in exports.COLUMNS]  # the API's objects
        assert programme["themes"] == ["energie", "solaire"]
        assert programme["territories"] == [world.region.slug, world.town.slug]
        assert programme["start"] == "2015" and programme["end"] is None
        assert results[0]["parent"] == world.programme.slug
        assert programme["url"] == f"http://testserver/initiatives/{world.programme.slug}/"

    def test_the_initiative_detail_lists_only_public_links(self, client, world):
        data = get_json(client, reverse("api_initiative", args=[world.programme.slug]))
        assert data["children"] == [world.operation.slug]
        assert data["documents"] == [world.document.slug]
        assert [event["title"] for event in data["events"]] == ["Atelier"]
        actors = {
            (item["organisation"], item["person"], item["role"]) for item in data["involvements"]
        }
        assert actors == {(world.agency.slug, None, "pilot"), (None, world.private.slug, "expert")}

    def test_an_organisation_under_a_draft_has_no_parent(self, client, world):
        orphan = get_json(client, reverse("api_organisation", args=[world.orphan.slug]))
        assert orphan["parent"] is None
        unit = get_json(client, reverse("api_organisation", args=[world.unit.slug]))
        assert unit["parent"] == world.agency.slug and unit["territory"] == world.town.slug
        agency = get_json(client, reverse("api_organisation", args=[world.agency.slug]))
        assert agency["units"] == [world.unit.slug]
        assert [item["person"] for item in agency["people"]] == [world.private.slug]
        assert [item["initiative"] for item in agency["involvements"]] == [world.programme.slug]

    def test_contact_details_only_with_consent(self, client, world):
        people = get_json(client, reverse("api_persons"))["results"]
        contacts = {person["slug"]: person["contact"] for person in people}
        assert contacts == {
            world.consenting.slug: {"email": "camille@example.org", "phone": "03 00 00 00 00"},
            world.private.slug: {},
        }
        private = client.get(reverse("api_person", args=[world.private.slug])).content.decode()
        assert "secret@example.org" not in private and "06 00" not in private

    def test_a_person_lists_public_affiliations_and_involvements(self, client, world):
        data = get_json(client, reverse("api_person", args=[world.private.slug]))
        assert [item["organisation"] for item in data["affiliations"]] == [world.agency.slug]
        assert [item["initiative"] for item in data["involvements"]] == [world.programme.slug]

    def test_territories_and_themes_give_their_tree(self, client, world):
        region = get_json(client, reverse("api_territory", args=[world.region.slug]))
        assert region["children"] == [world.town.slug]
        assert region["successors"] == [world.town.slug]
        assert (region["latitude"], region["longitude"]) == (50.0, 3.0)
        town = get_json(client, reverse("api_territory", args=[world.town.slug]))
        assert town["parent"] == world.region.slug and town["latitude"] is None
        assert town["predecessors"] == [world.region.slug]
        theme = get_json(client, reverse("api_theme", args=[world.theme.slug]))
        assert theme["children"] == ["solaire"]

    def test_documents_and_events(self, client, world):
        documents = get_json(client, reverse("api_documents"))["results"]
        assert [(item["slug"], item["keywords"], item["file"]) for item in documents] == [
            ("etude", ["Soleil"], None)
        ]
        document = get_json(client, reverse("api_document", args=["etude"]))
        assert document["initiatives"] == [world.programme.slug]
        events = get_json(client, reverse("api_events"))["results"]
        assert [(event["title"], event["initiative"]) for event in events] == [
            ("Atelier", world.programme.slug)
        ]

    # Publication -------------------------------------------------------------------------------

    def test_unpublished_records_are_not_found(self, client, world):
        details = {
            Initiative: "api_initiative",
            Organisation: "api_organisation",
            Person: "api_person",
            Document: "api_document",
        }
        for record in world.unpublished:
            url = reverse(details[type(record)], args=[record.slug])
            data = get_json(client, url, status=404)
            assert data["errors"]["detail"]

    def test_nothing_unpublished_appears_anywhere(self, client, world):
        secrets = [f'"{record.slug}"' for record in world.unpublished]  # as JSON strings
        secrets += ["Atelier caché", "secret@example.org", '"Secret"', '"Caché"', "06 00"]
        for url in every_url(world):
            text = client.get(url, {"page_size": 100} if url.endswith("s/") else {}).content
            for secret in secrets:
                assert secret.encode() not in text, (url, secret)
        initiatives = get_json(client, reverse("api_initiatives"))
        assert initiatives["count"] == 2

    def test_unknown_parameters_are_refused(self, client, world):
        data = get_json(client, reverse("api_initiatives"), status=400, theme="energie")
        assert data["errors"] == {"theme": ["Paramètre inconnu."]}
        get_json(client, reverse("api_themes"), status=400, statut="done")

    @pytest.mark.parametrize(
        ("params", "field"),
        [
            ({"territoire": "inconnu"}, "territoire"),
            ({"thematique": "inconnue"}, "thematique"),
            ({"de": "deux mille"}, "de"),
            ({"de": "2020", "a": "2010"}, "a"),
            ({"type": "fusée"}, "type"),
            ({"tri": "hasard"}, "tri"),
        ],
    )
    def test_invalid_filters_are_400_with_errors(self, client, world, params, field):
        data = get_json(client, reverse("api_initiatives"), status=400, **params)
        assert list(data["errors"]) == [field]
        assert data["errors"][field][0]

    def test_filters_mean_what_they_mean_on_the_index(self, client, world):
        data = get_json(client, reverse("api_initiatives"), thematique="solaire")
        assert [item["slug"] for item in data["results"]] == [world.programme.slug]
        data = get_json(client, reverse("api_initiatives"), acteur=world.agency.slug, role="pilot")
        assert [item["slug"] for item in data["results"]] == [world.programme.slug]
        get_json(client, reverse("api_initiatives"), status=400, acteur=world.draft_agency.slug)

    def test_empty_parameters_mean_absent_as_in_the_index_form(self, client, world):
        data = get_json(client, reverse("api_initiatives"), q="", statut="", de="", page="")
        assert data["count"] == 2


def test_missing_records_are_json_404(client):
    for name in ("api_initiative", "api_organisation", "api_person", "api_territory"):
        get_json(client, reverse(name, args=["inconnu"]), status=404)
    for name in ("api_theme", "api_document"):
        get_json(client, reverse(name, args=["inconnu"]), status=404)


# Pagination and parameters -----------------------------------------------------------------


@pytest.fixture
def many_themes():
    return [
        Theme.objects.create(name=f"Thème {number:02d}", slug=f"theme-{number:02d}")
        for number in range(25)
    ]


def test_lists_are_paginated_by_20_with_links(client, many_themes):
    url = reverse("api_themes")
    first = get_json(client, url)
    assert first["count"] == 25 and len(first["results"]) == 20
    assert first["previous"] is None
    assert first["next"].startswith("http://testserver/api/thematiques/?cursor=")
    for second in (follow(client, first["next"]), get_json(client, url, page=2)):
        assert [item["slug"] for item in second["results"]] == [f"theme-{n}" for n in range(20, 25)]
        assert second["next"] is None
        back = follow(client, second["previous"])
        assert back["results"] == first["results"] and back["previous"] is None


def test_page_links_keep_the_filters(client, make_initiative):
    for _ in range(3):
        make_initiative(status="done")
    data = get_json(client, reverse("api_initiatives"), statut="done", page_size=2)
    assert data["next"].startswith(
        "http://testserver/api/initiatives/?statut=done&page_size=2&cursor="
    )


def test_page_size_is_at_most_100(client, many_themes):
    assert len(get_json(client, reverse("api_themes"), page_size=100)["results"]) == 25
    for size in ("101", "0", "-3", "vingt"):
        data = get_json(client, reverse("api_themes"), status=400, page_size=size)
        assert list(data["errors"]) == ["page_size"]


def test_a_page_past_the_last_is_not_found_and_a_bad_one_is_refused(client, many_themes):
    data = get_json(client, reverse("api_themes"), status=404, page=3)
    assert "2" in data["errors"]["page"][0]
    get_json(client, reverse("api_themes"), status=400, page="deux")


def test_an_empty_list_has_one_empty_page(client):
    assert get_json(client, reverse("api_initiatives")) == {
        "count": 0,
        "next": None,
        "previous": None,
        "results": [],
    }


def test_equal_sort_keys_are_ordered_by_id(client, make_initiative):
    same = [make_initiative("Même titre") for _ in range(3)]
    data = get_json(client, reverse("api_initiatives"))
    assert [item["slug"] for item in data["results"]] == [initiative.slug for initiative in same]


# Query counts -------------------------------------------------------------------------------

# Per list page: the count, the page, then what each item links to in one query per relation.
LIST_QUERIES = {
    "api_initiatives": 2,  # themes and territories come as arrays in the page's query
    "api_organisations": 2,
    "api_persons": 2,
    "api_territories": 2,
    "api_themes": 2,
    "api_events": 2,
    "api_documents": 3,  # + keywords
}


def build_crowd():
    """Twelve of everything, each with the links its list shows."""
    keyword = Keyword.objects.create(label="Mot", slug="mot")
    parent_theme = Theme.objects.create(name="Parent", slug="parent")
    region = new_territory(kind=Territory.Kind.REGION)
    agency = new_organisation()
    for number in range(12):
        theme = Theme.objects.create(name=f"T{number}", slug=f"t{number}", parent=parent_theme)
        territory = new_territory(parent=region, latitude=Decimal("50.1"), longitude=3)
        initiative = new_initiative()
        initiative.themes.add(theme)
        initiative.territories.add(territory)
        new_organisation(parent=agency, territory=territory)
        new_person()
        Event.objects.create(
            initiative=initiative, title=f"E{number}", kind="workshop", territory=territory
        )
        document = Document.objects.create(
            title=f"D{number}", slug=f"d{number}", kind="study", publication_state="published"
        )
        document.keywords.add(keyword)


@pytest.fixture(scope="class")
def crowd(django_db_setup, django_db_blocker):
    """Built once for a class of tests that only read it."""
    with kept_until_the_end(django_db_blocker):
        yield build_crowd()


@pytest.mark.usefixtures("crowd")
class TestOnACrowd:
    @pytest.mark.parametrize("name", LIST_QUERIES)
    def test_lists_use_a_constant_number_of_queries(self, client, django_assert_num_queries, name):
        for page_size in (2, 10):
            with django_assert_num_queries(LIST_QUERIES[name]):
                response = client.get(reverse(name), {"page_size": page_size})
            assert response.status_code == 200
            assert len(response.json()["results"]) == page_size

    def test_a_filtered_list_adds_one_query_per_named_record(
        self, client, django_assert_num_queries
    ):
        theme = Theme.objects.get(slug="t3")
        # + the versions of the registry, under which the filtered count is kept (counted once
        # for every page of these filters), + the theme named.
        with django_assert_num_queries(LIST_QUERIES["api_initiatives"] + 2):
            data = client.get(reverse("api_initiatives"), {"thematique": theme.slug}).json()
        assert data["count"] == 1
        with django_assert_num_queries(LIST_QUERIES["api_initiatives"] + 1):  # count kept
            data = client.get(reverse("api_initiatives"), {"thematique": theme.slug}).json()
        assert data["count"] == 1


# CORS, methods, rate limit ----------------------------------------------------------------

OPEN_DATA_URLS = [
    "/api/initiatives/",
    "/api/thematiques/",
    "/api/openapi.json",
    "/initiatives/export.csv",
    "/initiatives/export.json",
]


@pytest.mark.parametrize("url", OPEN_DATA_URLS)
def test_get_and_head_are_open_to_every_origin(client, url):
    for method in (client.get, client.head):
        response = method(url, headers={"Origin": "https://ailleurs.example"})
        assert response.status_code == 200
        assert response["Access-Control-Allow-Origin"] == "*"
        assert response["Cross-Origin-Resource-Policy"] == "cross-origin"


@pytest.mark.parametrize("url", OPEN_DATA_URLS)
def test_preflight_allows_reading_only(client, url):
    response = client.options(
        url,
        headers={
            "Origin": "https://ailleurs.example",
            "Access-Control-Request-Method": "GET",
        },
    )
    assert response.status_code == 204
    assert response["Access-Control-Allow-Origin"] == "*"
    assert response["Access-Control-Allow-Methods"] == "GET, HEAD, OPTIONS"


@pytest.mark.parametrize("url", OPEN_DATA_URLS)
@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_other_methods_are_not_allowed(client, url, method):
    response = getattr(client, method)(url, {})
    assert response.status_code == 405
    assert response["Allow"] == "GET, HEAD, OPTIONS"
    assert "non permise" in response.json()["errors"]["method"][0]


def test_errors_can_be_read_from_another_origin(client):
    response = client.get("/api/initiatives/", {"territoire": "inconnu"})
    assert response.status_code == 400
    assert response["Access-Control-Allow-Origin"] == "*"


def test_the_pages_stay_closed_to_other_origins(client):
    response = client.get(reverse("initiative_index"))
    assert "Access-Control-Allow-Origin" not in response.headers
    assert response["Cross-Origin-Resource-Policy"] == "same-origin"


@pytest.fixture
def clock(monkeypatch):
    """A settable clock for the rate limit's windows, at the start of a window."""
    moment = {"now": 1_000_020.0}  # 1_000_020 = 16_667 windows of 60 s exactly
    monkeypatch.setattr(access, "now", lambda: moment["now"])
    monkeypatch.setattr(access, "RATE_LIMIT", 3)
    monkeypatch.setattr(access, "RATE_WINDOW", 60)
    return moment


def test_too_many_requests_are_429_with_retry_after(client, clock):
    for _ in range(3):
        assert client.get("/api/thematiques/").status_code == 200
    clock["now"] += 15
    response = client.get("/api/thematiques/")
    assert response.status_code == 429
    assert response["Retry-After"] == "45"
    assert response["Access-Control-Allow-Origin"] == "*"
    data = response.json()
    assert problems(data, {"$ref": "#/components/schemas/Errors"}) == []
    assert "Trop de requêtes" in data["errors"]["rate_limit"][0]
    # The exports share the budget.
    assert client.get("/initiatives/export.csv").status_code == 429


def test_the_limit_is_per_address_and_per_window(client, clock):
    for _ in range(3):
        client.get("/api/thematiques/")
    assert client.get("/api/thematiques/").status_code == 429
    assert client.get("/api/thematiques/", REMOTE_ADDR="192.0.2.7").status_code == 200
    clock["now"] += 60
    assert client.get("/api/thematiques/").status_code == 200


def test_behind_a_proxy_the_forwarded_address_counts(client, clock, settings):
    settings.AXES_IPWARE_PROXY_COUNT = 1
    for _ in range(3):
        client.get("/api/thematiques/", headers={"X-Forwarded-For": "198.51.100.1"})
    blocked = client.get("/api/thematiques/", headers={"X-Forwarded-For": "198.51.100.1"})
    assert blocked.status_code == 429
    other = client.get("/api/thematiques/", headers={"X-Forwarded-For": "198.51.100.2"})
    assert other.status_code == 200


@pytest.mark.django_db(transaction=True)
def test_concurrent_requests_are_all_counted():
    """The count is one statement: requests counted at once on their own connections (as
    processes and servers count) lose none."""

    def count_twenty(results):
        try:
            results.extend(access.count_in_window("test-rate:192.0.2.9", 60, 1_000_020.0)
                           for _ in range(20))  # fmt: skip
        finally:
            connections.close_all()

    results = []
    threads = [threading.Thread(target=count_twenty, args=(results,)) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == list(range(1, 81))


def test_a_new_window_starts_again_and_ended_windows_are_forgotten(monkeypatch):
    monkeypatch.setattr(access, "FORGET_CHANCE", 1)  # forget at every count
    assert [access.count_in_window("a", 60, 1_000_020.0 + s) for s in (0, 1, 59)] == [1, 2, 3]
    assert access.count_in_window("b", 3600, 1_000_020.0) == 1
    assert access.count_in_window("a", 60, 1_000_080.0) == 1  # the next window
    # A late request of the window before counts in the latest one.
    assert access.count_in_window("a", 60, 1_000_079.0) == 2
    assert access.count_in_window("a", 60, 1_000_140.0) == 1
    with connections["cache"].cursor() as cursor:
        cursor.execute("SELECT name FROM portal_windowcount ORDER BY name")
        assert cursor.fetchall() == [("a",), ("b",)]
    access.count_in_window("c", 60, 1_003_700.0)  # b's hour has ended
    with connections["cache"].cursor() as cursor:
        cursor.execute("SELECT name FROM portal_windowcount ORDER BY name")
        assert cursor.fetchall() == [("c",)]


def test_preflights_do_not_count(client, clock):
    for _ in range(10):
        client.options("/api/thematiques/")
    assert client.get("/api/thematiques/").status_code == 200


# Addresses and values outside the document ------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "/api/initiatives/%C3%A9t%C3%A9/",  # not a slug
        "/api/thematiques/a%2Fb/",
        "/api/personnes/%00/",
        "/api/inconnue/",
    ],
)
def test_an_address_outside_the_document_is_a_json_404_with_cors(client, url):
    response = client.get(url)
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response["Access-Control-Allow-Origin"] == "*"
    assert response.json()["errors"]["detail"]


def test_a_nul_byte_in_a_parameter_is_a_documented_400_with_cors(client):
    response = client.get("/api/initiatives/?q=a%00b")
    assert response.status_code == 400
    assert response["Access-Control-Allow-Origin"] == "*"
    assert list(get_json(client, "/api/initiatives/", status=400, q="a\x00b")["errors"]) == ["q"]
    response = client.get("/initiatives/export.csv?q=%00")
    assert response.status_code == 400
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert response["Access-Control-Allow-Origin"] == "*"
    # Elsewhere, refused before any view, as before.
    assert client.get("/initiatives/?q=%00").status_code == 400


def test_an_unknown_export_format_is_a_documented_404(client):
    response = client.get("/initiatives/export.xml")
    assert response.status_code == 404
    assert response["Access-Control-Allow-Origin"] == "*"
    assert "csv" in response.json()["errors"]["detail"][0]
    assert problems(response.json(), documented_schema("/initiatives/export.{format}", 404)) == []


def test_refusals_of_the_schema_are_in_french(client):
    data = get_json(client, reverse("api_initiatives"), status=400, statut="perdu", de="1800")
    assert data["errors"] == {
        "statut": [
            "Valeur inconnue : « planned », « ongoing », « dormant », « done », « abandoned » "
            "attendu."
        ],
        "de": ["Un nombre entier de 1900 à 2100 est attendu."],
    }
    data = get_json(client, reverse("api_themes"), status=400, page_size="vingt")
    assert data["errors"] == {"page_size": ["Un nombre entier de 1 à 100 est attendu."]}


# On the seed data, last in this module: the demo_data fixture stays loaded until its end ---

SEED_FILTERS = [
    {},
    {"statut": "ongoing", "tri": "debut"},
    {"territoire": "picardie"},
    {"thematique": "economie-circulaire"},
    {"q": "économie"},
    {"acteur": "conseil-regional-nord-pas-de-calais", "role": "pilot"},
    {"de": "2012", "tri": "maj"},
]


@pytest.mark.usefixtures("demo_data")
class TestOnTheSeedData:
    @pytest.mark.parametrize("params", SEED_FILTERS, ids=lambda params: urlencode(params) or "-")
    def test_the_list_pages_through_the_index_results(self, client, params):
        expected = [
            initiative.slug for initiative in InitiativeFilter(QueryDict(urlencode(params))).results
        ]
        assert expected
        slugs, page = [], 1
        while True:
            data = get_json(client, reverse("api_initiatives"), page=page, page_size=5, **params)
            assert data["count"] == len(expected)
            slugs += [item["slug"] for item in data["results"]]
            if data["next"] is None:
                break
            page += 1
        assert slugs == expected

    @pytest.mark.parametrize("params", SEED_FILTERS, ids=lambda params: urlencode(params) or "-")
    def test_the_next_and_previous_links_walk_the_index_results(self, client, params):
        expected = [
            initiative.slug for initiative in InitiativeFilter(QueryDict(urlencode(params))).results
        ]
        data = get_json(client, reverse("api_initiatives"), page_size=4, **params)
        slugs = [item["slug"] for item in data["results"]]
        while data["next"] is not None:
            data = follow(client, data["next"])
            slugs += [item["slug"] for item in data["results"]]
        assert slugs == expected
        while data["previous"] is not None:
            data = follow(client, data["previous"])
            assert data["count"] == len(expected)
        assert [item["slug"] for item in data["results"]] == expected[: len(data["results"])]

    def test_every_seed_record_matches_the_document_and_hides_drafts(self, client):
        drafts = [
            *Initiative.objects.exclude(publication_state="published").values_list("slug"),
            *Organisation.objects.exclude(publication_state="published").values_list("slug"),
        ]
        assert drafts
        urls = [reverse(name) for name in LISTS]
        for model, name in (
            (Initiative, "api_initiative"),
            (Organisation, "api_organisation"),
            (Person, "api_person"),
            (Document, "api_document"),
        ):
            urls += [reverse(name, args=[record.slug]) for record in model.objects.published()]
        urls += [reverse("api_territory", args=[slug]) for slug in ("picardie", "lille")]
        urls += [reverse("api_theme", args=["economie-circulaire"])]
        for url in urls:
            data = get_json(client, url, **({"page_size": 100} if url in urls[:7] else {}))
            text = str(data)
            for (slug,) in drafts:
                assert slug not in text, (url, slug)
