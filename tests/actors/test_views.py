"""Actor pages: bounded however many initiatives an organisation has, however many people."""

import re

import pytest

from actors.models import Funding, Involvement, Person
from actors.views import ROLE_PREVIEW
from initiatives.models import PublicationState

pytestmark = pytest.mark.django_db

BAD_PAGES = ["abc", "-1", "0", "1.5", "999999", "9" * 30, ""]


@pytest.fixture
def big_organisation(make_organisation, make_initiative):
    """Partner of ROLE_PREVIEW + 5 initiatives (one undated), funder of two, and involved in a
    draft and in the child of a draft."""
    organisation = make_organisation("Conseil régional")
    for number in range(ROLE_PREVIEW + 4):
        initiative = make_initiative(f"Partenariat {number:02d}", start=str(2000 + number))
        Involvement.objects.create(initiative=initiative, organisation=organisation, role="partner")
    undated = make_initiative("Partenariat sans date")
    Involvement.objects.create(initiative=undated, organisation=organisation, role="partner")
    for number in range(2):
        initiative = make_initiative(f"Financement {number}", start="2010")
        Involvement.objects.create(initiative=initiative, organisation=organisation, role="funder")
    draft = make_initiative("Brouillon", state=PublicationState.DRAFT, start="2030")
    child = make_initiative("Enfant d'un brouillon", parent=draft, start="2030")
    for initiative in (draft, child):
        Involvement.objects.create(initiative=initiative, organisation=organisation, role="pilot")
    return organisation


def test_organisation_page_groups_roles_with_the_most_recent_first(client, big_organisation):
    response = client.get(big_organisation.get_absolute_url())
    roles = response.context["roles"]
    assert [group["role"] for group in roles] == ["partner", "funder"]  # no pilot: drafts only
    partner, funder = roles
    assert partner["count"] == ROLE_PREVIEW + 5 and funder["count"] == 2
    shown = [involvement.initiative.title for involvement in partner["involvements"]]
    latest = ROLE_PREVIEW + 3
    assert shown == [
        f"Partenariat {number:02d}" for number in range(latest, latest - ROLE_PREVIEW, -1)
    ]
    html = response.content.decode()
    assert "Partenariat sans date" not in html  # undated come last
    assert "Brouillon" not in html and "Enfant" not in html
    slug = big_organisation.slug
    assert f'<a href="/initiatives/?acteur={slug}">Toutes ses initiatives' in html
    assert f'href="/initiatives/?acteur={slug}&amp;role=partner">Voir ses 15 initiatives' in html
    assert "role=funder" not in html  # both are shown
    assert '<h3 id="role-partner">Partenaire' in html


def test_organisation_page_query_count_does_not_grow_with_its_initiatives(
    client, big_organisation, make_initiative, django_assert_num_queries
):
    # The page cache, the organisation, role counts, the first rows of each role, fundings,
    # units, people, its network.
    with django_assert_num_queries(8):
        client.get(big_organisation.get_absolute_url())
    for number in range(30):
        initiative = make_initiative(f"Membre {number}")
        Involvement.objects.create(
            initiative=initiative, organisation=big_organisation, role="member"
        )
    with django_assert_num_queries(8):
        response = client.get(big_organisation.get_absolute_url() + "?encore")
    assert [group["role"] for group in response.context["roles"]] == ["partner", "funder", "member"]
    assert len(response.context["roles"][2]["involvements"]) == ROLE_PREVIEW


def test_organisation_page_is_read_once_a_version_and_follows_every_public_change(
    client, make_organisation, django_assert_num_queries
):
    organisation = make_organisation()
    url = organisation.get_absolute_url()
    client.get(url)
    # Another query string misses the page cache, not what the page shows: only the versions.
    for order in ("nom", "initiatives", ""):
        with django_assert_num_queries(1):
            assert client.get(url, {"tri": order, "utm_source": "lettre"}).status_code == 200
    # A committed public change (through update(), which sends no signal) is shown.
    type(organisation).objects.filter(pk=organisation.pk).update(description="Un réseau renouvelé.")
    assert "Un réseau renouvelé." in client.get(url, {"utm_source": "x"}).content.decode()
    type(organisation).objects.filter(pk=organisation.pk).update(
        publication_state=PublicationState.DRAFT
    )
    assert client.get(url, {"utm_source": "y"}).status_code == 404


def test_organisation_without_roles_says_so(client, make_organisation):
    html = client.get(make_organisation().get_absolute_url()).content.decode()
    assert "Aucun rôle publié." in html and "?acteur=" not in html


def test_organisation_shows_the_support_it_received_in_public_initiatives(
    client, make_organisation, make_initiative
):
    flexink = make_organisation("Flexink")
    club = make_initiative("Club Noé")
    draft = make_initiative("Club en préparation", state=PublicationState.DRAFT)
    Funding.objects.create(initiative=club, beneficiary=flexink, status="funded", note="projet")
    Funding.objects.create(initiative=draft, beneficiary=flexink, status="announced")
    html = client.get(flexink.get_absolute_url()).content.decode()
    assert "Soutiens reçus" in html
    assert "Aucun rôle publié." not in html and "Rôles dans les initiatives" not in html
    assert f'href="{club.get_absolute_url()}">Club Noé</a>' in html and "financé (projet)" in html
    assert "Club en préparation" not in html


# Actor index --------------------------------------------------------------------------------


@pytest.fixture
def many_people():
    Person.objects.bulk_create(
        Person(first_name="Camille", last_name=f"Martin {n:03d}", slug=f"camille-martin-{n}",
               publication_state="published")
        for n in range(205)
    )  # fmt: skip
    Person.objects.create(first_name="Agent", last_name="Secret", slug="agent-secret")


def test_actor_index_paginates_people_on_their_own(client, many_people, make_organisation):
    for _ in range(51):
        make_organisation()
    response = client.get("/acteurs/")
    people = response.context["people"]
    assert people.paginator.count == 205 and len(people.object_list) == 200
    html = response.content.decode()
    assert "205 personnes" in html and "Secret" not in html
    assert re.findall(r'href="([^"]+)" rel="next"', html) == [
        "?page=2#organisations",
        "?personnes=2#personnes",
    ]
    assert '<nav class="pagination" aria-label="Pages des personnes">' in html

    response = client.get("/acteurs/?page=2&personnes=2")
    assert [person.last_name for person in response.context["people"]] == [
        f"Martin {n}" for n in range(200, 205)
    ]
    assert response.context["page"].number == 2
    assert 'href="?page=2&amp;personnes=1#personnes" rel="prev"' in response.content.decode()


def test_actor_index_counts_once_a_version_and_follows_every_public_change(
    client, make_organisation, django_assert_num_queries
):
    first = make_organisation("Alpha")
    make_organisation("Beta")
    assert client.get("/acteurs/").context["page"].paginator.count == 2
    # Another page misses the page cache, not the counts: the versions, then the page's
    # organisations (no person to read).
    with django_assert_num_queries(2):
        assert client.get("/acteurs/", {"page": 2}).context["page"].paginator.count == 2
    # A committed public change (through update(), which sends no signal) is counted.
    type(first).objects.filter(pk=first.pk).update(publication_state=PublicationState.DRAFT)
    response = client.get("/acteurs/", {"page": 3})
    assert response.context["page"].paginator.count == 1
    assert "Alpha" not in response.content.decode()
    # Each type is counted on its own; a type that is not one is refused, and not kept.
    assert client.get("/acteurs/", {"type": first.kind}).context["page"].paginator.count == 1
    assert client.get("/acteurs/", {"type": "nimporte"}).status_code == 400


@pytest.mark.parametrize("number", BAD_PAGES)
def test_actor_index_clamps_bad_page_numbers(client, many_people, number):
    response = client.get("/acteurs/", {"page": number, "personnes": number})
    assert response.status_code == 200
    last = number in ("-1", "0", "999999", "9" * 30)
    assert response.context["people"].number == (2 if last else 1)
