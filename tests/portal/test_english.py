"""English under /en/, French unprefixed: the language comes from the address (or `lang` for
the open data), the switcher keeps the page and its filters, the hreflang alternates resolve,
French content on an English page says it is French, and cached pages never mix languages."""

import json
import re
from html.parser import HTMLParser

import pytest
from django.core.cache import caches
from django.db import connection
from django.test.utils import CaptureQueriesContext

from portal.cache import CACHE_HEADER

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("demo_data")]

INITIATIVE = "/initiatives/transformation-ecologique-et-sociale-de-la-region/"
ORGANISATION = "/acteurs/organisations/espace-environnement/"
FILTERED = "/initiatives/?territoire=hauts-de-france&thematique=economie-circulaire"
PAGES = [
    "/",
    FILTERED,
    INITIATIVE,
    ORGANISATION,
    "/acteurs/",
    "/territoires/",
    "/territoires/hauts-de-france/",
    "/thematiques/",
    "/thematiques/economie-circulaire/",
    "/agenda/",
    "/documents/",
    "/recherche/?q=economie+circulaire",
    "/recherche/?q=zzzzqqq",
    "/plan-du-site/",
    "/accessibilite/",
    "/initiatives/integrer/",
]


class Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.alternates, self.switches, self.html_lang = {}, [], None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "html":
            self.html_lang = attrs.get("lang")
        elif tag == "link" and attrs.get("rel") == "alternate" and "hreflang" in attrs:
            self.alternates[attrs["hreflang"]] = attrs["href"]
        elif tag == "a" and "hreflang" in attrs:
            self.switches.append((attrs["hreflang"], attrs["href"], attrs.get("lang")))


def links(response):
    parser = Links()
    parser.feed(response.content.decode())
    return parser


@pytest.mark.parametrize("path", PAGES)
def test_each_page_has_an_english_twin_and_the_pairs_resolve(client, path):
    french = client.get(path)
    english = client.get("/en" + path)
    assert french.status_code == english.status_code == 200
    assert links(french).html_lang == "fr" and links(english).html_lang == "en"
    assert english["Content-Language"] == "en" and french["Content-Language"] == "fr"
    bare = path.split("?")[0]
    expected = {
        "fr": f"http://testserver{bare}",
        "en": f"http://testserver/en{bare}",
        "x-default": f"http://testserver{bare}",
    }
    for response in (french, english):
        alternates = links(response).alternates
        assert alternates == expected
        for url in alternates.values():
            assert client.get(url.removeprefix("http://testserver")).status_code == 200, url


def test_switcher_keeps_the_page_and_its_query(client):
    assert links(client.get(FILTERED)).switches == [("en", "/en" + FILTERED, "en")]
    assert links(client.get("/en" + FILTERED)).switches == [("fr", FILTERED, "fr")]


def test_english_page_speaks_english_and_marks_french_content(client):
    page = client.get("/en" + INITIATIVE).content.decode()
    assert "At a glance" in page and "En bref" not in page
    assert "Ongoing" in page or "Completed" in page
    # Its title and summary are translated: shown in English; its description is not yet:
    # French, and marked so (RGAA 8.7).
    assert "<h1>Ecological and social transformation of the Region</h1>" in page
    assert re.search(r'<div lang="fr">', page)
    french = client.get(INITIATIVE).content.decode()
    assert "En bref" in french and 'lang="fr"' not in french.split("<body")[1]
    assert "Transformation écologique et sociale" in french


def test_english_index_labels_filters_and_dates(client):
    page = client.get("/en" + FILTERED).content.decode()
    for words in ("Filters", "Sort by", "Active filters", "Theme", "Territory", "Export"):
        assert words in page, words
    assert "Filtres actifs" not in page
    assert "Theme: " in page  # an active filter, English punctuation
    # The exports have no /en/ address: their links ask for English labels.
    assert re.search(r'href="/initiatives/export\.csv\?[^"]*lang=en"', page)
    assert "lang=en" not in client.get(FILTERED).content.decode()


def test_the_browser_language_chooses_nothing(client):
    response = client.get("/", HTTP_ACCEPT_LANGUAGE="en")
    assert links(response).html_lang == "fr"
    assert "accept-language" not in response.get("Vary", "").lower()
    assert "accept-language" not in client.get("/en/").get("Vary", "").lower()


def test_cached_pages_keep_their_language(client):
    assert client.get("/en/")[CACHE_HEADER] == "miss"
    french = client.get("/")
    assert links(french).html_lang == "fr"
    again = client.get("/en/")
    assert again[CACHE_HEADER] == "hit" and links(again).html_lang == "en"
    french_again = client.get("/")
    assert french_again[CACHE_HEADER] == "hit" and links(french_again).html_lang == "fr"


def test_staff_pages_stay_french(client):
    assert client.get("/en/admin/").status_code == 404
    page = client.get("/admin/login/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'lang="fr"' in page


def test_english_not_found_page(client):
    response = client.get("/en/nothing-here/")
    assert response.status_code == 404
    assert "Page not found" in response.content.decode()


def test_open_data_take_lang(client):
    english = client.get("/api/initiatives/?lang=en&statut=ongoing")
    assert english.status_code == 200, english.content
    labels = {item["status_label"] for item in english.json()["results"]}
    assert labels == {"Ongoing"}
    french = client.get("/api/initiatives/?statut=ongoing").json()["results"]
    assert {item["status_label"] for item in french} == {"En cours"}

    export = client.get("/initiatives/export.json?lang=en&statut=ongoing")
    assert export.status_code == 200
    body = json.loads(b"".join(export.streaming_content)) if export.streaming else export.json()
    records = body if isinstance(body, list) else body.get("initiatives", body.get("data", []))
    assert "Ongoing" in json.dumps(records)

    feed = client.get("/flux/initiatives.atom?lang=en")
    assert feed.status_code == 200
    assert "new and updated" in feed.content.decode()
    assert "new and updated" in client.get("/en/flux/initiatives.atom").content.decode()
    assert client.get("/agenda.ics?lang=en").status_code == 200


def test_open_data_still_refuse_unknown_parameters(client):
    assert client.get("/initiatives/export.csv?lang=en&langue=en").status_code == 400
    assert client.get("/flux/initiatives.atom?lang=en&inconnu=1").status_code == 400
    assert client.get("/agenda.ics?lang=xx").status_code == 400
    assert client.get("/initiatives/export.csv?lang=xx").status_code == 400


@pytest.mark.parametrize("path", PAGES)
def test_an_english_page_costs_the_queries_of_its_french_page(client, path):
    """The English of the content lives in the rows already read (django-modeltrans' `i18n`):
    an English page runs no more queries than its French one, whose count is pinned in
    tests/portal/test_public_queries.py."""
    counts = {}
    for prefix in ("", "/en"):
        for cache in caches.all():
            cache.clear()  # both built for the request, neither served from a cache
        with CaptureQueriesContext(connection) as queries:
            assert client.get(prefix + path).status_code == 200
        counts[prefix] = len(queries)
    assert counts["/en"] <= counts[""], counts
