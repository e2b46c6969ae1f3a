"""Public pages: each pins its query count, the same for a few records as for many (no N+1),
and none of them shows an unpublished record."""

import collections
from urllib.parse import urlencode

import pytest
from django.core.cache import caches
from django.db import transaction

from actors.models import Involvement, Organisation, Person
from initiatives.boundaries import boundaries
from initiatives.models import (
    Document,
    Event,
    Initiative,
    Milestone,
    PublicationState,
    Territory,
    Theme,
)

pytestmark = pytest.mark.django_db

# The world's communes are real ones of the Métropole européenne de Lille, so that the map
# zoomed into the Nord, then into the Métropole, has counts to show.
METROPOLE = boundaries().get("commune", "59350").parents["intercommunality"]
METROPOLE_COMMUNES = sorted(
    commune.code
    for commune in boundaries().of_kind("commune")
    if commune.parents.get("intercommunality") == METROPOLE
)


class World:
    """Published initiatives with all that the public pages list, built once for the class of
    tests that measures them (set-based growth would cost more than it saves: 45 units; their
    links to territories, themes and documents are written in one statement a table).

    Each initiative brings its own commune (under one region), sub-theme (under one theme),
    published organisation and person (involved in it), milestone, three events (upcoming,
    past, undated) and document; a draft initiative and a draft organisation come along too.
    Every third initiative is an operation of the first one. A test shows the first `size`
    units and hides the others with QuerySet.update() (which the database follows like any
    write), in its own transaction.
    """

    def __init__(self):
        self.region = Territory.objects.create(
            name="Région d'essai", slug="region-essai", kind=Territory.Kind.REGION
        )
        self.department = Territory.objects.create(  # on the map: the Nord's code
            name="Département d'essai", slug="departement-essai", code="59",
            kind=Territory.Kind.DEPARTMENT, parent=self.region,
        )  # fmt: skip
        self.theme = Theme.objects.create(name="Économie circulaire", slug="theme-essai")
        self.first = None
        self.units = {}
        self.links = collections.defaultdict(list)  # through model -> its rows

    def build(self, size):
        for number in range(1, size + 1):
            self.units[number] = self._add(number)
        for through, rows in self.links.items():
            through.objects.bulk_create(rows)
        return self

    def _link(self, field, **row):
        through = getattr(Initiative, field).through
        self.links[through].append(through(**row))

    def show(self, size):
        """The first `size` units public, the others hidden."""
        hidden = [unit for number, unit in self.units.items() if number > size]
        for model in (Initiative, Organisation, Person, Document):
            model.objects.filter(pk__in=[unit[model] for unit in hidden]).update(
                publication_state=PublicationState.DRAFT
            )
        return self

    def _add(self, number):
        year = str(2000 + number % 20)
        commune = Territory.objects.create(
            name=f"Commune {number}", slug=f"commune-essai-{number}",
            kind=Territory.Kind.COMMUNE, parent=self.department,
            code=METROPOLE_COMMUNES[number % len(METROPOLE_COMMUNES)],
        )  # fmt: skip
        theme = Theme.objects.create(
            name=f"Sous-thème {number}", slug=f"sous-theme-{number}", parent=self.theme
        )
        initiative = Initiative.objects.create(
            title=f"Programme {number} : économie circulaire", slug=f"programme-{number}",
            kind=Initiative.Kind.PROJECT, publication_state=PublicationState.PUBLISHED,
            start=year, summary="Une démarche d'économie circulaire sur le territoire.",
            parent=self.first if number % 3 == 0 else None,
        )  # fmt: skip
        self.first = self.first or initiative
        self._link("territories", initiative=initiative, territory=commune)
        self._link("themes", initiative=initiative, theme=theme)
        organisation = Organisation.objects.create(
            name=f"Réseau circulaire {number}", slug=f"reseau-circulaire-{number}",
            kind=Organisation.Kind.ASSOCIATION, territory=commune,
            publication_state=PublicationState.PUBLISHED,
        )  # fmt: skip
        person = Person.objects.create(
            first_name="Camille", last_name=f"Martin{number}", slug=f"camille-{number}",
            biography="Anime le réseau d'économie circulaire.",
            publication_state=PublicationState.PUBLISHED,
        )  # fmt: skip
        Involvement.objects.create(initiative=initiative, organisation=organisation, role="pilot")
        Involvement.objects.create(initiative=initiative, person=person, role="contact")
        Milestone.objects.create(initiative=initiative, date=year, title="Lancement")
        for start, status in (("2099-06-01", "planned"), (year, "held"), (None, "planned")):
            Event.objects.create(
                initiative=initiative, title=f"Atelier circulaire {number}", kind="workshop",
                start=start, status=status, territory=commune, venue="Salle des fêtes",
            )  # fmt: skip
        document = Document.objects.create(
            title=f"Rapport circulaire {number}", slug=f"rapport-circulaire-{number}",
            kind="report", publication_date=year, publication_state="published",
        )  # fmt: skip
        self._link("documents", initiative=initiative, document=document)
        draft = Initiative.objects.create(
            title=f"Brouillon {number}", slug=f"brouillon-{number}", kind=Initiative.Kind.PROJECT,
            publication_state=PublicationState.DRAFT,
        )  # fmt: skip
        self._link("territories", initiative=draft, territory=commune)
        self._link("themes", initiative=draft, theme=theme)
        hidden = Organisation.objects.create(
            name=f"Brouillon {number}", slug=f"organisation-brouillon-{number}",
            kind=Organisation.Kind.ASSOCIATION, publication_state=PublicationState.DRAFT,
        )  # fmt: skip
        Involvement.objects.create(initiative=initiative, organisation=hidden, role="partner")
        return {
            Initiative: initiative.pk, Organisation: organisation.pk, Person: person.pk,
            Document: document.pk,
        }  # fmt: skip


@pytest.fixture(scope="class")
def world(django_db_setup, django_db_blocker):
    """Built once for the class, rolled back after it."""
    largest = max(size for sizes in SIZES.values() for size in sizes)
    with django_db_blocker.unblock(), transaction.atomic():
        yield World().build(largest)
        transaction.set_rollback(True)


def filtered_index(world):
    query = {"thematique": world.theme.slug, "territoire": world.region.slug, "de": 1990}
    return "/initiatives/?" + urlencode({**query, "a": 2030, "q": "circulaire"})


PAGES = {
    "home": lambda world: "/",
    "initiatives": lambda world: "/initiatives/",
    "initiatives, filtered and searched": filtered_index,
    "initiatives by start date": lambda world: "/initiatives/?tri=debut",
    "initiatives, page 2": lambda world: "/initiatives/?page=2",
    "embed": lambda world: "/integrer/initiatives/",
    "embed, filtered": lambda world: filtered_index(world).replace(
        "/initiatives/?", "/integrer/initiatives/?"
    ),
    "embed, page 2": lambda world: "/integrer/initiatives/?page=2&theme=neutre",
    "embed builder, filtered": lambda world: filtered_index(world).replace(
        "/initiatives/?", "/initiatives/integrer/?"
    ),
    "search": lambda world: "/recherche/?q=circulaire",
    "search, few hits": lambda world: "/recherche/?q=circulaire",
    "search, typo fallback": lambda world: "/recherche/?q=econmie",
    "actors": lambda world: "/acteurs/",
    "territories": lambda world: "/territoires/",
    "themes": lambda world: "/thematiques/",
    "agenda": lambda world: "/agenda/",
    "agenda, later pages": lambda world: "/agenda/?page=2&sans-date=2&passes=2",
    "documents": lambda world: "/documents/",
    "territory": lambda world: world.region.get_absolute_url(),
    "theme": lambda world: world.theme.get_absolute_url(),
    "organisation": lambda world: Organisation.objects.order_by("pk")[0].get_absolute_url(),
    "sitemap": lambda world: "/sitemap.xml",
    "sitemap, initiatives": lambda world: "/sitemap-initiatives.xml",
    "site plan": lambda world: "/plan-du-site/",
    "not found": lambda world: "/initiatives/pas-de-fiche/",
    "map": lambda world: "/carte/",
    "map, filtered": lambda world: filtered_index(world).replace("/initiatives/?", "/carte/?"),
    "map, zoomed": lambda world: "/carte/?zone=59",
    "map, zoomed twice": lambda world: f"/carte/?zone={METROPOLE}",
}
# Each count includes one lookup of the registry's versions by the page cache (portal.cache);
# the shared cache's own round trips go through a connection of their own and are not counted.
PINNED = {
    "home": 8,  # its three counts are a fragment: counted once per version
    # The index: the page cache's versions, each tree's shape with its labels (themes,
    # territories: the first time only, a fragment kept under the pages' version), the
    # total and every free facet in one query (unfiltered: the listing's totals; filtered, the
    # first time only: a fragment kept under the counts' version), the names
    # of the top actors, the page's ids and its initiatives; plus each chosen filter's record
    # and its facet without it (+ 2).
    "initiatives": 7,
    "initiatives, filtered and searched": 11,
    "initiatives by start date": 7,
    "initiatives, page 2": 7,
    # The embed: the versions, the count (a fragment kept under the counts' version), the
    # page's ids and its initiatives; plus each chosen filter's record. The builder the same.
    "embed": 4,
    "embed, filtered": 6,
    "embed, page 2": 4,
    "embed builder, filtered": 6,
    # A search's setting (no parallel workers), then a count (bounded by a LIMIT) and a
    # ranking a section: 1 + 1 + 5 × 2, whatever the number of hits. The typo: the setting,
    # five empty counts, the closest known words, then the corrected query's search (two
    # sections found: 1 + 1 + 5 + 1 + 1 + 5 + 2).
    "search": 12,
    "search, few hits": 12,
    "search, typo fallback": 16,
    "actors": 5,  # organisations and people, each a count and a page
    "territories": 2,
    "themes": 2,
    "agenda": 7,  # upcoming, undated and past: each a count and a page
    "agenda, later pages": 7,
    "documents": 3,
    "territory": 9,  # a count and the first initiatives; a count and the first events
    "theme": 5,
    "organisation": 8,  # a count a role, the first rows of each role, its fundings, its network
    "sitemap": 11,  # a count a section, the latest change of the four that have one
    "sitemap, initiatives": 3,
    "site plan": 2,
    "not found": 2,
    # The map: the versions, the départements' records, their counts (the index's facet
    # counting of territories alone: unfiltered, the listing's totals; filtered, one query,
    # plus each chosen filter's record, and with a territory chosen, its count without it).
    "map": 3,
    "map, filtered": 5,
    # Zoomed: the versions, the registry's territories inside the areas, their counts (one
    # query: the index's facet counting over each area's territories).
    "map, zoomed": 3,
    "map, zoomed twice": 3,
}
SIZES = {
    "default": (2, 25),
    "initiatives, page 2": (22, 45),  # page 2 exists at both sizes (20 a page)
    "embed, page 2": (22, 45),
    "agenda, later pages": (22, 45),  # so does page 2 of each list of the agenda
    "search": (12, 30),  # 12+ hits in every section
    "search, few hits": (2, 3),  # fewer than 10 in every section (3 events an initiative)
}


def check(page, response):
    """The page really shows the data it is measured with."""
    context = response.context
    if page == "not found":
        assert response.status_code == 404
        return
    assert response.status_code == 200
    if page.startswith("map"):
        assert any(area.count for area in context["areas"])
    if page.startswith(("initiatives", "embed")):
        assert context["page"].object_list
    if page in ("initiatives, page 2", "embed, page 2"):
        assert context["page"].number == 2
    if page == "agenda, later pages":
        assert [context[name].number for name in ("upcoming", "undated", "past")] == [2, 2, 2]
    if page in ("search", "search, few hits"):
        assert len(context["sections"]) == 5
    if page == "search, typo fallback":
        assert context["sections"] and context["suggestion"] == "économie"


class TestPinnedQueryCounts:
    @pytest.mark.parametrize("page", PAGES)
    def test_public_page_query_count_is_pinned_and_does_not_grow(
        self, page, world, client, django_assert_num_queries
    ):
        for size in SIZES.get(page, SIZES["default"]):
            with transaction.atomic():
                url = PAGES[page](world.show(size))
                # The versions go back with each rolled-back size: nothing cached may answer.
                caches["local"].clear()
                caches["default"].clear()
                with django_assert_num_queries(PINNED[page]):
                    response = client.get(url)
                check(page, response)
                transaction.set_rollback(True)


# Unpublished records, with the seed data -------------------------------------------------------
# Last in the module: `demo_data` is module-scoped and stays loaded once a test has asked for it.


@pytest.fixture
def drafts(demo_data):
    """The seed's draft initiative and draft organisation, tied to published records as a draft
    in progress would be: the likeliest road to a leak."""
    initiative = Initiative.objects.get(publication_state=PublicationState.DRAFT)
    organisation = Organisation.objects.get(publication_state=PublicationState.DRAFT)
    assert "Brouillon" in initiative.title
    pilot = Organisation.objects.published().order_by("pk").first()
    Involvement.objects.create(initiative=initiative, organisation=pilot, role="pilot")
    parent = Initiative.objects.published().get(pk=initiative.parent_id)
    Involvement.objects.create(initiative=parent, organisation=organisation, role="partner")
    event = Event.objects.create(
        initiative=initiative, title="Présentation du grand récit (brouillon)", kind="seminar",
        start="2099-01-15", status="planned", territory=initiative.territories.first(),
    )  # fmt: skip
    return {
        "initiative": initiative,
        "organisation": organisation,
        "pilot": pilot,
        "parent": parent,
        "forbidden": [
            initiative.title,
            initiative.get_absolute_url(),
            organisation.name,
            organisation.get_absolute_url(),
            event.title,
        ],
    }


def public_pages(drafts):
    initiative = drafts["initiative"]
    territories = list(initiative.territories.all())
    themes = list(initiative.themes.all())
    assert territories and themes
    return [
        "/",
        "/initiatives/",
        "/initiatives/?"
        + urlencode({"thematique": themes[0].slug, "territoire": territories[0].slug}),
        f"/initiatives/?acteur={drafts['pilot'].slug}",
        "/initiatives/?statut=planned&tri=debut",
        "/integrer/initiatives/",
        "/integrer/initiatives/?"
        + urlencode({"thematique": themes[0].slug, "territoire": territories[0].slug}),
        "/initiatives/integrer/?" + urlencode({"territoire": territories[0].slug}),
        "/acteurs/",
        "/territoires/",
        "/thematiques/",
        "/agenda/",
        "/documents/",
        *(territory.get_absolute_url() for territory in territories),
        *(theme.get_absolute_url() for theme in themes),
        drafts["parent"].get_absolute_url(),
        drafts["pilot"].get_absolute_url(),
        *(document.get_absolute_url() for document in initiative.documents.published()),
    ]


def test_no_public_page_shows_an_unpublished_record(client, drafts):
    for url in public_pages(drafts):
        response = client.get(url)
        assert response.status_code == 200, url
        html = response.content.decode()
        assert "brouillon" not in html.lower(), url
        for text in drafts["forbidden"]:
            assert text not in html, (url, text)


@pytest.mark.parametrize("words", ["Brouillon", "démonstration", "préparation", "récit TESR"])
def test_search_does_not_find_unpublished_records(client, drafts, words):
    response = client.get("/recherche/", {"q": words})
    assert response.status_code == 200
    html = response.content.decode()
    for text in drafts["forbidden"]:
        assert text not in html, text
    for section in response.context["sections"]:
        for hit in section.hits:
            record = hit.initiative if section.key == "evenements" else hit
            assert record.publication_state == PublicationState.PUBLISHED, hit
    assert "brouillon" not in response.context["suggestion"].lower()


def test_index_facets_offer_no_unpublished_record(client, drafts):
    response = client.get("/initiatives/")
    options = {
        facet.name: {(option.value, option.label) for option in facet.options}
        for facet in response.context["facets"]
    }
    published = set(Organisation.objects.published().values_list("slug", flat=True))
    assert drafts["organisation"].slug not in published
    assert {value for value, label in options["acteur"]} <= published
    assert drafts["pilot"].slug in {value for value, label in options["acteur"]}
    labels = {label for facet in options.values() for value, label in facet}
    for text in drafts["forbidden"]:
        assert not any(text in label for label in labels), text
    titles = {initiative.title for initiative in response.context["page"].object_list}
    assert drafts["initiative"].title not in titles


def test_draft_record_pages_are_not_found(client, drafts):
    assert client.get(drafts["initiative"].get_absolute_url()).status_code == 404
    assert client.get(drafts["organisation"].get_absolute_url()).status_code == 404


def test_home_counts_are_the_published_counts(client, drafts):
    response = client.get("/")
    published = Initiative.objects.published().count()
    organisations = Organisation.objects.published().count()
    assert Initiative.objects.count() > published and Organisation.objects.count() > organisations
    assert response.context["initiative_count"] == published
    assert response.context["organisation_count"] == organisations
    assert response.context["territory_count"] == Territory.objects.count()


def test_an_operation_is_related_to_the_other_operations_of_its_programme(client, demo_data):
    diabetes = Initiative.objects.get(slug="lutte-contre-le-diabete")
    siblings = Initiative.objects.published().filter(parent=diabetes.parent).exclude(pk=diabetes.pk)
    related = client.get(diabetes.get_absolute_url()).context["related"]
    assert {other.pk for other in related} == {other.pk for other in siblings}
    assert {other.related_because.split(" · ")[0] for other in related} == {"Même programme"}
    assert all(other.publication_state == PublicationState.PUBLISHED for other in related)
