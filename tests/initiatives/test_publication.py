import pytest
from django.urls import reverse

from actors.models import Involvement, Organisation
from initiatives.models import Initiative, PublicationState

pytestmark = pytest.mark.django_db

HIDDEN_STATES = [PublicationState.DRAFT, PublicationState.REVIEW, PublicationState.ARCHIVED]


@pytest.mark.parametrize("state", HIDDEN_STATES)
def test_published_hides_every_unpublished_state(make_initiative, state):
    visible = make_initiative()
    make_initiative(state=state)
    assert list(Initiative.objects.published()) == [visible]


@pytest.mark.parametrize("state", HIDDEN_STATES)
def test_published_hides_published_descendants_of_unpublished_parents(make_initiative, state):
    programme = make_initiative(state=state)
    operation = make_initiative(parent=programme)
    make_initiative(parent=operation)
    assert Initiative.objects.published().count() == 0


def test_published_keeps_children_of_published_parents(make_initiative):
    programme = make_initiative()
    operation = make_initiative(parent=programme)
    assert set(Initiative.objects.published()) == {programme, operation}


def test_publishing_stamps_the_date(make_initiative):
    draft = make_initiative(state=PublicationState.DRAFT)
    assert draft.published_at is None
    draft.set_publication_state(PublicationState.PUBLISHED)
    draft.save()
    assert draft.published_at is not None


def test_involvements_of_unpublished_actors_are_hidden(make_initiative, make_organisation):
    initiative = make_initiative()
    draft = make_organisation(state=PublicationState.DRAFT)
    public = make_organisation()
    for organisation in (draft, public):
        Involvement.objects.create(
            initiative=initiative, organisation=organisation, role=Involvement.Role.PARTNER
        )
    assert [i.organisation for i in Involvement.objects.published()] == [public]


@pytest.mark.parametrize("state", HIDDEN_STATES)
def test_the_public_gets_404_on_an_unpublished_initiative(client, make_initiative, state):
    initiative = make_initiative(state=state)
    assert client.get(initiative.get_absolute_url()).status_code == 404


def test_the_public_gets_404_on_a_child_of_a_draft(client, make_initiative):
    child = make_initiative(parent=make_initiative(state=PublicationState.DRAFT))
    assert client.get(child.get_absolute_url()).status_code == 404


def test_staff_preview_a_draft_with_a_warning(client, writer, make_initiative):
    draft = make_initiative("Brouillon secret", state=PublicationState.DRAFT)
    client.force_login(writer)
    response = client.get(draft.get_absolute_url())
    assert response.status_code == 200
    assert "Aperçu réservé aux agents" in response.content.decode()


def test_a_published_page_lists_only_published_children(client, make_initiative):
    programme = make_initiative("TESR")
    make_initiative("Gouvernance alimentaire", parent=programme)
    make_initiative("Opération en brouillon", parent=programme, state=PublicationState.DRAFT)
    html = client.get(programme.get_absolute_url()).content.decode()
    assert "Gouvernance alimentaire" in html
    assert "Opération en brouillon" not in html


@pytest.mark.parametrize("state", HIDDEN_STATES)
def test_unpublished_organisations_and_people_are_404(
    client, make_organisation, make_person, state
):
    assert client.get(make_organisation(state=state).get_absolute_url()).status_code == 404
    assert client.get(make_person(state=state).get_absolute_url()).status_code == 404


def test_contact_shown_only_with_consent(client, make_person):
    silent = make_person(email="silence@example.org")
    consenting = make_person(
        email="oui@example.org", contact_consent=True, consent_recorded_on="2026-01-01"
    )
    assert "silence@example.org" not in client.get(silent.get_absolute_url()).content.decode()
    assert "oui@example.org" in client.get(consenting.get_absolute_url()).content.decode()


def test_defunct_organisations_are_marked(client, make_organisation):
    organisation = make_organisation("Entre Signes et Cultures", is_defunct=True)
    html = client.get(organisation.get_absolute_url()).content.decode()
    assert "n'existe plus" in html


def test_a_territory_page_includes_sub_territories(client, make_territory, make_initiative):
    region = make_territory("Hauts-de-France", kind="region")
    commune = make_territory("Amiens", parent=make_territory("Somme", parent=region))
    initiative = make_initiative("Réseau picard")
    initiative.territories.add(commune)
    html = client.get(reverse("initiatives:territory", args=[region.slug])).content.decode()
    assert "Réseau picard" in html


def test_a_former_region_finds_what_is_filed_under_its_successor(make_territory, make_initiative):
    region = make_territory("Hauts-de-France", kind="region")
    picardie = make_territory("Picardie", kind="former_region", parent=region)
    picardie.successors.add(region)
    initiative = make_initiative()
    initiative.territories.add(region)
    assert list(Initiative.objects.published().in_territory(picardie)) == [initiative]


def test_organisation_queryset_has_the_one_road(make_organisation):
    make_organisation(state=PublicationState.REVIEW)
    assert Organisation.objects.published().count() == 0
