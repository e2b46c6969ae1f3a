"""Every error of the open data is JSON, readable from any origin, and documented for the
operation that gives it: NUL bytes, slugs outside the pattern, unknown formats and
parameters, 404, 405, 429, 503."""

import pytest
from django.core.cache import cache
from django.db import OperationalError

from portal.opendata import access, api

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_rate_limit():
    cache.clear()


def assert_json_error(response, status):
    assert response.status_code == status
    assert response["Content-Type"] == "application/json"
    assert response["Access-Control-Allow-Origin"] == "*"
    assert 'rel="license"' in response["Link"]
    assert response.json()["errors"]


def documented(path, status):
    return str(status) in api.OPENAPI["paths"][path]["get"]["responses"]


@pytest.mark.parametrize(
    ("url", "status", "path"),
    [
        ("/api/thematiques/?q=%00", 400, "/api/thematiques/"),
        ("/api/initiatives/?page=%00", 400, "/api/initiatives/"),
        ("/api/thematiques/x/?q=%00", 400, "/api/thematiques/{slug}/"),
        ("/api/thematiques/x/?inconnu=1", 400, "/api/thematiques/{slug}/"),
        ("/api/openapi.json?x=%00", 400, "/api/openapi.json"),
        ("/api/thematiques/%00/", 404, "/api/thematiques/{slug}/"),
        ("/api/personnes/%C3%A9t%C3%A9/", 404, "/api/personnes/{slug}/"),
        ("/api/documents/inconnu/", 404, "/api/documents/{slug}/"),
        ("/initiatives/export.xml", 404, "/initiatives/export.{format}"),
        ("/initiatives/export.csv%00", 404, "/initiatives/export.{format}"),
    ],
)
def test_refusals_are_json_with_cors_and_documented(client, url, status, path):
    assert_json_error(client.get(url), status)
    assert documented(path, status)


def test_the_catalogue_refuses_parameters_in_json(client):
    assert_json_error(client.get("/donnees/catalogue.jsonld?x=%00"), 400)
    assert_json_error(client.get("/donnees/catalogue.jsonld?format=ttl"), 400)


@pytest.mark.parametrize("path", list(api.OPENAPI["paths"]))
def test_every_operation_documents_405_429_and_503(path):
    for status in (405, 429, 503):
        assert documented(path, status), (path, status)


def test_other_methods_are_json_405(client):
    assert_json_error(client.post("/api/thematiques/x/"), 405)
    assert_json_error(client.delete("/donnees/catalogue.jsonld"), 405)


def test_too_many_requests_are_json_429(client, monkeypatch):
    monkeypatch.setattr(access, "RATE_LIMIT", 1)
    client.get("/api/thematiques/")
    assert_json_error(client.get("/api/thematiques/x/"), 429)


def test_a_lost_database_is_a_json_503_with_cors(client, monkeypatch):
    from portal.opendata.api import endpoints

    def broken(*args, **kwargs):
        raise OperationalError("connexion perdue")

    monkeypatch.setattr(endpoints, "organisations", broken)
    client.raise_request_exception = False
    response = client.get("/api/organisations/")
    assert_json_error(response, 503)
    assert response["Retry-After"] == "30"
    # A page keeps its HTML error page.
    assert "text/html" in client.get("/api/").get("Content-Type", "")


def test_the_api_page_keeps_the_pages_nul_refusal(client):
    # /api/ is the documentation page, not an answer of the API.
    response = client.get("/api/?q=%00")
    assert response.status_code == 400
    assert "Access-Control-Allow-Origin" not in response
