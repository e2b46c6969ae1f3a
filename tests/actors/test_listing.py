"""The listing of public initiatives follows every change that can alter it, in the same
transaction, and always equals what the publication rule says."""

import pytest
from django.core.management import call_command

from actors import listing
from actors.models import Involvement
from initiatives.models import Initiative, Listing, ListingTotal, PublicationState, Theme

pytestmark = pytest.mark.django_db

PUBLISHED, DRAFT = PublicationState.PUBLISHED, PublicationState.DRAFT


def row(initiative):
    return Listing.objects.filter(pk=initiative.pk).first()


def test_publishing_and_unpublishing_lists_and_unlists(make_initiative):
    initiative = make_initiative(state=DRAFT)
    assert row(initiative) is None
    initiative.publication_state = PUBLISHED
    initiative.save()
    assert row(initiative).sort_key == initiative.title.lower()
    initiative.publication_state = PublicationState.ARCHIVED
    initiative.save()
    assert row(initiative) is None
    assert listing.is_consistent()


def test_a_hidden_parent_hides_its_subtree_and_showing_it_brings_it_back(make_initiative):
    parent = make_initiative()
    child = make_initiative(parent=parent)
    grandchild = make_initiative(parent=child)
    assert row(grandchild) is not None and not row(grandchild).is_top_level
    parent.publication_state = DRAFT
    parent.save()
    assert Listing.objects.filter(pk__in=[parent.pk, child.pk, grandchild.pk]).count() == 0
    assert not Initiative.objects.published().filter(pk=grandchild.pk).exists()
    parent.publication_state = PUBLISHED
    parent.save()
    assert Listing.objects.filter(pk__in=[parent.pk, child.pk, grandchild.pk]).count() == 3
    # Moved under a draft, then out again.
    draft = make_initiative(state=DRAFT)
    child.parent = draft
    child.save()
    assert row(child) is None and row(grandchild) is None
    child.parent = None
    child.save()
    assert row(child).is_top_level and row(grandchild) is not None
    assert listing.is_consistent()


def test_themes_carry_their_ancestors_from_either_side_and_follow_moves(make_initiative):
    root = Theme.objects.create(name="Racine", slug="racine")
    leaf = Theme.objects.create(name="Feuille", slug="feuille", parent=root)
    other = Theme.objects.create(name="Autre", slug="autre")
    initiative = make_initiative()
    initiative.themes.add(leaf)
    assert sorted(row(initiative).themes) == sorted([root.pk, leaf.pk])
    leaf.parent = other
    leaf.save()
    assert sorted(row(initiative).themes) == sorted([other.pk, leaf.pk])
    other.initiative_set.add(make_initiative())  # the reverse side
    assert Listing.objects.filter(themes__contains=[other.pk]).count() == 2
    other.initiative_set.clear()
    assert Listing.objects.filter(themes__contains=[other.pk]).count() == 1  # through `leaf`
    leaf.delete()
    assert row(initiative).themes == []


def test_territories_carry_ancestors_predecessors_and_successors(make_initiative, make_territory):
    region = make_territory("Région", kind="region")
    former = make_territory("Ancienne région", kind="region")
    department = make_territory("Département", kind="department", parent=region)
    initiative = make_initiative()
    initiative.territories.add(department)
    assert sorted(row(initiative).territories) == sorted([region.pk, department.pk])
    former.successors.add(department)
    assert former.pk in row(initiative).territories
    former.successors.clear()
    assert former.pk not in row(initiative).territories
    # Filtering by the former region finds it through its successor, as the pages do.
    former.successors.add(department)
    assert Initiative.objects.published().in_territory(former).get() == initiative


def test_actors_and_roles_follow_involvements_and_publication(
    make_initiative, make_organisation, make_person
):
    initiative = make_initiative()
    organisation = make_organisation()
    person = make_person()
    involvement = Involvement.objects.create(
        initiative=initiative, organisation=organisation, role=Involvement.Role.PILOT
    )
    Involvement.objects.create(initiative=initiative, person=person, role=Involvement.Role.EXPERT)
    listed = row(initiative)
    assert listed.organisations == [organisation.pk]
    assert sorted(listed.roles) == ["expert", "pilot"]
    assert listed.organisation_roles == [f"{organisation.pk}:pilot"]
    organisation.publication_state = DRAFT
    organisation.save()
    listed = row(initiative)
    assert listed.organisations == [] and listed.roles == ["expert"]
    person.delete()
    assert row(initiative).roles == []
    organisation.publication_state = PUBLISHED
    organisation.save()
    other = make_initiative()
    involvement.initiative = other  # moved: both initiatives change
    involvement.save()
    assert row(initiative).organisations == [] and row(other).organisations == [organisation.pk]
    involvement.delete()
    assert row(other).organisations == []


def test_totals_follow_every_change(make_initiative, make_organisation, make_territory):
    place = make_territory("Corbeny")
    initiatives = [make_initiative() for _ in range(3)]
    for initiative in initiatives:
        initiative.territories.add(place)
    assert ListingTotal.objects.count_of("territories", place.pk) == 3
    initiatives[0].publication_state = DRAFT
    initiatives[0].save()
    assert ListingTotal.objects.count_of("territories", place.pk) == 2
    initiatives[1].territories.clear()
    assert ListingTotal.objects.count_of("territories", place.pk) == 1
    organisation = make_organisation()
    Involvement.objects.create(initiative=initiatives[2], organisation=organisation, role="pilot")
    assert ListingTotal.objects.count_of("organisations", organisation.pk) == 1
    assert ListingTotal.objects.count_of("roles", "pilot") >= 1
    assert listing.is_consistent()


def test_the_full_rebuild_equals_the_step_by_step_rows(demo_data_rows):
    before = demo_data_rows()
    call_command("refresh_listing", verbosity=0)
    assert demo_data_rows() == before
    assert listing.is_consistent()


@pytest.fixture
def demo_data_rows():
    call_command("load_demo", verbosity=0)

    def rows():
        return {
            entry.pk: (
                entry.is_top_level,
                entry.kind,
                entry.status,
                str(entry.start),
                str(entry.end),
                sorted(entry.themes),
                sorted(entry.territories),
                sorted(entry.organisations),
                sorted(entry.roles),
                sorted(entry.organisation_roles),
            )
            for entry in Listing.objects.all()
        }

    assert len(rows()) == Initiative.objects.with_public_lineage().count() > 10
    return rows
