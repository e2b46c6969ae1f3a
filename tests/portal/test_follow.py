"""Following a list: every feed, calendar, export and the API take exactly the index's
parameters, and list exactly what the page lists.

feedparser is a test dependency: it is the parser most feed readers and aggregators are built
on, so a feed it reads without complaint ("bozo") and with an author for every entry is one
those clients read; icalendar does the same for the calendars."""

import csv
import io
import json
from urllib.parse import urlencode

import feedparser
import icalendar
import pytest
from django.urls import reverse

from initiatives.models import Event, Initiative, PublicationState, Territory, Theme
from tests.support.factories import kept_until_the_end, new_initiative, new_territory

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def registry(django_db_setup, django_db_blocker):
    """Built once: every test here only reads it."""
    with kept_until_the_end(django_db_blocker):
        yield build_registry()


def build_registry():
    region = Territory.objects.create(
        name="Hauts-de-France", slug="hauts-de-france", kind=Territory.Kind.REGION
    )
    picardie = Territory.objects.create(
        name="Picardie", slug="picardie", kind=Territory.Kind.REGION
    )
    amiens = new_territory("Amiens", parent=picardie)
    lille = new_territory("Lille", parent=region)
    circular = Theme.objects.create(name="Économie circulaire", slug="economie-circulaire")
    energy = Theme.objects.create(name="Énergie", slug="energie")
    made = {}
    for title, theme, place, start, kind in [
        ("Club Noé", circular, amiens, "2016", Initiative.Kind.PROJECT),
        ("Ressourcerie picarde", circular, amiens, "2012-03", Initiative.Kind.PROJECT),
        ("Réemploi lillois", circular, lille, "2018", Initiative.Kind.PROJECT),
        ("Chaufferie bois", energy, amiens, "2017", Initiative.Kind.PROGRAMME),
    ]:
        end = "2013" if start < "2013" else None
        initiative = new_initiative(title, start=start, end=end, kind=kind)
        initiative.themes.add(theme)
        initiative.territories.add(place)
        Event.objects.create(
            initiative=initiative, title=f"Atelier {title}", kind="workshop", start="2030-05-04"
        )
        made[title] = initiative
    hidden = new_initiative("Brouillon picard", state=PublicationState.DRAFT, start="2019")
    hidden.themes.add(circular)
    hidden.territories.add(amiens)
    Event.objects.create(initiative=hidden, title="Atelier caché", start="2030-05-05")
    return made


QUERIES = [
    {},
    {"thematique": "economie-circulaire"},
    {"thematique": "economie-circulaire", "territoire": "picardie", "de": "2015"},
    {"territoire": "hauts-de-france"},
    {"type": "programme"},
    {"q": "ressourcerie"},
    {"de": "2017", "a": "2018"},
]


def index_titles(client, query):
    response = client.get(reverse("initiative_index"), query)
    assert response.status_code == 200
    return {initiative.title for initiative in response.context["page"].object_list}


def feed_titles(client, url, query):
    response = client.get(url, query)
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("application/atom+xml")
    feed = feedparser.parse(response.content)
    assert not feed.bozo, feed.bozo_exception
    return {entry.title for entry in feed.entries}


def calendar_titles(client, query):
    response = client.get(reverse("agenda_ics"), query)
    assert response.status_code == 200, response.content
    calendar = icalendar.Calendar.from_ical(response.content)
    return {str(event["SUMMARY"]).removeprefix("Atelier ") for event in calendar.walk("VEVENT")}


def export_titles(client, query, format):
    response = client.get(f"/initiatives/export.{format}", query)
    assert response.status_code == 200, response.content
    content = b"".join(response.streaming_content).decode("utf-8-sig")
    if format == "csv":
        return {row["Titre"] for row in csv.DictReader(io.StringIO(content))}
    if format == "geojson":
        features = json.loads(content)["features"]
        return {feature["properties"]["title"] for feature in features}
    return {record["title"] for record in json.loads(content)}


def api_titles(client, query):
    response = client.get(reverse("api_initiatives"), {**query, "page_size": 100})
    assert response.status_code == 200, response.content
    return {item["title"] for item in response.json()["results"]}


OUTPUTS = {
    "feed": lambda client, query: feed_titles(client, reverse("feed"), query),
    "agenda": calendar_titles,
    "csv": lambda client, query: export_titles(client, query, "csv"),
    "json": lambda client, query: export_titles(client, query, "json"),
    "api": api_titles,
}


@pytest.mark.parametrize("output", OUTPUTS)
@pytest.mark.parametrize("query", QUERIES, ids=lambda query: urlencode(query) or "all")
def test_every_output_lists_what_the_page_lists(client, registry, output, query):
    assert OUTPUTS[output](client, query) == index_titles(client, query)


OUTPUT_URLS = {
    "feed": "/flux/initiatives.atom",
    "agenda": "/agenda.ics",
    "csv": "/initiatives/export.csv",
    "xlsx": "/initiatives/export.xlsx",
    "json": "/initiatives/export.json",
    "geojson": "/initiatives/export.geojson",
    "api": "/api/initiatives/",
}


@pytest.mark.parametrize("output", OUTPUT_URLS)
@pytest.mark.parametrize("query", [{"utm_source": "lettre"}, {"thematique": "atlantide"}])
def test_every_output_refuses_what_the_page_refuses(client, registry, output, query):
    response = client.get(OUTPUT_URLS[output], {"thematique": "energie", **query})
    assert response.status_code == 400
    assert next(iter(query)) in response.content.decode()  # names the parameter


def test_the_partners_list_is_followed_exactly(client, registry):
    query = {"thematique": "economie-circulaire", "territoire": "picardie", "de": "2015"}
    assert feed_titles(client, reverse("feed"), query) == {"Club Noé"}
    response = client.get(reverse("feed"), query)
    feed = feedparser.parse(response.content)
    assert feed.feed.title.endswith("Économie circulaire, Picardie, à partir de 2015")
    assert feed.feed.link.endswith("/initiatives/?" + urlencode(query))


def test_theme_and_territory_feeds_take_the_other_filters(client, registry):
    url = reverse("theme_feed", args=["economie-circulaire"])
    assert feed_titles(client, url, {"territoire": "picardie"}) == {
        "Club Noé",
        "Ressourcerie picarde",
    }
    url = reverse("territory_feed", args=["picardie"])
    assert feed_titles(client, url, {"type": "programme"}) == {"Chaufferie bois"}


REFUSED = [
    ({"utm_source": "lettre"}, "utm_source\u202f: paramètre inconnu"),
    ({"acteur": "atlantide"}, "ne correspond à aucun choix connu"),
    ({"de": "2000.5"}, "de\u202f:"),
    ({"de": "2020", "a": "2010"}, "La fin de la période précède son début"),
    ({"page": "2"}, "page\u202f: un flux n'a pas de pages"),
    ({"tri": "titre"}, "tri\u202f:"),
]


def follow_urls():
    return {
        "feed": reverse("feed"),
        "theme feed": reverse("theme_feed", args=["energie"]),
        "territory feed": reverse("territory_feed", args=["picardie"]),
        "agenda": reverse("agenda_ics"),
    }


@pytest.mark.parametrize("name", list(follow_urls()))
@pytest.mark.parametrize(("query", "reason"), REFUSED, ids=lambda v: str(v)[:30])
def test_refused_parameters_answer_400_with_the_reason(client, registry, name, query, reason):
    response = client.get(follow_urls()[name], query)
    assert response.status_code == 400
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert reason in response.content.decode()


def test_a_theme_feed_refuses_its_theme_twice_and_an_initiative_calendar_any_filter(
    client, registry
):
    response = client.get(reverse("theme_feed", args=["energie"]), {"thematique": "energie"})
    assert response.status_code == 400
    assert "déjà donné par l'adresse" in response.content.decode()
    url = reverse("initiative_ics", args=[registry["Club Noé"].slug])
    assert client.get(url, {"thematique": "energie"}).status_code == 400
    assert client.get(url).status_code == 200


def test_every_feed_names_its_author(client, registry):
    """RFC 4287 4.1.1: every feed of the site, overall, by theme and by territory."""
    urls = [reverse("feed")]
    urls += [
        reverse("theme_feed", args=[slug]) for slug in Theme.objects.values_list("slug", flat=True)
    ]
    urls += [
        reverse("territory_feed", args=[slug])
        for slug in Territory.objects.values_list("slug", flat=True)
    ]
    for url in urls:
        feed = feedparser.parse(client.get(url).content)
        assert not feed.bozo, url
        assert feed.feed.author_detail.name == "Région Hauts-de-France", url
        assert feed.entries or url != reverse("feed")


def test_a_filtered_page_links_its_own_feed_and_calendar(client, registry):
    query = "thematique=economie-circulaire&territoire=picardie&de=2015"
    response = client.get(f"{reverse('initiative_index')}?{query}&tri=titre&page=1")
    html = response.content.decode()
    feed, agenda = f"{reverse('feed')}?{query}", f"{reverse('agenda_ics')}?{query}"
    assert '<link rel="alternate" type="application/atom+xml"' in html
    assert f'href="{feed}"' in html.replace("&amp;", "&")
    assert f'href="{agenda}"' in html.replace("&amp;", "&")
    assert "Recevoir les nouveautés par courriel" in html
    assert f'name="liste" value="{query}"' in html.replace("&amp;", "&")
    # The links are valid: they answer 200 with the page's initiatives.
    assert client.get(feed).status_code == 200
    assert client.get(agenda).status_code == 200
