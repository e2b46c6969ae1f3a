"""The data's licence is stated wherever the data goes (page, API, exports, XLSX, dump), and
the DCAT catalogue describes every dataset as a harvesting portal reads it: parsed by rdflib."""

import io
import zipfile

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.urls import reverse
from openpyxl import load_workbook
from rdflib import RDF, Graph, Literal, Namespace, URIRef

from initiatives.models import PublicationState

pytestmark = [
    pytest.mark.django_db,
    # rdflib's own JSON-LD parser still builds the graph it deprecates.
    pytest.mark.filterwarnings("ignore:ConjunctiveGraph is deprecated:DeprecationWarning"),
]

# Open namespaces: rdflib's closed ones warn when pytest inspects this module's names.
DCAT = Namespace("http://www.w3.org/ns/dcat#")
DCTERMS = Namespace("http://purl.org/dc/terms/")
FOAF = Namespace("http://xmlns.com/foaf/0.1/")
VCARD = Namespace("http://www.w3.org/2006/vcard/ns#")
LICENCE_URL = "https://www.etalab.gouv.fr/licence-ouverte-open-licence/"
LICENCE = URIRef(LICENCE_URL)


@pytest.fixture(autouse=True)
def _fresh_rate_limit():
    cache.clear()


def test_the_licence_is_one_setting(settings):
    assert settings.DATA_LICENCE["name"] == "Licence Ouverte 2.0 (Etalab)"
    assert settings.DATA_LICENCE["url"] == LICENCE_URL


OPEN_DATA_ANSWERS = [
    ("/api/initiatives/", 200),
    ("/api/thematiques/", 200),
    ("/api/openapi.json", 200),
    ("/initiatives/export.csv", 200),
    ("/initiatives/export.xlsx", 200),
    ("/initiatives/export.geojson", 200),
    ("/api/initiatives/inconnue/", 404),
    ("/api/initiatives/?statut=perdu", 400),
    ("/initiatives/export.xml", 404),
    ("/donnees/catalogue.jsonld", 200),
]


@pytest.mark.parametrize(("url", "status"), OPEN_DATA_ANSWERS)
def test_every_open_data_answer_names_its_licence(client, url, status):
    response = client.get(url)
    assert response.status_code == status
    assert response["Link"] == (
        f'<{LICENCE_URL}>; rel="license"; title="Licence Ouverte 2.0 (Etalab)"'
    )


def test_the_openapi_document_states_the_licence(client):
    info = client.get("/api/openapi.json").json()["info"]
    assert info["license"] == {"name": "Licence Ouverte 2.0 (Etalab)", "url": LICENCE_URL}


def test_the_open_data_page_states_the_licence_and_links_the_catalogue(client):
    page = client.get(reverse("api")).content.decode()
    assert f'<a href="{LICENCE_URL}" rel="license">Licence Ouverte 2.0 (Etalab)</a>' in page
    assert 'href="/donnees/catalogue.jsonld"' in page


def test_the_xlsx_carries_the_licence_in_its_properties(client, make_initiative):
    make_initiative("Club Noé")
    response = client.get("/initiatives/export.xlsx")
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    assert LICENCE_URL in workbook.properties.description
    assert "Licence Ouverte 2.0" in workbook.properties.description
    licence = {prop.name: prop.value for prop in workbook.custom_doc_props.props}["Licence"]
    assert licence == f"Licence Ouverte 2.0 (Etalab) : {LICENCE_URL}"


def test_the_dump_readme_states_the_licence(tmp_path):
    call_command("dump_opendata", "--output", str(tmp_path), "--date", "2024-05-01")
    with zipfile.ZipFile(tmp_path / "registre-opendata-2024-05-01.zip") as archive:
        readme = archive.read("README.txt").decode()
    assert f"Licence\n-------\nLicence Ouverte 2.0 (Etalab) : {LICENCE_URL}\n" in readme


def test_the_readme_states_the_licence(settings):
    readme = (settings.BASE_DIR / "README.md").read_text()
    assert "Licence Ouverte 2.0" in readme
    assert LICENCE_URL in readme


# The DCAT catalogue ------------------------------------------------------------------------


def catalogue_graph(client):
    response = client.get("/donnees/catalogue.jsonld")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/ld+json"
    assert response["Access-Control-Allow-Origin"] == "*"
    return Graph().parse(data=response.content, format="json-ld", base="http://testserver/")


BASE = "http://testserver/donnees/catalogue.jsonld"


def test_the_catalogue_describes_itself(client, settings):
    settings.DATA_PUBLISHER = "Région Hauts-de-France"
    settings.DATA_CONTACT_EMAIL = "registre@example.org"
    graph = catalogue_graph(client)
    catalogue = URIRef(BASE)
    assert (catalogue, RDF.type, DCAT.Catalog) in graph
    assert (catalogue, DCTERMS.license, LICENCE) in graph
    assert graph.value(catalogue, DCTERMS["title"]).language == "fr"
    assert graph.value(catalogue, DCTERMS.description)
    publisher = graph.value(catalogue, DCTERMS.publisher)
    assert (publisher, RDF.type, FOAF.Organization) in graph
    assert graph.value(publisher, FOAF.name) == Literal("Région Hauts-de-France")
    service = graph.value(catalogue, DCAT.service)
    assert (service, RDF.type, DCAT.DataService) in graph
    assert graph.value(service, DCAT.endpointDescription) == URIRef(
        "http://testserver/api/openapi.json"
    )
    assert len(list(graph.objects(service, DCAT.servesDataset))) == 5


def test_each_dataset_has_what_a_harvester_needs(client, settings):
    settings.DATA_CONTACT_EMAIL = "registre@example.org"
    graph = catalogue_graph(client)
    datasets = set(graph.objects(URIRef(BASE), DCAT.dataset))
    assert datasets == {
        URIRef(f"{BASE}#{name}")
        for name in ("initiatives", "organisations", "personnes", "documents", "evenements")
    }
    for dataset in datasets:
        assert (dataset, RDF.type, DCAT.Dataset) in graph
        for predicate in (
            DCTERMS["title"],
            DCTERMS.description,
            DCTERMS.publisher,
            DCAT.landingPage,
        ):
            assert graph.value(dataset, predicate) is not None, (dataset, predicate)
        assert (dataset, DCTERMS.license, LICENCE) in graph
        contact = graph.value(dataset, DCAT.contactPoint)
        assert graph.value(contact, VCARD.hasEmail) == URIRef("mailto:registre@example.org")
        distributions = list(graph.objects(dataset, DCAT.distribution))
        assert distributions
        for node in distributions:
            assert (node, RDF.type, DCAT.Distribution) in graph
            assert (node, DCTERMS.license, LICENCE) in graph
            for predicate in (DCAT.accessURL, DCTERMS["format"], DCAT.mediaType):
                assert isinstance(graph.value(node, predicate), URIRef), (node, predicate)


def downloads(graph, dataset):
    return {
        str(graph.value(node, DCAT.downloadURL)): str(graph.value(node, DCAT.mediaType))
        for node in graph.objects(URIRef(f"{BASE}#{dataset}"), DCAT.distribution)
        if graph.value(node, DCAT.downloadURL) is not None
    }


def test_the_initiatives_are_offered_in_every_export_format(client, settings):
    settings.DATA_DUMP_URL = ""
    graph = catalogue_graph(client)
    media = "https://www.iana.org/assignments/media-types/"
    assert downloads(graph, "initiatives") == {
        "http://testserver/initiatives/export.csv": media + "text/csv",
        "http://testserver/initiatives/export.csv?sep=%3B": media + "text/csv",
        "http://testserver/initiatives/export.xlsx": media
        + "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "http://testserver/initiatives/export.json": media + "application/json",
        "http://testserver/initiatives/export.geojson": media + "application/geo+json",
    }
    access = {
        str(graph.value(node, DCAT.accessURL))
        for node in graph.objects(URIRef(f"{BASE}#personnes"), DCAT.distribution)
    }
    # The archive is not served by the portal: its documentation stands for it.
    assert access == {"http://testserver/api/personnes/", "http://testserver/api/"}
    assert downloads(graph, "personnes") == {}


def test_a_published_archive_is_a_download(client, settings):
    settings.DATA_DUMP_URL = "https://donnees.example.org/registre-opendata.zip"
    graph = catalogue_graph(client)
    assert downloads(graph, "documents") == {
        "https://donnees.example.org/registre-opendata.zip": (
            "https://www.iana.org/assignments/media-types/application/zip"
        )
    }


def test_modified_dates_come_from_the_public_data(client, make_initiative):
    public = make_initiative("Club Noé")
    draft = make_initiative("Brouillon", state=PublicationState.DRAFT)
    graph = catalogue_graph(client)
    modified = graph.value(URIRef(f"{BASE}#initiatives"), DCTERMS.modified).toPython()
    assert modified == public.updated_at
    assert draft.updated_at > public.updated_at
    assert graph.value(URIRef(BASE), DCTERMS.modified).toPython() == public.updated_at
    # An empty dataset has no date rather than a made-up one.
    assert graph.value(URIRef(f"{BASE}#documents"), DCTERMS.modified) is None


def test_the_catalogue_costs_a_fixed_number_of_queries(
    client, make_initiative, django_assert_max_num_queries
):
    for _ in range(3):
        make_initiative()
    # The page cache's version read, then one aggregate per dataset.
    with django_assert_max_num_queries(6):
        client.get("/donnees/catalogue.jsonld")
