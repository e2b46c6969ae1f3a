"""Public list pages of the registry core: bounded however many rows they could show."""

import html as entities
import re

import pytest
from django.core.cache import caches
from django.db import connection
from django.test.utils import CaptureQueriesContext

from initiatives import views
from initiatives.models import Document, Event, Initiative, PublicationState, Territory, Theme
from initiatives.views import AGENDA_PAGE_SIZE, PREVIEW_SIZE

pytestmark = pytest.mark.django_db

BAD_PAGES = ["abc", "-1", "0", "1.5", "999999", "9" * 30, ""]


def titles(html):
    return re.findall(r'<li class="card"><a href="[^"]+">([^<]+)</a>', html)


def pagination_links(html):
    return [
        entities.unescape(href)
        for href in re.findall(r'<a href="([^"]+)" rel="(?:prev|next)">', html)
    ]


# Territory and theme pages -----------------------------------------------------------------


@pytest.fixture
def crowded_region(make_territory, make_initiative):
    """A region whose commune holds PREVIEW_SIZE + 5 published initiatives and a draft."""
    region = make_territory("Région d'essai", kind=Territory.Kind.REGION)
    commune = make_territory("Commune d'essai", parent=region)
    theme = Theme.objects.create(name="Économie circulaire", slug="economie-circulaire")
    sub_theme = Theme.objects.create(name="Réemploi", slug="reemploi", parent=theme)
    for number in reversed(range(PREVIEW_SIZE + 5)):  # created in reverse: order is the view's
        initiative = make_initiative(f"Initiative {number:02d}")
        initiative.territories.add(commune)
        initiative.themes.add(sub_theme)
    draft = make_initiative("Aaa brouillon", state=PublicationState.DRAFT)
    draft.territories.add(commune)
    draft.themes.add(sub_theme)
    return {"region": region, "commune": commune, "theme": theme}


@pytest.mark.parametrize(
    ("record", "parameter"), [("region", "territoire"), ("theme", "thematique")]
)
def test_territory_and_theme_pages_show_the_count_the_first_ones_and_a_link_to_all(
    client, crowded_region, record, parameter
):
    node = crowded_region[record]
    response = client.get(node.get_absolute_url())
    html = response.content.decode()
    assert response.status_code == 200
    assert response.context["initiative_count"] == PREVIEW_SIZE + 5
    expected = [f"Initiative {number:02d}" for number in range(PREVIEW_SIZE)]
    assert titles(html) == expected  # alphabetical, the draft left out
    assert "Initiative 24" not in html and "brouillon" not in html.lower()
    assert f"{PREVIEW_SIZE + 5} initiatives publiées" in html
    assert f"Les {PREVIEW_SIZE} premières, par ordre alphabétique" in html
    link = (
        f'<a href="/initiatives/?{parameter}={node.slug}">Voir les {PREVIEW_SIZE + 5} initiatives'
    )
    assert link in html


def test_a_territory_with_few_initiatives_lists_them_all(client, make_territory, make_initiative):
    commune = make_territory("Commune d'essai")
    for number in range(3):
        make_initiative(f"Initiative {number}").territories.add(commune)
    html = client.get(commune.get_absolute_url()).content.decode()
    assert titles(html) == ["Initiative 0", "Initiative 1", "Initiative 2"]
    assert "3 initiatives publiées pour ce territoire\u202f:" in html
    assert "premières" not in html
    assert f'<a href="/initiatives/?territoire={commune.slug}">Voir ces initiatives' in html


def test_an_empty_theme_says_so_and_keeps_its_feed(client):
    theme = Theme.objects.create(name="Sans initiative", slug="sans-initiative")
    html = client.get(theme.get_absolute_url()).content.decode()
    assert "Aucune initiative publiée pour cette thématique." in html
    assert "/flux/thematiques/sans-initiative.atom" in html
    assert "?thematique=" not in html


def test_a_department_lists_its_hundreds_of_communes(
    client, make_territory, django_assert_num_queries
):
    department = make_territory("Somme", kind=Territory.Kind.DEPARTMENT)
    Territory.objects.bulk_create(
        Territory(name=f"Commune {n:03d}", slug=f"commune-{n}", kind="commune", parent=department)
        for n in range(400)
    )
    # The events held there: a count, and no page to read when there are none.
    with django_assert_num_queries(8):
        html = client.get(department.get_absolute_url()).content.decode()
    assert html.count('href="/territoires/commune-') == 400


# Agenda -------------------------------------------------------------------------------------


@pytest.fixture
def busy_agenda(make_initiative):
    """More events than a page holds in each list, and a draft's events."""
    initiative = make_initiative("Réseau picard")
    hidden = make_initiative("Brouillon caché", state=PublicationState.DRAFT)
    size = AGENDA_PAGE_SIZE + 5
    for number in range(size):
        day = 1 + number % 28
        Event.objects.bulk_create(
            [
                Event(initiative=initiative, title=f"Prévu {number:02d}", kind="workshop",
                      start=f"2099-{1 + number // 28:02d}-{day:02d}"),
                Event(initiative=initiative, title=f"Tenu {number:02d}", kind="workshop",
                      start=f"2001-{1 + number // 28:02d}-{day:02d}", status="held"),
                Event(initiative=initiative, title=f"Sans date {number:02d}", kind="workshop"),
                Event(initiative=hidden, title=f"Caché {number:02d}", kind="workshop",
                      start="2099-01-01"),
            ]
        )  # fmt: skip
    return size


def event_titles(page):
    return [event.title for event in page.object_list]


def test_agenda_paginates_its_three_lists_each_on_its_own(client, busy_agenda):
    response = client.get("/agenda/")
    context = response.context
    assert event_titles(context["upcoming"])[:2] == ["Prévu 00", "Prévu 01"]  # soonest first
    assert event_titles(context["past"])[:2] == ["Tenu 24", "Tenu 23"]  # latest first
    for name in ("upcoming", "undated", "past"):
        assert len(context[name].object_list) == AGENDA_PAGE_SIZE
        assert context[name].paginator.count == busy_agenda
    html = response.content.decode()
    assert "Caché" not in html
    order = "les plus récents d'abord\u202f:"
    assert f"{busy_agenda} événements, {order} 1 à {AGENDA_PAGE_SIZE}." in html
    assert pagination_links(html) == [
        "?page=2#a-venir",
        "?sans-date=2#sans-date",
        "?passes=2#passes",
    ]
    for label in ("à venir", "sans date", "passés"):
        assert f'<nav class="pagination" aria-label="Pages des événements {label}">' in html
    current = 'aria-current="page"><span class="visually-hidden">Page </span>1'
    assert html.count(current + '<span class="visually-hidden"> sur 2</span>') == 3

    response = client.get("/agenda/?page=2&passes=2")
    assert event_titles(response.context["upcoming"]) == [f"Prévu {n}" for n in range(20, 25)]
    assert event_titles(response.context["undated"])[0] == "Sans date 00"
    assert event_titles(response.context["past"]) == [f"Tenu {n:02d}" for n in range(4, -1, -1)]
    links = pagination_links(response.content.decode())
    assert "?page=1&passes=2#a-venir" in links  # the other list keeps its page
    assert "?page=2&passes=2&sans-date=2#sans-date" in links


def test_agenda_counts_each_list_up_to_a_bound_then_says_more_than(
    client, busy_agenda, monkeypatch
):
    monkeypatch.setattr(views, "EVENTS_COUNTED", AGENDA_PAGE_SIZE + 2)
    response = client.get("/agenda/")
    bound = AGENDA_PAGE_SIZE + 2
    for name in ("upcoming", "undated", "past"):
        paginator = response.context[name].paginator
        assert (paginator.count, paginator.capped, paginator.num_pages) == (bound, True, 2)
    html = response.content.decode()
    order = "les plus récents d'abord\u202f:"
    assert f"Plus de {bound} événements, {order} 1 à {AGENDA_PAGE_SIZE}." in html
    # The last page stops at the bound: its latest events first, as before.
    past = client.get("/agenda/", {"passes": 2}).context["past"]
    assert event_titles(past) == ["Tenu 04", "Tenu 03"]
    english = client.get("/en/agenda/").content.decode()
    assert f"More than {bound} events, most recent first: 1 to {AGENDA_PAGE_SIZE}." in english


@pytest.mark.parametrize("number", BAD_PAGES)
def test_agenda_clamps_bad_page_numbers(client, busy_agenda, number):
    response = client.get("/agenda/", {"page": number, "passes": number, "sans-date": number})
    assert response.status_code == 200
    last = number in ("-1", "0", "999999", "9" * 30)  # out of range: the last page
    for name in ("upcoming", "undated", "past"):
        assert response.context[name].number == (2 if last else 1)


def test_agenda_without_events_says_so(client):
    html = client.get("/agenda/").content.decode()
    assert "Aucun événement annoncé pour le moment." in html
    assert "Aucun événement passé." in html
    assert "Date non précisée" not in html and 'class="pagination"' not in html


# Documents ----------------------------------------------------------------------------------


@pytest.mark.parametrize("number", BAD_PAGES)
def test_document_index_clamps_bad_page_numbers(client, number):
    Document.objects.bulk_create(
        Document(title=f"Rapport {n:02d}", slug=f"rapport-{n}", kind="report",
                 publication_state="published")
        for n in range(35)
    )  # fmt: skip
    response = client.get("/documents/", {"page": number})
    assert response.status_code == 200
    last = number in ("-1", "0", "999999", "9" * 30)
    assert response.context["page"].number == (2 if last else 1)
    assert len(response.context["page"].object_list) == (5 if last else 30)


def test_territory_page_lists_the_public_events_held_there_and_below(
    client, make_territory, make_initiative
):
    region = make_territory("Picardie", kind=Territory.Kind.REGION)
    amiens = make_territory("Amiens", parent=region)
    network = make_initiative("Réseau picard")
    network.territories.add(region)
    draft = make_initiative("Brouillon picard", state=PublicationState.DRAFT)
    for initiative, title, start in (
        (network, "Formation-action (1re journée)", "2016-03-21"),
        (network, "Journée technique", "2016-06-02"),
        (draft, "Réunion secrète", "2016-04-01"),
    ):
        Event.objects.create(
            initiative=initiative, title=title, kind="training", start=start, status="held",
            territory=amiens,
        )  # fmt: skip
    for territory in (amiens, region):
        html = client.get(territory.get_absolute_url()).content.decode()
        assert "2 événements d'initiatives publiées" in html
        assert html.index("Journée technique") < html.index("Formation-action (1re journée)")
        assert "Réseau picard" in html and "Réunion secrète" not in html
    other = make_territory("Beauvais", parent=region)
    assert "Événements tenus ici" not in client.get(other.get_absolute_url()).content.decode()


def test_a_territory_page_is_read_once_a_version_and_follows_every_public_change(
    client, make_territory, make_initiative, django_assert_num_queries
):
    amiens = make_territory("Amiens")
    make_initiative("Réseau picard").territories.add(amiens)
    url = amiens.get_absolute_url()
    assert "Réseau picard" in client.get(url).content.decode()
    with django_assert_num_queries(1):  # another query string: only the versions
        assert "Réseau picard" in client.get(url, {"utm_source": "lettre"}).content.decode()
    Initiative.objects.filter(title="Réseau picard").update(title="Réseau amiénois")
    assert "Réseau amiénois" in client.get(url, {"utm_source": "x"}).content.decode()


def test_a_territory_with_very_many_events_says_more_than(
    client, make_territory, make_initiative, monkeypatch
):
    monkeypatch.setattr(views, "EVENTS_COUNTED", 2)
    amiens = make_territory("Amiens")
    network = make_initiative("Réseau picard")
    for day in ("2016-03-21", "2016-06-02", "2016-09-15"):
        Event.objects.create(
            initiative=network, title=f"Journée du {day}", kind="training", start=day,
            status="held", territory=amiens,
        )  # fmt: skip
    html = client.get(amiens.get_absolute_url()).content.decode()
    assert "Plus de 2 événements d'initiatives publiées, les plus récents" in html
    assert html.count("Journée du ") == 3  # the latest are still all shown
    english = client.get(f"/en{amiens.get_absolute_url()}").content.decode()
    assert "More than 2 events of published initiatives, most recent first" in english


# An initiative's page ---------------------------------------------------------------------


def test_an_initiative_page_is_read_once_a_version_and_follows_every_public_change(
    client, make_initiative, django_assert_num_queries
):
    initiative = make_initiative("Club Noé", summary="Un club d'entreprises.")
    url = initiative.get_absolute_url()
    assert "Un club d'entreprises." in client.get(url).content.decode()
    # Another query string misses the page cache, not what the page shows: only the versions.
    with django_assert_num_queries(1):
        response = client.get(url, {"utm_source": "lettre"})
    assert "Un club d'entreprises." in response.content.decode()
    with django_assert_num_queries(1):  # the data now kept as they are
        assert "Un club d'entreprises." in client.get(url, {"utm_source": "x"}).content.decode()
    caches["local"].clear()  # forgotten with the local cache: read again
    with CaptureQueriesContext(connection) as queries:
        assert "Un club d'entreprises." in client.get(url, {"utm_source": "y"}).content.decode()
    assert len(queries) > 1
    # A committed public change (here through update(), which sends no signal) is shown.
    type(initiative).objects.filter(pk=initiative.pk).update(summary="Un club renouvelé.")
    assert "Un club renouvelé." in client.get(url, {"utm_source": "lettre"}).content.decode()
    type(initiative).objects.filter(pk=initiative.pk).update(
        publication_state=PublicationState.DRAFT
    )
    assert client.get(url, {"utm_source": "autre"}).status_code == 404
