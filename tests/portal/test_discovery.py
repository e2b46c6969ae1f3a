import datetime
import json
import re
import xml.etree.ElementTree as ET

import icalendar
import pytest
from django.urls import reverse

from initiatives.models import Event, Initiative, PublicationState, Territory, Theme
from portal.catalogue import discovery

pytestmark = pytest.mark.django_db
ATOM = "{http://www.w3.org/2005/Atom}"
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


@pytest.fixture
def registry(make_initiative, make_organisation, make_person, make_territory):
    region = make_territory("Hauts-de-France", kind=Territory.Kind.REGION)
    amiens = make_territory("Amiens", parent=region)
    theme = Theme.objects.create(name="Économie circulaire", slug="economie-circulaire")
    public = make_initiative("Réseau picard", summary="Co-animation du réseau.")
    public.territories.add(amiens)
    public.themes.add(theme)
    hidden = make_initiative("Brouillon caché", state=PublicationState.DRAFT)
    hidden.territories.add(amiens)
    hidden.themes.add(theme)
    make_initiative("Enfant d'un brouillon", parent=hidden).themes.add(theme)
    Event.objects.create(
        initiative=public, title="Formation-action, couches lavables", kind="training",
        status="held", start="2016-11-15", territory=amiens, venue="Maternité; salle 2",
    )  # fmt: skip
    Event.objects.create(
        initiative=public, title="Réunion plénière", kind="plenary", status="cancelled",
        start="2016-06-02",
    )  # fmt: skip
    Event.objects.create(initiative=public, title="Plénière 2016", kind="plenary", start="2016")
    Event.objects.create(
        initiative=hidden, title="Atelier caché", kind="workshop", start="2016-04-19"
    )
    make_organisation("Organisation publiée")
    make_organisation("Organisation en relecture", state=PublicationState.REVIEW)
    make_person("Secret", first_name="Agent", state=PublicationState.DRAFT)
    return {"region": region, "amiens": amiens, "theme": theme, "public": public}


def atom_titles(response):
    root = ET.fromstring(response.content)
    assert root.tag == f"{ATOM}feed"
    return [entry.find(f"{ATOM}title").text for entry in root.iter(f"{ATOM}entry")]


def test_atom_feeds_list_published_initiatives_overall_by_theme_and_territory(client, registry):
    assert atom_titles(client.get(reverse("feed"))) == ["Réseau picard"]
    theme_feed = reverse("theme_feed", args=[registry["theme"].slug])
    assert atom_titles(client.get(theme_feed)) == ["Réseau picard"]
    region_feed = reverse("territory_feed", args=[registry["region"].slug])
    assert atom_titles(client.get(region_feed)) == ["Réseau picard"]
    assert client.get(reverse("territory_feed", args=["atlantide"])).status_code == 404


def test_icalendar_feed_parses_and_keeps_to_known_days(client, registry):
    response = client.get(reverse("agenda_ics"))
    assert response["Content-Type"].startswith("text/calendar")
    calendar = icalendar.Calendar.from_ical(response.content)
    events = {str(event["SUMMARY"]): event for event in calendar.walk("VEVENT")}
    assert set(events) == {"Formation-action, couches lavables", "Réunion plénière"}
    training = events["Formation-action, couches lavables"]
    assert training.decoded("DTSTART").isoformat() == "2016-11-15"
    assert training.decoded("DTEND").isoformat() == "2016-11-16"
    assert str(training["LOCATION"]) == "Maternité; salle 2, Amiens"
    assert str(events["Réunion plénière"]["STATUS"]) == "CANCELLED"
    assert all(len(line.encode()) <= 75 for line in response.content.decode().split("\r\n"))


def test_the_agenda_feed_keeps_to_the_events_around_today(client, registry, monkeypatch):
    monkeypatch.setattr(discovery, "AGENDA_ICS_AROUND", 1)
    initiative = registry["public"]
    for day in ("2016-01-01", "2099-01-01", "2099-01-02", "2099-01-03"):
        Event.objects.create(initiative=initiative, title=day, kind="workshop", start=day)
    calendar = icalendar.Calendar.from_ical(client.get(reverse("agenda_ics")).content)
    # The latest before today, and the first two from today on, in date order.
    assert [str(event["SUMMARY"]) for event in calendar.walk("VEVENT")] == [
        "Formation-action, couches lavables",
        "2099-01-01",
        "2099-01-02",
    ]


def test_an_initiative_has_its_own_calendar(client, registry):
    url = reverse("initiative_ics", args=[registry["public"].slug])
    assert len(icalendar.Calendar.from_ical(client.get(url).content).walk("VEVENT")) == 2
    assert client.get(reverse("initiative_ics", args=["brouillon-cache"])).status_code == 404


def sitemap_index(client):
    response = client.get(reverse("sitemap"))
    root = ET.fromstring(response.content)
    assert root.tag == f"{SITEMAP}sitemapindex"
    return {entry.find(f"{SITEMAP}loc").text: entry for entry in root.iter(f"{SITEMAP}sitemap")}


def sitemap_urls(client, location):
    response = client.get(location.removeprefix("http://testserver"))
    assert response.status_code == 200
    root = ET.fromstring(response.content)
    assert root.tag == f"{SITEMAP}urlset"
    return {url.find(f"{SITEMAP}loc").text: url for url in root.iter(f"{SITEMAP}url")}


def test_sitemap_is_an_index_of_sections_listing_every_published_page_with_lastmod(
    client, registry
):
    sections = sitemap_index(client)
    assert set(sections) == {
        f"http://testserver/sitemap-{name}.xml"
        for name in ("sections", "initiatives", "organisations", "personnes", "documents",
                     "territoires", "thematiques")
    }  # fmt: skip
    # Each section dated by its latest change; territories and themes carry no date.
    latest = Initiative.objects.published().latest("updated_at").updated_at
    initiatives = sections["http://testserver/sitemap-initiatives.xml"]
    lastmod = datetime.datetime.fromisoformat(initiatives.find(f"{SITEMAP}lastmod").text)
    assert lastmod == latest
    assert sections["http://testserver/sitemap-territoires.xml"].find(f"{SITEMAP}lastmod") is None
    locations = {}
    for section in sections:
        locations |= sitemap_urls(client, section)
    public_url = "http://testserver" + registry["public"].get_absolute_url()
    assert public_url in locations
    assert locations[public_url].find(f"{SITEMAP}lastmod") is not None
    assert "http://testserver" + registry["amiens"].get_absolute_url() in locations
    assert "http://testserver/initiatives/" in locations
    for section in sections:
        body = client.get(section.removeprefix("http://testserver")).content.decode()
        assert "brouillon" not in body and "relecture" not in body and "secret" not in body


def test_sitemap_sections_are_paginated(client, registry, make_initiative, monkeypatch):
    monkeypatch.setattr(discovery.RecordSitemap, "limit", 2)
    for number in range(3):
        make_initiative(f"Initiative {number}", slug=f"initiative-publiee-{number}")
    sections = sitemap_index(client)
    pages = [url for url in sections if "sitemap-initiatives.xml" in url]
    assert pages == [
        "http://testserver/sitemap-initiatives.xml",
        "http://testserver/sitemap-initiatives.xml?p=2",
    ]  # four published initiatives, two a file
    listed = set(sitemap_urls(client, pages[0])) | set(sitemap_urls(client, pages[1]))
    published = Initiative.objects.published()
    assert listed == {"http://testserver" + i.get_absolute_url() for i in published}
    assert len(listed) == 4  # neither the draft nor its child
    for page in ("3", "0", "-1", "abc", "9" * 30):
        assert client.get("/sitemap-initiatives.xml", {"p": page}).status_code == 404
    assert client.get("/sitemap-brouillons.xml").status_code == 404


def test_robots_txt_points_to_the_sitemap(client):
    body = client.get("/robots.txt").content.decode()
    assert "Disallow: /admin/" in body and "Sitemap: http://testserver/sitemap.xml" in body


def json_ld(response):
    blocks = re.findall(
        r'<script type="application/ld\+json">(.*?)</script>', response.content.decode(), re.S
    )
    return [json.loads(block) for block in blocks]


def test_initiative_page_describes_a_schema_org_project(client, registry, make_organisation):
    from actors.models import Involvement

    Involvement.objects.create(
        initiative=registry["public"], organisation=make_organisation("ADEME"), role="funder"
    )
    [project] = json_ld(client.get(registry["public"].get_absolute_url()))
    assert project["@type"] == "Project" and project["name"] == "Réseau picard"
    assert project["funder"] == [{"@type": "Organization", "name": "ADEME"}]
    statuses = {event["name"]: event["eventStatus"] for event in project["event"]}
    assert statuses["Réunion plénière"] == "https://schema.org/EventCancelled"


def test_person_json_ld_has_no_contact_without_consent(client, make_person):
    silent = make_person("Bernier", first_name="Laurent", email="lb@example.org", phone="03 28")
    [data] = json_ld(client.get(silent.get_absolute_url()))
    assert data["@type"] == "Person" and "email" not in data and "telephone" not in data
    consenting = make_person(
        email="ok@example.org", contact_consent=True, consent_recorded_on="2026-01-01"
    )
    [data] = json_ld(client.get(consenting.get_absolute_url()))
    assert data["email"] == "ok@example.org"


def test_json_ld_cannot_be_closed_by_content(client, make_initiative):
    initiative = make_initiative("</script><script>alert(1)</script>")
    html = client.get(initiative.get_absolute_url()).content.decode()
    block = re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S).group(1)
    assert "<" not in block and json.loads(block)["name"].startswith("</script>")


def test_pages_carry_canonical_and_open_graph_tags(client, registry):
    html = client.get(registry["public"].get_absolute_url() + "?utm=x").content.decode()
    canonical = "http://testserver" + registry["public"].get_absolute_url()
    assert f'<link rel="canonical" href="{canonical}">' in html
    assert '<meta property="og:title" content="Réseau picard">' in html
    assert '<meta property="og:locale" content="fr_FR">' in html


@pytest.mark.parametrize(
    ("name", "url", "queries"),
    [
        ("feed", "/flux/initiatives.atom", 2),
        ("theme feed", "/flux/thematiques/economie-circulaire.atom", 3),
        ("agenda.ics", "/agenda.ics", 3),  # the events before today, and from today on
        # A count a section, and the latest lastmod of the four sections that have one.
        ("sitemap index", "/sitemap.xml", 11),
        ("sitemap section", "/sitemap-initiatives.xml", 3),  # count and page
    ],
)
def test_discovery_query_counts_do_not_grow(
    client, registry, make_initiative, django_assert_num_queries, name, url, queries
):
    for size in (0, 15):
        for number in range(size):
            initiative = make_initiative(f"Initiative {size}-{number}")
            initiative.themes.add(registry["theme"])
            Event.objects.create(
                initiative=initiative, title="Atelier", kind="workshop", start="2017-01-10",
                territory=registry["amiens"],
            )  # fmt: skip
        with django_assert_num_queries(queries):
            assert client.get(url).status_code == 200


def test_agenda_describes_its_events_for_search_engines(client, registry):
    [events] = json_ld(client.get(reverse("initiatives:agenda")))
    by_name = {event["name"]: event for event in events}
    assert by_name["Réunion plénière"]["eventStatus"] == "https://schema.org/EventCancelled"
    assert by_name["Formation-action, couches lavables"]["startDate"] == "2016-11-15"
    assert by_name["Formation-action, couches lavables"]["location"]["address"] == "Amiens"
    assert "Atelier caché" not in by_name
