"""Record pages: their query count is pinned and does not grow with related rows."""

import pytest
from django.urls import reverse

from actors.models import Affiliation, Funding, Involvement
from initiatives.models import Document, Event, KeyFigure, Milestone, Theme
from tests.support.factories import (
    kept_until_the_end,
    new_initiative,
    new_organisation,
    new_person,
    new_territory,
)

pytestmark = pytest.mark.django_db


def populate(initiative, organisation, person, territory, theme, size):
    for number in range(size):
        child = type(initiative).objects.create(
            title=f"Opération {number}",
            slug=f"{initiative.slug}-op-{number}",
            kind="operation",
            start=str(2000 + number) if number % 2 else None,  # a bar, or "dates non connues"
            parent=initiative,
            publication_state="published",
        )
        child.territories.add(territory)
        child.themes.add(theme)
        Milestone.objects.create(initiative=initiative, date=str(2000 + number), title="Jalon")
        Event.objects.create(
            initiative=initiative, title="Atelier", kind="workshop", territory=territory,
            start=f"2001-03-{number + 1:02d}" if number % 2 else None,  # on the strip, or not
        )  # fmt: skip
        KeyFigure.objects.create(
            initiative=initiative, value=number, label="emplois", date=str(2000 + number)
        )
        Involvement.objects.create(initiative=child, organisation=organisation, role="partner")
        Involvement.objects.create(initiative=child, person=person, role="contact")
        Involvement.objects.create(initiative=initiative, organisation=organisation, role="funder")
        Affiliation.objects.create(person=person, organisation=organisation, job_title="Chargée")
        document = Document.objects.create(
            title=f"Document {number}", slug=f"{initiative.slug}-doc-{number}", kind="report",
            publication_state="published",
        )  # fmt: skip
        initiative.documents.add(document)


def build(size):
    theme = Theme.objects.create(name=f"Thème {size}", slug=f"theme-{size}")
    territory = new_territory()
    initiative = new_initiative(f"Programme {size}")
    initiative.territories.add(territory)
    initiative.themes.add(theme)
    organisation, person = new_organisation(), new_person()
    company = new_organisation(kind="company")
    Funding.objects.create(initiative=initiative, beneficiary=company, status="funded")
    populate(initiative, organisation, person, territory, theme, size)
    return {
        "initiative": initiative.get_absolute_url(),
        "organisation": organisation.get_absolute_url(),
        "person": person.get_absolute_url(),
        "territory": territory.get_absolute_url(),
        "theme": reverse("initiatives:theme", args=[theme.slug]),
        "document": Document.objects.filter(slug__startswith=initiative.slug)
        .first()
        .get_absolute_url(),
    }


@pytest.fixture(scope="module")
def records(django_db_setup, django_db_blocker):
    """A small and a large set of records, built once for the module's tests, which only read
    them (each page is measured on both)."""
    with kept_until_the_end(django_db_blocker):
        yield build(1), build(12)


# Each count includes one lookup of the registry version by the page cache (portal.cache).
PINNED = {
    # The record, its 10 prefetches, how common its actors are, its related initiatives.
    "initiative": 15,  # and its network (it has children)
    "organisation": 8,  # its fundings and its network too
    "person": 4,
    "territory": 9,  # the events held there: a count and the first ones
    "theme": 5,
    "document": 4,
}


@pytest.mark.parametrize("page", PINNED)
def test_record_page_query_count_is_pinned_and_flat(
    page, records, client, django_assert_num_queries
):
    small, large = records
    for urls in (small, large):
        with django_assert_num_queries(PINNED[page]):
            response = client.get(urls[page])
        assert response.status_code == 200
